import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/app-env";
import { bearerToken } from "../http/credentials";
import { ServiceUnavailable, Unauthorized } from "../http/errors";
import { secretsEqual } from "../security/secrets";

/** A token anyone could guess in a day of tries is no token: 32 characters of base64 are 192 bits. */
const MIN_ADMIN_TOKEN_CHARS = 32;

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

/** ADMIN_TOKEN, or the 503 that says how to set it (unset, or too short to be a token). */
export function configuredAdminToken(env: Env): string {
	const expected = env.ADMIN_TOKEN;
	if (expected === undefined || expected === "") {
		throw new ServiceUnavailable(
			"AdminTokenNotConfigured",
			"the admin API is disabled until ADMIN_TOKEN is set: run `npx wrangler secret put ADMIN_TOKEN` (locally, `npm run dev` writes it to .dev.vars)",
		);
	}
	if (expected.length < MIN_ADMIN_TOKEN_CHARS) {
		throw new ServiceUnavailable(
			"AdminTokenTooShort",
			`the admin API is disabled: ADMIN_TOKEN has fewer than ${MIN_ADMIN_TOKEN_CHARS} characters. Make one with \`openssl rand -base64 32\` and set it with \`npx wrangler secret put ADMIN_TOKEN\``,
		);
	}
	return expected;
}
