import { type Bucket, type RateLimit, takeToken } from "../../integrations/rate-limit";

/**
 * The integration's push rate, in memory only: a bucket needs no durability (a restarted object
 * starts full), and keeping it out of storage keeps a flood from costing writes.
 */
export class PushRate {
	private bucket: Bucket | undefined;

	/** Takes one push's token; the wait in ms when there is none (null: go ahead). */
	take(limit: RateLimit, now: number): number | null {
		const taken = takeToken(this.bucket, limit, now);
		this.bucket = taken.bucket;
		return taken.retryAfterMs;
	}
}
