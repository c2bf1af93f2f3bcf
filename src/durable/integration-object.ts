import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { Alert, type AlertStatus, type ApiAlert, alertToApi, isoOrNull } from "../alerts/alert";
import { type AlertEvent, Severity } from "../alerts/event";
import { applyEvent, closeAlert, type Outcome } from "../alerts/lifecycle";
import { type MirroredIncident, upsertIncident } from "../db/incidents";
import { mirrorIntegrationStats } from "../db/integrations";
import { loadRoutingSnapshot, type RoutingSnapshot } from "../db/routes";
import {
	type ApiIncident,
	groupKey,
	highestSeverity,
	Incident,
	incidentToApi,
	withinWindow,
} from "../incidents/incident";
import { routeAlert } from "../routing/rules";
import { migrate } from "./migrations";

/** How long a delivery id (Idempotency-Key, SNS MessageId, EventBridge id) is remembered. */
export const DELIVERY_TTL_MS = 24 * 60 * 60 * 1000;
/** A ceiling on remembered deliveries, so a flood cannot grow the table without bound. */
export const MAX_DELIVERIES = 200_000;
/** Counters and incidents reach the D1 mirror this long after the change. */
export const MIRROR_DELAY_MS = 1_000;
/** After a failed mirror write, the alarm tries again this much later, until it lands. */
export const MIRROR_RETRY_MS = 30_000;
/** Incidents written to D1 per batch; more are left for the next alarm run. */
const MIRROR_BATCH = 50;

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
	/** The routing config version the worker read with the key; a newer one reloads routing. */
	configVersion?: number;
};

export type Refusal = { ok: false; status: 403 | 404 | 409 | 422; code: string; message: string };
export type IngestReply = { ok: true; data: PushData[]; replayed: boolean } | Refusal;

export type AlertPage = { alerts: ApiAlert[]; next_cursor: string | null };
export type IncidentDetail = ApiIncident & { alerts: ApiAlert[] };
export type IncidentReply = { ok: true; incident: IncidentDetail } | Refusal;

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

const IncidentRow = Incident.omit({ integration_id: true }).extend({
	group_key: z.string().nullable(),
	version: z.number(),
});
type IncidentRow = z.infer<typeof IncidentRow>;

const DeliveryRow = z.object({ fingerprint: z.string(), body: z.string() });

const DELETED: Refusal = {
	ok: false,
	status: 404,
	code: "IntegrationNotFound",
	message: "this integration has been deleted",
};

const NO_ROUTING: RoutingSnapshot = {
	version: 0,
	channel_id: null,
	routes: { rules: [], default_channel_id: null },
	grouping: {},
};

/**
 * One instance per integration, addressed by the integration id. It serializes everything that
 * must be serialized per integration: topic pinning, deduplication, idempotency, alert and
 * incident state. Each public method does its reads and writes synchronously inside one
 * transaction, so two concurrent pushes for one key can never both see "nothing firing".
 */
