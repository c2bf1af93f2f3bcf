import type { Context, MiddlewareHandler } from "hono";
import { AccessCertsUnavailable, accessKey } from "../access/access-certs";
import {
	type AccessConfig,
	AccessMisconfigured,
	accessConfig,
	roleOfEmail,
	verifyAssertion,
} from "../access/cloudflare-access";
import { type Principal, ROOT } from "../access/role";
import { MAX_TOKENS, tokenByHash, touchToken } from "../db/tokens";
import type { AppEnv } from "../http/app-env";
import { bearerToken } from "../http/credentials";
import { Forbidden, HttpError, ServiceUnavailable, Unauthorized } from "../http/errors";
import { API_TOKEN_SHAPE, digestsEqual, secretsEqual, sha256Hex } from "../security/secrets";

/** A token anyone could guess in a day of tries is no token: 32 characters of base64 are 192 bits. */
export const MIN_ADMIN_TOKEN_CHARS = 32;

/**
 * A token's own characters must suggest more than this, in bits: its length times the Shannon
 * entropy of its character frequencies. Length alone lets through 32 spaces or one letter 32
 * times (0 bits), `abab…` (32) or four letters in turn (64). The floor is far below what random
 * tokens show, so none is refused: `openssl rand -hex 16` (32 hex digits, 128 bits) estimates
 * about 112 and never under 86 in millions of draws, `openssl rand -base64 32` about 215. It
 * cannot see a word or a pattern, so it proves no randomness: it refuses what is plainly not
 * random.
 */
export const ADMIN_TOKEN_FLOOR_BITS = 64;

const HOW_TO_MAKE =
	"Make one with `openssl rand -base64 32` and set it with `npx wrangler secret put ADMIN_TOKEN`";

export type AdminTokenCheck =
	| { ok: true }
	| { ok: false; code: "AdminTokenTooShort" | "AdminTokenWeak"; problem: string };

/** Whether `token` can serve as ADMIN_TOKEN: long enough, no whitespace, not plainly non-random. */
export function checkAdminToken(token: string): AdminTokenCheck {
	if (token.length < MIN_ADMIN_TOKEN_CHARS) {
		return {
			ok: false,
			code: "AdminTokenTooShort",
			problem: `ADMIN_TOKEN has fewer than ${MIN_ADMIN_TOKEN_CHARS} characters`,
		};
	}
	// A bearer token with whitespace cannot be sent whole (proxies and clients trim it), and a
	// trailing newline is the usual mark of a token piped in with `echo`.
	if (/\s/u.test(token)) {
		return {
			ok: false,
			code: "AdminTokenWeak",
			problem:
				"ADMIN_TOKEN contains whitespace (a space, or a line break left by the command that set it)",
		};
	}
	if (estimatedBits(token) <= ADMIN_TOKEN_FLOOR_BITS) {
		return {
			ok: false,
			code: "AdminTokenWeak",
			problem:
				"ADMIN_TOKEN is not random: it is made of too few distinct characters, or mostly of one",
		};
	}
	return { ok: true };
}

/** Length times the Shannon entropy of the token's character frequencies, in bits. */
export function estimatedBits(token: string): number {
	const characters = Array.from(token);
	const counts = new Map<string, number>();
	for (const character of characters) counts.set(character, (counts.get(character) ?? 0) + 1);
	let bitsPerCharacter = 0;
	for (const count of counts.values()) {
		const share = count / characters.length;
		bitsPerCharacter -= share * Math.log2(share);
	}
	return characters.length * bitsPerCharacter;
}

/**
 * Every admin path, unknown ones included, needs a credential: ADMIN_TOKEN, an API token or a
 * Cloudflare Access identity. Each endpoint then checks the role it declares (authorize.ts).
 */
export const adminAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
	c.set("principal", await authenticate(c));
	await next();
};

/**
 * One message for every refused credential (none, wrong, expired, revoked, an altered Access
 * assertion), so an answer never tells whether a token exists.
 */
export const CREDENTIAL_REFUSED =
	"send an API token or the admin token as `Authorization: Bearer <token>`, or come through Cloudflare Access: a missing, wrong, expired or revoked credential is refused";

/**
 * Who sends this request. A bearer token is taken first (ADMIN_TOKEN, or an `agt_` API token
 * found by its SHA-256, hence per request, so a revoked token stops at once); without one, an
 * Access assertion when Access is configured.
 */
