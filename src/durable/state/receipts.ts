import * as z from "zod/mini";
import { type AlertStatus, MutedBy } from "../../alerts/alert";
import { jsonText } from "../../schema/json";
import { PushData, type PushResult, type Receipt } from "../contract";

/**
 * How long a push's idempotency id (Idempotency-Key, SNS MessageId, EventBridge id) is
 * remembered. The table keeps its first name, `deliveries`: a migration is not worth a rename.
 */
const RECEIPT_TTL_MS = 24 * 60 * 60 * 1000;
/** A ceiling on receipts kept, so a flood cannot grow the table without bound. */
export const MAX_RECEIPTS = 200_000;
/**
 * A ceiling on their size (RECEIPT_SIZE_SQL: the key twice, for its index, the fingerprint and
 * the compact results). A record of a 100-event batch is about 8 KB (an alert id and an incident
 * id a result), so rows alone would allow some 1.6 GB; this holds the table to 64 MiB whatever
 * the pushes carry.
 */
export const MAX_RECEIPT_BYTES = 64 * 1024 * 1024;
/** Rows forgotten per alarm run past a ceiling; more are left for the next run, a second later. */
const RECEIPTS_PRUNED_PER_RUN = 5_000;
const RECEIPT_SIZE_SQL = "2 * length(key) + length(fingerprint) + length(body)";

/**
 * What a replay needs of each result, in one short string: the result's letter, the alert
 * status's letter (`-`: none) and the alert id; then `/`, the mute's letter (`-`: none) and the
 * incident id. The alert keys are not stored: a retry carries the same events (its fingerprint,
 * or its signed or per-event id, says so), so it names them. Ids are UUIDs, never holding `/`;
 * a record written before the mute and incident were kept has no `/`, and answers them null.
 */
const RESULT_LETTER: Record<PushResult, string> = {
	opened: "o",
	updated: "u",
	resolved: "r",
	acknowledged: "a",
	ignored: "i",
	stale: "s",
	dropped: "d",
	heartbeat: "h",
};
const STATUS_LETTER: Record<AlertStatus, string> = { firing: "f", resolved: "r" };
const MUTE_LETTER: Record<NonNullable<MutedBy>, string> = {
	silence: "s",
	maintenance_window: "m",
	inhibit_rule: "i",
	flapping: "f",
	suppressed: "p",
};
const MUTE_OF = invert(MUTE_LETTER);
const RESULT_OF = invert(RESULT_LETTER);
const STATUS_OF = invert(STATUS_LETTER);

const Compact = z.object({ results: z.array(z.string()) });
/** Records written before results were compacted hold every result in full (and no mute). */
const FullResult = z.extend(PushData, {
	incident_id: z._default(z.nullable(z.string()), null),
	muted_by: z._default(MutedBy, null),
});
const ReceiptBody = jsonText(z.union([Compact, z.array(FullResult)]));
const ReceiptRow = z.object({ fingerprint: z.string(), body: ReceiptBody });
const Totals = z.object({ rows: z.number(), bytes: z.number(), seen: z.number() });
const Size = z.object({ size: z.number() });
const Fresh = z.object({ rows: z.number(), bytes: z.number(), last: z.nullable(z.number()) });
const Last = z.object({ last: z.nullable(z.number()) });

/** What a push's id says: never seen, a retry of one applied, or an id reused for other data. */
export type ReceiptLookup =
	| { kind: "new" }
	| { kind: "replay"; data: PushData[] }
	| { kind: "key_reused" };

/**
 * Receipts of the pushes already applied, by idempotency key, with the answer they got. Their
 * count and size are kept in `receipt_totals` by the alarm (`prune`), which takes in what pushes
 * recorded since its last run: a push writes its receipt and nothing else.
 */
export class Receipts {
	constructor(private readonly sql: SqlStorage) {}

	/** `alertKeys`: the keys of the retried push's events, which its results are answered with. */
	lookup(receipt: Receipt, alertKeys: readonly string[] = []): ReceiptLookup {
		const row = this.sql
			.exec("SELECT fingerprint, body FROM deliveries WHERE key = ?", receipt.key)
			.toArray()[0];
		if (row === undefined) return { kind: "new" };
		const seen = ReceiptRow.parse(row);
		// The fingerprint tells a genuine retry from a reused key (draft-ietf-httpapi-idempotency-key).
		if (seen.fingerprint !== receipt.fingerprint) return { kind: "key_reused" };
		if (Array.isArray(seen.body)) return { kind: "replay", data: seen.body };
		// Keys line up unless a settings change made the retry normalize into other events.
		const keys = alertKeys.length === seen.body.results.length ? alertKeys : [];
		return {
			kind: "replay",
			data: seen.body.results.map((compact, index) => expand(compact, keys[index] ?? null)),
		};
	}

