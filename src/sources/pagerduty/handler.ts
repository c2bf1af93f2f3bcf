import type { Context } from "hono";
import type { AppEnv } from "../../http/app-env";
import { HttpError } from "../../http/errors";
import { noteRefusal } from "../../http/refusals";
import { parseJson, valueOrThrow } from "../../http/validation";
import { redactKeys } from "../../security/secrets";
import { wrongFormat } from "../formats";
import { ingestPush, type PushHandler } from "../ingest";
import { normalizePagerDuty } from "./normalize";

/**
 * A PagerDuty Events API v2 event (at /v2/enqueue, or at the integration's push URL), answered
 * as PagerDuty answers: 202 with the dedup_key. PagerDuty events carry no delivery id: a retried
 * event is told apart by its dedup_key (a repeated trigger updates its alert, a repeated resolve
 * or acknowledge changes nothing).
 */
export const handlePagerDutyPush: PushHandler = async (c, target, text) => {
	try {
		const body = parseJson(text);
		const normalized = await normalizePagerDuty(body, Date.now());
		if (!normalized.ok) {
			// Another sender's format (an Alertmanager webhook sent here) says which type takes it.
			const wrong = wrongFormat(body, target.type);
			if (wrong !== null) throw wrong;
		}
		const { event, dedupKey } = valueOrThrow(normalized);
		await ingestPush(c, target, {
			events: [event],
			receipt: null,
		});
		return c.json({ status: "success", message: "Event processed", dedup_key: dedupKey }, 202);
	} catch (error) {
		if (error instanceof HttpError) return pagerDutyError(c, error);
		throw error;
	}
};

/** A body that is not JSON, answered as PagerDuty does. */
export function unrecognizedEvent(c: Context<AppEnv>) {
	noteRefusal(c, new HttpError(400, "UnrecognizedObject", "the body is not JSON"));
	return c.json(
		{
			status: "Unrecognized object",
			message: "Event object format is unrecognized",
			errors: ["JSON parse error"],
			request_id: c.get("requestId"),
		},
		400,
	);
}

/**
 * A refusal in PagerDuty's shape (https://developer.pagerduty.com/docs/send-alert-event):
 * `{status, message, errors}`, with the statuses PagerDuty clients act on: 400 is never retried,
 * 429 and 5xx are. `request_id` (also in X-Request-Id) is alertgate's addition.
 */
export function pagerDutyError(c: Context<AppEnv>, error: HttpError) {
	noteRefusal(c, error);
	const reason = redactKeys(error.message);
	if (error.status === 429) {
		return c.json(
			{
				status: "throttle exceeded",
				message: "Requests for this service are arriving too quickly. Please retry later.",
				errors: [reason],
				request_id: c.get("requestId"),
			},
			429,
			error.headers,
		);
	}
	if (error.status >= 500) {
		return c.json(
			{ status: "error", message: reason, errors: [reason], request_id: c.get("requestId") },
			error.status,
			error.headers,
		);
	}
	// An unknown or deleted routing key is an invalid event to PagerDuty, never a 404.
	const unknownKey = error.code === "IntegrationNotFound" || error.code === "InvalidIntegrationKey";
	return c.json(
		{
			status: "invalid event",
			message: "Event object is invalid",
			errors: [
				unknownKey
					? "routing_key matches no integration: check the key (rotated and deleted keys stop working at once)"
					: reason,
			],
			request_id: c.get("requestId"),
		},
		unknownKey ? 400 : error.status,
		error.headers,
	);
}