export async function authenticate(c: Context<AppEnv>): Promise<Principal> {
	// First, so an unset or weak root answers its 503 to everyone.
	const root = configuredAdminToken(c.env);
	const token = bearerToken(c.req.header("Authorization"));
	if (token !== null) {
		if (await secretsEqual(token, root)) return ROOT;
		const principal = await apiTokenPrincipal(c, token);
		if (principal === null) throw new Unauthorized(CREDENTIAL_REFUSED);
		return principal;
	}
	const access = accessPrincipal(c);
	if (access === null) throw new Unauthorized(CREDENTIAL_REFUSED);
	requireNotCrossSite(c);
	return access;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * A browser behind Access sends its identity (the Access cookie, turned into the assertion) with
 * any request, another site's too. A bearer token is never sent by itself; an assertion is, so a
 * change it authorises must come from this origin: not marked cross-site by the browser
 * (`Origin`, `Sec-Fetch-Site`), and with a body only as JSON, which no form or simple request
 * of another site can send without a preflight this API does not answer.
 */
function requireNotCrossSite(c: Context<AppEnv>): void {
	if (SAFE_METHODS.has(c.req.method)) return;
	const origin = c.req.header("Origin");
	const site = c.req.header("Sec-Fetch-Site");
	const type = c.req.header("Content-Type");
	const hasBody = c.req.header("Content-Length") !== "0" && c.req.raw.body !== null;
	const crossSite =
		(origin !== undefined && origin !== new URL(c.req.url).origin) ||
		(site !== undefined && site !== "same-origin" && site !== "none") ||
		(hasBody && !/^application\/json\s*(;|$)/i.test(type ?? ""));
	if (crossSite) {
		throw new HttpError(
			403,
			"CrossOriginRequest",
			"a change signed in through Cloudflare Access must come from this origin, with a JSON body",
		);
	}
}

/** The API token's principal, or null when `token` is none that stands now. */
export async function apiTokenPrincipal(
	c: Context<AppEnv>,
	token: string,
): Promise<Principal | null> {
	// The shape first: anything else costs no D1 read.
	if (!API_TOKEN_SHAPE.test(token)) return null;
	const hash = await sha256Hex(token);
	const row = await tokenByHash(c.env.DB, hash);
	// The lookup matched the hash in an index; the compare proves it in constant time anyway.
	if (row === null || !digestsEqual(row.token_hash, hash)) return null;
	const now = Date.now();
	if (row.expires_at !== null && row.expires_at <= now) return null;
	noteUse(c, row.id, row.last_used_at, now);
	return {
		kind: "token",
		name: row.name,
		role: row.role,
		channels: row.channel_ids,
		tokenId: row.id,
	};
}

/** `last_used_at` is written at most this often per token and isolate, never on every request. */
export const LAST_USED_GRANULARITY_MS = 60 * 60_000;
const lastNoted = new Map<string, number>();

function noteUse(c: Context<AppEnv>, id: string, stored: number | null, now: number): void {
	const last = Math.max(lastNoted.get(id) ?? 0, stored ?? 0);
	if (now - last < LAST_USED_GRANULARITY_MS) return;
	// Bounded: the map never holds more than the tokens there can be, twice over.
	if (lastNoted.size >= 2 * MAX_TOKENS) lastNoted.clear();
	lastNoted.set(id, now);
	const write = touchToken(c.env.DB, id, now).catch((error: unknown) => {
		console.error(JSON.stringify({ event: "token_use_not_noted", message: String(error) }));
	});
	try {
		c.executionCtx.waitUntil(write);
	} catch {
		// No execution context (a test calling the app directly): the write still runs.
	}
}

/**
 * The Access identity of a request that carries an assertion, when Access is configured; null
 * when either is missing. 401 for an assertion that does not verify; 403 for an email no role
 * lists.
 */
function accessPrincipal(c: Context<AppEnv>): Promise<Principal> | null {
	const config = configuredAccess(c.env);
	const assertion = c.req.header("Cf-Access-Jwt-Assertion");
	if (config === null || assertion === undefined) return null;
	return accessIdentity(config, assertion);
}

/** The Access settings (null: Access off), or the 503 naming what to fix in them. */
export function configuredAccess(env: Env): AccessConfig | null {
	try {
		return accessConfig(env);
	} catch (error) {
		if (!(error instanceof AccessMisconfigured)) throw error;
		throw new ServiceUnavailable(
			"AccessMisconfigured",
			`sign-in through Cloudflare Access is misconfigured: ${error.message} (docs/security.md, "Cloudflare Access")`,
		);
	}
}

export async function accessIdentity(config: AccessConfig, assertion: string): Promise<Principal> {
	const now = Date.now();
	const checked = await verifyAssertion(assertion, config, now, async (kid) => {
		try {
			return await accessKey(config.teamDomain, kid, now);
		} catch (error) {
			if (!(error instanceof AccessCertsUnavailable)) throw error;
			throw new ServiceUnavailable(
				"AccessCertsUnavailable",
				"the Cloudflare Access signing keys could not be fetched: retry shortly",
			);
		}
	});
	if (!checked.ok) throw new Unauthorized(CREDENTIAL_REFUSED);
	const role = roleOfEmail(config.roles, checked.email);
	if (role === null) {
		throw new Forbidden(
			`${checked.email} has no role here: ACCESS_ROLES lists neither it nor its domain`,
		);
	}
	return { kind: "access", name: checked.email, role, channels: null };
}

/** ADMIN_TOKEN, or the 503 that says how to set it (unset, too short or too weak to be a token). */
export function configuredAdminToken(env: Env): string {
	const expected = env.ADMIN_TOKEN;
	if (expected === undefined || expected === "") {
		throw new ServiceUnavailable(
			"AdminTokenNotConfigured",
			"the admin API is disabled until ADMIN_TOKEN is set: run `npx wrangler secret put ADMIN_TOKEN` (locally, `npm run dev` writes it to .dev.vars)",
		);
	}
	const check = checkAdminToken(expected);
	if (!check.ok) {
		throw new ServiceUnavailable(
			check.code,
			`the admin API is disabled: ${check.problem}. ${HOW_TO_MAKE}`,
		);
	}
	return expected;
}
