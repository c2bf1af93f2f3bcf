import * as z from "zod/mini";
import { AlertStatus, type ApiAlert, MutedBy } from "../alerts/alert";
import { type AlertEvent, Labels, Severity } from "../alerts/event";
import type { ApiChange, ChangeEvent, ChangeRecord } from "../changes/change";
import { DownReason, HeartbeatStatus, PingKind } from "../heartbeat/lifecycle";
import type { ApiIncident } from "../incidents/incident";
import type { Settings } from "../integrations/settings";
import type { IntegrationType } from "../integrations/type";
import type { RoutingSnapshot } from "../routing/snapshot";
import type { OutboxRow } from "./state/outbox";

/**
 * The integration Durable Object's RPC contract: what callers send and what comes back. Callers
 * import this file, never the class. Below HTTP a refusal is a reason; `refusalError` is the one
 * place that turns a reason into a status, code and message.
 */

/** What one event did: the alert it touched (if any) and how (`dropped`: by the alert pipeline). */
export const PushResult = z.enum([
	"opened",
	"updated",
	"resolved",
	"acknowledged",
	"ignored",
	"stale",
	"dropped",
	/** Alertmanager's Watchdog, taken as a heartbeat (the `watchdog` setting): no alert. */
	"heartbeat",
]);
export type PushResult = z.infer<typeof PushResult>;

export const PushData = z.object({
	alert_key: z.nullable(z.string()),
	alert_id: z.nullable(z.string()),
	alert_status: z.nullable(AlertStatus),
	result: PushResult,
	/** The open incident the alert is in after the event (the first, when routed to several). */
	incident_id: z.nullable(z.string()),
	/** Why an alert that is firing opened or joined no incident: what mutes it (alert.ts). */
	muted_by: MutedBy,
});
export type PushData = z.infer<typeof PushData>;

/** An answer that names no alert (an ignored state, a dropped event: spread and set those). */
export const NO_ALERT: PushData = {
	alert_key: null,
	alert_id: null,
	alert_status: null,
	result: "ignored",
	incident_id: null,
	muted_by: null,
};

/**
 * A push's receipt: its idempotency id and a fingerprint of what it said. A retry with the same
 * key is answered from the first time; the same key with another fingerprint is refused.
 */
export type Receipt = { key: string; fingerprint: string };

/**
 * An SNS message's topic, and when SNS published it (its signed `Timestamp`), which the object
 * holds to a window. The topic the settings require, if any, the object holds itself.
 */
export type TopicCheck = { arn: string; sentAt: number };

export type Push = {
	integrationId: string;
	/**
	 * What the push says, in order: usually one event; several for a Security Hub batch; none
	 * for a state the integration ignores (the push is still recorded and counted).
	 */
	events: AlertEvent[];
	receipt: Receipt | null;
	topic?: TopicCheck;
	auth: PushAuth;
	/** Alertmanager's Watchdog came firing (its event is not among `events`): see state/watches.ts. */
	watchdog?: true;
};

/**
 * Who vouches for the push. `key`: the object itself checks the key's hash, and the settings
 * the worker normalized with must be the object's current ones. `d1`: a key of the old format,
 * which the worker found in D1 with the integration's settings, which the object takes when they
 * changed; the routing copy is reloaded when D1's config version moved.
 */
export type PushAuth =
	| { kind: "key"; keyHash: string; settingsVersion: number }
	| { kind: "d1"; configVersion: number; settings: Settings };

/** What the worker needs to handle a push, as the object holds it. */
export type IntegrationConfig = {
	type: IntegrationType;
	settings: Settings;
	/** Moves with every settings change, so a worker's copy can be checked in one comparison. */
	settingsVersion: number;
};

/** Everything the object needs to take pushes without D1: sent on create and on rotate. */
export type Provision = {
	integrationId: string;
	type: IntegrationType;
	/** The object reads what it acts on from these (`intakeSettingsOf`). */
	settings: Settings;
	keyHash: string;
	routing: RoutingSnapshot;
};

/** A settings change (PATCH), with the routing it implies when the channel changed. */
export type Configuration = { settings: Settings; routing?: RoutingSnapshot };

export type DescribeReply = { ok: true; config: IntegrationConfig } | Refusal;

/** Why the object refused: data, not HTTP. */
export type Refusal = { ok: false } & (
	| { reason: "integration_deleted" }
	| { reason: "rate_limited"; retryAfterMs: number }
	/** One push carries more alerts than the rate limit's burst: no wait would let it through. */
	| { reason: "alerts_over_burst"; alerts: number; burst: number }
	/** A new alert would pass the most an integration holds firing; nothing was written. */
	| { reason: "too_many_open_alerts"; limit: number }
	/** No integration holds this key (unknown, rotated out or deleted). */
	| { reason: "unknown_key" }
	/** The worker normalized with settings older than the object's: these are the current ones. */
	| { reason: "settings_changed"; config: IntegrationConfig }
	| { reason: "idempotency_key_reused" }
	| { reason: "topic_not_accepted"; topic: string; accepted: string }
	/** An SNS message published outside the window in which its MessageId is remembered. */
	| { reason: "sns_message_stale"; sentAt: number; maxAgeMs: number }
	| { reason: "sns_message_future"; sentAt: number }
	| { reason: "incident_not_found"; id: string }
	| { reason: "incident_resolved" }
	/** No notification has this id (its incident was pruned). */
	| { reason: "notification_not_found"; id: string }
	/** Only a failed notification is sent again. */
	| { reason: "notification_not_failed"; id: string }
);

