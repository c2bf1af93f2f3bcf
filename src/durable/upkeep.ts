import { countUnrouted } from "./counters";
import { expireQuietAlerts, nextTimeoutAt, routeReleased } from "./incident-changes";
import { nextNoiseAt, noiseDue } from "./noise";
import { escalate, nextNotificationAt } from "./notifications";
import { MIRROR_DELAY_MS, MIRROR_RETRY_MS, type MirrorResult } from "./state/mirror";
import type { Stores } from "./state/stores";

/**
 * The object's history and its one alarm: the periodic work of an alarm run (forget old
 * receipts, resolve timed-out alerts, apply silences starting or ending and keys done flapping,
 * escalate, prune resolved history), and the one place that decides when the alarm runs next.
 */

/** Resolved alerts and incidents kept at most, whatever the retention (oldest go first). */
export const MAX_RESOLVED_KEPT = 100_000;
/** Rows pruned per alarm run; more are left for the next, a second later. */
const PRUNE_BATCH = 500;

/**
 * An alarm run's work in one transaction; sending and mirroring follow it, outside
 * (outbound.ts). True when more pruning is left for the next run.
 */
export function upkeep(s: Stores, now: number): boolean {
	const receiptsLeft = s.receipts.prune(now);
	expireQuietAlerts(s, now);
	countUnrouted(s, routeReleased(s, noiseDue(s, now), now));
	escalate(s, now);
	s.changes.prune(now);
	return pruneHistory(s, now) || receiptsLeft;
}

/**
 * Forgets resolved history past the retention (and past MAX_RESOLVED_KEPT), a batch at a time:
 * incidents first, which frees their alerts. True when more is left for the next run.
 */
function pruneHistory(s: Stores, now: number): boolean {
	const cutoff = now - s.settings.current().retentionMs;
	const pruned = s.incidents.pruneResolved(cutoff, MAX_RESOLVED_KEPT, PRUNE_BATCH);
	for (const id of pruned) forgetIncident(s, id);
	const incidents = pruned.length;
	const alerts = s.alerts.pruneResolved(cutoff, MAX_RESOLVED_KEPT, PRUNE_BATCH);
	const keys = s.keyStates.prune(cutoff, PRUNE_BATCH);
	return Math.max(incidents, alerts, keys) >= PRUNE_BATCH;
}

/**
 * Holds MAX_RESOLVED_KEPT while alerts resolve faster than the alarm prunes (a flood of opens
 * and resolutions): a call that resolved `resolved` alerts past the cap prunes up to twice as
 * many of the oldest, in its own transaction, incidents first as the alarm does. The work is
 * bounded by what the call did; under the cap it costs nothing after one count.
 */
export function holdResolvedCap(s: Stores, now: number, resolved: number): void {
	if (resolved === 0 || s.alerts.resolvedCount() <= MAX_RESOLVED_KEPT) return;
	const cutoff = now - s.settings.current().retentionMs;
	for (const id of s.incidents.pruneResolved(cutoff, MAX_RESOLVED_KEPT, 2 * resolved)) {
		forgetIncident(s, id);
	}
	s.alerts.pruneResolved(cutoff, MAX_RESOLVED_KEPT, 2 * resolved);
}

/** What is kept with a pruned incident goes with it. */
function forgetIncident(s: Stores, id: string): void {
	s.outbox.forgetIncident(id);
	s.timeline.forget(id);
}

/** When the oldest resolved history passes the retention (null: there is none). */
function nextPruneAt(s: Stores): number | null {
	const oldest = [s.alerts.oldestResolvedAt(), s.incidents.oldestResolvedAt()];
	return soonest(oldest, s.settings.current().retentionMs);
}

/** What a call leaves for the alarm, besides the notifications it queued. */
export type Due = {
	/** D1's list is behind: "changed" by this call, or how the last write to it went. */
	mirror?: MirrorResult | "changed";
	/** Settings or routing changed: a timeout or a silence may fall due sooner than armed. */
	rescheduled?: boolean;
	/** A heartbeat's deadline moved (a ping, a pause): the alarm is set for it exactly. */
	heartbeat?: true;
	/** An alarm run: whether it left pruning, or spent its sending budget (more may be due). */
	run?: { more: boolean; sent: boolean };
	/** When a notification the call queued or rescheduled is due (an alarm run reads the outbox). */
	queued?: number | null;
};

/**
 * When the alarm must run next, after a call's transaction (null: nothing new is due). A call
 * looks only at what it changed, from what the stores noted in memory, so a push reads nothing;
 * an alarm run looks at everything, since it re-arms from scratch.
 */
export function nextWakeAt(s: Stores, now: number, due: Due): number | null {
	// Queued or rescheduled notifications: an alarm run reads the outbox itself instead.
	const times = [due.run === undefined ? (due.queued ?? null) : null, mirrorAt(due.mirror, now)];
	// A watch's deadline is not reckoned after a push, which only notes its time: the alarm run
	// at the old deadline finds it and re-arms (state/watches.ts).
	if (due.rescheduled === true || due.run !== undefined)
		times.push(nextTimeoutAt(s), nextNoiseAt(s), s.watches.deadline());
	if (due.heartbeat === true || due.rescheduled === true || due.run !== undefined)
		times.push(s.heartbeat.deadline());
	if (due.run !== undefined) {
		times.push(
			due.run.more ? now + MIRROR_DELAY_MS : nextPruneAt(s),
			due.run.sent ? now : nextNotificationAt(s),
		);
	}
	return soonest(times);
}

/**
 * When to mirror again: at once when the last run wrote a full batch, soon when behind, later
 * after a failed write, never when done.
 */
function mirrorAt(mirror: Due["mirror"], now: number): number | null {
	if (mirror === undefined || mirror === "done") return null;
	if (mirror === "full") return now;
	return now + (mirror === "failed" ? MIRROR_RETRY_MS : MIRROR_DELAY_MS);
}

/** The earliest of `times` (null: none), `plus` after it. */
function soonest(times: readonly (number | null)[], plus = 0): number | null {
	const known = times.filter((at) => at !== null);
	return known.length === 0 ? null : Math.min(...known) + plus;
}