	/**
	 * Records a push just applied, and says whether it was new: false when its id is recorded
	 * already (nothing is written). A new push's id is thus checked by the write that records it,
	 * with no read before.
	 */
	record(receipt: Receipt, data: PushData[], now: number): boolean {
		const inserted = this.sql
			.exec(
				`INSERT INTO deliveries (key, fingerprint, body, received_at) VALUES (?, ?, ?, ?)
				 ON CONFLICT (key) DO NOTHING RETURNING key`,
				receipt.key,
				receipt.fingerprint,
				JSON.stringify({ results: data.map(compact) }),
				now,
			)
			.toArray();
		return inserted.length === 1;
	}

	/**
	 * Forgets ids past the TTL, then the oldest past MAX_RECEIPTS or MAX_RECEIPT_BYTES, at most
	 * RECEIPTS_PRUNED_PER_RUN of those. True when the table is still over a ceiling.
	 */
	prune(now: number): boolean {
		const totals = this.totals();
		// What pushes recorded since the last run: rows past the last one counted.
		const fresh = Fresh.parse(
			this.sql
				.exec(
					`SELECT count(*) AS rows, coalesce(sum(${RECEIPT_SIZE_SQL}), 0) AS bytes, max(rowid) AS last
					 FROM deliveries WHERE rowid > ?`,
					totals.seen,
				)
				.one(),
		);
		totals.rows += fresh.rows;
		totals.bytes += fresh.bytes;
		totals.seen = fresh.last ?? totals.seen;
		this.forget(totals, "DELETE FROM deliveries WHERE received_at < ?", now - RECEIPT_TTL_MS);
		const rowsOver = totals.rows - MAX_RECEIPTS;
		const bytesOver = totals.bytes - MAX_RECEIPT_BYTES;
		if (rowsOver > 0 || bytesOver > 0) {
			// The oldest, as many as bring both under, from a bounded scan in age order.
			this.forget(
				totals,
				`DELETE FROM deliveries WHERE rowid IN (
					SELECT rowid FROM (
						SELECT rowid, row_number() OVER age AS nth,
							sum(size) OVER age - size AS before
						FROM (SELECT rowid, received_at, ${RECEIPT_SIZE_SQL} AS size FROM deliveries
							ORDER BY received_at, rowid LIMIT ?1)
						WINDOW age AS (ORDER BY received_at, rowid ROWS UNBOUNDED PRECEDING))
					WHERE nth <= ?2 OR before < ?3)`,
				RECEIPTS_PRUNED_PER_RUN,
				rowsOver,
				bytesOver,
			);
		}
		// A new row's rowid follows the largest left: if that one went, start counting from there.
		const last = Last.parse(this.sql.exec("SELECT max(rowid) AS last FROM deliveries").one()).last;
		totals.seen = Math.min(totals.seen, last ?? 0);
		this.sql.exec(
			"UPDATE receipt_totals SET rows = ?, bytes = ?, seen = ? WHERE id = 1",
			totals.rows,
			totals.bytes,
			totals.seen,
		);
		return totals.rows > MAX_RECEIPTS || totals.bytes > MAX_RECEIPT_BYTES;
	}

	/** The table's count and size as the last alarm run left them. */
	totals(): z.infer<typeof Totals> {
		return Totals.parse(
			this.sql.exec("SELECT rows, bytes, seen FROM receipt_totals WHERE id = 1").one(),
		);
	}

	/** Runs a delete, takes what it deleted off `totals`, and says how many rows went. */
	private forget(
		totals: z.infer<typeof Totals>,
		statement: string,
		...bindings: SqlStorageValue[]
	): number {
		const sizes = this.sql
			.exec(`${statement} RETURNING ${RECEIPT_SIZE_SQL} AS size`, ...bindings)
			.toArray()
			.map((row) => Size.parse(row).size);
		totals.rows -= sizes.length;
		for (const size of sizes) totals.bytes -= size;
		return sizes.length;
	}
}

function compact(result: PushData): string {
	const status = result.alert_status === null ? "-" : STATUS_LETTER[result.alert_status];
	const mute = result.muted_by === null ? "-" : MUTE_LETTER[result.muted_by];
	return `${RESULT_LETTER[result.result]}${status}${result.alert_id ?? ""}/${mute}${result.incident_id ?? ""}`;
}

function expand(compact: string, alertKey: string | null): PushData {
	const [alert = "", more = ""] = compact.split("/");
	return {
		alert_key: alertKey,
		alert_id: alert.slice(2) || null,
		alert_status: STATUS_OF[alert[1] ?? ""] ?? null,
		result: RESULT_OF[alert[0] ?? ""] ?? "ignored",
		incident_id: more.slice(1) || null,
		muted_by: MUTE_OF[more[0] ?? ""] ?? null,
	};
}

function invert<K extends string>(letters: Record<K, string>): Record<string, K> {
	return Object.fromEntries(Object.entries(letters).map(([key, letter]) => [letter, key]));
}
