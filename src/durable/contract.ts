import * as z from "zod";
import { AlertStatus, type ApiAlert } from "../alerts/alert";
import type { AlertEvent } from "../alerts/event";
import type { ApiIncident } from "../incidents/incident";

/**
 * The integration Durable Object's RPC contract: what callers send and what comes back. Callers
 * import this file, never the class. Below HTTP a refusal is a reason; `refusalError` in
 * src/http/refusals.ts is the one place that turns a reason into a status, code and message.
 */

/** What one event did: the alert it touched (if any) and how. */
export const PushResult = z.enum(["opened", "updated", "resolved", "ignored", "stale"]);
export type PushResult = z.infer<typeof PushResult>;

export const PushData = z.object({
	alert_key: z.string().nullable(),
	alert_id: z.string().nullable(),
	alert_status: AlertStatus.nullable(),
	result: PushResult,
});
export type PushData = z.infer<typeof PushData>;

/** A delivery's identity: a retry with the same key is answered from the first time. */
export type Delivery = { key: string; fingerprint: string };

/** The SNS topic a message came from, and the one the integration's settings require (if any). */
export type TopicCheck = { arn: string; required: string | null };

export type Push = {
	integrationId: string;
	/**
	 * What the delivery says, in order: usually one event; several for a Security Hub batch; none
	 * for a state the integration ignores (the delivery is still recorded and counted).
	 */
	events: AlertEvent[];
	delivery: Delivery | null;
	topic?: TopicCheck;
	/** The integration's `auto_resolve_after` in ms, or null when off. */
	autoResolveAfterMs: number | null;
	/** The routing config version the worker read with the key; a newer one reloads routing. */
	configVersion?: number;
};

/** Why the object refused: data, not HTTP. */
export type Refusal = { ok: false } & (
	| { reason: "integration_deleted" }
	| { reason: "idempotency_key_reused" }
	| { reason: "topic_not_accepted"; topic: string; accepted: string }
	| { reason: "incident_not_found"; id: string }
	| { reason: "incident_resolved" }
);

export type IngestReply = { ok: true; data: PushData[]; replayed: boolean } | Refusal;

/** A page of alerts, newest first; `next_seq` is where the next page starts (null: none). */
export type AlertPage = { alerts: ApiAlert[]; next_seq: number | null };
export type IncidentDetail = ApiIncident & { alerts: ApiAlert[] };
export type IncidentReply = { ok: true; incident: IncidentDetail } | Refusal;

export type SubscriptionChange =
	| { kind: "confirmed"; topic: TopicCheck; subscriptionArn: string | null }
	| { kind: "unsubscribed"; topic: TopicCheck };

export const TopicPinnedBy = z.enum(["settings", "confirmation", "notification"]);
export const SubscriptionStatus = z.enum(["none", "confirmed", "receiving", "unsubscribed"]);

/** What GET /api/v1/integrations/{id} shows of an SNS integration. */
export type SnsStatus = {
	topic_arn: string | null;
	topic_pinned_by: z.infer<typeof TopicPinnedBy> | null;
	topic_pinned_at: string | null;
	subscription_status: z.infer<typeof SubscriptionStatus>;
	subscription_arn: string | null;
	confirmed_at: string | null;
	unsubscribed_at: string | null;
	last_message_at: string | null;
};

export type AlertQuery = { status?: AlertStatus; limit: number; cursor?: number };
