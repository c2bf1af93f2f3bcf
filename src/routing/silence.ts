import * as z from "zod/mini";
import { allHold, Condition, type Routable } from "./rules";
import { inWindow, nextBoundary, Schedule } from "./schedule";

/**
 * A silence as each integration's Durable Object holds it (in its routing snapshot): matchers,
 * when it applies, and the channels it is limited to (empty: any). The integrations it is
 * limited to decide which objects hold it at all. Times in ms; `ends_at` null only with a
 * schedule (a maintenance window kept until removed).
 */
export const SilenceRule = z.object({
	id: z.string(),
	matchers: z.array(Condition),
	starts_at: z.number(),
	ends_at: z.nullable(z.number()),
	schedule: z.nullable(Schedule),
	channel_ids: z.array(z.string()),
});
export type SilenceRule = z.infer<typeof SilenceRule>;

export type SilenceTimes = Pick<SilenceRule, "starts_at" | "ends_at" | "schedule">;

/** Whether the silence mutes at `at`: started, not ended, and inside a window if scheduled. */
export function silenceActive(silence: SilenceTimes, at: number): boolean {
	if (at < silence.starts_at || (silence.ends_at !== null && at >= silence.ends_at)) return false;
	return silence.schedule === null || inWindow(silence.schedule, at);
}

/** pending (not yet, or between windows), active (muting now), expired (ended for good). */
export function silenceStatus(silence: SilenceTimes, at: number): "pending" | "active" | "expired" {
	if (silence.ends_at !== null && at >= silence.ends_at) return "expired";
	return silenceActive(silence, at) ? "active" : "pending";
}

/** The next instant after `at` when the silence starts or stops muting (null: never again). */
export function nextSilenceChange(silence: SilenceTimes, at: number): number | null {
	if (silence.ends_at !== null && at >= silence.ends_at) return null;
	if (at < silence.starts_at) return silence.starts_at;
	let next = silence.ends_at ?? Number.POSITIVE_INFINITY;
	if (silence.schedule !== null) next = Math.min(next, nextBoundary(silence.schedule, at));
	return Number.isFinite(next) ? next : null;
}

/**
 * Whether the silence mutes this alert, routed to `channelsOf()`: every matcher holds and, when
 * it is limited to channels, every channel the alert goes to is one of them (so a silence one team
 * sets never hides a page meant for another; an unrouted alert is in no channel). The channels
 * are asked for only then: routing an alert costs RE2 matching.
 */
export function silenceMatches(
	silence: Pick<SilenceRule, "matchers" | "channel_ids">,
	alert: Routable,
	channelsOf: () => readonly string[],
): boolean {
	if (silence.channel_ids.length > 0) {
		const channels = channelsOf();
		if (channels.length === 0) return false;
		if (!channels.every((id) => silence.channel_ids.includes(id))) return false;
	}
	return allHold(silence.matchers, alert);
}
