/**
 * A UUID version 7 (RFC 9562, section 5.7: https://www.rfc-editor.org/rfc/rfc9562#section-5.7):
 * the Unix time in milliseconds in the first 48 bits, then the version, a 12-bit counter and 62
 * random bits.
 *
 * For the ids the objects write by the thousand (alerts, incidents, change events, queued
 * notifications): each is a key in several of SQLite's B-trees (its unique index, the incident's
 * links, timeline and queue), and a random key lands on a different page of each, so a batch of
 * new alerts dirtied a page per alert per index, every one of them written again at the commit.
 * Ids that grow with time go where the last ones went, onto a few pages.
 *
 * The counter (the RFC's "fixed bit-length dedicated counter", section 6.2:
 * https://www.rfc-editor.org/rfc/rfc9562#section-6.2) orders the ids made within one millisecond,
 * which a batch's all are: each then goes at its B-trees' ends too, not among the others'. It
 * starts each millisecond at a random value below 2,048; past 4,095 the id's time moves on a
 * millisecond. The milliseconds are as public as the row's own timestamps; 62 random bits still
 * make an id that cannot be guessed, taken from `crypto.randomUUID()` (version 4), whose 17th hex
 * digit is already the RFC's variant.
 */
export function timeOrderedId(now = Date.now()): string {
	const at = Math.trunc(now);
	// Deployed, the clock only moves on I/O
	// (https://developers.cloudflare.com/workers/runtime-apis/performance), so a batch's ids
	// share one millisecond, its prefix worked out once. A clock that reaches a millisecond the
	// counter's overflow already took (up to `last.time`) goes on counting in it; one past it, or
	// set back before the last call's, starts its own.
	if (at > last.time || at < last.at) begin(at);
	else if (last.counter === MAX_COUNTER) begin(last.time + 1);
	else last.counter += 1;
	last.at = at;
	return last.prefix + last.counter.toString(16).padStart(3, "0") + crypto.randomUUID().slice(18);
}

const MAX_COUNTER = 0xfff;
/** The last call's millisecond, and the one its id was given (later after an overflow). */
let last = { at: Number.NEGATIVE_INFINITY, time: Number.NEGATIVE_INFINITY, counter: 0, prefix: "" };

/** A new millisecond's prefix, its counter started at random below half its range. */
function begin(time: number): void {
	const hex = time.toString(16).padStart(12, "0");
	const seed = (crypto.getRandomValues(new Uint16Array(1))[0] ?? 0) & 0x7ff;
	last = { ...last, time, counter: seed, prefix: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7` };
}
