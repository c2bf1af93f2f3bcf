import * as z from "zod/mini";
import type { Alert } from "../../alerts/alert";
import { Severity } from "../../alerts/event";
import { MIRRORED_INCIDENT_COLUMNS } from "../../db/incidents";
import { IncidentRecord } from "../../incidents/incident";
import type { TimelineDetail } from "../../incidents/timeline";
import { StoredAlert } from "./alert-rows";
import type { Alerts } from "./alerts";
import { oldestResolvedAt, prunable } from "./history";
import { heldInsert, WriteBehind } from "./write-behind";

const SeverityRow = z.object({ severity: Severity });
const IdRow = z.object({ id: z.string() });

/**
 * A new incident's first version counts as mirrored: D1 gets it by the order incidents were
 * opened in (`unmirrored`), so it costs `incidents_unmirrored` no entry to add and remove. Only
 * its later changes go through that index. `opening`, its timeline's first entry, is written when
 * it opens and never changed.
 */
const UPSERT_INCIDENT = heldInsert(
	`incidents (id, channel_id, status, severity, title, alert_count, group_key, opened_at,
		acknowledged_at, resolved_at, resolved_by, opening, version, mirrored_version)`,
	12,
	{
		fixed: ["1", "1"],
		tail: `ON CONFLICT (id) DO UPDATE SET status = excluded.status, severity = excluded.severity,
			alert_count = excluded.alert_count, acknowledged_at = excluded.acknowledged_at,
			resolved_at = excluded.resolved_at, resolved_by = excluded.resolved_by,
			version = incidents.version + 1`,
	},
);
const LINK = heldInsert("incident_alerts (incident_id, alert_id)", 2, { verb: "OR IGNORE" });

/**
 * Incidents for D1 in one chunk: `rows`, a JSON array of them, each an array of
 * MIRRORED_INCIDENT_COLUMNS; `marks`, the `[id, version]` of those changed since they opened, for
 * `markMirrored`; `last`, the newest `seq` in it.
 */
const MirrorChunk = z.object({
	rows: z.string(),
	count: z.number(),
	marks: z.string(),
	last: z.number(),
});
export type MirrorChunk = z.infer<typeof MirrorChunk>;

/** What `unmirrored` found: its chunks, how many incidents, and the newest opened one's `seq`. */
export type UnmirroredIncidents = {
	chunks: MirrorChunk[];
	count: number;
	/** null: no incident opened after the mark. */
	openedUpTo: number | null;
};

const toRecord = (row: Record<string, SqlStorageValue>): IncidentRecord =>
	IncidentRecord.parse(row);

/**
 * Incidents and which alerts each holds (`incident_alerts`). `alerts` is the alert store, whose
 * pending counters are written before an incident's alerts are read.
 */
export class Incidents {
	constructor(
		private readonly sql: SqlStorage,
		private readonly alerts: Pick<Alerts, "flush">,
		private readonly behind = new WriteBehind(sql),
	) {}

	get(id: string): IncidentRecord | null {
		const row = this.sql.exec("SELECT * FROM incidents WHERE id = ?", id).toArray()[0];
		return row === undefined ? null : toRecord(row);
	}

	/**
	 * The newest open incident of a group in a channel: the one a new alert may join. The index
	 * holds grouped incidents only, so an ungrouped one costs it nothing.
	 */
	newestOpenInGroup(channelId: string, groupKey: string): IncidentRecord | null {
		const row = this.sql
			.exec(
				`SELECT * FROM incidents INDEXED BY incidents_open_grouped
				 WHERE channel_id = ? AND group_key = ? AND status != 'resolved'
				 ORDER BY opened_at DESC LIMIT 1`,
				channelId,
				groupKey,
			)
			.toArray()[0];
		return row === undefined ? null : toRecord(row);
	}

	/** The open incidents an alert belongs to (several when routes `continue`). */
	openWith(alertId: string): IncidentRecord[] {
		return this.sql
			.exec(
				`SELECT i.* FROM incidents i JOIN incident_alerts ia ON ia.incident_id = i.id
				 WHERE ia.alert_id = ? AND i.status != 'resolved'`,
				alertId,
			)
			.toArray()
			.map(toRecord);
	}

	/**
	 * The incidents the key's newest alert that is in any is in: one per channel it went to
	 * (`limit` bounds them all the same).
	 */
	latestWithKey(alertKey: string, limit = 10): IncidentRecord[] {
		this.alerts.flush();
		return this.sql
			.exec(
				`SELECT * FROM incidents WHERE id IN (
					SELECT incident_id FROM incident_alerts WHERE alert_id = (
						SELECT a.id FROM alerts a JOIN incident_alerts ia ON ia.alert_id = a.id
						WHERE a.alert_key = ? ORDER BY a.seq DESC LIMIT 1))
				 LIMIT ?`,
				alertKey,
				limit,
			)
			.toArray()
			.map(toRecord);
	}

	/**
	 * Every change bumps the version, which is what the mirror compares. Held until the push ends.
	 * `opening`: the incident opens now, and this is its timeline's first entry (`Timeline.page`).
	 */
	save(incident: IncidentRecord, opening: TimelineDetail | null = null): void {
		this.behind.write(UPSERT_INCIDENT, [
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
			opening === null ? null : JSON.stringify(opening),
		]);
	}

	link(incidentId: string, alertId: string): void {
		this.behind.write(LINK, [incidentId, alertId]);
	}

