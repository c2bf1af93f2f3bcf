/**
 * A UUID version 7 (RFC 9562, section 5.7: https://www.rfc-editor.org/rfc/rfc9562#section-5.7):
 * the Unix time in milliseconds in the first 48 bits, then the version, and 74 random bits.
 *
 * For the ids the objects write by the thousand (alerts, incidents, change events, queued
 * notifications): each is a key in several of SQLite's B-trees (its unique index, the incident's
 * links, timeline and queue), and a random key lands on a different page of each, so a batch of
 * new alerts dirtied a page per alert per index, every one of them written again at the commit.
 * Ids that grow with time go where the last ones went, onto a few pages.
 *
 * The milliseconds are as public as the row's own timestamps; 74 random bits still make an id
 * that cannot be guessed. Made from `crypto.randomUUID()` (version 4: its 13th hex digit is the
 * version, the 17th already the RFC's variant), whose random bits past the version it keeps.
 */
export function timeOrderedId(now = Date.now()): string {
	// Deployed, the clock only moves on I/O
	// (https://developers.cloudflare.com/workers/runtime-apis/performance), so a batch's ids
	// share one prefix, worked out once.
	if (now !== last.at) {
		const time = Math.trunc(now).toString(16).padStart(12, "0");
		last = { at: now, prefix: `${time.slice(0, 8)}-${time.slice(8, 12)}-7` };
	}
	return last.prefix + crypto.randomUUID().slice(15);
}

let last = { at: Number.NaN, prefix: "" };
