import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { configuredAdminToken } from "../admin/auth";
import type { AppEnv } from "../http/app-env";
import { base64url, digestsEqual, hmacSha256, secretsEqual } from "../security/secrets";

/**
 * The dashboard's sign-in: the admin token, given once in a form, becomes a cookie that holds
 * not the token but an HMAC of a fixed label under it. Rotating ADMIN_TOKEN signs everyone out;
 * the cookie is HttpOnly, Secure and SameSite=Strict, scoped to /dashboard, for 12 hours. Each
 * form carries a CSRF token (an HMAC of the session), checked on every action, on top of the
 * Origin check of Hono's csrf middleware.
 */

const COOKIE = "alertgate_session";
const SESSION_SECONDS = 12 * 60 * 60;
const encoder = new TextEncoder();

async function hmac(secret: string, message: string): Promise<string> {
	return base64url(await hmacSha256(encoder.encode(secret), message));
}

const sessionValue = (token: string) => hmac(token, "alertgate dashboard session v1");
const csrfValue = (token: string, session: string) => hmac(token, `csrf ${session}`);

/** Signs in when `given` is the admin token: sets the cookie. */
export async function signIn(c: Context<AppEnv>, given: string): Promise<boolean> {
	const token = configuredAdminToken(c.env);
	if (!(await secretsEqual(given, token))) return false;
	setCookie(c, COOKIE, await sessionValue(token), {
		httpOnly: true,
		secure: true,
		sameSite: "Strict",
		path: "/dashboard",
		maxAge: SESSION_SECONDS,
	});
	return true;
}

export function signOut(c: Context<AppEnv>): void {
	deleteCookie(c, COOKIE, { path: "/dashboard", secure: true });
}

/** The CSRF token for this session's forms, or null when not signed in. */
export async function session(c: Context<AppEnv>): Promise<{ csrf: string } | null> {
	const token = configuredAdminToken(c.env);
	const presented = getCookie(c, COOKIE);
	if (presented === undefined) return null;
	const expected = await sessionValue(token);
	if (!digestsEqual(presented, expected)) return null;
	return { csrf: await csrfValue(token, expected) };
}

/** Whether a form's CSRF token is this session's. */
export async function csrfValid(c: Context<AppEnv>, given: unknown): Promise<boolean> {
	const current = await session(c);
	return current !== null && typeof given === "string" && digestsEqual(given, current.csrf);
}
