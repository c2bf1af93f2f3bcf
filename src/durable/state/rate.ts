import { type Bucket, type RateLimit, type Taken, takeTokens } from "../../integrations/rate-limit";

/**
 * The integration's push rate, in memory only: a bucket needs no durability (a restarted object
 * starts full), and keeping it out of storage keeps a flood from costing writes.
 */
export class PushRate {
	private bucket: Bucket | undefined;

	/** Takes a push's `cost` tokens (its events), all or none. */
	take(limit: RateLimit, now: number, cost: number): Taken {
		const result = takeTokens(this.bucket, limit, now, cost);
		this.bucket = result.bucket;
		return result.taken;
	}
}
