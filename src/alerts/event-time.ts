import type { AlertEvent } from "./event";

/**
 * Time a sender states is held to the integration object's clock. An event dated far ahead would
 * otherwise freeze its key: an ordered OK dated 2999 makes every later ALARM stale (and an ALARM
 * so dated the real OK), and a resolution dated 2999 escapes retention. Clocks differ a little, so
 * a time up to this much ahead is taken as sent.
 */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;

/**
 * The event with its time held to `now`: more than MAX_FUTURE_SKEW_MS ahead, it is taken as
 * happening now (the event is kept, not refused: a sender that cannot fix its clock, as AWS
 * delivering a forged time cannot, would lose the alert). Its `expires_at` is a deadline, not a
 * time it happened, and stays.
 */
export function heldToClock<E extends AlertEvent>(event: E, now: number): E {
	return event.occurred_at > now + MAX_FUTURE_SKEW_MS ? { ...event, occurred_at: now } : event;
}
