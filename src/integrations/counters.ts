import * as z from "zod/mini";

/**
 * What an integration's intake has counted. Its Durable Object keeps them (in one row, so a push
 * writes them once) and D1's integration list mirrors them.
 */
export const IntakeCounts = z.object({
	event_count: z.number(),
	last_event_at: z.nullable(z.number()),
	unrouted_count: z.number(),
	/** Trigger events a rule of the alert pipeline dropped (absent in rows written before it existed). */
	dropped_count: z._default(z.number(), 0),
	/** Pushes refused over the rate limit (absent in rows written before it existed). */
	rate_limited_count: z._default(z.number(), 0),
	/** Events that landed on an alert already firing (the ones deduplication absorbed). */
	deduplicated_count: z._default(z.number(), 0),
	/** Pushes answered from the idempotency record instead of being applied again. */
	replayed_count: z._default(z.number(), 0),
	/** Pushes refused after their key was checked, by the refusal's code. */
	refused_count: z._default(z.record(z.string(), z.number()), {}),
});
export type IntakeCounts = z.infer<typeof IntakeCounts>;

/** A new integration's counts. */
export const NO_COUNTS: IntakeCounts = {
	event_count: 0,
	last_event_at: null,
	unrouted_count: 0,
	dropped_count: 0,
	rate_limited_count: 0,
	deduplicated_count: 0,
	replayed_count: 0,
	refused_count: {},
};
