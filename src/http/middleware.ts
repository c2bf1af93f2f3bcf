import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env";
import { MethodNotAllowed } from "./errors";

/** Gives every request an id, echoed in `X-Request-Id` and in the envelope. */
export const requestId: MiddlewareHandler<AppEnv> = async (c, next) => {
	const id = crypto.randomUUID().replaceAll("-", "");
	c.set("requestId", id);
	await next();
	c.res.headers.set("X-Request-Id", id);
};

/** Registered after a path's real handlers: any other method gets a 405 with `Allow`. */
export function onlyMethods(...allowed: string[]) {
	return (c: Context<AppEnv>): never => {
		throw new MethodNotAllowed(c.req.method, allowed);
	};
}
