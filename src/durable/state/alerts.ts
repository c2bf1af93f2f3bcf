import * as z from "zod/mini";
import type { Alert, AlertStatus } from "../../alerts/alert";
import { changingColumns, onlyCounted, StoredAlert, UPSERT_ALERT } from "./alert-rows";
import { oldestResolvedAt, prunable } from "./history";
import { keysToRead } from "./read-ahead";
import { WriteBehind } from "./write-behind";

/** A row of `alerts`: the stored alert and its position, the paging cursor. */
const AlertRow = z.extend(StoredAlert, { seq: z.number() });

const Oldest = z.object({ oldest: z.nullable(z.number()) });
const Count = z.object({ count: z.number() });

const toAlert = (row: Record<string, SqlStorageValue>): Alert => StoredAlert.parse(row);

/** Keys whose firing alert (or its absence) is kept in memory; past this the memory starts over. */
const MAX_KNOWN_KEYS = 10_000;

/**
 * A repeat's counters waiting for `flush`: how many events were added, the new `last_event_at`
 * (null: unchanged) and the receipt (null: unchanged), as of the row in storage.
 */
type Counted = { added: number; lastEventAt: number | null; receivedAt: number | null };

/** Past this many kinds of change in one flush, one statement carries each row's own values. */
const MAX_GROUPS = 4;

/**
 * Alerts. The firing alert of each key seen lately is kept in memory: the object is the only
 * writer of its storage, so a repeat of a firing alert (the common push) reads nothing (each
 * key's newest state-change time is kept likewise, by `KeyStates`). The object drops the copies
 * when a transaction rolls back (`forget`).
 *
 * A repeat that changes only counters is not written at once: the counters of all such repeats
 * in a transaction are written by one statement (`flush`), which the object runs before the
 * transaction commits and every read of `alerts` runs first. A batch of 100 repeats is then one
 * write instead of 100, each of which costs about 9 µs of CPU in workerd.
 */
export class Alerts {
	private readonly firingByKey = new Map<string, Alert | null>();
	private readonly counted = new Map<string, Counted>();
	/** How many alerts fire, counted once and then kept as alerts open and resolve. */
	private firingTotal: number | undefined;
	/** How many alerts are resolved, counted when one first resolves, then kept. */
	private resolvedTotal: number | undefined;
	/** Whether alerts_firing_by_receipt is known to exist (see `timesOut`). */
	private receiptIndex = false;

	/** `written` is told of every alert written in full (the inhibit index follows alerts). */
	constructor(
		private readonly sql: SqlStorage,
		private readonly written: (alert: Alert, opened: boolean) => void = () => {},
		private readonly behind = new WriteBehind(sql),
	) {}

	/** The key's firing alert; a unique index keeps it to one. */
	firing(alertKey: string): Alert | null {
		const known = this.firingByKey.get(alertKey);
		if (known !== undefined) return known;
		this.flush();
		const row = this.sql
			.exec("SELECT * FROM alerts WHERE alert_key = ? AND status = 'firing'", alertKey)
			.toArray()[0];
		const alert = row === undefined ? null : toAlert(row);
		this.remember(alertKey, alert);
		return alert;
	}

	/**
	 * The firing alerts of keys not known yet, looked up in one statement and kept: `firing`
	 * then answers them from memory, a key with none included.
	 */
	prefetch(alertKeys: readonly string[]): void {
		const unknown = keysToRead(alertKeys, this.firingByKey, MAX_KNOWN_KEYS);
		if (unknown.length === 0) return;
		this.flush();
		const found = new Map<string, Alert>();
		const rows = this.sql.exec(
			`SELECT * FROM alerts INDEXED BY alerts_one_firing_per_key
			 WHERE status = 'firing' AND alert_key IN (SELECT value FROM json_each(?))`,
			JSON.stringify(unknown),
		);
		for (const row of rows) {
			const alert = toAlert(row);
			found.set(alert.alert_key, alert);
		}
		for (const key of unknown) this.firingByKey.set(key, found.get(key) ?? null);
	}

	/** The key's firing alert when memory knows it (null: none fires), undefined otherwise. */
	known(alertKey: string): Alert | null | undefined {
		return this.firingByKey.get(alertKey);
	}

	forget(): void {
		this.firingByKey.clear();
		this.counted.clear();
		this.firingTotal = undefined;
		this.resolvedTotal = undefined;
		this.receiptIndex = false;
	}

	/**
	 * `auto_resolve_after` turned on or off. Firing alerts are indexed by their last receipt only
	 * while it is on: every event moves its alert's entry, a row written for nothing when no alert
	 * can go quiet. Any later migration that touches this index must allow for it being absent.
	 */
	timesOut(on: boolean): void {
		if (on) {
			this.receiptIndexExists();
			return;
		}
		this.sql.exec("DROP INDEX IF EXISTS alerts_firing_by_receipt");
		this.receiptIndex = false;
	}

