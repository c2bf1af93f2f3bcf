import * as z from "zod/mini";
import { jsonText } from "../../schema/json";
import { keysToRead } from "./read-ahead";
import { heldInsert, WriteBehind } from "./write-behind";

const FlapRow = z.object({
	alert_key: z.string(),
	changes: jsonText(z.array(z.number())),
	flapping: z.number(),
	quiet_at: z.number(),
});
const Quiet = z.object({ quiet_at: z.nullable(z.number()) });

export type KeyFlaps = { changes: number[]; flapping: boolean; quiet_at: number };

function toFlaps(row: Record<string, SqlStorageValue>): KeyFlaps {
	const flaps = FlapRow.parse(row);
	return { changes: flaps.changes, flapping: flaps.flapping === 1, quiet_at: flaps.quiet_at };
}

/** Sorts before every alert key (none is empty): where a sweep of the records starts. */
export const SWEEP_START = "";
const Swept = z.object({ alert_key: z.string(), stale: z.number() });

/** Records kept in memory at most; past this the memory starts over. */
const MAX_KNOWN = 10_000;

const PUT_FLAPS = heldInsert("key_flaps (alert_key, changes, flapping, quiet_at)", 4, {
	tail: `ON CONFLICT (alert_key) DO UPDATE SET changes = excluded.changes,
		flapping = excluded.flapping, quiet_at = excluded.quiet_at`,
});

/**
 * Each alert key's recent state changes (`key_flaps`), for flapping detection: the change times
 * inside the window, whether the key is flapping, and `quiet_at`, when it has gone a whole window
 * without a change. A key with no change inside the window has no row, or one the alarm's sweep
 * has not reached yet, which counts for nothing: a change counts only the times inside the window.
 */
export class Flaps {
	/**
	 * Keys' records read ahead for a push (`prefetch`), and kept as it writes them; dropped when
	 * the alarm settles records, one by one as it prunes them, and after a rollback (`forget`).
	 */
	private readonly known = new Map<string, KeyFlaps | null>();

	constructor(
		private readonly sql: SqlStorage,
		private readonly behind = new WriteBehind(sql),
	) {}

	get(alertKey: string): KeyFlaps | null {
		const known = this.known.get(alertKey);
		if (known !== undefined) return known;
		const row = this.sql.exec("SELECT * FROM key_flaps WHERE alert_key = ?", alertKey).toArray()[0];
		return row === undefined ? null : toFlaps(row);
	}

	/** The records of `alertKeys`, read in one statement and kept for `get`. */
	prefetch(alertKeys: readonly string[]): void {
		const unknown = keysToRead(alertKeys, this.known, MAX_KNOWN);
		if (unknown.length === 0) return;
		const rows = this.sql.exec(
			"SELECT * FROM key_flaps WHERE alert_key IN (SELECT value FROM json_each(?))",
			JSON.stringify(unknown),
		);
		for (const key of unknown) this.known.set(key, null);
		for (const row of rows) this.known.set(String(row.alert_key), toFlaps(row));
	}

	put(alertKey: string, flaps: KeyFlaps): void {
		if (this.known.has(alertKey)) this.known.set(alertKey, flaps);
		this.behind.write(PUT_FLAPS, [
			alertKey,
			JSON.stringify(flaps.changes),
			flaps.flapping ? 1 : 0,
			flaps.quiet_at,
		]);
	}

	forget(): void {
		this.known.clear();
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
		if (keys.length > 0) this.known.clear();
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

	/**
	 * Forgets keys not flapping with no change inside their window (it has passed since the last),
	 * among the next `limit` records in key order after `after`: a call reads at most `limit` rows,
	 * and no index by time costs every state change a row. Answers how many it forgot and where the
	 * next call goes on (SWEEP_START again after the last record).
	 */
	prune(now: number, limit: number, after: string): { forgot: number; next: string } {
		const swept = this.sql
			.exec(
				`SELECT alert_key, flapping = 0 AND quiet_at <= ? AS stale FROM key_flaps
				 WHERE alert_key > ? ORDER BY alert_key LIMIT ?`,
				now,
				after,
				limit,
			)
			.toArray()
			.map((row) => Swept.parse(row));
		const last = swept.at(-1);
		const next = swept.length < limit || last === undefined ? SWEEP_START : last.alert_key;
		const stale = swept.filter((row) => row.stale === 1).map((row) => row.alert_key);
		if (stale.length === 0) return { forgot: 0, next };
		for (const key of stale) this.known.delete(key);
		this.sql.exec(
			"DELETE FROM key_flaps WHERE alert_key IN (SELECT value FROM json_each(?))",
			JSON.stringify(stale),
		);
		return { forgot: stale.length, next };
	}
}
