import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { Alert, type AlertStatus, type ApiAlert, alertToApi, iso } from "../alerts/alert";
import type { AlertEvent } from "../alerts/event";
import { applyEvent, expireAlert, type Outcome } from "../alerts/lifecycle";
import { mirrorIntegrationStats } from "../db/integrations";
import { migrate } from "./migrations";

/** How long a delivery id (Idempotency-Key, SNS MessageId, EventBridge id) is remembered. */
export const DELIVERY_TTL_MS = 24 * 60 * 60 * 1000;
/** A ceiling on remembered deliveries, so a flood cannot grow the table without bound. */
export const MAX_DELIVERIES = 200_000;
/** Counters reach the D1 mirror this long after the event that changed them. */
export const MIRROR_DELAY_MS = 1_000;
/** After a failed mirror write, the alarm tries again this much later. */
export const MIRROR_RETRY_MS = 30_000;

export type PushData = {
	alert_key: string | null;
	alert_id: string | null;
	alert_status: AlertStatus | null;
	result: Outcome["result"];
};

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
};

export type Refusal = { ok: false; status: 403 | 404 | 422; code: string; message: string };
export type IngestReply = { ok: true; data: PushData[]; replayed: boolean } | Refusal;

export type AlertPage = { alerts: ApiAlert[]; next_cursor: string | null };

export type SubscriptionChange =
	| { kind: "confirmed"; topic: TopicCheck; subscriptionArn: string | null }
	| { kind: "unsubscribed"; topic: TopicCheck };

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

const AlertRow = Alert.extend({
	seq: z.number(),
	labels: z.string().transform((text) => JSON.parse(text) as unknown),
	images: z.string().transform((text) => JSON.parse(text) as unknown),
}).transform(({ seq, ...rest }) => ({ seq, alert: Alert.parse(rest) }));

const DeliveryRow = z.object({ fingerprint: z.string(), body: z.string() });

const DELETED: Refusal = {
	ok: false,
	status: 404,
	code: "IntegrationNotFound",
	message: "this integration has been deleted",
};

/**
 * One instance per integration, addressed by the integration id. It serializes everything that
 * must be serialized per integration: topic pinning, deduplication, idempotency and alert state.
 * Each public method does its reads and writes synchronously inside one transaction, so two
 * concurrent pushes for one key can never both see "nothing firing".
 */
