import * as z from "zod/mini";
import { DeliveryStatus } from "../notify/target";
import type { ListingQuery } from "./incidents";

/**
 * The D1 mirror of the integrations' outboxes: what a channel's deliveries
 * listing reads. Written only by the Durable Objects, which hold the truth.
 */

export const NotificationRow = z.object({
	id: z.string(),
	integration_id: z.string(),
	channel_id: z.string(),
	target_id: z.string(),
	incident_id: z.string(),
	type: z.string(),
	status: DeliveryStatus,
	attempts: z.number(),
	created_at: z.number(),
	next_attempt_at: z.nullable(z.number()),
	last_attempt_at: z.nullable(z.number()),
	last_status: z.nullable(z.number()),
	last_error: z.nullable(z.string()),
	version: z.number(),
});
export type NotificationRow = z.infer<typeof NotificationRow>;

/** Notifications of one integration in one statement, as `upsertIncidents` writes incidents. */
export function upsertNotifications(
	db: D1Database,
	integrationId: string,
	notifications: readonly Omit<NotificationRow, "integration_id">[],
): D1PreparedStatement {
	const rows = notifications.map((n) => [
		n.id,
		n.channel_id,
		n.target_id,
		n.incident_id,
		n.type,
		n.status,
		n.attempts,
		n.created_at,
		n.status === "pending" ? n.next_attempt_at : null,
		n.last_attempt_at,
		n.last_status,
		n.last_error,
		n.version,
	]);
	return db
		.prepare(
			`INSERT INTO notifications (id, integration_id, channel_id, target_id, incident_id, type,
				status, attempts, created_at, next_attempt_at, last_attempt_at, last_status, last_error,
				version)
			 SELECT r.value ->> 0, ?1, r.value ->> 1, r.value ->> 2, r.value ->> 3, r.value ->> 4,
				r.value ->> 5, r.value ->> 6, r.value ->> 7, r.value ->> 8, r.value ->> 9, r.value ->> 10,
				r.value ->> 11, r.value ->> 12
			 FROM json_each(?2) AS r WHERE true
			 ON CONFLICT (id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
				next_attempt_at = excluded.next_attempt_at, last_attempt_at = excluded.last_attempt_at,
				last_status = excluded.last_status, last_error = excluded.last_error,
				version = excluded.version
			 WHERE excluded.version > notifications.version`,
		)
		.bind(integrationId, JSON.stringify(rows));
}

export function deleteNotificationsOf(
	db: D1Database,
	incidentIds: readonly string[],
): D1PreparedStatement {
	return db
		.prepare("DELETE FROM notifications WHERE incident_id IN (SELECT value FROM json_each(?))")
		.bind(JSON.stringify(incidentIds));
}

export function deleteNotificationsOfIntegration(
	db: D1Database,
	integrationId: string,
): D1PreparedStatement {
	return db.prepare("DELETE FROM notifications WHERE integration_id = ?").bind(integrationId);
}

export type NotificationFilter = {
	channel_id: string;
	status?: NotificationRow["status"];
	target_id?: string;
	limit: number;
	/** The last row of the previous page: (created_at, id). */
	after?: { created_at: number; id: string };
};

/**
 * The query `listNotifications` runs: it walks one of the channel's indexes (by status when a
 * status is asked for) from its newest row, and stops at `limit`.
 */
export function notificationsQuery(filter: NotificationFilter): ListingQuery {
	const where = ["channel_id = ?"];
	const params: (string | number)[] = [filter.channel_id];
	if (filter.status !== undefined) {
		where.push("status = ?");
		params.push(filter.status);
	}
	if (filter.target_id !== undefined) {
		where.push("target_id = ?");
		params.push(filter.target_id);
	}
	if (filter.after !== undefined) {
		where.push("(created_at < ? OR (created_at = ? AND id < ?))");
		params.push(filter.after.created_at, filter.after.created_at, filter.after.id);
	}
	return {
		sql: `SELECT * FROM notifications WHERE ${where.join(" AND ")}
			ORDER BY created_at DESC, id DESC LIMIT ?`,
		params: [...params, filter.limit],
	};
}

/** A channel's deliveries, newest first. */
export async function listNotifications(
	db: D1Database,
	filter: NotificationFilter,
): Promise<NotificationRow[]> {
	const { sql, params } = notificationsQuery(filter);
	const { results } = await db
		.prepare(sql)
		.bind(...params)
		.all();
	return results.map((row) => NotificationRow.parse(row));
}

export async function getNotification(
	db: D1Database,
	channelId: string,
	id: string,
): Promise<NotificationRow | null> {
	const row = await db
		.prepare("SELECT * FROM notifications WHERE channel_id = ? AND id = ?")
		.bind(channelId, id)
		.first();
	return row === null ? null : NotificationRow.parse(row);
}

/** How many notifications failed for good, by integration (the dashboard's integrations page). */
export async function failedDeliveryCounts(db: D1Database): Promise<Map<string, number>> {
	const { results } = await db
		.prepare(
			"SELECT integration_id, count(*) AS failed FROM notifications WHERE status = 'failed' GROUP BY integration_id",
		)
		.all<{ integration_id: string; failed: number }>();
	return new Map(results.map((row) => [row.integration_id, row.failed]));
}