	/** Made when first needed: an object upgraded while its alerts time out has none yet. */
	private receiptIndexExists(): void {
		if (this.receiptIndex) return;
		this.sql.exec(
			"CREATE INDEX IF NOT EXISTS alerts_firing_by_receipt ON alerts (last_received_at) WHERE status = 'firing'",
		);
		this.receiptIndex = true;
	}

	/**
	 * Writes the counters of the repeats saved since the last flush. Repeats that changed alike
	 * (the same number of events, arrival and newest event time, as in a batch) share one
	 * statement over their ids; many kinds of change share one that carries each row's values.
	 */
	flush(): void {
		if (this.counted.size === 0) return;
		const rows = [...this.counted];
		this.counted.clear();
		const groups = new Map<string, { counted: Counted; ids: string[] }>();
		for (const [id, counted] of rows) {
			const kind = `${counted.added}/${counted.lastEventAt}/${counted.receivedAt}`;
			const group = groups.get(kind);
			if (group === undefined) groups.set(kind, { counted, ids: [id] });
			else group.ids.push(id);
		}
		if (groups.size > MAX_GROUPS) {
			this.sql.exec(
				`UPDATE alerts SET event_count = event_count + (c.value ->> 1),
					last_event_at = coalesce(c.value ->> 2, last_event_at),
					last_received_at = coalesce(c.value ->> 3, last_received_at)
				 FROM jsonb_each(?) AS c WHERE alerts.id = c.value ->> 0`,
				JSON.stringify(rows.map(([id, c]) => [id, c.added, c.lastEventAt, c.receivedAt])),
			);
			return;
		}
		for (const { counted, ids } of groups.values()) {
			const set = `UPDATE alerts SET event_count = event_count + ?,
				last_event_at = coalesce(?, last_event_at), last_received_at = coalesce(?, last_received_at)`;
			const values = [counted.added, counted.lastEventAt, counted.receivedAt];
			const [only] = ids;
			if (ids.length === 1 && only !== undefined)
				this.sql.exec(`${set} WHERE id = ?`, ...values, only);
			else
				this.sql.exec(
					`${set} WHERE id IN (SELECT value FROM json_each(?))`,
					...values,
					JSON.stringify(ids),
				);
		}
	}

	private remember(alertKey: string, alert: Alert | null): void {
		if (this.firingByKey.size >= MAX_KNOWN_KEYS) this.firingByKey.clear();
		this.firingByKey.set(alertKey, alert);
	}

	/** `receivedAt` marks an event's arrival (it restarts the auto-resolve clock); omit it otherwise. */
	save(alert: Alert, receivedAt?: number, change: "opened" | "closed" | null = null): void {
		if (this.firingTotal !== undefined && change !== null)
			this.firingTotal += change === "opened" ? 1 : -1;
		if (this.resolvedTotal !== undefined && change === "closed") this.resolvedTotal += 1;
		const known = this.firingByKey.get(alert.alert_key);
		if (known?.id === alert.id && onlyCounted(known, alert)) {
			// A repeat that says nothing new (the common push): only the counters move, at `flush`.
			// A later repeat of the same alert in the transaction adds to the entry.
			const pending = this.counted.get(alert.id);
			const moved = alert.last_event_at !== known.last_event_at;
			this.counted.set(alert.id, {
				added: (pending?.added ?? 0) + alert.event_count - known.event_count,
				lastEventAt: moved ? alert.last_event_at : (pending?.lastEventAt ?? null),
				receivedAt: receivedAt ?? pending?.receivedAt ?? null,
			});
			this.remember(alert.alert_key, alert);
			return;
		}
		// The statements below write the counters too.
		this.counted.delete(alert.id);
		const changing = changingColumns(alert, receivedAt);
		if (known?.id === alert.id) {
			// The row is known to exist: an update by id, cheaper than an upsert's conflict check.
			this.sql.exec(
				`UPDATE alerts SET status = ?, severity = ?, title = ?, description = ?, labels = ?,
					images = ?, links = ?, event_count = ?, last_event_at = ?, resolved_at = ?,
					resolved_by = ?, expires_at = ?, silenced_by = ?, inhibited_by = ?, flapping = ?,
					suppressed_by = ?, last_received_at = coalesce(?, last_received_at)
				 WHERE id = ?`,
				...changing,
				alert.id,
			);
		} else {
			this.behind.write(UPSERT_ALERT, [
				alert.id,
				alert.alert_key,
				alert.first_event_at,
				...changing,
			]);
		}
		this.remember(alert.alert_key, alert.status === "firing" ? alert : null);
		this.written(alert, change === "opened");
	}

