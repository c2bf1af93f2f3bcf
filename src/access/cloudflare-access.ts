import * as z from "zod/mini";
import { fromBase64url } from "../security/secrets";
import { higherRole, ROLES, type Role } from "./role";

/**
 * Sign-in through Cloudflare Access. With Access in front of the worker, every request that
 * passed it carries `Cf-Access-Jwt-Assertion`: a JWT signed RS256 by the team's keys, published
 * at https://<team domain>/cdn-cgi/access/certs. It is checked as Cloudflare documents
 * (https://developers.cloudflare.com/cloudflare-one/identity/authorization-cookie/validating-json/):
 * the signature against the key its `kid` names, `aud` holding this application's tag, `iss`
 * the team domain, and `exp`. Only the header is read, not the `CF_Authorization` cookie: Access
 * sets the header on every request it lets through, and a cookie would also arrive on requests
 * that did not pass Access. Without the three settings, Access is off and the header ignored.
 */

/** An ACCESS_ROLES entry: an email, or `@domain` for everyone of the domain. */
const Entry = z
	.string({ error: "must hold emails or @domain entries" })
	.check(
		z.regex(
			/^([^@\s]+)?@[^@\s]+\.[^@\s]+$/,
			'must hold emails ("ana@example.com") or domains ("@example.com")',
		),
	);
const AccessRoles = z.strictObject(
	Object.fromEntries(ROLES.map((role) => [role, z.optional(z.array(Entry))])) as Record<
		Role,
		z.ZodMiniOptional<z.ZodMiniArray<typeof Entry>>
	>,
	{
		error: 'must be a JSON object from role (read, write, admin) to a list of emails or "@domain"',
	},
);
export type AccessRoles = z.output<typeof AccessRoles>;

const HOSTNAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i;

export type AccessConfig = { teamDomain: string; aud: string; roles: AccessRoles };

let parsed: { raw: string; config: AccessConfig } | undefined;

/** Settings set in part or malformed: never a silent fallback (the admin app answers 503). */
export class AccessMisconfigured extends Error {}

/**
 * The settings, checked once per isolate and value: null when Access is off (none set);
 * AccessMisconfigured naming what to fix when they are set in part or malformed.
 */
export function accessConfig(
	env: Pick<Env, "ACCESS_TEAM_DOMAIN" | "ACCESS_AUD" | "ACCESS_ROLES">,
): AccessConfig | null {
	const values = [env.ACCESS_TEAM_DOMAIN, env.ACCESS_AUD, env.ACCESS_ROLES].map(
		(value) => value?.trim() ?? "",
	);
	const [teamDomain = "", aud = "", roles = ""] = values;
	if (values.every((value) => value === "")) return null;
	const raw = JSON.stringify(values);
	if (parsed?.raw === raw) return parsed.config;
	const missing = ["ACCESS_TEAM_DOMAIN", "ACCESS_AUD", "ACCESS_ROLES"].filter(
		(_name, index) => values[index] === "",
	);
	if (missing.length > 0) {
		throw misconfigured(`${missing.join(" and ")} must be set too (or none of the three)`);
	}
	if (!HOSTNAME.test(teamDomain)) {
		throw misconfigured(
			"ACCESS_TEAM_DOMAIN must be the team's host name alone, such as myteam.cloudflareaccess.com",
		);
	}
	let json: unknown;
	try {
		json = JSON.parse(roles);
	} catch {
		throw misconfigured("ACCESS_ROLES is not JSON");
	}
	const checked = AccessRoles.safeParse(json);
	if (!checked.success) {
		const issue = checked.error.issues[0];
		throw misconfigured(`ACCESS_ROLES ${issue?.path.join(".") ?? ""} ${issue?.message ?? ""}`);
	}
	const config = { teamDomain: teamDomain.toLowerCase(), aud, roles: checked.data };
	parsed = { raw, config };
	return config;
}

const misconfigured = (problem: string) => new AccessMisconfigured(problem);

/** The highest role an email is given by ACCESS_ROLES (emails compared without case), or null. */
export function roleOfEmail(roles: AccessRoles, email: string): Role | null {
	const address = email.toLowerCase();
	const domain = address.slice(address.lastIndexOf("@"));
	let found: Role | null = null;
	for (const role of ROLES) {
		const listed = (roles[role] ?? []).some((entry) => {
			const one = entry.toLowerCase();
			return one === address || (one.startsWith("@") && one === domain);
		});
		if (listed) found = found === null ? role : higherRole(found, role);
	}
	return found;
}

export type AssertionCheck =
	| { ok: true; email: string }
	| {
			ok: false;
			reason:
				| "malformed"
				| "algorithm"
				| "unknown_key"
				| "signature"
				| "audience"
				| "issuer"
				| "expired"
				| "not_yet_valid"
				| "no_email";
	  };

/** Seconds of clock difference tolerated on `exp`, `nbf` and `iat`. */
export const CLOCK_LEEWAY_S = 30;

const Header = z.object({ alg: z.string(), kid: z.optional(z.string()) });
const Claims = z.object({
	aud: z.union([z.string(), z.array(z.string())]),
	iss: z.string(),
	exp: z.number(),
	nbf: z.optional(z.number()),
	iat: z.optional(z.number()),
	email: z.optional(z.string()),
});

/** `key` finds the team's public key by `kid` (null: no such key). */
export async function verifyAssertion(
	jwt: string,
	config: AccessConfig,
	nowMs: number,
	key: (kid: string) => Promise<CryptoKey | null>,
): Promise<AssertionCheck> {
	const parts = jwt.split(".");
	if (parts.length !== 3) return { ok: false, reason: "malformed" };
	const [headerPart = "", claimsPart = "", signaturePart = ""] = parts;
	const header = Header.safeParse(jsonOf(headerPart));
	const claims = Claims.safeParse(jsonOf(claimsPart));
	const signature = fromBase64url(signaturePart);
	if (!header.success || !claims.success || signature === null) {
		return { ok: false, reason: "malformed" };
	}
	// The algorithm is fixed here, never taken from the token: `none` or HS256 (signed with the
	// public key as an HMAC secret) would otherwise pass.
	if (header.data.alg !== "RS256" || header.data.kid === undefined) {
		return { ok: false, reason: "algorithm" };
	}
	const publicKey = await key(header.data.kid);
	if (publicKey === null) return { ok: false, reason: "unknown_key" };
	const signed = new TextEncoder().encode(`${headerPart}.${claimsPart}`);
	const valid = await crypto.subtle.verify("RSASSA-PKCS1-v1_5", publicKey, signature, signed);
	if (!valid) return { ok: false, reason: "signature" };
	const { aud, iss, exp, nbf, iat, email } = claims.data;
	if (!(Array.isArray(aud) ? aud : [aud]).includes(config.aud)) {
		return { ok: false, reason: "audience" };
	}
	if (iss !== `https://${config.teamDomain}`) return { ok: false, reason: "issuer" };
	const now = nowMs / 1000;
	if (exp + CLOCK_LEEWAY_S <= now) return { ok: false, reason: "expired" };
	if ((nbf ?? 0) > now + CLOCK_LEEWAY_S || (iat ?? 0) > now + CLOCK_LEEWAY_S) {
		return { ok: false, reason: "not_yet_valid" };
	}
	// Service tokens carry no email: they are for scripts, which use API tokens here.
	if (email === undefined || !email.includes("@")) return { ok: false, reason: "no_email" };
	return { ok: true, email };
}

function jsonOf(part: string): unknown {
	const bytes = fromBase64url(part);
	if (bytes === null) return null;
	try {
		return JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
	} catch {
		return null;
	}
}
