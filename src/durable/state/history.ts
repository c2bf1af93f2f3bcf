import * as z from "zod/mini";

/**
 * Resolved history in `alerts` and `incidents`, which age out the same way: by the time they
 * were resolved (retention) and by count (the newest `keep` stay), oldest first.
 */
type HistoryTable = "alerts" | "incidents";

const IdRow = z.object({ id: z.string() });
const Oldest = z.object({ oldest: z.nullable(z.number()) });

/**
 * Up to `limit` ids of resolved rows resolved before `cutoff` or past the newest `keep`, oldest
 * first. Each half is read from its partial index, so a run with nothing to prune reads next to
 * nothing however many rows fire (a single query with the OR scanned the whole table).
 */
export function prunable(
	sql: SqlStorage,
	table: HistoryTable,
	{
		cutoff,
		keep,
		limit,
		unless = "",
	}: { cutoff: number; keep: number; limit: number; unless?: string },
): string[] {
	// Both tables keep their resolved rows in order by `<table>_resolved_by_seq`.
	const bySeq = `${table}_resolved_by_seq`;
	return sql
		.exec(
			`SELECT id FROM (
				SELECT * FROM (SELECT id, seq FROM ${table} t INDEXED BY ${table}_resolved_by_time
					WHERE status = 'resolved' AND resolved_at < ?1 ${unless} ORDER BY resolved_at LIMIT ?3)
				UNION
				SELECT * FROM (SELECT id, seq FROM ${table} t INDEXED BY ${bySeq}
					WHERE status = 'resolved' AND seq <= coalesce((SELECT seq FROM ${table} INDEXED BY ${bySeq}
						WHERE status = 'resolved' ORDER BY seq DESC LIMIT 1 OFFSET ?2), -1) ${unless}
					ORDER BY seq LIMIT ?3))
			 ORDER BY seq LIMIT ?3`,
			cutoff,
			keep,
			limit,
		)
		.toArray()
		.map((row) => IdRow.parse(row).id);
}

/** When the resolved row kept longest was resolved (null: none). */
export function oldestResolvedAt(sql: SqlStorage, table: HistoryTable): number | null {
	const row = sql.exec(
		`SELECT min(resolved_at) AS oldest FROM ${table} INDEXED BY ${table}_resolved_by_time
		 WHERE status = 'resolved'`,
	);
	return Oldest.parse(row.one()).oldest;
}
