import { isoOrNull } from "../alerts/alert";
import { NO_STATS, type Stats } from "./state/meta";
import type { Stores } from "./state/stores";

/**
 * The integration's intake counters: what the API shows and D1's list mirrors. They are kept in
 * one row, so a push writes them once whatever it did.
 */

/** Changes counters and moves their version, which tells the mirror D1 is behind. */
export function countStats(s: Stores, change: (stats: Stats) => Partial<Stats>): void {
	const stats = s.meta.get("stats") ?? NO_STATS;
	s.meta.set("stats", { ...stats, ...change(stats), version: stats.version + 1 });
}

/** Alerts that no channel took, outside a push (which counts them with the rest of its counts). */
export function countUnrouted(s: Stores, unrouted: number): void {
	if (unrouted === 0) return;
	countStats(s, (stats) => ({ unrouted_count: stats.unrouted_count + unrouted }));
}

/**
 * Counts a push refused after its key was checked (the worker tells the object: most refusals,
 * such as a body that fails validation, never reach it). A deleted integration counts nothing.
 */
export function countRefusal(s: Stores, code: string): void {
	if (s.meta.isDeleted()) return;
	countStats(s, (stats) => ({
		refused_count: { ...stats.refused_count, [code]: (stats.refused_count[code] ?? 0) + 1 },
	}));
}

/** What an integration's intake has done: the API's `intake` counters. */
export function intakeCounters(s: Stores) {
	const stats = s.meta.get("stats") ?? NO_STATS;
	return {
		accepted_count: stats.event_count,
		deduplicated_count: stats.deduplicated_count,
		replayed_count: stats.replayed_count,
		rate_limited_count: stats.rate_limited_count,
		refused_count: stats.refused_count,
		unrouted_count: stats.unrouted_count,
		dropped_count: stats.dropped_count,
		last_event_at: isoOrNull(stats.last_event_at),
	};
}
