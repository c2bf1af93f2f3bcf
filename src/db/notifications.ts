import * as z from "zod/mini";
import { DeliveryStatus } from "../notify/target";

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

export function upsertNotification(db: D1Database, row: NotificationRow): D1PreparedStatement {
	return db
		.prepare(
			`INSERT INTO notifications (id, integration_id, channel_id, target_id, incident_id, type,
				status, attempts, created_at, next_attempt_at, last_attempt_at, last_status, last_error,
				version)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			 ON CONFLICT (id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
				next_attempt_at = excluded.next_attempt_at, last_attempt_at = excluded.last_attempt_at,
				last_status = excluded.last_status, last_error = excluded.last_error,
				version = excluded.version
			 WHERE excluded.version > notifications.version`,
		)
		.bind(
			row.id,
			row.integration_id,
			row.channel_id,
			row.target_id,
			row.incident_id,
			row.type,
			row.status,
			row.attempts,
			row.created_at,
			row.status === "pending" ? row.next_attempt_at : null,
			row.last_attempt_at,
			row.last_status,
			row.last_error,
			row.version,
		);
}

/** Notifications of pruned incidents: the mirror forgets them with the incidents. */
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

/** A channel's deliveries, newest first. */
export async function listNotifications(
	db: D1Database,
	filter: NotificationFilter,
): Promise<NotificationRow[]> {
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
	const { results } = await db
		.prepare(
			`SELECT * FROM notifications WHERE ${where.join(" AND ")}
			 ORDER BY created_at DESC, id DESC LIMIT ?`,
		)
		.bind(...params, filter.limit)
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
