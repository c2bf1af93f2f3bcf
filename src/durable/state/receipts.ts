import * as z from "zod/mini";
import { jsonText } from "../../schema/json";
import { PushData, type Receipt } from "../contract";

/**
 * How long a push's idempotency id (Idempotency-Key, SNS MessageId, EventBridge id) is
 * remembered. The table keeps its first name, `deliveries`: a migration is not worth a rename.
 */
const RECEIPT_TTL_MS = 24 * 60 * 60 * 1000;
/** A ceiling on receipts kept, so a flood cannot grow the table without bound. */
const MAX_RECEIPTS = 200_000;

const ReceiptRow = z.object({
	fingerprint: z.string(),
	body: jsonText(z.array(PushData)),
});

/** What a push's id says: never seen, a retry of one applied, or an id reused for other data. */
export type ReceiptLookup =
	| { kind: "new" }
	| { kind: "replay"; data: PushData[] }
	| { kind: "key_reused" };

/** Receipts of the pushes already applied, by idempotency key, with the answer they got. */
export class Receipts {
	constructor(private readonly sql: SqlStorage) {}

	lookup(receipt: Receipt): ReceiptLookup {
		const row = this.sql
			.exec("SELECT fingerprint, body FROM deliveries WHERE key = ?", receipt.key)
			.toArray()[0];
		if (row === undefined) return { kind: "new" };
		const seen = ReceiptRow.parse(row);
		// The fingerprint tells a genuine retry from a reused key (draft-ietf-httpapi-idempotency-key).
		return seen.fingerprint === receipt.fingerprint
			? { kind: "replay", data: seen.body }
			: { kind: "key_reused" };
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
				JSON.stringify(data),
				now,
			)
			.toArray();
		return inserted.length === 1;
	}

	/** Forgets ids past the TTL, then the oldest past the ceiling. */
	prune(now: number): void {
		this.sql.exec("DELETE FROM deliveries WHERE received_at < ?", now - RECEIPT_TTL_MS);
		this.sql.exec(
			`DELETE FROM deliveries WHERE key IN (
				SELECT key FROM deliveries ORDER BY received_at DESC LIMIT -1 OFFSET ?)`,
			MAX_RECEIPTS,
		);
	}
}