export class IntegrationDurableObject extends DurableObject<Env> {
	private readonly sql: SqlStorage;
	/** When the storage alarm is set for: undefined until read, null when none is set. */
	private alarmAt: number | null | undefined;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.sql = ctx.storage.sql;
		ctx.blockConcurrencyWhile(async () => migrate(this.sql));
	}

	async ingest(push: Push): Promise<IngestReply> {
		if (this.getMeta("deleted") !== null) return DELETED;

		const reply = this.ctx.storage.transactionSync((): IngestReply => {
			this.rememberAutoResolve(push.autoResolveAfterMs);
			if (push.topic !== undefined) {
				const refusal = this.acceptTopic(push.topic, "notification");
				if (refusal !== null) return refusal;
				this.setMeta("last_message_at", String(Date.now()));
			}

			if (push.delivery !== null) {
				const seen = this.sql
					.exec("SELECT fingerprint, body FROM deliveries WHERE key = ?", push.delivery.key)
					.toArray()[0];
				if (seen !== undefined) {
					const previous = DeliveryRow.parse(seen);
					if (previous.fingerprint !== push.delivery.fingerprint) {
						return {
							ok: false,
							status: 422,
							code: "IdempotencyKeyReused",
							message:
								"this Idempotency-Key was already used with a different body; use a new key for a new event",
						};
					}
					return { ok: true, data: JSON.parse(previous.body) as PushData[], replayed: true };
				}
			}

			const data = push.events.map((event) => this.apply(event));
			this.countEvent(push.integrationId);
			if (push.delivery !== null) {
				this.sql.exec(
					"INSERT INTO deliveries (key, fingerprint, status, body, received_at) VALUES (?, ?, 200, ?, ?)",
					push.delivery.key,
					push.delivery.fingerprint,
					JSON.stringify(data),
					Date.now(),
				);
			}
			return { ok: true, data, replayed: false };
		});

		if (reply.ok && !reply.replayed) await this.alarmBy(Date.now() + MIRROR_DELAY_MS);
		return reply;
	}

	/** Applies a changed `auto_resolve_after` (PATCH) to the alerts already firing. */
	async configure(settings: { autoResolveAfterMs: number | null }): Promise<void> {
		if (this.getMeta("deleted") !== null) return;
		this.rememberAutoResolve(settings.autoResolveAfterMs);
		const due = this.nextTimeoutAt();
		if (due !== null) await this.alarmBy(due);
	}

	/** Whether an SNS subscription for this topic may be confirmed (nothing else pinned). */
	topicAllowed(topic: TopicCheck): Refusal | null {
		if (this.getMeta("deleted") !== null) return DELETED;
		const effective = topic.required ?? this.getMeta("topic_arn");
		return effective === null || effective === topic.arn ? null : wrongTopic(topic.arn, effective);
	}

	/** Records a confirmed subscription (pinning its topic) or an unsubscribe. */
	recordSubscription(change: SubscriptionChange): Refusal | null {
		if (this.getMeta("deleted") !== null) return DELETED;
		return this.ctx.storage.transactionSync(() => {
			// Only a confirmation pins; an unsubscribe must merely come from the accepted topic.
			const refusal =
				change.kind === "confirmed"
					? this.acceptTopic(change.topic, "confirmation")
					: this.topicAllowed(change.topic);
			if (refusal !== null) return refusal;
			const now = String(Date.now());
			if (change.kind === "confirmed") {
				this.setMeta("subscription_status", "confirmed");
				this.setMeta("confirmed_at", now);
				if (change.subscriptionArn !== null) {
					this.setMeta("subscription_arn", change.subscriptionArn);
				}
			} else {
				this.setMeta("subscription_status", "unsubscribed");
				this.setMeta("unsubscribed_at", now);
			}
			return null;
		});
	}

	snsStatus(requiredTopic: string | null): SnsStatus {
		const pinned = this.getMeta("topic_arn");
		const time = (key: string) => {
			const value = this.getMeta(key);
			return value === null ? null : iso(Number(value));
		};
		const status = this.getMeta("subscription_status");
		return {
			topic_arn: requiredTopic ?? pinned,
			topic_pinned_by:
				requiredTopic !== null
					? "settings"
					: (this.getMeta("topic_pinned_by") as SnsStatus["topic_pinned_by"]),
			topic_pinned_at: requiredTopic !== null ? null : time("topic_pinned_at"),
			subscription_status:
				status === "confirmed" || status === "unsubscribed"
					? status
					: this.getMeta("last_message_at") !== null
						? "receiving"
						: "none",
			subscription_arn: this.getMeta("subscription_arn"),
			confirmed_at: time("confirmed_at"),
			unsubscribed_at: time("unsubscribed_at"),
			last_message_at: time("last_message_at"),
		};
	}

	/** Forgets the pinned topic: the next confirmation or notification pins again. */
	unpinTopic(): void {
		for (const key of ["topic_arn", "topic_pinned_by", "topic_pinned_at"]) {
			this.sql.exec("DELETE FROM meta WHERE key = ?", key);
		}
	}

	listAlerts(query: { status?: AlertStatus; limit: number; cursor?: number }): AlertPage {
		const rows = this.sql
			.exec(
				`SELECT * FROM alerts WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR seq < ?2)
				 ORDER BY seq DESC LIMIT ?3`,
				query.status ?? null,
				query.cursor ?? null,
				query.limit + 1,
			)
			.toArray()
			.map((row) => AlertRow.parse(row));
		const page = rows.slice(0, query.limit);
		const last = page.at(-1);
		return {
			alerts: page.map((row) => alertToApi(row.alert)),
			next_cursor: rows.length > query.limit && last !== undefined ? String(last.seq) : null,
		};
	}

	/** Wipes every alert and delivery, and refuses pushes from now on. */
	async destroy(): Promise<void> {
		await this.ctx.storage.deleteAlarm();
		await this.ctx.storage.deleteAll();
		this.alarmAt = null;
		migrate(this.sql);
		this.setMeta("deleted", String(Date.now()));
	}

	/**
	 * One alarm does the periodic work: resolve timed-out alerts, mirror counters to D1, forget
	 * old deliveries, then re-arm for whichever is due next. It never throws, so the runtime's
	 * bounded alarm retries are not relied on: a failed D1 write re-arms itself.
	 */
	override async alarm(): Promise<void> {
		this.alarmAt = null;
		if (this.getMeta("deleted") !== null) return;
		const now = Date.now();
		this.pruneDeliveries(now);
		this.expireAlerts(now);

		let next = this.nextTimeoutAt() ?? Number.POSITIVE_INFINITY;
		const mirror = await this.mirrorStats();
		if (mirror === "failed") next = Math.min(next, now + MIRROR_RETRY_MS);
		if (mirror === "behind") next = Math.min(next, now + MIRROR_DELAY_MS);
		if (Number.isFinite(next)) await this.alarmBy(next);
	}

	/** Copies the counters to D1 if they changed since the last copy. */
	private async mirrorStats(): Promise<"done" | "behind" | "failed"> {
		const integrationId = this.getMeta("integration_id");
		const version = Number(this.getMeta("stats_version") ?? 0);
		if (integrationId === null || version === Number(this.getMeta("mirrored_version") ?? 0)) {
			return "done";
		}
		try {
			await mirrorIntegrationStats(this.env.DB, integrationId, {
				event_count: Number(this.getMeta("event_count") ?? 0),
				last_event_at: Number(this.getMeta("last_event_at") ?? 0) || null,
			});
		} catch (error) {
			console.error("mirror write failed; retrying", { integrationId, error: String(error) });
			return "failed";
		}
		this.setMeta("mirrored_version", String(version));
		// Events that arrived while D1 was being written are mirrored on the next run.
		return Number(this.getMeta("stats_version")) === version ? "done" : "behind";
	}

	private expireAlerts(now: number): void {
		const after = this.autoResolveMs();
		if (after === null) return;
		this.ctx.storage.transactionSync(() => {
			const expired = this.sql
				.exec("SELECT * FROM alerts WHERE status = 'firing' AND last_received_at <= ?", now - after)
				.toArray();
			for (const row of expired) this.saveAlert(expireAlert(AlertRow.parse(row).alert, now));
		});
	}

	private nextTimeoutAt(): number | null {
		const after = this.autoResolveMs();
		if (after === null) return null;
		const row = this.sql
			.exec("SELECT min(last_received_at) AS oldest FROM alerts WHERE status = 'firing'")
			.one();
		return row.oldest === null ? null : Number(row.oldest) + after;
	}

	private rememberAutoResolve(ms: number | null): void {
		const value = ms === null ? "off" : String(ms);
		if (this.getMeta("auto_resolve_after_ms") !== value) {
			this.setMeta("auto_resolve_after_ms", value);
		}
	}

	private autoResolveMs(): number | null {
		const value = this.getMeta("auto_resolve_after_ms");
		return value === null || value === "off" ? null : Number(value);
	}

	private apply(event: AlertEvent): PushData {
		const outcome = applyEvent(
			this.firingAlert(event.alert_key),
			event,
			() => crypto.randomUUID(),
			event.ordered ? this.lastStateAt(event.alert_key) : null,
		);
		if (outcome.alert !== null) this.saveAlert(outcome.alert, Date.now());
		if (event.ordered && outcome.result !== "stale") {
			this.sql.exec(
				`INSERT INTO key_states (alert_key, last_state_at) VALUES (?, ?)
				 ON CONFLICT (alert_key) DO UPDATE SET last_state_at = excluded.last_state_at`,
				event.alert_key,
				event.occurred_at,
			);
		}
		return {
			alert_key: event.alert_key,
			alert_id: outcome.alert?.id ?? null,
			alert_status: outcome.alert?.status ?? null,
			result: outcome.result,
		};
	}

	/**
	 * The settings' topic, if set, is the only one accepted. Otherwise the first topic seen pins
	 * (trust on first use) and every other topic is refused.
	 */
	private acceptTopic(topic: TopicCheck, via: "confirmation" | "notification"): Refusal | null {
		if (topic.required !== null) {
			return topic.arn === topic.required ? null : wrongTopic(topic.arn, topic.required);
		}
		const pinned = this.getMeta("topic_arn");
		if (pinned === null) {
			this.setMeta("topic_arn", topic.arn);
			this.setMeta("topic_pinned_by", via);
			this.setMeta("topic_pinned_at", String(Date.now()));
			return null;
		}
		return pinned === topic.arn ? null : wrongTopic(topic.arn, pinned);
	}

	private firingAlert(alertKey: string): Alert | null {
		const row = this.sql
			.exec("SELECT * FROM alerts WHERE alert_key = ? AND status = 'firing'", alertKey)
			.toArray()[0];
		return row === undefined ? null : AlertRow.parse(row).alert;
	}

	private lastStateAt(alertKey: string): number | null {
		const row = this.sql
			.exec("SELECT last_state_at FROM key_states WHERE alert_key = ?", alertKey)
			.toArray()[0];
		return row === undefined ? null : Number(row.last_state_at);
	}

	/** `receivedAt` marks an event's arrival (it restarts the auto-resolve clock); omit it otherwise. */
	private saveAlert(alert: Alert, receivedAt?: number): void {
		this.sql.exec(
			`INSERT INTO alerts (id, alert_key, status, severity, title, description, labels, images,
				event_count, first_event_at, last_event_at, resolved_at, resolved_by, last_received_at)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			 ON CONFLICT (id) DO UPDATE SET status = excluded.status, severity = excluded.severity,
				title = excluded.title, description = excluded.description, labels = excluded.labels,
				images = excluded.images, event_count = excluded.event_count,
				last_event_at = excluded.last_event_at, resolved_at = excluded.resolved_at,
				resolved_by = excluded.resolved_by,
				last_received_at = coalesce(excluded.last_received_at, alerts.last_received_at)`,
			alert.id,
			alert.alert_key,
			alert.status,
			alert.severity,
			alert.title,
			alert.description,
			JSON.stringify(alert.labels),
			JSON.stringify(alert.images),
			alert.event_count,
			alert.first_event_at,
			alert.last_event_at,
			alert.resolved_at,
			alert.resolved_by,
			receivedAt ?? null,
		);
	}

	/** Counts one delivery; last_event_at is when it arrived, so it shows the source is wired. */
	private countEvent(integrationId: string): void {
		this.setMeta("integration_id", integrationId);
		this.setMeta("event_count", String(Number(this.getMeta("event_count") ?? 0) + 1));
		this.setMeta("last_event_at", String(Date.now()));
		this.setMeta("stats_version", String(Number(this.getMeta("stats_version") ?? 0) + 1));
	}

	private pruneDeliveries(now: number): void {
		this.sql.exec("DELETE FROM deliveries WHERE received_at < ?", now - DELIVERY_TTL_MS);
		this.sql.exec(
			`DELETE FROM deliveries WHERE key IN (
				SELECT key FROM deliveries ORDER BY received_at DESC LIMIT -1 OFFSET ?)`,
			MAX_DELIVERIES,
		);
	}

	/** Makes sure the alarm fires no later than `at` (one alarm serves every kind of work). */
	private async alarmBy(at: number): Promise<void> {
		if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
		if (this.alarmAt !== null && this.alarmAt <= at) return;
		await this.ctx.storage.setAlarm(at);
		this.alarmAt = at;
	}

	private getMeta(key: string): string | null {
		const row = this.sql.exec("SELECT value FROM meta WHERE key = ?", key).toArray()[0];
		return row === undefined ? null : String(row.value);
	}

	private setMeta(key: string, value: string): void {
		this.sql.exec(
			"INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
			key,
			value,
		);
	}
}

function wrongTopic(got: string, accepted: string): Refusal {
	return {
		ok: false,
		status: 403,
		code: "TopicNotAccepted",
		message: `messages from ${got} are refused: this integration accepts only ${accepted} (DELETE /api/v1/integrations/{id}/topic to unpin it)`,
	};
}