	/** Newest first, after `cursor` (a seq from the previous page); one extra row tells if more follow. */
	page(query: { status?: AlertStatus; limit: number; cursor?: number }) {
		this.flush();
		const rows = this.sql
			.exec(
				`SELECT * FROM alerts WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR seq < ?2)
				 ORDER BY seq DESC LIMIT ?3`,
				query.status ?? null,
				query.cursor ?? null,
				query.limit + 1,
			)
			.toArray()
			.map((row) => AlertRow.parse(row));
		const page = rows.slice(0, query.limit);
		const last = page.at(-1);
		return {
			alerts: page.map(({ seq: _seq, ...alert }) => alert),
			next: rows.length > query.limit && last !== undefined ? last.seq : null,
		};
	}

	// The alarm's questions about firing alerts name their partial index (INDEXED BY): without
	// table statistics SQLite's planner may take another index of every firing alert and read
	// them all, 10,000 rows per alarm run at the cap, where the right one reads those asked for.

	/**
	 * Every firing alert (at most MAX_FIRING_ALERTS), in the order they opened: for silences and
	 * inhibit rules (what a silence would mute is listed so, and what they release is routed so).
	 * Read from the index of firing alerts and sorted; ordered by seq alone, SQLite scans every
	 * alert, resolved ones too.
	 */
	allFiring(): Alert[] {
		this.flush();
		return this.sql
			.exec(
				`SELECT * FROM alerts INDEXED BY alerts_one_firing_per_key
				 WHERE status = 'firing' ORDER BY seq`,
			)
			.toArray()
			.map(toAlert);
	}

	/** The firing alerts muted by the inhibit rule that `sourceId` matched. */
	inhibitedBy(sourceId: string): Alert[] {
		this.flush();
		return this.sql
			.exec("SELECT * FROM alerts WHERE status = 'firing' AND inhibited_by = ?", sourceId)
			.toArray()
			.map(toAlert);
	}

	/** Firing alerts that have received nothing since `cutoff` (only while alerts time out). */
	quietSince(cutoff: number): Alert[] {
		this.flush();
		this.receiptIndexExists();
		return this.sql
			.exec(
				`SELECT * FROM alerts INDEXED BY alerts_firing_by_receipt
				 WHERE status = 'firing' AND last_received_at <= ?`,
				cutoff,
			)
			.toArray()
			.map(toAlert);
	}

	/** Firing alerts whose `expires_at` is `now` or earlier. */
	expiredBy(now: number): Alert[] {
		this.flush();
		return this.sql
			.exec(
				`SELECT * FROM alerts INDEXED BY alerts_firing_by_expiry
				 WHERE status = 'firing' AND expires_at <= ?`,
				now,
			)
			.toArray()
			.map(toAlert);
	}

	/** When the next firing alert expires (null: none carries an `expires_at`). */
	nextExpiry(): number | null {
		this.flush();
		return Oldest.parse(
			this.sql
				.exec(
					`SELECT min(expires_at) AS oldest FROM alerts INDEXED BY alerts_firing_by_expiry
					 WHERE status = 'firing' AND expires_at IS NOT NULL`,
				)
				.one(),
		).oldest;
	}

	/**
	 * When the firing alert that has waited longest last received an event (null: none firing;
	 * only while alerts time out).
	 */
	oldestFiringReceipt(): number | null {
		this.flush();
		this.receiptIndexExists();
		return Oldest.parse(
			this.sql
				.exec(
					`SELECT min(last_received_at) AS oldest FROM alerts INDEXED BY alerts_firing_by_receipt
					 WHERE status = 'firing'`,
				)
				.one(),
		).oldest;
	}

	/** How many alerts are resolved: counted once (an index scan), then kept in memory. */
	resolvedCount(): number {
		this.resolvedTotal ??= Count.parse(
			this.sql.exec("SELECT count(*) AS count FROM alerts WHERE status = 'resolved'").one(),
		).count;
		return this.resolvedTotal;
	}

	firingCount(): number {
		this.firingTotal ??= Count.parse(
			this.sql.exec("SELECT count(*) AS count FROM alerts WHERE status = 'firing'").one(),
		).count;
		return this.firingTotal;
	}

	/**
	 * Deletes up to `limit` resolved alerts that no kept incident holds, oldest first: those
	 * resolved before `cutoff`, and any past the newest `keep`. Returns how many went.
	 */
	pruneResolved(cutoff: number, keep: number, limit: number): number {
		this.flush();
		const ids = prunable(this.sql, "alerts", {
			cutoff,
			keep,
			limit,
			unless: "AND NOT EXISTS (SELECT 1 FROM incident_alerts ia WHERE ia.alert_id = t.id)",
		});
		for (const id of ids) this.sql.exec("DELETE FROM alerts WHERE id = ?", id);
		if (this.resolvedTotal !== undefined) this.resolvedTotal -= ids.length;
		return ids.length;
	}

	/** When the resolved alert kept longest was resolved (null: none). */
	oldestResolvedAt(): number | null {
		return oldestResolvedAt(this.sql, "alerts");
	}
}
