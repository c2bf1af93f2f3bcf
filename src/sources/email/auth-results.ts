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
 * Anyone can write such a header into a mail, so only one is read: the first that names Email
 * Routing (`mx.cloudflare.net`), provided no Received header of another server stands above it.
 * Email Routing adds its own Received header and its results on top of what arrived, so a forged
 * header can only come below its own. Cloudflare has been seen to deliver some mails to a Worker
 * without the header (cloudflare/workerd#6740): then nothing was verified and a requirement
 * refuses the mail, unless the sender wrote such a header itself, which only the position rule
 * above can catch; `allowed_senders` narrows who could.
 */

export const EMAIL_ROUTING_AUTHSERV_ID = "mx.cloudflare.net";

export type AuthResult = { method: string; result: string; props: Record<string, string> };

/** The results of one header value (authserv-id first), comments dropped; malformed parts skipped. */
export function parseAuthenticationResults(value: string): {
	authservId: string;
	results: AuthResult[];
} {
	const plain = dropComments(value);
	const [authservId = "", ...parts] = plain.split(";");
	const results: AuthResult[] = [];
	for (const part of parts) {
		const [head, ...rest] = part.trim().split(/\s+/);
		const match = /^([a-z0-9-]+)=([a-z0-9-]+)$/i.exec(head ?? "");
		if (match === null) continue;
		const props: Record<string, string> = {};
		for (const prop of rest) {
			const eq = prop.indexOf("=");
			if (eq > 0) props[prop.slice(0, eq).toLowerCase()] = prop.slice(eq + 1).replace(/^"|"$/g, "");
		}
		results.push({
			method: (match[1] ?? "").toLowerCase(),
			result: (match[2] ?? "").toLowerCase(),
			props,
		});
	}
	// The authserv-id may carry a version after it ("mx.example.com 1").
	return { authservId: authservId.trim().split(/\s+/)[0]?.toLowerCase() ?? "", results };
}

/** Linear: one pass, nesting counted (RFC 5322 comments nest). */
function dropComments(value: string): string {
	let out = "";
	let depth = 0;
	let quoted = false;
	for (let i = 0; i < value.length; i++) {
		const char = value.charAt(i);
		if (char === "\\" && (depth > 0 || quoted)) {
			i++;
			continue;
		}
		if (depth === 0 && char === '"') quoted = !quoted;
		if (!quoted && char === "(") depth++;
		else if (!quoted && char === ")" && depth > 0) depth--;
		else if (depth === 0) out += char;
	}
	return out;
}

/** Email Routing's results on a mail whose headers are given in order (top first). */
export function emailRoutingResults(
	headers: readonly { key: string; value: string }[],
): AuthResult[] {
	let received = 0;
	for (const header of headers) {
		if (header.key === "received") {
			received++;
			// Email Routing's own Received header is the first; the next was added before it.
			if (received > 1 || !/\bcloudflare/i.test(header.value)) return [];
			continue;
		}
		if (header.key !== "authentication-results") continue;
		const parsed = parseAuthenticationResults(header.value);
		if (parsed.authservId === EMAIL_ROUTING_AUTHSERV_ID) return parsed.results;
	}
	return [];
}

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
 * sender, which `allowed_senders` checks: SPF's `smtp.mailfrom` is that address, and a DKIM
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
	const spf = results.some(
		(r) =>
			r.method === "spf" &&
			r.result === "pass" &&
			senderDomain !== "" &&
			domainOf(r.props["smtp.mailfrom"] ?? "") === senderDomain,
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
