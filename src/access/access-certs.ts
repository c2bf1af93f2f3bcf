import * as z from "zod/mini";

/**
 * The team's signing keys (https://<team domain>/cdn-cgi/access/certs), fetched and imported
 * once, kept per isolate. Access rotates its keys every few weeks and publishes the next beside
 * the current one, so a `kid` not held makes one new fetch, at most every
 * CERTS_REFETCH_INTERVAL_MS: tokens with made-up `kid`s cannot turn each request into a fetch.
 * Only the configured team's host is ever fetched, without following redirects, with a timeout
 * and a size cap.
 */

export const CERTS_TTL_MS = 60 * 60_000;
export const CERTS_REFETCH_INTERVAL_MS = 30_000;
export const CERTS_FETCH_TIMEOUT_MS = 5_000;
const MAX_CERTS_BYTES = 64 * 1024;
const MAX_KEYS = 16;

const Jwks = z.object({
	keys: z.array(
		z.object({
			kid: z.string(),
			kty: z.string(),
			n: z.optional(z.string()),
			e: z.optional(z.string()),
		}),
	),
});

type Held = {
	teamDomain: string;
	keys: Map<string, CryptoKey>;
	fetchedAt: number;
	triedAt: number;
};
let held: Held | undefined;

/** The key `kid` names for the team, or null when its certificate set has none. */
export async function accessKey(
	teamDomain: string,
	kid: string,
	now: number,
): Promise<CryptoKey | null> {
	const current = held?.teamDomain === teamDomain ? held : undefined;
	const fresh = current !== undefined && now - current.fetchedAt < CERTS_TTL_MS;
	const known = current?.keys.get(kid);
	if (fresh && known !== undefined) return known;
	if (current !== undefined && now - current.triedAt < CERTS_REFETCH_INTERVAL_MS) {
		if (current.keys.size === 0) throw certsUnavailable();
		return known ?? null;
	}
	if (current !== undefined) current.triedAt = now;
	try {
		const keys = await fetchKeys(teamDomain);
		held = { teamDomain, keys, fetchedAt: now, triedAt: now };
		return keys.get(kid) ?? null;
	} catch (error) {
		// A stale key still verifies while the certificate set cannot be read.
		if (known !== undefined) return known;
		if (current === undefined) held = { teamDomain, keys: new Map(), fetchedAt: 0, triedAt: now };
		console.error(
			JSON.stringify({ event: "access_certs_unavailable", message: String(error).slice(0, 200) }),
		);
		throw certsUnavailable();
	}
}

/** The certificate set could not be read (the admin app answers 503, which clients retry). */
export class AccessCertsUnavailable extends Error {}

const certsUnavailable = () => new AccessCertsUnavailable("access certs unavailable");

async function fetchKeys(teamDomain: string): Promise<Map<string, CryptoKey>> {
	const response = await fetch(`https://${teamDomain}/cdn-cgi/access/certs`, {
		redirect: "manual",
		signal: AbortSignal.timeout(CERTS_FETCH_TIMEOUT_MS),
	});
	if (response.status !== 200) throw new Error(`certs answered ${response.status}`);
	const declared = Number(response.headers.get("Content-Length") ?? 0);
	if (declared > MAX_CERTS_BYTES) throw new Error("certs too large");
	const text = await response.text();
	if (text.length > MAX_CERTS_BYTES) throw new Error("certs too large");
	const jwks = Jwks.parse(JSON.parse(text));
	const keys = new Map<string, CryptoKey>();
	for (const jwk of jwks.keys.slice(0, MAX_KEYS)) {
		if (jwk.kty !== "RSA" || jwk.n === undefined || jwk.e === undefined) continue;
		keys.set(
			jwk.kid,
			await crypto.subtle.importKey(
				"jwk",
				{ kty: "RSA", n: jwk.n, e: jwk.e, alg: "RS256", ext: true },
				{ name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
				false,
				["verify"],
			),
		);
	}
	return keys;
}