export class IntegrationDurableObject extends DurableObject<Env> {
	private readonly sql: SqlStorage;
	/** When the storage alarm is set for: undefined until read, null when none is set. */
	private alarmAt: number | null | undefined;
	private routing: RoutingSnapshot | undefined;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.sql = ctx.storage.sql;
		ctx.blockConcurrencyWhile(async () => migrate(this.sql));
	}

	async ingest(push: Push): Promise<IngestReply> {
		if (this.getMeta("deleted") !== null) return DELETED;
		// Routing changes rarely: it is reloaded from D1 only when the config version moved.
		if (push.events.length > 0) await this.loadRouting(push.integrationId, push.configVersion);

		const reply = this.ctx.storage.transactionSync((): IngestReply => {
			// Rows are billed per write: unchanged values are not written again.
			if (this.getMeta("integration_id") === null)
				this.setMeta("integration_id", push.integrationId);
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
			this.countEvent();
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

	getIncident(id: string): IncidentReply {
		const incident = this.incident(id);
		if (incident === null) return incidentNotFound(id);
		return { ok: true, incident: this.incidentDetail(incident) };
	}

	/** triggered → acknowledged. Repeating it is fine; a resolved incident cannot be acknowledged. */
	async acknowledgeIncident(id: string): Promise<IncidentReply> {
		const incident = this.incident(id);
		if (incident === null) return incidentNotFound(id);
		if (incident.status === "resolved") {
			return {
				ok: false,
				status: 409,
				code: "IncidentResolved",
				message: "this incident is already resolved; a new trigger opens a new incident",
			};
		}
		if (incident.status === "triggered") {
			this.saveIncident({ ...incident, status: "acknowledged", acknowledged_at: Date.now() });
		}
		await this.mirrorNow();
		return this.getIncident(id);
	}

	/**
	 * Resolves the incident and its open alerts (resolved_by "api"); a later trigger for one of
	 * those keys opens a new alert and incident. Repeating it is fine.
	 */
	async resolveIncident(id: string): Promise<IncidentReply> {
		const incident = this.incident(id);
		if (incident === null) return incidentNotFound(id);
		if (incident.status !== "resolved") {
			const now = Date.now();
			this.ctx.storage.transactionSync(() => {
				this.saveIncident({
					...incident,
					status: "resolved",
					resolved_at: now,
					resolved_by: "api",
				});
				for (const alert of this.alertsOf(id)) {
					if (alert.status !== "firing") continue;
					const closed = closeAlert(alert, now, "api");
					this.saveAlert(closed);
					// The alert may be in other channels' incidents too (routes with `continue`).
					this.afterResolve(closed, now);
				}
			});
		}
		await this.mirrorNow();
		return this.getIncident(id);
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
			return isoOrNull(value === null ? null : Number(value));
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

	/** Wipes every alert, incident and delivery, and refuses pushes from now on. */
	async destroy(): Promise<void> {
		await this.ctx.storage.deleteAlarm();
		await this.ctx.storage.deleteAll();
		this.alarmAt = null;
		this.routing = undefined;
		migrate(this.sql);
		this.setMeta("deleted", String(Date.now()));
	}

	/**
	 * One alarm does the periodic work: resolve timed-out alerts, mirror counters and incidents
	 * to D1, forget old deliveries, then re-arm for whichever is due next. It never throws, so the
	 * runtime's bounded alarm retries are not relied on: a failed D1 write re-arms itself.
	 */
	override async alarm(): Promise<void> {
		this.alarmAt = null;
		if (this.getMeta("deleted") !== null) return;
		const now = Date.now();
		this.pruneDeliveries(now);
		this.expireAlerts(now);

		let next = this.nextTimeoutAt() ?? Number.POSITIVE_INFINITY;
		const mirror = await this.mirror();
		if (mirror === "failed") next = Math.min(next, now + MIRROR_RETRY_MS);
		if (mirror === "behind") next = Math.min(next, now + MIRROR_DELAY_MS);
		if (Number.isFinite(next)) await this.alarmBy(next);
	}

	/** For the admin API: mirror at once, and leave a retry to the alarm if D1 fails. */
	private async mirrorNow(): Promise<void> {
		const result = await this.mirror();
		if (result !== "done") {
			await this.alarmBy(Date.now() + (result === "failed" ? MIRROR_RETRY_MS : MIRROR_DELAY_MS));
		}
	}

	/**
	 * Writes what D1 has not seen yet (changed incidents, counters) in one batch. Versions make it
	 * safe to repeat and to interleave: D1 keeps the newest, and only what was written is marked.
	 */
	private async mirror(): Promise<"done" | "behind" | "failed"> {
		const integrationId = this.getMeta("integration_id");
		if (integrationId === null) return "done";
		const statsVersion = Number(this.getMeta("stats_version") ?? 0);
		const statsChanged = statsVersion !== Number(this.getMeta("mirrored_version") ?? 0);
		const incidents = this.sql
			.exec(
				"SELECT * FROM incidents WHERE version > mirrored_version ORDER BY seq LIMIT ?",
				MIRROR_BATCH + 1,
			)
			.toArray()
			.map((row) => IncidentRow.parse(row));
		const batch = incidents.slice(0, MIRROR_BATCH);
		if (!statsChanged && batch.length === 0) return "done";

		const statements = batch.map(({ group_key: _key, ...row }) =>
			upsertIncident(this.env.DB, { ...row, integration_id: integrationId } as MirroredIncident),
		);
		if (statsChanged) {
			statements.push(
				mirrorIntegrationStats(this.env.DB, integrationId, {
					event_count: Number(this.getMeta("event_count") ?? 0),
					last_event_at: Number(this.getMeta("last_event_at") ?? 0) || null,
					unrouted_count: Number(this.getMeta("unrouted_count") ?? 0),
				}),
			);
		}
		try {
			await this.env.DB.batch(statements);
		} catch (error) {
			console.error("mirror write failed; retrying", { integrationId, error: String(error) });
			return "failed";
		}
		for (const incident of batch) {
			this.sql.exec(
				"UPDATE incidents SET mirrored_version = ?1 WHERE id = ?2 AND mirrored_version < ?1",
				incident.version,
				incident.id,
			);
		}
		if (statsChanged) this.setMeta("mirrored_version", String(statsVersion));
		// Changes made while D1 was being written, or past this batch, go on the next run.
		const stillBehind =
			incidents.length > MIRROR_BATCH ||
			Number(this.getMeta("stats_version") ?? 0) !== statsVersion ||
			this.sql.exec("SELECT 1 FROM incidents WHERE version > mirrored_version LIMIT 1").toArray()
				.length > 0;
		return stillBehind ? "behind" : "done";
	}

	private apply(event: AlertEvent): PushData {
		const now = Date.now();
		const firing = this.firingAlert(event.alert_key);
		const outcome = applyEvent(
			firing,
			event,
			() => crypto.randomUUID(),
			event.ordered ? this.lastStateAt(event.alert_key) : null,
		);
		if (outcome.alert !== null) this.saveAlert(outcome.alert, now);
		if (outcome.result === "opened") this.openIncidents(outcome.alert, now);
		if (outcome.result === "updated" && outcome.alert.severity !== firing?.severity) {
			this.refreshIncidents(outcome.alert);
		}
		if (outcome.result === "resolved") this.afterResolve(outcome.alert, now);
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
	 * Routing is decided once, when the alert opens: a private integration's channel, else the
	 * routes, else the default channel, else unrouted (an incident with no channel: held and
	 * listed, never dropped). In each channel the alert joins an open incident of the same group,
	 * or opens one.
	 */
	private openIncidents(alert: Alert, now: number): void {
		const routing = this.routing ?? NO_ROUTING;
		const channels =
			routing.channel_id !== null ? [routing.channel_id] : routeAlert(alert, routing.routes);
		if (channels.length === 0) {
			this.setMeta("unrouted_count", String(Number(this.getMeta("unrouted_count") ?? 0) + 1));
		}
		for (const channel of channels.length === 0 ? [null] : channels) {
			const grouping = channel === null ? undefined : routing.grouping[channel];
			const key = groupKey(alert.labels, grouping);
			const joined =
				channel === null || key === null || grouping === undefined
					? null
					: this.joinableIncident(channel, key, now, grouping);
			const incident: IncidentRow =
				joined === null
					? {
							id: crypto.randomUUID(),
							channel_id: channel,
							status: "triggered",
							severity: alert.severity,
							title: alert.title,
							alert_count: 1,
							group_key: key,
							opened_at: now,
							acknowledged_at: null,
							resolved_at: null,
							resolved_by: null,
							version: 0,
						}
					: {
							...joined,
							alert_count: joined.alert_count + 1,
							severity: highestSeverity([joined.severity, alert.severity]),
						};
			this.saveIncident(incident);
			this.sql.exec(
				"INSERT OR IGNORE INTO incident_alerts (incident_id, alert_id) VALUES (?, ?)",
				incident.id,
				alert.id,
			);
		}
	}

	private joinableIncident(
		channel: string,
		key: string,
		now: number,
		grouping: NonNullable<RoutingSnapshot["grouping"][string]>,
	): IncidentRow | null {
		const row = this.sql
			.exec(
				`SELECT * FROM incidents WHERE channel_id = ? AND group_key = ? AND status != 'resolved'
				 ORDER BY opened_at DESC LIMIT 1`,
				channel,
				key,
			)
			.toArray()[0];
		if (row === undefined) return null;
		const incident = IncidentRow.parse(row);
		return withinWindow(incident.opened_at, now, grouping) ? incident : null;
	}

	/** An alert's severity changed: its open incidents take the highest of their alerts. */
	private refreshIncidents(alert: Alert): void {
		for (const incident of this.openIncidentsOf(alert.id)) {
			const severities = this.sql
				.exec(
					`SELECT DISTINCT a.severity FROM incident_alerts ia JOIN alerts a ON a.id = ia.alert_id
					 WHERE ia.incident_id = ?`,
					incident.id,
				)
				.toArray()
				.map((row) => Severity.parse(row.severity));
			const severity = highestSeverity(severities);
			if (severity !== incident.severity) this.saveIncident({ ...incident, severity });
		}
	}

	/** An alert resolved: each of its open incidents resolves when none of its alerts fires. */
	private afterResolve(alert: Alert, now: number): void {
		for (const incident of this.openIncidentsOf(alert.id)) {
			const stillFiring = this.sql
				.exec(
					`SELECT 1 FROM incident_alerts ia JOIN alerts a ON a.id = ia.alert_id
					 WHERE ia.incident_id = ? AND a.status = 'firing' LIMIT 1`,
					incident.id,
				)
				.toArray();
			if (stillFiring.length > 0) continue;
			this.saveIncident({
				...incident,
				status: "resolved",
				resolved_at: now,
				resolved_by: alert.resolved_by === "timeout" ? "timeout" : "alerts",
			});
		}
	}

	private expireAlerts(now: number): void {
		const after = this.autoResolveMs();
		if (after === null) return;
		this.ctx.storage.transactionSync(() => {
			const expired = this.sql
				.exec("SELECT * FROM alerts WHERE status = 'firing' AND last_received_at <= ?", now - after)
				.toArray();
			for (const row of expired) {
				const closed = closeAlert(AlertRow.parse(row).alert, now, "timeout");
				this.saveAlert(closed);
				this.afterResolve(closed, now);
			}
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

	/** Reloads routing from D1 when the worker saw a newer config version than the copy held. */
	private async loadRouting(integrationId: string, version: number | undefined): Promise<void> {
		if (this.routing === undefined) {
			const stored = this.getMeta("routing");
			if (stored !== null) this.routing = JSON.parse(stored) as RoutingSnapshot;
		}
		if (version === undefined || this.routing?.version === version) return;
		const snapshot = await loadRoutingSnapshot(this.env.DB, integrationId, version);
		this.routing = snapshot;
		this.setMeta("routing", JSON.stringify(snapshot));
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

	private alertsOf(incidentId: string): Alert[] {
		return this.sql
			.exec(
				`SELECT a.* FROM alerts a JOIN incident_alerts ia ON ia.alert_id = a.id
				 WHERE ia.incident_id = ? ORDER BY a.seq`,
				incidentId,
			)
			.toArray()
			.map((row) => AlertRow.parse(row).alert);
	}

	private openIncidentsOf(alertId: string): IncidentRow[] {
		return this.sql
			.exec(
				`SELECT i.* FROM incidents i JOIN incident_alerts ia ON ia.incident_id = i.id
				 WHERE ia.alert_id = ? AND i.status != 'resolved'`,
				alertId,
			)
			.toArray()
			.map((row) => IncidentRow.parse(row));
	}

	private incident(id: string): IncidentRow | null {
		if (this.getMeta("deleted") !== null) return null;
		const row = this.sql.exec("SELECT * FROM incidents WHERE id = ?", id).toArray()[0];
		return row === undefined ? null : IncidentRow.parse(row);
	}

	private incidentDetail(incident: IncidentRow): IncidentDetail {
		const { group_key: _key, version: _version, ...fields } = incident;
		const integrationId = this.getMeta("integration_id") ?? "";
		return {
			...incidentToApi({ ...fields, integration_id: integrationId }),
			alerts: this.alertsOf(incident.id).map(alertToApi),
		};
	}

	/** Every change bumps the version, which is what the mirror compares. */
	private saveIncident(incident: IncidentRow): void {
		this.sql.exec(
			`INSERT INTO incidents (id, channel_id, status, severity, title, alert_count, group_key,
				opened_at, acknowledged_at, resolved_at, resolved_by, version)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
			 ON CONFLICT (id) DO UPDATE SET status = excluded.status, severity = excluded.severity,
				alert_count = excluded.alert_count, acknowledged_at = excluded.acknowledged_at,
				resolved_at = excluded.resolved_at, resolved_by = excluded.resolved_by,
				version = incidents.version + 1`,
			incident.id,
			incident.channel_id,
			incident.status,
			incident.severity,
			incident.title,
			incident.alert_count,
			incident.group_key,
			incident.opened_at,
			incident.acknowledged_at,
			incident.resolved_at,
			incident.resolved_by,
		);
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
	private countEvent(): void {
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

function incidentNotFound(id: string): Refusal {
	return {
		ok: false,
		status: 404,
		code: "IncidentNotFound",
		message: `no incident has id ${JSON.stringify(id)}`,
	};
}
