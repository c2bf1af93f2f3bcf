import * as z from "zod/mini";

/**
 * A per-integration token bucket counted in alerts (events), not requests: `per_second` alerts
 * sustained, bursts of `burst`. A request costs the events it carries (at least 1, so a push that
 * changes nothing still counts), all or nothing. The default is Flashduty's per-integration rate
 * (100/s) with room for a storm's first second.
 */
export const DEFAULT_RATE_LIMIT = { per_second: 100, burst: 1_000 };

export const RateLimitSetting = z._default(
	z.nullable(
		z.strictObject(
			{
				per_second: z
					.number({ error: "must be a number of alerts per second" })
					.check(
						z.int("must be a whole number"),
						z.minimum(1, "must be at least 1"),
						z.maximum(10_000, "must be at most 10000"),
					),
				burst: z
					.number({ error: "must be a number of alerts" })
					.check(
						z.int("must be a whole number"),
						z.minimum(1, "must be at least 1"),
						z.maximum(100_000, "must be at most 100000"),
					),
			},
			{ error: "must be {per_second, burst}, or null for no limit" },
		),
	),
	DEFAULT_RATE_LIMIT,
);
export type RateLimit = { per_second: number; burst: number };

export type Bucket = { tokens: number; at: number };

/** What taking a request's tokens says: go ahead, wait, or never (more than the burst at once). */
export type Taken =
	| { kind: "taken" }
	| { kind: "wait"; retryAfterMs: number }
	| { kind: "over_burst"; burst: number };

/**
 * Takes `cost` tokens at `now`, all or none: the bucket to keep, and what the request may do. A
 * refused request takes nothing, so a sender that waits `retryAfterMs` finds its tokens there.
 * Pure, so the object keeps the bucket in memory (a restart starts it full, erring towards
 * accepting).
 */
export function takeTokens(
	bucket: Bucket | undefined,
	limit: RateLimit,
	now: number,
	cost = 1,
): { bucket: Bucket; taken: Taken } {
	const elapsed = bucket === undefined ? 0 : Math.max(0, now - bucket.at);
	const refilled =
		bucket === undefined ? limit.burst : bucket.tokens + (elapsed * limit.per_second) / 1000;
	const tokens = Math.min(limit.burst, refilled);
	// A wait would never be enough: the bucket never holds more than the burst.
	if (cost > limit.burst) {
		return { bucket: { tokens, at: now }, taken: { kind: "over_burst", burst: limit.burst } };
	}
	if (tokens >= cost)
		return { bucket: { tokens: tokens - cost, at: now }, taken: { kind: "taken" } };
	return {
		bucket: { tokens, at: now },
		taken: { kind: "wait", retryAfterMs: Math.ceil(((cost - tokens) * 1000) / limit.per_second) },
	};
}

/** One token, as a single push takes: the wait in ms when there is none (null: go ahead). */
export function takeToken(
	bucket: Bucket | undefined,
	limit: RateLimit,
	now: number,
): { bucket: Bucket; retryAfterMs: number | null } {
	const { bucket: kept, taken } = takeTokens(bucket, limit, now, 1);
	return { bucket: kept, retryAfterMs: taken.kind === "wait" ? taken.retryAfterMs : null };
}
