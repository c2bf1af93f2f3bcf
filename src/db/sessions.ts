import * as z from "zod/mini";
import { digestsEqual } from "../security/secrets";

/**
 * The dashboard's sessions in D1 (`dashboard_sessions`): only this module reads or writes them.
 * A row is found by the SHA-256 of the id the cookie carries, never by the id itself.
 */

export const SessionRow = z.object({
	id_hash: z.string(),
	csrf_token: z.string(),
	token_fingerprint: z.string(),
	issued_at: z.number(),
	expires_at: z.number(),
	/** The API token that signed in (null: ADMIN_TOKEN): revoking it ends the session. */
	token_id: z.nullable(z.string()),
});
export type SessionRow = z.infer<typeof SessionRow>;

/** How long a sign-in lasts, whatever the browser keeps: one shift, then sign in again. */
export const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;

/**
 * The most sessions kept: a sign-in past it ends the oldest. It bounds what a script signing in
 * in a loop can store, not what people need.
 */
export const MAX_SESSIONS = 1_000;

/**
 * The most sessions one API token keeps: its sign-in past it ends its own oldest. So whoever
 * holds one token cannot fill MAX_SESSIONS and sign everyone else out (tokens are made by an
 * admin, at most MAX_TOKENS of them).
 */
export const MAX_SESSIONS_PER_TOKEN = 10;

/** Expired rows deleted per sign-in: enough to keep up, little enough to cost nothing. */
const PRUNED_PER_SIGN_IN = 100;

/**
 * Whether a stored session still stands: not past its expiry, and made with the admin token
 * configured now (a rotated token ends every session it made).
 */
export function sessionStands(row: SessionRow, tokenFingerprint: string, now: number): boolean {
	return now < row.expires_at && digestsEqual(row.token_fingerprint, tokenFingerprint);
}

/** Stores a new session; in the same batch, prunes expired rows and holds MAX_SESSIONS. */
export async function insertSession(db: D1Database, row: SessionRow): Promise<void> {
	await db.batch([
		db
			.prepare(
				`DELETE FROM dashboard_sessions WHERE id_hash IN
				 (SELECT id_hash FROM dashboard_sessions WHERE expires_at <= ? LIMIT ?)`,
			)
			.bind(row.issued_at, PRUNED_PER_SIGN_IN),
		db
			.prepare(
				`INSERT INTO dashboard_sessions (id_hash, csrf_token, token_fingerprint, issued_at, expires_at, token_id)
				 VALUES (?, ?, ?, ?, ?, ?)`,
			)
			.bind(
				row.id_hash,
				row.csrf_token,
				row.token_fingerprint,
				row.issued_at,
				row.expires_at,
				row.token_id,
			),
		db
			.prepare(
				`DELETE FROM dashboard_sessions WHERE id_hash IN
				 (SELECT id_hash FROM dashboard_sessions WHERE token_id = ?
				  ORDER BY issued_at DESC, id_hash LIMIT -1 OFFSET ?)`,
			)
			.bind(row.token_id, MAX_SESSIONS_PER_TOKEN),
		// Held on every sign-in, so this deletes at most one row once the cap is reached.
		db
			.prepare(
				`DELETE FROM dashboard_sessions WHERE id_hash IN
				 (SELECT id_hash FROM dashboard_sessions ORDER BY issued_at DESC, id_hash LIMIT -1 OFFSET ?)`,
			)
			.bind(MAX_SESSIONS),
	]);
}

export async function getSession(db: D1Database, idHash: string): Promise<SessionRow | null> {
	const row = await db
		.prepare("SELECT * FROM dashboard_sessions WHERE id_hash = ?")
		.bind(idHash)
		.first();
	return row === null ? null : SessionRow.parse(row);
}

export async function deleteSession(db: D1Database, idHash: string): Promise<void> {
	await db.prepare("DELETE FROM dashboard_sessions WHERE id_hash = ?").bind(idHash).run();
}
