import * as z from "zod/mini";

/**
 * A per-integration token bucket: `per_second` pushes sustained, bursts of `burst`. The default
 * is Flashduty's per-integration rate (100/s) with room for a storm's first second.
 */
export const DEFAULT_RATE_LIMIT = { per_second: 100, burst: 1_000 };

export const RateLimitSetting = z._default(
	z.nullable(
		z.strictObject(
			{
				per_second: z
					.number({ error: "must be a number of pushes per second" })
					.check(
						z.int("must be a whole number"),
						z.minimum(1, "must be at least 1"),
						z.maximum(10_000, "must be at most 10000"),
					),
				burst: z
					.number({ error: "must be a number of pushes" })
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

/**
 * Takes one token at `now`: the bucket to keep, and how long to wait when none is left. Pure,
 * so the object keeps the bucket in memory (a restart starts it full, erring towards accepting).
 */
export function takeToken(
	bucket: Bucket | undefined,
	limit: RateLimit,
	now: number,
): { bucket: Bucket; retryAfterMs: number | null } {
	const elapsed = bucket === undefined ? 0 : Math.max(0, now - bucket.at);
	const refilled =
		bucket === undefined ? limit.burst : bucket.tokens + (elapsed * limit.per_second) / 1000;
	const tokens = Math.min(limit.burst, refilled);
	if (tokens >= 1) return { bucket: { tokens: tokens - 1, at: now }, retryAfterMs: null };
	return {
		bucket: { tokens, at: now },
		retryAfterMs: Math.ceil(((1 - tokens) * 1000) / limit.per_second),
	};
}
