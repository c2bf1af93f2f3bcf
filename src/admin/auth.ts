import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/app-env";
import { bearerToken } from "../http/credentials";
import { ServiceUnavailable, Unauthorized } from "../http/errors";
import { secretsEqual } from "../security/secrets";

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

/** `Authorization: Bearer <ADMIN_TOKEN>` on every admin route, compared in constant time. */
export const adminAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
	const expected = configuredAdminToken(c.env);
	const token = bearerToken(c.req.header("Authorization"));
	if (token === null) {
		throw new Unauthorized("send the admin token as `Authorization: Bearer <ADMIN_TOKEN>`");
	}
	if (!(await secretsEqual(token, expected))) {
		throw new Unauthorized("the admin token is wrong");
	}
	await next();
};

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
