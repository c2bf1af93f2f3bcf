import type { RequireAuth } from "./settings";

/**
 * What Email Routing verified about a mail, from the `Authentication-Results` header (RFC 8601)
 * it adds above the sender's headers, for example
 *
 *   Authentication-Results: mx.cloudflare.net;
 *     dkim=pass header.d=gmail.com header.s=20251104 header.b=L6CZ3OJ0;
 *     dmarc=pass header.from=gmail.com policy.dmarc=none;
 *     spf=none (…) smtp.helo=mail-yw1-x112d.google.com;
 *     spf=pass (…) smtp.mailfrom=joe@gmail.com
 *
 * Anyone can write such a header into a mail, so only one Cloudflare demonstrably added counts
 * (`emailRoutingResults`, below).
 */

export const EMAIL_ROUTING_AUTHSERV_ID = "mx.cloudflare.net";

export type AuthResult = { method: string; result: string; props: Record<string, string> };

/**
 * The results of one header value (authserv-id first), comments dropped; malformed parts skipped.
 * Read as RFC 8601 writes it: a `;` or a space inside a quoted string or a comment (RFC 5322's
 * `quoted-string` and `comment`) separates nothing. That matters because a value may be a quoted
 * local part that the sender chose: Email Routing echoes the envelope sender in `smtp.mailfrom`,
 * so a sender `"a;dkim=pass header.d=victim.example;"@victim.example` would otherwise add a
 * `dkim=pass` of its own making to Email Routing's verdicts.
 */
export function parseAuthenticationResults(value: string): {
	authservId: string;
	results: AuthResult[];
} {
	const [head = [], ...parts] = lex(value);
	const results: AuthResult[] = [];
	for (const [first, ...rest] of parts) {
		const match = /^([a-z0-9-]+)=([a-z0-9-]+)$/i.exec(first ?? "");
		if (match === null) continue;
		const props: Record<string, string> = {};
		for (const prop of rest) {
			const eq = prop.indexOf("=");
			if (eq > 0) props[prop.slice(0, eq).toLowerCase()] = unquote(prop.slice(eq + 1));
		}
		results.push({
			method: (match[1] ?? "").toLowerCase(),
			result: (match[2] ?? "").toLowerCase(),
			props,
		});
	}
	// The authserv-id may carry a version after it ("mx.example.com 1").
	return { authservId: head[0]?.toLowerCase() ?? "", results };
}

/**
 * The value's `;`-separated parts, each as its words. Linear: one pass, comments' nesting
 * counted (RFC 5322 comments nest), a quoted-pair (`\x`) taken as the character it escapes. A
 * comment separates words as a space does; a quoted string stays inside its word, quotes kept.
 */
function lex(value: string): string[][] {
	const parts: string[][] = [];
	let words: string[] = [];
	let word = "";
	let depth = 0;
	let quoted = false;
	const endWord = () => {
		if (word !== "") words.push(word);
		word = "";
	};
	for (let i = 0; i < value.length; i++) {
		const char = value.charAt(i);
		if (depth > 0) {
			if (char === "\\") i++;
			else if (char === "(") depth++;
			else if (char === ")") depth--;
		} else if (quoted) {
			if (char === "\\") {
				word += char + value.charAt(i + 1);
				i++;
			} else {
				word += char;
				if (char === '"') quoted = false;
			}
		} else if (char === '"') {
			word += char;
			quoted = true;
		} else if (char === "(") {
			endWord();
			depth = 1;
		} else if (char === ";") {
			endWord();
			parts.push(words);
			words = [];
		} else if (/\s/.test(char)) {
			endWord();
		} else {
			word += char;
		}
	}
	endWord();
	parts.push(words);
	return parts;
}

/** A value that is one quoted string, as the string it quotes; any other value as it is. */
function unquote(value: string): string {
	if (!/^"(?:[^"\\]|\\.)*"$/s.test(value)) return value;
	return value.slice(1, -1).replace(/\\(.)/gs, "$1");
}

/**
 * Where Email Routing puts its verdicts, as real deliveries to Workers show (docs/sources/email.md
 * quotes one; others are alike): a block on top of the message, written in one go, in this order:
 *
 *   Received: from <client> (<ip>) by cloudflare-email.net (cloudflare) id … for <…>; <date>
 *   ARC-Seal: i=N; a=rsa-sha256; s=cf2024-1; d=cloudflare-email.net; …
 *   ARC-Message-Signature: i=N; …; d=cloudflare-email.net; …
 *   ARC-Authentication-Results: i=N; mx.cloudflare.net; <the verdicts>
 *   Received-SPF: … receiver=mx.cloudflare.net; …
 *   Authentication-Results: mx.cloudflare.net; <the same verdicts>
 *
 * and then the headers the message arrived with. A header the sender wrote always sits below
 * Cloudflare's Received header, which is the topmost, and so can look like the block's end. When
 * Cloudflare adds no verdicts at all (cloudflare/workerd#6740: no Authentication-Results, and no
 * ARC set of its own either), the sender's first header comes straight after that Received
 * header: a forged `Authentication-Results: mx.cloudflare.net; dkim=pass …` there must not count.
 * So the verdicts are read only when the whole block is there, unbroken from the top: Cloudflare's
 * Received header first, then only the block's own headers (its ARC set signed by
 * cloudflare-email.net, its Received-SPF), and its ARC-Authentication-Results holding the same
 * verdicts as the Authentication-Results that ends the block. A forger would have to write the
 * whole block, ARC seal included, into a mail Cloudflare stamped nothing on; the seal is not
 * verified here (that needs Cloudflare's DKIM key from DNS), which is what remains open, and why
 * `allowed_senders` and a secret address stay the first defences. Null: no verdict of Email
 * Routing's that can be trusted.
 */
