import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/app-env";
import { bearerToken } from "../http/credentials";
import { ServiceUnavailable, Unauthorized } from "../http/errors";
import { secretsEqual } from "../security/secrets";

/** `Authorization: Bearer <ADMIN_TOKEN>` on every admin route, compared in constant time. */
export const adminAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
	const expected = c.env.ADMIN_TOKEN;
	if (expected === undefined || expected === "") {
		throw new ServiceUnavailable(
			"AdminTokenNotConfigured",
			"the admin API is disabled until ADMIN_TOKEN is set: run `npx wrangler secret put ADMIN_TOKEN` (locally, `npm run dev` writes it to .dev.vars)",
		);
	}
	const token = bearerToken(c.req.header("Authorization"));
	if (token === null) {
		throw new Unauthorized("send the admin token as `Authorization: Bearer <ADMIN_TOKEN>`");
	}
	if (!(await secretsEqual(token, expected))) {
		throw new Unauthorized("the admin token is wrong");
	}
	await next();
};
