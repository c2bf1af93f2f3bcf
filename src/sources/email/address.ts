/**
 * An email integration's address is its key: `<key>@<domain>`, or `<name>+<key>@<domain>` with
 * plus-addressing. Pure and cheap: the worker reads the envelope recipient with this before any
 * lookup, so a malformed address wakes no Durable Object.
 */

/** RFC 5321 §4.5.3.1.1: a local part holds at most 64 octets. */
export const MAX_LOCAL_PART_OCTETS = 64;

/**
 * The largest mail taken: alert mails are a few KiB, and the whole message is read into memory to
 * be parsed. Checked against `rawSize` before the message is read, and again while it is read.
 */
export const MAX_EMAIL_BYTES = 1024 * 1024;

const EMAIL_KEY = /^agk[a-z2-7]{58}$/;

/**
 * The key an envelope recipient carries (lowercased: mail systems may change an address's case),
 * or null when it carries none: no `@`, a local part over 64 octets, or no key where the key
 * goes (the whole local part, or what follows its last `+`).
 */
export function keyFromRecipient(recipient: string): string | null {
	const at = recipient.lastIndexOf("@");
	if (at <= 0) return null;
	const local = recipient.slice(0, at);
	if (new TextEncoder().encode(local).length > MAX_LOCAL_PART_OCTETS) return null;
	const key = local.slice(local.lastIndexOf("+") + 1).toLowerCase();
	return EMAIL_KEY.test(key) ? key : null;
}

/**
 * The address shown when an email integration is made or its key rotated: `<key>@<domain>` with
 * the deployment's EMAIL_DOMAIN, or `<key>@` and a hint when it is not set.
 */
export function emailAddressFor(
	key: string,
	domain: string | undefined,
): { email_address: string; email_address_hint?: string } {
	const host = domain?.trim().replace(/^@/, "") ?? "";
	if (host !== "") return { email_address: `${key}@${host}` };
	return {
		email_address: `${key}@`,
		email_address_hint:
			"set the EMAIL_DOMAIN variable (wrangler.toml [vars]) to the domain whose Email Routing sends to this worker; the address is <key>@<that domain>, or <name>+<key>@<that domain>",
	};
}