export function emailRoutingResults(
	headers: readonly { key: string; value: string }[],
): AuthResult[] | null {
	const [first, ...rest] = headers;
	if (first?.key !== "received" || !CLOUDFLARE_RECEIVED.test(first.value)) return null;
	let sealed: AuthResult[] | null = null;
	for (const header of rest) {
		switch (header.key) {
			case "arc-seal":
			case "arc-message-signature":
				if (!CLOUDFLARE_ARC_SIGNER.test(header.value)) return null;
				continue;
			case "received-spf":
				if (!CLOUDFLARE_SPF.test(header.value)) return null;
				continue;
			case "arc-authentication-results": {
				const parsed = parseAuthenticationResults(header.value.replace(/^\s*i\s*=\s*\d+\s*;/i, ""));
				if (parsed.authservId !== EMAIL_ROUTING_AUTHSERV_ID) return null;
				sealed = parsed.results;
				continue;
			}
			case "authentication-results": {
				const parsed = parseAuthenticationResults(header.value);
				if (parsed.authservId !== EMAIL_ROUTING_AUTHSERV_ID || sealed === null) return null;
				return sameResults(parsed.results, sealed) ? parsed.results : null;
			}
			default:
				// The first header that is not the block's: the message's own begin here.
				return null;
		}
	}
	return null;
}

const CLOUDFLARE_RECEIVED = /\bby cloudflare-email\.net \(cloudflare\)/i;
const CLOUDFLARE_ARC_SIGNER = /(?:^|;)\s*d\s*=\s*cloudflare-email\.net\s*(?:;|$)/i;
const CLOUDFLARE_SPF = /\breceiver=mx\.cloudflare\.net\s*(?:;|$)/i;

const sameResults = (a: readonly AuthResult[], b: readonly AuthResult[]) =>
	JSON.stringify(a) === JSON.stringify(b);

/** One word per method for the labels: `pass` when any result passed, else the first result. */
export function summary(results: readonly AuthResult[], method: string): string | undefined {
	const of = results.filter((r) => r.method === method);
	if (method === "spf") {
		// The envelope sender's check, not the HELO name's, when Email Routing reports both.
		const mailfrom = of.filter((r) => r.props["smtp.mailfrom"] !== undefined);
		if (mailfrom.length > 0) return mailfrom[0]?.result;
	}
	return of.some((r) => r.result === "pass") ? "pass" : of[0]?.result;
}

const domainOf = (address: string) => address.slice(address.lastIndexOf("@") + 1).toLowerCase();

/** `domain` is `of` or a parent of it (DMARC's relaxed alignment, without the public suffix list). */
const aligned = (domain: string, of: string) => of === domain || of.endsWith(`.${domain}`);

/**
 * What the requirement lacks, or null when it is met. Both checks are tied to the envelope
 * sender, which `allowed_senders` checks: SPF's `smtp.mailfrom` is that whole address, and a DKIM
 * signature counts only when its domain is the sender's domain or a parent of it, so that a
 * mail signed by any domain at all cannot pass as one from an allowed sender.
 */
export function authProblem(
	require: RequireAuth,
	results: readonly AuthResult[],
	envelopeSender: string,
): string | null {
	const senderDomain = domainOf(envelopeSender);
	const dkim = results.some((r) => {
		if (r.method !== "dkim" || r.result !== "pass") return false;
		const signer = r.props["header.d"] ?? domainOf(r.props["header.i"] ?? "");
		return signer !== "" && aligned(signer.toLowerCase(), senderDomain);
	});
	// The whole address, not its domain: SPF checked the envelope sender Email Routing was given.
	const sender = envelopeSender.toLowerCase();
	const spf = results.some(
		(r) =>
			r.method === "spf" &&
			r.result === "pass" &&
			senderDomain !== "" &&
			(r.props["smtp.mailfrom"] ?? "").toLowerCase() === sender,
	);
	const lacks = [];
	if ((require === "dkim" || require === "dkim_and_spf") && !dkim) {
		lacks.push(`DKIM signature of ${senderDomain || "the sender's domain"} that passed`);
	}
	if ((require === "spf" || require === "dkim_and_spf") && !spf)
		lacks.push("SPF pass for the sender");
	if (lacks.length === 0) return null;
	return `this integration takes only mail that Email Routing authenticated: it found no ${lacks.join(" and no ")}`;
}
