import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { type Principal, ROOT } from "../access/role";
import {
	accessIdentity,
	apiTokenPrincipal,
	configuredAccess,
	configuredAdminToken,
} from "../admin/auth";
import {
	deleteSession,
	getSession,
	insertSession,
	SESSION_LIFETIME_MS,
	sessionStands,
} from "../db/sessions";
import { tokenById } from "../db/tokens";
import type { AppEnv } from "../http/app-env";
import { base64url, hmacSha256, secretsEqual, sha256Hex } from "../security/secrets";

/**
 * The dashboard's sign-in: the admin token, given once in a form, starts a session. Each sign-in
 * draws a new random id of 256 bits, which only the cookie holds; D1 keeps its SHA-256 with its
 * expiry, its own CSRF token and a fingerprint of the admin token (`insertSession`). So a
 * session is ended on the server: by sign-out (its row deleted, the cookie dead at once), by its
 * lifetime (whatever the browser keeps), and by rotating ADMIN_TOKEN (the fingerprint no longer
 * matches). The cookie is HttpOnly, Secure and SameSite=Strict, scoped to /dashboard. Every form
 * carries the session's CSRF token, on top of the Origin check of Hono's csrf middleware.
 */

const COOKIE = "alertgate_session";
/** 256 bits from crypto.getRandomValues: a plain SHA-256 may store it (ASVS V6.5.2). */
const SESSION_ID_BYTES = 32;
/** base64url of SESSION_ID_BYTES: any other cookie is no session and costs no D1 read. */
const SESSION_ID_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const CSRF_TOKEN_BYTES = 32;
const FINGERPRINT_LABEL = "alertgate dashboard session token fingerprint v2";
const encoder = new TextEncoder();

const randomToken = (bytes: number) => base64url(crypto.getRandomValues(new Uint8Array(bytes)));

/** Names the admin token without revealing it, so a session knows which token made it. */
async function tokenFingerprint(token: string): Promise<string> {
	return base64url(await hmacSha256(encoder.encode(token), FINGERPRINT_LABEL));
}

/** The hash of the session id this request's cookie carries, or null when it carries none. */
async function presentedIdHash(c: Context<AppEnv>): Promise<string | null> {
	const presented = getCookie(c, COOKIE);
	if (presented === undefined || !SESSION_ID_SHAPE.test(presented)) return null;
	return sha256Hex(presented);
}

/**
 * Signs in when `given` is the admin token, or an API token without a channel limit (the
 * dashboard's pages are not limited to channels): stores a new session and sets its cookie.
 */
export async function signIn(
	c: Context<AppEnv>,
	given: string,
): Promise<"signed_in" | "refused" | "limited"> {
	const token = configuredAdminToken(c.env);
	let tokenId: string | null = null;
	if (!(await secretsEqual(given, token))) {
		const principal = await apiTokenPrincipal(c, given);
		if (principal === null) return "refused";
		if (principal.channels !== null) return "limited";
		tokenId = principal.tokenId ?? null;
	}
	// The session this browser held, if any, ends: a new sign-in never keeps an old id alive.
	await endPresentedSession(c);
	const id = randomToken(SESSION_ID_BYTES);
	const now = Date.now();
	await insertSession(c.env.DB, {
		id_hash: await sha256Hex(id),
		csrf_token: randomToken(CSRF_TOKEN_BYTES),
		token_fingerprint: await tokenFingerprint(token),
		issued_at: now,
		expires_at: now + SESSION_LIFETIME_MS,
		token_id: tokenId,
	});
	setCookie(c, COOKIE, id, {
		httpOnly: true,
		secure: true,
		sameSite: "Strict",
		path: "/dashboard",
		maxAge: SESSION_LIFETIME_MS / 1000,
	});
	return "signed_in";
}

/** Ends the session on the server, then clears the cookie. */
export async function signOut(c: Context<AppEnv>): Promise<void> {
	await endPresentedSession(c);
	deleteCookie(c, COOKIE, { path: "/dashboard", secure: true });
}

async function endPresentedSession(c: Context<AppEnv>): Promise<void> {
	const idHash = await presentedIdHash(c);
	if (idHash !== null) await deleteSession(c.env.DB, idHash);
}

export type Signed = { csrf: string; principal: Principal };

/**
 * Who uses the dashboard: a Cloudflare Access identity when Access is configured and the request
 * carries its assertion (no sign-in; the CSRF token is an HMAC of the identity under
 * ADMIN_TOKEN, so it is stable per person and cannot be made without the root), else the
 * session the cookie names. Null: neither.
 */
export async function signedInAs(c: Context<AppEnv>): Promise<Signed | null> {
	const token = configuredAdminToken(c.env);
	const config = configuredAccess(c.env);
	const assertion = c.req.header("Cf-Access-Jwt-Assertion");
	if (config !== null && assertion !== undefined) {
		const principal = await accessIdentity(config, assertion);
		const csrf = base64url(
			await hmacSha256(encoder.encode(token), `${ACCESS_CSRF_LABEL}\n${principal.name}`),
		);
		return { csrf, principal };
	}
	return session(c);
}

const ACCESS_CSRF_LABEL = "alertgate dashboard access csrf v1";

/** The signed-in session, or null when the cookie names no standing session. */
export async function session(c: Context<AppEnv>): Promise<Signed | null> {
	// First, so an unset or short token answers its 503 to the signed-out too.
	const token = configuredAdminToken(c.env);
	const idHash = await presentedIdHash(c);
	if (idHash === null) return null;
	const row = await getSession(c.env.DB, idHash);
	if (row === null) return null;
	if (!sessionStands(row, await tokenFingerprint(token), Date.now())) {
		// Expired or made with a rotated token: it can never stand again.
		await deleteSession(c.env.DB, idHash);
		return null;
	}
	if (row.token_id === null) return { csrf: row.csrf_token, principal: ROOT };
	// Looked up on every page, so a revoked or expired token ends its sessions at once.
	const api = await tokenById(c.env.DB, row.token_id);
	if (api === null || (api.expires_at !== null && api.expires_at <= Date.now())) {
		await deleteSession(c.env.DB, idHash);
		return null;
	}
	return {
		csrf: row.csrf_token,
		principal: { kind: "token", name: api.name, role: api.role, channels: null, tokenId: api.id },
	};
}

/**
 * Where a sign-in may send the browser back to: a dashboard path on this origin, or null. `next`
 * comes from a link anyone can craft, so anything that could leave the origin is refused (an
 * open redirect): a scheme, `//host` or `/\host` (browsers read a backslash as a slash), a
 * control character, or any path outside `/dashboard/`: only URL characters are taken.
 */
export function signInReturn(next: string | null | undefined): string | null {
	if (next === null || next === undefined || next.length > MAX_NEXT_LENGTH) return null;
	if (!NEXT_SHAPE.test(next)) return null;
	// Resolved as a browser would against a fixed origin: it must stay there, on a dashboard path.
	const url = URL.parse(next, "https://alertgate.invalid");
	if (url === null || url.origin !== "https://alertgate.invalid") return null;
	if (!url.pathname.startsWith("/dashboard/") || url.pathname.includes("//")) return null;
	return `${url.pathname}${url.search}`;
}

/** URL path and query characters only (RFC 3986): no backslash, space or control character. */
const NEXT_SHAPE = /^\/dashboard\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$/;
/** A dashboard path and query, far longer than any the dashboard writes. */
const MAX_NEXT_LENGTH = 512;
