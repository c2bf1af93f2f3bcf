import type { Refusal } from "../durable/contract";
import { HttpError } from "./errors";

/**
 * The one mapping from a Durable Object's refusal reason to the wire. Statuses follow what
 * senders retry (see errors.ts): none of these can succeed by sending the same thing again.
 */
export function refusalError(refusal: Refusal): HttpError {
	switch (refusal.reason) {
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
	}
}