export type IngestReply = { ok: true; data: PushData[]; replayed: boolean } | Refusal;

/**
 * What one event of a previewed push would become, with the integration's pipeline and routing
 * applied: nothing is stored and no incident opens.
 */
export const PreviewAlert = z.object({
	alert_key: z.string(),
	/** acknowledged: a PagerDuty `acknowledge`, which acknowledges the key's open incidents. */
	status: z.enum(["firing", "resolved", "acknowledged"]),
	/**
	 * What the push would do to the alert as it stands now: open it, update the firing one,
	 * resolve it, acknowledge its incidents, or nothing (a recovery or acknowledgement with
	 * nothing firing).
	 */
	result: z.enum(["opened", "updated", "resolved", "acknowledged", "ignored"]),
	title: z.nullable(z.string()),
	severity: z.nullable(Severity),
	description: z.nullable(z.string()),
	labels: Labels,
	/** The channels it routes to when it opens (empty: unrouted). */
	channels: z.array(z.string()),
	/** The silence that would mute it, if one is active now. */
	silenced_by: z.nullable(z.string()),
	/** Why its sender holds back its actions (a CloudWatch composite alarm's), which mutes it too. */
	suppressed_by: z.nullable(z.string()),
});
export type PreviewAlert = z.infer<typeof PreviewAlert>;

export const PreviewData = z.object({
	alerts: z.array(PreviewAlert),
	/** How many alerts the integration's pipeline would drop. */
	dropped: z.number(),
	/** What a push of this body does besides alerts (an SNS subscription confirmed), if anything. */
	note: z.optional(z.string()),
});
export type PreviewData = z.infer<typeof PreviewData>;

/** A page of alerts, newest first; `next_seq` is where the next page starts (null: none). */
export type AlertPage = { alerts: ApiAlert[]; next_seq: number | null };
/**
 * An incident with its alerts, and the change events of its integration in the hour before it
 * opened (RECENT_CHANGES_WINDOW_MS), newest first.
 */
export type IncidentDetail = ApiIncident & { alerts: ApiAlert[]; recent_changes: ApiChange[] };
export type IncidentReply = { ok: true; incident: IncidentDetail } | Refusal;

/** A failed notification, queued again. */
export type RetryReply = { ok: true; notification: OutboxRow } | Refusal;

export type SubscriptionChange =
	| { kind: "confirmed"; topic: TopicCheck; messageId: string; subscriptionArn: string | null }
	| { kind: "unsubscribed"; topic: TopicCheck; messageId: string };

/** Whether a SubscriptionConfirmation may be followed; a replay of one already followed is not. */
export type ConfirmationCheck = { ok: true; replayed: boolean } | Refusal;

/** What GET /api/v1/integrations/{id} shows of an SNS integration. */
export type SnsStatus = {
	topic_arn: string | null;
	topic_pinned_by: "settings" | "confirmation" | "notification" | null;
	topic_pinned_at: string | null;
	subscription_status: "none" | "confirmed" | "receiving" | "unsubscribed";
	subscription_arn: string | null;
	confirmed_at: string | null;
	unsubscribed_at: string | null;
	last_message_at: string | null;
};

/** A change event for the integration's object to keep, and who vouches for it (as for a push). */
export type ChangePush = { integrationId: string; change: ChangeEvent; auth: PushAuth };
export type ChangeReply = { ok: true; id: string } | Refusal;
/** A page of an incident's timeline: after entry `after` (a `seq`), at most `limit`. */
export type TimelineQuery = { after?: number; limit: number };

/** A page of change events, newest first; `after` is the last of the previous page. */
export type ChangeQuery = {
	limit: number;
	after?: { occurred_at: number; id: string } | undefined;
};
export type ChangePage = ChangeRecord[];

export type AlertQuery = { status?: AlertStatus; limit: number; cursor?: number };

/** A heartbeat's ping, as the worker read it: the key's hash, what it says, what it carried. */
export type PingSignal = {
	keyHash: string;
	kind: PingKind;
	exitStatus: number | null;
	method: string;
	/** What the script printed, already cut to MAX_PING_BODY_BYTES. */
	body: string;
};

/** A ping is taken, or its key is no heartbeat's (a different type's answers otherwise). */
export type PingReply =
	| { ok: true }
	| { ok: false; reason: "unknown_key" }
	| { ok: false; reason: "not_a_heartbeat"; type: IntegrationType };

/** What GET /api/v1/integrations/{id} shows of a heartbeat integration. */
export const HeartbeatView = z.object({
	status: HeartbeatStatus,
	down_reason: z.nullable(DownReason),
	last_ping_at: z.nullable(z.string()),
	last_ping_kind: z.nullable(PingKind),
	last_success_at: z.nullable(z.string()),
	/** A run announced by /start and not ended yet. */
	started_at: z.nullable(z.string()),
	/** When the next success is due, and when the heartbeat goes down without one. */
	next_due_at: z.nullable(z.string()),
	down_at: z.nullable(z.string()),
});
export type HeartbeatView = z.infer<typeof HeartbeatView>;

/** One ping as `GET …/pings` lists it. */
export const PingView = z.object({
	at: z.string(),
	kind: PingKind,
	exit_status: z.nullable(z.number()),
	/** From the run's /start to this ping, in milliseconds. */
	run_ms: z.nullable(z.number()),
	method: z.string(),
	body: z.string(),
});
export type PingView = z.infer<typeof PingView>;
