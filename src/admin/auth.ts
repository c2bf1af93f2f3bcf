import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/app-env";
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
	const header = c.req.header("Authorization") ?? "";
	const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
	if (match?.[1] === undefined) {
		throw new Unauthorized("send the admin token as `Authorization: Bearer <ADMIN_TOKEN>`");
	}
	if (!(await secretsEqual(match[1], expected))) {
		throw new Unauthorized("the admin token is wrong");
	}
	await next();
};
