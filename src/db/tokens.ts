import * as z from "zod/mini";
import { ROLES } from "../access/role";

/** API tokens in D1 (`api_tokens`): only this module reads or writes them. */

export const TokenRow = z.object({
	id: z.string(),
	name: z.string(),
	role: z.enum(ROLES),
	channel_ids: z.pipe(
		z.nullable(z.string()),
		z.transform((text) => (text === null ? null : z.array(z.string()).parse(JSON.parse(text)))),
	),
	token_hash: z.string(),
	created_at: z.number(),
	created_by: z.string(),
	expires_at: z.nullable(z.number()),
	last_used_at: z.nullable(z.number()),
});
export type TokenRow = z.output<typeof TokenRow>;

/** The most tokens a deployment keeps: far more than teams make, few enough to list at once. */
export const MAX_TOKENS = 500;

export function insertTokenStatement(db: D1Database, row: TokenRow): D1PreparedStatement {
	// The cap is held in the statement itself, so two creations racing cannot pass it.
	return db
		.prepare(
			`INSERT INTO api_tokens (id, name, role, channel_ids, token_hash, created_at, created_by, expires_at)
			 SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE (SELECT COUNT(*) FROM api_tokens) < ?`,
		)
		.bind(
			row.id,
			row.name,
			row.role,
			row.channel_ids === null ? null : JSON.stringify(row.channel_ids),
			row.token_hash,
			row.created_at,
			row.created_by,
			row.expires_at,
			MAX_TOKENS,
		);
}

export async function tokenByHash(db: D1Database, hash: string): Promise<TokenRow | null> {
	const row = await db.prepare("SELECT * FROM api_tokens WHERE token_hash = ?").bind(hash).first();
	return row === null ? null : TokenRow.parse(row);
}

export async function tokenById(db: D1Database, id: string): Promise<TokenRow | null> {
	const row = await db.prepare("SELECT * FROM api_tokens WHERE id = ?").bind(id).first();
	return row === null ? null : TokenRow.parse(row);
}

/** Newest first, after `after` (the last row of the previous page), at most `limit`. */
export async function listTokens(
	db: D1Database,
	page: { limit: number; after?: { created_at: number; id: string } | undefined },
): Promise<TokenRow[]> {
	const { results } = await db
		.prepare(
			`SELECT * FROM api_tokens
			 WHERE (?1 IS NULL OR created_at < ?1 OR (created_at = ?1 AND id < ?2))
			 ORDER BY created_at DESC, id DESC LIMIT ?3`,
		)
		.bind(page.after?.created_at ?? null, page.after?.id ?? null, page.limit)
		.all();
	return results.map((row) => TokenRow.parse(row));
}

export function deleteTokenStatement(db: D1Database, id: string): D1PreparedStatement {
	return db.prepare("DELETE FROM api_tokens WHERE id = ?").bind(id);
}

export async function touchToken(db: D1Database, id: string, at: number): Promise<void> {
	await db.prepare("UPDATE api_tokens SET last_used_at = ? WHERE id = ?").bind(at, id).run();
}
