import * as z from "zod/mini";
import {
	TimelineDetail as Detail,
	type TimelineDetail,
	type TimelineRecord,
	TimelineType,
} from "../../incidents/timeline";
import { jsonText } from "../../schema/json";
import { type HeldWrite, heldInsert, WriteBehind } from "./write-behind";

/**
 * Entries of the routine kinds (alerts added, notifications, escalations, …) one incident keeps:
 * past this a `truncated` entry says so and the rest are counted, not kept. Its opening and
 * each acknowledgement and resolution are always kept, so a storm cannot push them out.
 */
export const MAX_ROUTINE_ENTRIES = 300;

const ALWAYS_KEPT: ReadonlySet<string> = new Set(["triggered", "acknowledged", "resolved"]);

/**
 * An entry numbered within its incident (`seq`, the table's key with the incident's id, so an entry
 * is one row of one b-tree: no rowid, no index beside it): after the incident's last, the rows held
 * for one incident in the order they were held. SQLite reads the table's last numbers before it
 * inserts any row, as a statement that reads the table it inserts into must.
 */
const INSERT_ENTRY: HeldWrite = {
	one: `INSERT INTO incident_timeline (incident_id, seq, at, type, detail)
		VALUES (?1, coalesce((SELECT max(seq) FROM incident_timeline WHERE incident_id = ?1), 0) + 1,
			?2, ?3, ?4)`,
	many: `INSERT INTO incident_timeline (incident_id, seq, at, type, detail)
		SELECT r.value ->> 0,
			coalesce((SELECT max(t.seq) FROM incident_timeline t WHERE t.incident_id = r.value ->> 0), 0)
				+ row_number() OVER (PARTITION BY r.value ->> 0 ORDER BY r.key),
			r.value ->> 1, r.value ->> 2, r.value ->> 3
		FROM jsonb_each(?) AS r`,
};
/** An incident's routine entries offered so far, when the object already knows the count. */
const SET_COUNT = heldInsert("incident_timeline_counts (incident_id, entries)", 2, {
	tail: "ON CONFLICT (incident_id) DO UPDATE SET entries = excluded.entries",
});
/** Counts remembered at most; past this the memory starts over (each is one read to relearn). */
const MAX_COUNTS_KNOWN = 1_000;

const Row = z.object({
	seq: z.number(),
	at: z.number(),
	type: TimelineType,
	detail: jsonText(Detail),
});

/**
 * Incidents' timelines (`incident_timeline`), oldest first, with how many routine entries each
 * incident was offered (`incident_timeline_counts`, one row per incident, so the bound costs one
 * row, not a count over the entries). Deleted with their incident.
 */
export class Timeline {
	/**
	 * Counts this object wrote, by incident (it is their only writer), so an entry for an incident
	 * seen before is a held write, not a statement of its own: three targets told of one incident
	 * add three. Forgotten with the incident and whenever a transaction rolls back.
	 */
	private readonly counts = new Map<string, number>();

	constructor(
		private readonly sql: SqlStorage,
		private readonly behind = new WriteBehind(sql),
	) {}

	add(incidentId: string, at: number, type: TimelineRecord["type"], detail: TimelineDetail = {}) {
		if (!ALWAYS_KEPT.has(type)) {
			const entries = this.count(incidentId);
			if (entries > MAX_ROUTINE_ENTRIES + 1) return;
			if (entries === MAX_ROUTINE_ENTRIES + 1) {
				this.insert(incidentId, at, "truncated", {});
				return;
			}
		}
		this.insert(incidentId, at, type, detail);
	}

	/** One more routine entry offered for the incident: how many now. */
	private count(incidentId: string): number {
		const known = this.counts.get(incidentId);
		if (known !== undefined) {
			this.behind.write(SET_COUNT, [incidentId, known + 1]);
			this.counts.set(incidentId, known + 1);
			return known + 1;
		}
		const { entries } = this.sql
			.exec<{ entries: number }>(
				`INSERT INTO incident_timeline_counts (incident_id, entries) VALUES (?, 1)
				 ON CONFLICT (incident_id) DO UPDATE SET entries = entries + 1 RETURNING entries`,
				incidentId,
			)
			.one();
		if (this.counts.size >= MAX_COUNTS_KNOWN) this.counts.clear();
		this.counts.set(incidentId, entries);
		return entries;
	}

	/** A new incident has no routine entries yet: its first ones are held writes too. */
	opened(incidentId: string): void {
		if (this.counts.size >= MAX_COUNTS_KNOWN) this.counts.clear();
		this.counts.set(incidentId, 0);
	}

	/** After a rollback: the counts written in it are not there. */
	forgetCounts(): void {
		this.counts.clear();
	}

	/** Held until the push ends: entries of one incident keep their order. */
	private insert(incidentId: string, at: number, type: string, detail: TimelineDetail): void {
		this.behind.write(INSERT_ENTRY, [incidentId, at, type, JSON.stringify(detail)]);
	}

	/** Oldest first, after entry `after` (a `seq`), at most `limit`. */
	page(incidentId: string, query: { after?: number | undefined; limit: number }): TimelineRecord[] {
		return this.sql
			.exec(
				`SELECT seq, at, type, detail FROM incident_timeline
				 WHERE incident_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
				incidentId,
				query.after ?? 0,
				query.limit,
			)
			.toArray()
			.map((row) => {
				const { detail, ...fields } = Row.parse(row);
				return { ...detail, ...fields };
			});
	}

	/** An incident pruned from history takes its timeline with it. */
	forget(incidentId: string): void {
		this.sql.exec("DELETE FROM incident_timeline WHERE incident_id = ?", incidentId);
		this.sql.exec("DELETE FROM incident_timeline_counts WHERE incident_id = ?", incidentId);
		this.counts.delete(incidentId);
	}
}
