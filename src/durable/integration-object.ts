import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { Alert, type AlertStatus, type ApiAlert, alertToApi } from "../alerts/alert";
import type { AlertEvent } from "../alerts/event";
import { applyEvent, type Outcome } from "../alerts/lifecycle";
import { mirrorIntegrationStats } from "../db/integrations";
import { migrate } from "./migrations";

/** How long a delivery id (Idempotency-Key, later SNS MessageId / EventBridge id) is remembered. */
export const DELIVERY_TTL_MS = 24 * 60 * 60 * 1000;
/** A ceiling on remembered deliveries, so a flood cannot grow the table without bound. */
export const MAX_DELIVERIES = 200_000;
/** Counters reach the D1 mirror this long after the event that changed them. */
export const MIRROR_DELAY_MS = 1_000;
/** After a failed mirror write, the alarm tries again this much later. */
export const MIRROR_RETRY_MS = 30_000;

export type PushData = {
	alert_key: string;
	alert_id: string | null;
	alert_status: AlertStatus | null;
	result: Outcome["result"];
};

export type Delivery = { key: string; fingerprint: string };

export type IngestReply =
	| { ok: true; data: PushData; replayed: boolean }
	| { ok: false; status: 404 | 422; code: string; message: string };

export type AlertPage = { alerts: ApiAlert[]; next_cursor: string | null };

const AlertRow = Alert.extend({
	seq: z.number(),
	labels: z.string().transform((text) => JSON.parse(text) as unknown),
	images: z.string().transform((text) => JSON.parse(text) as unknown),
}).transform(({ seq, ...rest }) => ({ seq, alert: Alert.parse(rest) }));

const DeliveryRow = z.object({ fingerprint: z.string(), body: z.string() });

/**
 * One instance per integration, addressed by the integration id. It serializes everything that
 * must be serialized per integration: deduplication, idempotency and alert state. Every public
 * method does its reads and writes synchronously inside one transaction, so two concurrent pushes
 * for one key can never both see "nothing firing".
 */
export class IntegrationDurableObject extends DurableObject<Env> {
	private readonly sql: SqlStorage;
	private alarmArmed = false;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.sql = ctx.storage.sql;
		ctx.blockConcurrencyWhile(async () => migrate(this.sql));
	}

	async ingest(
		integrationId: string,
		event: AlertEvent,
		delivery: Delivery | null,
	): Promise<IngestReply> {
		if (this.getMeta("deleted") !== null) {
			return {
				ok: false,
				status: 404,
				code: "IntegrationNotFound",
				message: "this integration has been deleted",
			};
		}

		const reply = this.ctx.storage.transactionSync((): IngestReply => {
			if (delivery !== null) {
				const seen = this.sql
					.exec("SELECT fingerprint, body FROM deliveries WHERE key = ?", delivery.key)
					.toArray()[0];
				if (seen !== undefined) {
					const previous = DeliveryRow.parse(seen);
					if (previous.fingerprint !== delivery.fingerprint) {
						return {
							ok: false,
							status: 422,
							code: "IdempotencyKeyReused",
							message:
								"this Idempotency-Key was already used with a different body; use a new key for a new event",
						};
					}
					return { ok: true, data: JSON.parse(previous.body) as PushData, replayed: true };
				}
			}

			const outcome = applyEvent(this.firingAlert(event.alert_key), event, () =>
				crypto.randomUUID(),
			);
			if (outcome.alert !== null) this.saveAlert(outcome.alert);
			this.countEvent(integrationId, event.occurred_at);

			const data: PushData = {
				alert_key: event.alert_key,
				alert_id: outcome.alert?.id ?? null,
				alert_status: outcome.alert?.status ?? null,
				result: outcome.result,
			};
			if (delivery !== null) {
				this.sql.exec(
					"INSERT INTO deliveries (key, fingerprint, status, body, received_at) VALUES (?, ?, 200, ?, ?)",
					delivery.key,
					delivery.fingerprint,
					JSON.stringify(data),
					Date.now(),
				);
			}
			return { ok: true, data, replayed: false };
		});

		if (reply.ok && !reply.replayed) await this.armAlarm(Date.now() + MIRROR_DELAY_MS);
		return reply;
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
		this.alarmArmed = false;
		migrate(this.sql);
		this.setMeta("deleted", String(Date.now()));
	}

	/** Mirrors counters to D1 and forgets old deliveries. Never throws: a failure re-arms. */
	override async alarm(): Promise<void> {
		this.alarmArmed = false;
		if (this.getMeta("deleted") !== null) return;
		this.pruneDeliveries(Date.now());

		const integrationId = this.getMeta("integration_id");
		const version = Number(this.getMeta("stats_version") ?? 0);
		if (integrationId === null || version === Number(this.getMeta("mirrored_version") ?? 0)) {
			return;
		}
		try {
			await mirrorIntegrationStats(this.env.DB, integrationId, {
				event_count: Number(this.getMeta("event_count") ?? 0),
				last_event_at: Number(this.getMeta("last_event_at") ?? 0) || null,
			});
			this.setMeta("mirrored_version", String(version));
			// Events that arrived while D1 was being written are mirrored on the next run.
			if (Number(this.getMeta("stats_version")) !== version) {
				await this.armAlarm(Date.now() + MIRROR_DELAY_MS);
			}
		} catch (error) {
			console.error("mirror write failed; retrying", { integrationId, error: String(error) });
			await this.armAlarm(Date.now() + MIRROR_RETRY_MS);
		}
	}

	private firingAlert(alertKey: string): Alert | null {
		const row = this.sql
			.exec("SELECT * FROM alerts WHERE alert_key = ? AND status = 'firing'", alertKey)
			.toArray()[0];
		return row === undefined ? null : AlertRow.parse(row).alert;
	}

	private saveAlert(alert: Alert): void {
		this.sql.exec(
			`INSERT INTO alerts (id, alert_key, status, severity, title, description, labels, images,
				event_count, first_event_at, last_event_at, resolved_at)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			 ON CONFLICT (id) DO UPDATE SET status = excluded.status, severity = excluded.severity,
				title = excluded.title, description = excluded.description, labels = excluded.labels,
				images = excluded.images, event_count = excluded.event_count,
				last_event_at = excluded.last_event_at, resolved_at = excluded.resolved_at`,
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
		);
	}

	private countEvent(integrationId: string, occurredAt: number): void {
		this.setMeta("integration_id", integrationId);
		this.setMeta("event_count", String(Number(this.getMeta("event_count") ?? 0) + 1));
		const last = Number(this.getMeta("last_event_at") ?? 0);
		this.setMeta("last_event_at", String(Math.max(last, occurredAt)));
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

	private async armAlarm(at: number): Promise<void> {
		if (this.alarmArmed) return;
		await this.ctx.storage.setAlarm(at);
		this.alarmArmed = true;
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
