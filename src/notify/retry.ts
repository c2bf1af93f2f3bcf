/**
 * When a notification is tried again: apart from the sending (send.ts), which only the object's
 * alarm loads, since a push queues notifications and never sends them.
 */

/** The first retry comes about a second later; each next one waits about twice as long. */
export const FIRST_RETRY_MS = 1_000;
/** No wait is longer than this. */
export const MAX_RETRY_MS = 3_600_000;
/** A notification is retried for this long after it was queued, then listed as failed. */
export const RETRY_WINDOW_MS = 24 * 3_600_000;

/**
 * The wait before the next attempt, after `attempts` attempts: exponential with "equal jitter"
 * (half fixed, half random), so receivers coming back are not hit by every sender at once. A
 * `Retry-After` the target asked for is honoured, within the same cap.
 */
export function retryDelay(attempts: number, retryAfterMs: number | null, random = Math.random()) {
	const exponential = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1));
	const jittered = exponential / 2 + (exponential / 2) * random;
	return Math.min(MAX_RETRY_MS, Math.max(jittered, retryAfterMs ?? 0));
}
