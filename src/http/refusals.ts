import type { Context } from "hono";
import type { Refusal } from "../durable/contract";
import type { AppEnv } from "./app-env";
import {
	Conflict,
	HttpError,
	IntegrationNotFound,
	InvalidIntegrationKey,
	NotFound,
	ServiceUnavailable,
} from "./errors";

/**
 * The one mapping from a Durable Object's refusal reason to the wire. Statuses follow what
 * senders retry (see errors.ts): only a settings race is worth sending again. `keyHeader` names
 * the header a push's key came in (null: the URL).
 */
export function refusalError(refusal: Refusal, keyHeader: string | null = null): HttpError {
	switch (refusal.reason) {
		case "unknown_key":
			// Never 401 (EventBridge retries it for a day): a URL naming nothing is 404, a header
			// credential that matches nothing is a wrong key, 403.
			return keyHeader === null ? new IntegrationNotFound() : new InvalidIntegrationKey(keyHeader);
		case "settings_changed":
			// The worker retries with the settings it was given; reaching here means it could not.
			return new ServiceUnavailable(
				"SettingsChanged",
				"the integration's settings changed while this push was handled; send it again",
			);
		case "rate_limited": {
			const seconds = Math.max(1, Math.ceil(refusal.retryAfterMs / 1000));
			return new HttpError(
				429,
				"RateLimited",
				`this integration is over its rate limit (settings.rate_limit, counted in alerts; a request is taken whole or not at all): retry in ${seconds} s`,
				{ "Retry-After": String(seconds) },
			);
		}
		case "alerts_over_burst":
			return new HttpError(
				413,
				"TooManyAlertsForBurst",
				`this request carries ${refusal.alerts} alerts, more than this integration's rate limit lets through at once (settings.rate_limit.burst is ${refusal.burst}): send at most ${refusal.burst} per request, or raise the burst`,
			);
		case "too_many_open_alerts":
			return new HttpError(
				429,
				"TooManyOpenAlerts",
				`this integration already has ${refusal.limit} alerts firing, the most it holds: resolve some (auto_resolve_after can) and the sender's retry will go through`,
				{ "Retry-After": "60" },
			);
		case "integration_deleted":
			return new HttpError(404, "IntegrationNotFound", "this integration has been deleted");
		case "idempotency_key_reused":
			return new HttpError(
				422,
				"IdempotencyKeyReused",
				"this Idempotency-Key was already used with a different body; use a new key for a new event",
			);
		case "topic_not_accepted":
			return new HttpError(
				403,
				"TopicNotAccepted",
				`messages from ${refusal.topic} are refused: this integration accepts only ${refusal.accepted} (DELETE /api/v1/integrations/{id}/topic to unpin it)`,
			);
		case "sns_message_stale":
			return new HttpError(
				403,
				"SnsMessageTooOld",
				`the SNS message was published at ${new Date(refusal.sentAt).toISOString()}, more than ${refusal.maxAgeMs / 3_600_000} hours ago: SNS retries for at most an hour, so this is a replay`,
			);
		case "sns_message_future":
			return new HttpError(
				403,
				"SnsMessageFromTheFuture",
				`the SNS message says it was published at ${new Date(refusal.sentAt).toISOString()}, later than now: it was not sent by SNS`,
			);
		case "incident_not_found":
			return new HttpError(
				404,
				"IncidentNotFound",
				`no incident has id ${JSON.stringify(refusal.id)}`,
			);
		case "incident_resolved":
			return new HttpError(
				409,
				"IncidentResolved",
				"this incident is already resolved; a new trigger opens a new incident",
			);
		// The admin API calls a notification a delivery.
		case "notification_not_found":
			return new NotFound(
				"DeliveryNotFound",
				`delivery ${refusal.id} is gone (its incident was pruned)`,
			);
		case "notification_not_failed":
			return new Conflict(
				"DeliveryNotFailed",
				`delivery ${refusal.id} has not failed: only failed deliveries can be retried`,
			);
	}
}

/**
 * Marks the refusal a request was answered with, whatever protocol's shape the answer took, for
 * the push routes' log line and counter (`observePushes`).
 */
export function noteRefusal(c: Context<AppEnv>, error: HttpError): void {
	c.set("refused", error);
}
