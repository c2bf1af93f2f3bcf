import {
	expireQuietAlerts,
	nextPruneAt,
	nextTimeoutAt,
	pruneHistory,
	routeReleased,
} from "./intake";
import { noiseDue } from "./noise";
import { escalate, nextNotificationAt } from "./notifications";
import { MIRROR_DELAY_MS } from "./state/mirror";
import type { Stores } from "./state/stores";

/**
 * The periodic work of the object's one alarm, in one transaction: forget old receipts,
 * resolve timed-out alerts, apply silences starting or ending and keys done flapping, escalate,
 * and prune history. Sending and mirroring follow it, outside (src/durable/outbound.ts).
 */
export function upkeep(s: Stores, now: number): { more: boolean; noiseAt: number | null } {
	s.receipts.prune(now);
	expireQuietAlerts(s, now);
	const noiseAt = noiseDue(s, now, routeReleased(s, now));
	escalate(s, now);
	return { more: pruneHistory(s, now), noiseAt };
}

/**
 * When the alarm is due next: the first of a timeout, more pruning (or the oldest history's end),
 * a notification (at once if this run sent some: more may wait), the mirror's retry, and the next
 * silence or flapping change. Null: nothing is due.
 */
export function nextUpkeepAt(
	s: Stores,
	now: number,
	run: { more: boolean; noiseAt: number | null; sent: boolean; mirrorAgainAt: number | null },
): number | null {
	const due = [
		nextTimeoutAt(s),
		run.more ? now + MIRROR_DELAY_MS : nextPruneAt(s),
		run.sent ? now : nextNotificationAt(s),
		run.mirrorAgainAt,
		run.noiseAt,
	];
	const next = Math.min(...due.map((at) => at ?? Number.POSITIVE_INFINITY));
	return Number.isFinite(next) ? next : null;
}