	/** The incident's alerts, oldest first; `limit` -1: all of them. */
	alertsOf(incidentId: string, limit = -1): Alert[] {
		this.alerts.flush();
		return this.sql
			.exec(
				`SELECT a.* FROM alerts a JOIN incident_alerts ia ON ia.alert_id = a.id
				 WHERE ia.incident_id = ? ORDER BY a.seq LIMIT ?`,
				incidentId,
				limit,
			)
			.toArray()
			.map((row) => StoredAlert.parse(row));
	}

	alertSeverities(incidentId: string): Severity[] {
		return this.sql
			.exec(
				`SELECT DISTINCT a.severity FROM incident_alerts ia JOIN alerts a ON a.id = ia.alert_id
				 WHERE ia.incident_id = ?`,
				incidentId,
			)
			.toArray()
			.map((row) => SeverityRow.parse(row).severity);
	}

	hasFiringAlert(incidentId: string): boolean {
		return (
			this.sql
				.exec(
					`SELECT 1 FROM incident_alerts ia JOIN alerts a ON a.id = ia.alert_id
					 WHERE ia.incident_id = ? AND a.status = 'firing' LIMIT 1`,
					incidentId,
				)
				.toArray().length > 0
		);
	}

	/**
	 * Incidents D1 has not seen as they are now, oldest first, at most `limit`: those changed since
	 * D1 last saw them, then those opened after `openedAfter` (a `seq`), where D1's mirror has
	 * reached in the order incidents were opened. SQLite writes them as D1's upsert reads them
	 * (MIRRORED_INCIDENT_COLUMNS), `per` to a chunk: no row becomes a JavaScript object on the way.
	 */
	unmirrored(openedAfter: number, limit: number, per: number): UnmirroredIncidents {
		const chunks: MirrorChunk[] = [];
		let count = 0;
		const take = (query: string, after: number, ...bounds: number[]) => {
			while (count < limit) {
				const wanted = Math.min(per, limit - count);
				const chunk = this.chunk(query, after, ...bounds, wanted);
				if (chunk.count === 0) return;
				chunks.push(chunk);
				count += chunk.count;
				after = chunk.last;
				if (chunk.count < wanted) return;
			}
		};
		take(
			`SELECT * FROM incidents INDEXED BY incidents_unmirrored
			 WHERE version > mirrored_version AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?`,
			0,
			openedAfter,
		);
		const changed = chunks.length;
		take("SELECT * FROM incidents WHERE seq > ? ORDER BY seq LIMIT ?", openedAfter);
		const openedUpTo = chunks.length > changed ? (chunks.at(-1)?.last ?? null) : null;
		return { chunks, count, openedUpTo };
	}

	/** The rows `query` selects, as one chunk: one pass over them, in order. */
	private chunk(query: string, ...params: number[]): MirrorChunk {
		return MirrorChunk.parse(
			this.sql
				.exec(
					`SELECT json_group_array(json_array(${MIRRORED_INCIDENT_COLUMNS})) AS rows, count(*) AS count,
						json_group_array(json_array(id, version)) FILTER (WHERE version > mirrored_version)
							AS marks,
						coalesce(max(seq), 0) AS last
					 FROM (${query})`,
					...params,
				)
				.one(),
		);
	}

	anyUnmirrored(openedAfter: number): boolean {
		return (
			this.sql
				.exec(
					`SELECT 1 WHERE EXISTS (SELECT 1 FROM incidents WHERE seq > ?)
					 OR EXISTS (SELECT 1 FROM incidents WHERE version > mirrored_version)`,
					openedAfter,
				)
				.toArray().length > 0
		);
	}

	/**
	 * Deletes up to `limit` resolved incidents, oldest first: those resolved before `cutoff`, and
	 * any past the newest `keep`. Their ids wait in `pruned_incidents` until D1 forgets them too,
	 * and are returned.
	 */
	pruneResolved(cutoff: number, keep: number, limit: number): string[] {
		const ids = prunable(this.sql, "incidents", { cutoff, keep, limit });
		for (const id of ids) {
			this.sql.exec("DELETE FROM incident_alerts WHERE incident_id = ?", id);
			this.sql.exec("DELETE FROM incidents WHERE id = ?", id);
			this.sql.exec("INSERT OR IGNORE INTO pruned_incidents (id) VALUES (?)", id);
		}
		return ids;
	}

	/** Pruned incidents D1 still lists. */
	pruned(limit: number): string[] {
		return this.sql
			.exec("SELECT id FROM pruned_incidents LIMIT ?", limit)
			.toArray()
			.map((row) => IdRow.parse(row).id);
	}

	forgetPruned(ids: readonly string[]): void {
		if (ids.length === 0) return;
		this.sql.exec(
			"DELETE FROM pruned_incidents WHERE id IN (SELECT value FROM json_each(?))",
			JSON.stringify(ids),
		);
	}

	/** When the resolved incident kept longest was resolved (null: none). */
	oldestResolvedAt(): number | null {
		return oldestResolvedAt(this.sql, "incidents");
	}

	/**
	 * D1 holds these versions now (`marks`: a chunk's JSON `[id, version]` pairs); a newer change
	 * made meanwhile stays unmirrored. One statement for a chunk.
	 */
	markMirrored(marks: string): void {
		if (marks === "[]") return;
		this.sql.exec(
			`UPDATE incidents SET mirrored_version = m.value ->> 1 FROM jsonb_each(?) AS m
			 WHERE incidents.id = m.value ->> 0 AND incidents.mirrored_version < m.value ->> 1`,
			marks,
		);
	}
}
