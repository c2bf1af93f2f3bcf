import * as z from "zod/mini";
import { jsonText } from "../../schema/json";

const FlapRow = z.object({
	alert_key: z.string(),
	changes: jsonText(z.array(z.number())),
	flapping: z.number(),
	quiet_at: z.number(),
});
const Quiet = z.object({ quiet_at: z.nullable(z.number()) });

export type KeyFlaps = { changes: number[]; flapping: boolean; quiet_at: number };

/**
 * Each alert key's recent state changes (`key_flaps`), for flapping detection: the change times
 * inside the window, whether the key is flapping, and `quiet_at`, when it has gone a whole window
 * without a change. A key with no change inside the window has no row.
 */
export class Flaps {
	constructor(private readonly sql: SqlStorage) {}

	get(alertKey: string): KeyFlaps | null {
		const row = this.sql.exec("SELECT * FROM key_flaps WHERE alert_key = ?", alertKey).toArray()[0];
		if (row === undefined) return null;
		const flaps = FlapRow.parse(row);
		return { changes: flaps.changes, flapping: flaps.flapping === 1, quiet_at: flaps.quiet_at };
	}

	put(alertKey: string, flaps: KeyFlaps): void {
		this.sql.exec(
			`INSERT INTO key_flaps (alert_key, changes, flapping, quiet_at) VALUES (?, ?, ?, ?)
			 ON CONFLICT (alert_key) DO UPDATE SET changes = excluded.changes,
				flapping = excluded.flapping, quiet_at = excluded.quiet_at`,
			alertKey,
			JSON.stringify(flaps.changes),
			flaps.flapping ? 1 : 0,
			flaps.quiet_at,
		);
	}

	/** Flapping keys that have been stable since `now`: no longer flapping; returns them. */
	settle(now: number, limit: number): string[] {
		const keys = this.sql
			.exec(
				`SELECT alert_key FROM key_flaps INDEXED BY key_flaps_flapping
				 WHERE flapping = 1 AND quiet_at <= ? LIMIT ?`,
				now,
				limit,
			)
			.toArray()
			.map((row) => String(row.alert_key));
		for (const key of keys) {
			this.sql.exec("UPDATE key_flaps SET flapping = 0 WHERE alert_key = ?", key);
		}
		return keys;
	}

	/** When the next flapping key counts as stable (null: none flaps). */
	nextQuietAt(): number | null {
		return Quiet.parse(
			this.sql
				.exec(
					"SELECT min(quiet_at) AS quiet_at FROM key_flaps INDEXED BY key_flaps_flapping WHERE flapping = 1",
				)
				.one(),
		).quiet_at;
	}

	/** Forgets keys with no change inside their window (the window has passed since the last). */
	prune(now: number, limit: number): number {
		return this.sql.exec(
			`DELETE FROM key_flaps WHERE alert_key IN (
				SELECT alert_key FROM key_flaps WHERE flapping = 0 AND quiet_at <= ? LIMIT ?)`,
			now,
			limit,
		).rowsWritten;
	}
}
