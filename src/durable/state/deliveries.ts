import * as z from "zod/mini";
import { jsonText } from "../../schema/json";
import { type Delivery, PushData } from "../contract";

/** How long a delivery id (Idempotency-Key, SNS MessageId, EventBridge id) is remembered. */
const DELIVERY_TTL_MS = 24 * 60 * 60 * 1000;
/** A ceiling on remembered deliveries, so a flood cannot grow the table without bound. */
const MAX_DELIVERIES = 200_000;

const DeliveryRow = z.object({
	fingerprint: z.string(),
	body: jsonText(z.array(PushData)),
});

/** What a delivery's id says: never seen, a retry of one applied, or an id reused for other data. */
export type DeliveryLookup =
	| { kind: "new" }
	| { kind: "replay"; data: PushData[] }
	| { kind: "key_reused" };

/** Deliveries already applied, by idempotency key, with the answer they got. */
export class Deliveries {
	constructor(private readonly sql: SqlStorage) {}

	lookup(delivery: Delivery): DeliveryLookup {
		const row = this.sql
			.exec("SELECT fingerprint, body FROM deliveries WHERE key = ?", delivery.key)
			.toArray()[0];
		if (row === undefined) return { kind: "new" };
		const seen = DeliveryRow.parse(row);
		// The fingerprint tells a genuine retry from a reused key (draft-ietf-httpapi-idempotency-key).
		return seen.fingerprint === delivery.fingerprint
			? { kind: "replay", data: seen.body }
			: { kind: "key_reused" };
	}

	/**
	 * Records a delivery just applied, and says whether it was new: false when its id is recorded
	 * already (nothing is written). A new delivery's id is thus checked by the write that records
	 * it, with no read before.
	 */
	record(delivery: Delivery, data: PushData[], now: number): boolean {
		const inserted = this.sql
			.exec(
				`INSERT INTO deliveries (key, fingerprint, body, received_at) VALUES (?, ?, ?, ?)
				 ON CONFLICT (key) DO NOTHING RETURNING key`,
				delivery.key,
				delivery.fingerprint,
				JSON.stringify(data),
				now,
			)
			.toArray();
		return inserted.length === 1;
	}

	/** Forgets ids past the TTL, then the oldest past the ceiling. */
	prune(now: number): void {
		this.sql.exec("DELETE FROM deliveries WHERE received_at < ?", now - DELIVERY_TTL_MS);
		this.sql.exec(
			`DELETE FROM deliveries WHERE key IN (
				SELECT key FROM deliveries ORDER BY received_at DESC LIMIT -1 OFFSET ?)`,
			MAX_DELIVERIES,
		);
	}
}
