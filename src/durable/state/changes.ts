import * as z from "zod/mini";
import { Link } from "../../alerts/event";
import type { ChangeRecord } from "../../changes/change";
import { jsonText } from "../../schema/json";

/** Change events an integration keeps at most: a new one forgets the oldest past this. */
export const MAX_CHANGES_KEPT = 1_000;
/** …and none older than this, whichever comes first. */
export const CHANGE_RETENTION_MS = 30 * 24 * 60 * 60_000;

const ChangeRow = z.object({
	seq: z.number(),
	id: z.string(),
	summary: z.string(),
	source: z.nullable(z.string()),
	custom_details: z.nullable(z.string()),
	links: jsonText(z.array(Link)),
	occurred_at: z.number(),
	received_at: z.number(),
});

function recordOf(row: unknown): ChangeRecord {
	const { seq: _seq, ...fields } = ChangeRow.parse(row);
	return fields;
}

/** Where a page of change events starts: after this one (the last of the previous page). */
export type ChangeCursor = { occurred_at: number; id: string };

/**
 * The integration's change events (`change_events`), newest first by when they happened. Bounded
 * by the write that adds one, in its transaction: past MAX_CHANGES_KEPT the oldest arrivals go,
 * and those that arrived more than CHANGE_RETENTION_MS ago (the alarm prunes those too).
 */
export class Changes {
	constructor(private readonly sql: SqlStorage) {}

	add(change: ChangeRecord): void {
		this.sql.exec(
			`INSERT INTO change_events (id, summary, source, custom_details, links, occurred_at, received_at)
			 VALUES (?, ?, ?, ?, ?, ?, ?)`,
			change.id,
			change.summary,
			change.source,
			change.custom_details,
			JSON.stringify(change.links),
			change.occurred_at,
			change.received_at,
		);
		// Arrival order is `seq` order: every row past the newest MAX_CHANGES_KEPT has a lower seq.
		this.sql.exec(
			"DELETE FROM change_events WHERE seq <= last_insert_rowid() - ?",
			MAX_CHANGES_KEPT,
		);
		this.prune(change.received_at);
	}

	/** Newest first, after `after`; none that arrived more than CHANGE_RETENTION_MS before `now`. */
	page(query: { limit: number; after?: ChangeCursor | undefined }, now: number): ChangeRecord[] {
		const after = query.after;
		return this.sql
			.exec(
				`SELECT * FROM change_events WHERE received_at >= ?
				 AND (? IS NULL OR occurred_at < ? OR (occurred_at = ? AND id < ?))
				 ORDER BY occurred_at DESC, id DESC LIMIT ?`,
				now - CHANGE_RETENTION_MS,
				after?.occurred_at ?? null,
				after?.occurred_at ?? null,
				after?.occurred_at ?? null,
				after?.id ?? null,
				query.limit,
			)
			.toArray()
			.map(recordOf);
	}

	/** Those that happened from `from` to `to` (both included), newest first, at most `limit`. */
	between(from: number, to: number, limit: number): ChangeRecord[] {
		return this.sql
			.exec(
				`SELECT * FROM change_events WHERE occurred_at >= ? AND occurred_at <= ?
				 ORDER BY occurred_at DESC, id DESC LIMIT ?`,
				from,
				to,
				limit,
			)
			.toArray()
			.map(recordOf);
	}

	/** Forgets those that arrived more than CHANGE_RETENTION_MS before `now`. */
	prune(now: number): number {
		return this.sql.exec(
			"DELETE FROM change_events WHERE received_at < ?",
			now - CHANGE_RETENTION_MS,
		).rowsWritten;
	}
}
