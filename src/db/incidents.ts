import type { Severity } from "../alerts/event";
import { Incident, type IncidentStatus } from "../incidents/incident";

/**
 * The columns of a mirrored incident, in the order `upsertIncidents` reads each row's values (its
 * `r.value ->> i`); the Durable Object's SQLite writes the rows in this order.
 */
export const MIRRORED_INCIDENT_COLUMNS = `id, channel_id, status, severity, title, alert_count,
	opened_at, acknowledged_at, resolved_at, resolved_by, version`;

/**
 * Writes changed incidents of one integration in one statement: their rows travel as one JSON
 * parameter (D1 binds at most 100 parameters, and every incident would take 12), each an array of
 * MIRRORED_INCIDENT_COLUMNS. A row keeps the newest version it was given, so repeated and
 * interleaved writes are safe. `version` orders the writes.
 */
export function upsertIncidents(
	db: D1Database,
	integrationId: string,
	rows: string,
): D1PreparedStatement {
	return db
		.prepare(
			// `WHERE true` lets SQLite's parser tell the upsert's ON CONFLICT from a join's ON.
			`INSERT INTO incidents (id, integration_id, channel_id, status, severity, title, alert_count,
				opened_at, acknowledged_at, resolved_at, resolved_by, version)
			 SELECT r.value ->> 0, ?1, r.value ->> 1, r.value ->> 2, r.value ->> 3, r.value ->> 4,
				r.value ->> 5, r.value ->> 6, r.value ->> 7, r.value ->> 8, r.value ->> 9, r.value ->> 10
			 FROM json_each(?2) AS r WHERE true
			 ON CONFLICT (id) DO UPDATE SET status = excluded.status, severity = excluded.severity,
				alert_count = excluded.alert_count, acknowledged_at = excluded.acknowledged_at,
				resolved_at = excluded.resolved_at, resolved_by = excluded.resolved_by,
				version = excluded.version
			 WHERE excluded.version > incidents.version`,
		)
		.bind(integrationId, rows);
}

/** A status, or `open`: triggered or acknowledged. */
export type ListedStatus = IncidentStatus | "open";

export type IncidentFilter = {
	channel_id?: string;
	/** Only incidents in these channels (a token's limit). */
	channels?: readonly string[] | null;
	integration_id?: string;
	status?: ListedStatus;
	severity?: Severity;
	/** Opened at or after (ms). */
	opened_since?: number;
	/** Opened before (ms). */
	opened_before?: number;
	unrouted?: boolean;
	limit: number;
	/** The last row of the previous page: (opened_at, id). */
	after?: { opened_at: number; id: string };
};

/** A listing's SQL and its bound values, built apart from running it so tests can explain it. */
export type ListingQuery = { sql: string; params: (string | number)[] };

/**
 * The query `listIncidents` runs. It walks one index in order and stops at `limit`: by channel,
 * by integration, the open incidents by opening time (when only open ones are asked for), or all
 * by opening time (resolved ones, most of what the mirror keeps, are found as they come).
 */
export function incidentsQuery(filter: IncidentFilter): ListingQuery {
	const where: string[] = [];
	const params: (string | number)[] = [];
	if (filter.channel_id !== undefined) {
		where.push("channel_id = ?");
		params.push(filter.channel_id);
	}
	if (filter.channels !== undefined && filter.channels !== null) {
		where.push("channel_id IN (SELECT value FROM json_each(?))");
		params.push(JSON.stringify(filter.channels));
	}
	if (filter.integration_id !== undefined) {
		where.push("integration_id = ?");
		params.push(filter.integration_id);
	}
	if (filter.status !== undefined && filter.status !== "resolved") {
		// As incidents_open_by_time's condition reads, so SQLite can use that index.
		where.push("status != 'resolved'");
	}
	if (filter.status !== undefined && filter.status !== "open") {
		where.push("status = ?");
		params.push(filter.status);
	}
	if (filter.severity !== undefined) {
		where.push("severity = ?");
		params.push(filter.severity);
	}
	if (filter.opened_since !== undefined) {
		where.push("opened_at >= ?");
		params.push(filter.opened_since);
	}
	if (filter.opened_before !== undefined) {
		where.push("opened_at < ?");
		params.push(filter.opened_before);
	}
	if (filter.unrouted !== undefined)
		where.push(filter.unrouted ? "channel_id IS NULL" : "channel_id IS NOT NULL");
	if (filter.after !== undefined) {
		where.push("(opened_at < ? OR (opened_at = ? AND id < ?))");
		params.push(filter.after.opened_at, filter.after.opened_at, filter.after.id);
	}
	return {
		sql: `SELECT * FROM incidents ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
			ORDER BY opened_at DESC, id DESC LIMIT ?`,
		params: [...params, filter.limit],
	};
}

/** Newest first, across integrations, from the mirror. */
export async function listIncidents(db: D1Database, filter: IncidentFilter): Promise<Incident[]> {
	const { sql, params } = incidentsQuery(filter);
	const { results } = await db
		.prepare(sql)
		.bind(...params)
		.all();
	return results.map((row) => Incident.parse(row));
}

export async function incidentIntegration(db: D1Database, id: string): Promise<string | null> {
	const row = await db
		.prepare("SELECT integration_id FROM incidents WHERE id = ?")
		.bind(id)
		.first<{ integration_id: string }>();
	return row?.integration_id ?? null;
}

/** The incident's channel from the mirror: undefined when there is no such incident. */
export async function incidentChannel(
	db: D1Database,
	id: string,
): Promise<string | null | undefined> {
	const row = await db
		.prepare("SELECT channel_id FROM incidents WHERE id = ?")
		.bind(id)
		.first<{ channel_id: string | null }>();
	return row === null ? undefined : row.channel_id;
}

export function deleteIncidentsOf(db: D1Database, integrationId: string): D1PreparedStatement {
	return db.prepare("DELETE FROM incidents WHERE integration_id = ?").bind(integrationId);
}

/** Incidents their integration pruned (retention): the mirror forgets them in step. */
export function deleteIncidents(db: D1Database, ids: readonly string[]): D1PreparedStatement {
	return db
		.prepare("DELETE FROM incidents WHERE id IN (SELECT value FROM json_each(?))")
		.bind(JSON.stringify(ids));
}

/** Integrations with an incident still open in the channel (they tell its targets when it ends). */
export async function integrationsWithOpenIncidents(
	db: D1Database,
	channelId: string,
): Promise<string[]> {
	const { results } = await db
		.prepare(
			"SELECT DISTINCT integration_id FROM incidents WHERE channel_id = ? AND status != 'resolved'",
		)
		.bind(channelId)
		.all<{ integration_id: string }>();
	return results.map((row) => row.integration_id);
}
