import { Hono } from "hono/tiny";
import { actions } from "./actions/routes";
import { ADMIN_ENDPOINTS } from "./admin/api";
import { adminAuth } from "./admin/auth";
import { authorize } from "./admin/authorize";
import { dashboard } from "./dashboard/routes";
import type { AppEnv } from "./http/app-env";
import { honoPath, mount } from "./http/endpoint";
import { funnel } from "./http/funnel";
import { requestId } from "./http/middleware";
import { loadRegexEngine } from "./routing/regex-engine";

/**
 * The admin API and the dashboard: an app of their own, which the edge's app loads on the first
 * request for them (src/index.ts), so a push never loads or parses this code.
 */
export const adminApp = funnel(new Hono<AppEnv>());

adminApp.use(requestId);
// Saving routes, silences and pipelines compiles their patterns; previews match them.
adminApp.use(async (_c, next) => {
	await loadRegexEngine();
	await next();
});
// Every admin path, unknown ones included, needs a credential; then each endpoint checks the role
// and channel limit its declaration names, and writes the audit log's entry of a change. A test
// walks every declaration with every role.
adminApp.use("/api/v1/*", adminAuth);
// Slack's interactions carry their own credential (Slack's signature) and audit themselves.
for (const one of ADMIN_ENDPOINTS) {
	if (one.auth === "none") continue;
	adminApp.on(one.method.toUpperCase(), honoPath(one.path), authorize(one, ADMIN_ENDPOINTS));
}
mount(adminApp, ADMIN_ENDPOINTS);
// HTML for people, outside the OpenAPI document.
adminApp.route("/dashboard", dashboard);
adminApp.route("/actions", actions);
