import type { Context } from "hono";
import { Hono } from "hono/tiny";
import type { AppEnv } from "./http/app-env";
import { mount } from "./http/endpoint";
import { funnel } from "./http/funnel";
import { healthEndpoint } from "./http/health";
import { requestId } from "./http/middleware";
import { handleEmail } from "./push/email";
import { observePushes } from "./push/observe";
import { pingEndpoints } from "./push/pings";
import { pushEndpoints } from "./push/routes";

export { IntegrationDurableObject } from "./durable/integration-object";

/**
 * The edge's app: the health check and the push URLs (`email()` below takes the mail). The admin API and the dashboard are a
 * separate module, loaded by the first request for them, so a push's module carries none of
 * their code (scripts/build.mjs splits it off).
 */
export const app = funnel(new Hono<AppEnv>());

// Before the request id: the admin app gives its requests their own.
const admin = async (c: Context<AppEnv>) => {
	const { adminApp } = await import("./admin-app");
	return adminApp.fetch(c.req.raw, c.env, c.executionCtx);
};
// Hono's "/x/*" also matches "/x" itself.
app.all("/api/v1/*", admin);
app.all("/dashboard/*", admin);
// Signed action links from notifications: pages, like the dashboard's.
app.all("/actions/*", admin);
app.all("/slack/*", admin);

app.use(requestId);
// One registration each, so each push is seen once.
app.use("/push/*", observePushes);
app.use("/v2/enqueue", observePushes);
app.use("/v2/change/enqueue", observePushes);
app.use("/ping/*", observePushes);
// Hono's "/x/*" also matches "/x" itself.
app.use("/v2/alerts/*", observePushes);
mount(app, [healthEndpoint, ...pushEndpoints, ...pingEndpoints]);

/** HTTP for the app; mail from Email Routing for `email` integrations (push/email.ts). */
export default {
	fetch: app.fetch,
	email: (message, env) => handleEmail(message, env),
} satisfies ExportedHandler<Env>;
