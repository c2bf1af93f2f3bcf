import * as z from "zod/mini";

const Count = z.object({ count: z.number() });
const KeyRow = z.object({ alert_key: z.string() });
const StateAt = z.object({ last_state_at: z.number() });

/**
 * Keys whose newest ordered state-change time `key_states` holds at most: as many as the alerts
 * an integration keeps (10,000 firing, 100,000 resolved). Past it, recording a new key forgets
 * the oldest of keys with nothing firing, in the same transaction.
 */
export const MAX_KEY_STATES = 110_000;
/** Rows a new key's record forgets at most when over MAX_KEY_STATES: one is enough to hold it. */
const KEY_STATES_FORGOTTEN_PER_RECORD = 2;

/** Keys whose state-change time is kept in memory; past this the memory starts over. */
const MAX_KNOWN_KEYS = 10_000;

/**
 * When each key's newest ordered state change happened (`key_states`): an event older than that
 * is stale and changes nothing. Kept apart from the alerts because a key's order outlives its
 * alerts (a late OK must not reopen what a newer ALARM resolved), and in memory for the keys seen
 * lately, so an ordered repeat (an SNS alarm still in ALARM) reads nothing.
 */
export class KeyStates {
	/** Each key's newest ordered state-change time, as `key_states` holds it (null: none). */
	private readonly stateAtByKey = new Map<string, number | null>();
	/** How many rows `key_states` holds, counted when a new key first comes, then kept. */
	private keyStatesTotal: number | undefined;

	constructor(private readonly sql: SqlStorage) {}

	forget(): void {
		this.stateAtByKey.clear();
		this.keyStatesTotal = undefined;
	}

	/** When the newest ordered event applied for this key happened (null: none yet). */
	lastAt(alertKey: string): number | null {
		const known = this.stateAtByKey.get(alertKey);
		if (known !== undefined) return known;
		const row = this.sql
			.exec("SELECT last_state_at FROM key_states WHERE alert_key = ?", alertKey)
			.toArray()[0];
		const at = row === undefined ? null : StateAt.parse(row).last_state_at;
		this.rememberStateAt(alertKey, at);
		return at;
	}

	private rememberStateAt(alertKey: string, at: number | null): void {
		if (this.stateAtByKey.size >= MAX_KNOWN_KEYS) this.stateAtByKey.clear();
		this.stateAtByKey.set(alertKey, at);
	}

	/**
	 * Records the key's newest ordered state-change time; `lastAt` was read first for the
	 * same event, so memory knows whether the key is new. A new key past MAX_KEY_STATES forgets
	 * the oldest keys with nothing firing: a flood of keys (alarms that do not exist, say) holds
	 * the table at its cap instead of growing it until the alarm prunes.
	 */
	record(alertKey: string, at: number): void {
		const isNew = this.stateAtByKey.get(alertKey) === null;
		this.rememberStateAt(alertKey, at);
		this.sql.exec(
			`INSERT INTO key_states (alert_key, last_state_at) VALUES (?, ?)
			 ON CONFLICT (alert_key) DO UPDATE SET last_state_at = excluded.last_state_at`,
			alertKey,
			at,
		);
		if (!isNew) return;
		// Counted after the insert, so a first count includes the new key.
		this.keyStatesTotal =
			this.keyStatesTotal === undefined
				? Count.parse(this.sql.exec("SELECT count(*) AS count FROM key_states").one()).count
				: this.keyStatesTotal + 1;
		if (this.keyStatesTotal <= MAX_KEY_STATES) return;
		const forgotten = this.sql
			.exec(
				`DELETE FROM key_states WHERE alert_key IN (
					SELECT alert_key FROM key_states k WHERE alert_key != ?1
					AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.alert_key = k.alert_key AND a.status = 'firing')
					ORDER BY last_state_at LIMIT ?2)
				 RETURNING alert_key`,
				alertKey,
				Math.min(this.keyStatesTotal - MAX_KEY_STATES, KEY_STATES_FORGOTTEN_PER_RECORD),
			)
			.toArray()
			.map((row) => KeyRow.parse(row).alert_key);
		for (const key of forgotten) this.stateAtByKey.delete(key);
		this.keyStatesTotal -= forgotten.length;
	}

	/** Forgets the state-change times of keys with nothing firing and nothing newer than `cutoff`. */
	prune(cutoff: number, limit: number): number {
		const keys = this.sql
			.exec(
				`SELECT alert_key FROM key_states k WHERE last_state_at < ?1
				 AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.alert_key = k.alert_key AND a.status = 'firing')
				 LIMIT ?2`,
				cutoff,
				limit,
			)
			.toArray()
			.map((row) => KeyRow.parse(row).alert_key);
		for (const key of keys) {
			this.sql.exec("DELETE FROM key_states WHERE alert_key = ?", key);
			this.stateAtByKey.delete(key);
		}
		if (this.keyStatesTotal !== undefined) this.keyStatesTotal -= keys.length;
		return keys.length;
	}
}
