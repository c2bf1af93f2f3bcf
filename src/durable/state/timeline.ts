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
 * past this a `truncated` entry says so and the rest are counted, not kept. Each acknowledgement
 * and resolution is always kept, as is its opening (its row's), so a storm cannot push them out.
 */
export const MAX_ROUTINE_ENTRIES = 300;

const ALWAYS_KEPT: ReadonlySet<string> = new Set(["acknowledged", "resolved"]);

/** Number of an incident's opening entry, which its row holds (`opening`, `opened_at`). */
const OPENING_SEQ = 1;

/**
 * An entry numbered within its incident (`seq`, the table's key with the incident's id, so an entry
 * is one row of one b-tree: no rowid, no index beside it): after the incident's last, the rows held
 * for one incident in the order they were held. SQLite reads the table's last numbers before it
 * inserts any row, as a statement that reads the table it inserts into must. An incident's first
 * entry, its opening, is number 1, held by its row (or, for one opened before rows held it, by the
 * table), so the table's first entry of an incident with none there yet is number 2.
 */
const INSERT_ENTRY: HeldWrite = {
	one: `INSERT INTO incident_timeline (incident_id, seq, at, type, detail)
		VALUES (?1,
			coalesce((SELECT max(seq) FROM incident_timeline WHERE incident_id = ?1), ${OPENING_SEQ}) + 1,
			?2, ?3, ?4)`,
	many: `INSERT INTO incident_timeline (incident_id, seq, at, type, detail)
		SELECT r.value ->> 0,
			coalesce((SELECT max(t.seq) FROM incident_timeline t WHERE t.incident_id = r.value ->> 0),
				${OPENING_SEQ}) + row_number() OVER (PARTITION BY r.value ->> 0 ORDER BY r.key),
			r.value ->> 1, r.value ->> 2, r.value ->> 3
		FROM jsonb_each(?) AS r`,
};
/**
 * An entry whose number the object knows (an incident it opened): a plain insert. It reads nothing
 * for the incident's last entry (about 5 rows a new incident) and sorts no window of the rows.
 */
const INSERT_NUMBERED = heldInsert("incident_timeline (incident_id, seq, at, type, detail)", 5);
/** An incident's routine entries offered so far, when the object already knows the count. */
const SET_COUNT = heldInsert("incident_timeline_counts (incident_id, entries)", 2, {
	tail: "ON CONFLICT (incident_id) DO UPDATE SET entries = excluded.entries",
});
/** Incidents remembered at most; past this the memory starts over (a count is one read to relearn). */
export const MAX_KNOWN = 1_000;

/**
 * What the object knows of an incident's timeline: its routine entries offered so far, and its last
 * entry's number when the object opened the incident (null: the table has it).
 */
type Known = { entries: number; last: number | null };

const Row = z.object({
	seq: z.number(),
	at: z.number(),
	type: TimelineType,
	detail: jsonText(Detail),
});

/**
 * Incidents' timelines, oldest first: each incident's opening entry, held by its row (`opening`,
 * written by `Incidents.save` as it opens), then the entries after it (`incident_timeline`), with
 * how many routine entries each incident was offered (`incident_timeline_counts`, one row per
 * incident, so the bound costs one row, not a count over the entries). Deleted with their incident.
 */
export class Timeline {
	/**
	 * Counts this object wrote, by incident (it is their only writer), so an entry for an incident
	 * seen before is a held write, not a statement of its own: three targets told of one incident
	 * add three. With them, for the incidents it opened, their last entry's number. Forgotten with
	 * the incident and whenever a transaction rolls back.
	 */
	private readonly known = new Map<string, Known>();

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
		const known = this.known.get(incidentId);
		if (known !== undefined) {
			this.behind.write(SET_COUNT, [incidentId, known.entries + 1]);
			known.entries += 1;
			return known.entries;
		}
		const { entries } = this.sql
			.exec<{ entries: number }>(
				`INSERT INTO incident_timeline_counts (incident_id, entries) VALUES (?, 1)
				 ON CONFLICT (incident_id) DO UPDATE SET entries = entries + 1 RETURNING entries`,
				incidentId,
			)
			.one();
		this.remember(incidentId, { entries, last: null });
		return entries;
	}

	/**
	 * A new incident, whose row holds its opening entry (`Incidents.save`): the entries after it are
	 * numbered here from 2, its routine count held.
	 */
	opened(incidentId: string): void {
		this.remember(incidentId, { entries: 0, last: OPENING_SEQ });
	}

	private remember(incidentId: string, known: Known): void {
		if (this.known.size >= MAX_KNOWN) {
			// Entries numbered here and still held go in first: the next entry of their incident
			// is then numbered after its last in the table, and the two kinds of insert may be
			// written in either order.
			this.behind.flush();
			this.known.clear();
		}
		this.known.set(incidentId, known);
	}

	/** After a rollback: the counts and entries written in it are not there. */
	forgetKnown(): void {
		this.known.clear();
	}

	/** Held until the push ends: entries of one incident keep their order. */
	private insert(incidentId: string, at: number, type: string, detail: TimelineDetail): void {
		const known = this.known.get(incidentId);
		if (known === undefined || known.last === null) {
			this.behind.write(INSERT_ENTRY, [incidentId, at, type, JSON.stringify(detail)]);
			return;
		}
		const seq = known.last + 1;
		this.behind.write(INSERT_NUMBERED, [incidentId, seq, at, type, JSON.stringify(detail)]);
		known.last = seq;
	}

	/** Oldest first, after entry `after` (a `seq`), at most `limit`. */
	page(incidentId: string, query: { after?: number | undefined; limit: number }): TimelineRecord[] {
		return this.sql
			.exec(
				`SELECT ${OPENING_SEQ} AS seq, opened_at AS at, 'triggered' AS type, opening AS detail
				 FROM incidents WHERE id = ?1 AND opening IS NOT NULL AND ?2 < ${OPENING_SEQ}
				 UNION ALL
				 SELECT seq, at, type, detail FROM incident_timeline WHERE incident_id = ?1 AND seq > ?2
				 ORDER BY seq LIMIT ?3`,
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
		this.known.delete(incidentId);
	}
}
