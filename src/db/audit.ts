import * as z from "zod/mini";

/** The audit log in D1 (`audit_log`): only this module reads or writes it. */

/** How long an entry is kept (docs/security.md, "Audit log"). */
export const AUDIT_RETENTION_MS = 90 * 86_400_000;
/**
 * The most entries kept whatever their age: a script changing things in a loop cannot fill D1.
 * Past it, each new entry pushes out the oldest.
 */
export const MAX_AUDIT_ROWS = 20_000;
/** Expired rows deleted per write: enough to keep up, few enough to cost nothing. */
const PRUNED_PER_WRITE = 100;

export const AuditRow = z.object({
	id: z.string(),
	at: z.number(),
	actor_kind: z.string(),
	actor_name: z.string(),
	via: z.string(),
	action: z.string(),
	resource_type: z.string(),
	resource_id: z.nullable(z.string()),
	changes: z.pipe(
		z.string(),
		z.transform((text) => JSON.parse(text) as Record<string, { before: unknown; after: unknown }>),
	),
	request_id: z.nullable(z.string()),
});
export type AuditRow = z.output<typeof AuditRow>;

/** The entry and, in the same batch, the pruning that keeps the log bounded. */
export function auditStatements(db: D1Database, row: AuditRow): D1PreparedStatement[] {
	return [
		db
			.prepare(
				`INSERT INTO audit_log (id, at, actor_kind, actor_name, via, action, resource_type, resource_id, changes, request_id)
				 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			)
			.bind(
				row.id,
				row.at,
				row.actor_kind,
				row.actor_name,
				row.via,
				row.action,
				row.resource_type,
				row.resource_id,
				JSON.stringify(row.changes),
				row.request_id,
			),
		db
			.prepare(
				`DELETE FROM audit_log WHERE id IN
				 (SELECT id FROM audit_log WHERE at < ? ORDER BY at LIMIT ?)`,
			)
			.bind(row.at - AUDIT_RETENTION_MS, PRUNED_PER_WRITE),
		// Held on every write, so this deletes at most a row or two once the cap is reached. By
		// rowid (rows are added with ever larger ones): it reads only what it deletes, where an
		// OFFSET over the newest would read the whole log on every change.
		db
			.prepare("DELETE FROM audit_log WHERE rowid <= (SELECT max(rowid) FROM audit_log) - ?")
			.bind(MAX_AUDIT_ROWS),
	];
}

export type AuditFilter = {
	actor?: string | undefined;
	resource_type?: string | undefined;
	resource_id?: string | undefined;
	since?: number | undefined;
	until?: number | undefined;
	limit: number;
	after?: { at: number; id: string } | undefined;
};

/** Newest first, each filter narrowing; `until` is exclusive, `since` inclusive. */
export async function listAudit(db: D1Database, filter: AuditFilter): Promise<AuditRow[]> {
	const where: string[] = [];
	const params: (string | number)[] = [];
	const add = (clause: string, ...values: (string | number)[]) => {
		where.push(clause);
		params.push(...values);
	};
	if (filter.actor !== undefined) add("actor_name = ?", filter.actor);
	if (filter.resource_type !== undefined) add("resource_type = ?", filter.resource_type);
	if (filter.resource_id !== undefined) add("resource_id = ?", filter.resource_id);
	// Past the retention, a row not yet pruned (nothing written since) is not shown either.
	add("at >= ?", Math.max(filter.since ?? 0, Date.now() - AUDIT_RETENTION_MS));
	if (filter.until !== undefined) add("at < ?", filter.until);
	if (filter.after !== undefined) {
		add("(at < ? OR (at = ? AND id < ?))", filter.after.at, filter.after.at, filter.after.id);
	}
	const { results } = await db
		.prepare(
			`SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
			 ORDER BY at DESC, id DESC LIMIT ?`,
		)
		.bind(...params, filter.limit)
		.all();
	return results.map((row) => AuditRow.parse(row));
}
