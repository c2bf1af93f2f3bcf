import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/app-env";
import type { HttpError } from "../http/errors";
import { redactKeys } from "../security/secrets";

/**
 * What an operator can see of refused pushes: one structured log line each (request id,
 * integration, status, code, reason; never the key or the body), and, once the key has been
 * checked, a count by code in the integration's object (`GET /api/v1/integrations/{id}`).
 */

/**
 * Logs and counts the refusal marked by `noteRefusal`, and writes each
 * push's outcome to Analytics Engine when the `INTAKE_ANALYTICS` binding is configured.
 */
export const observePushes: MiddlewareHandler<AppEnv> = async (c, next) => {
	await next();
	const refused = c.get("refused");
	const integrationId = c.get("integrationId") ?? null;
	c.env.INTAKE_ANALYTICS?.writeDataPoint(pushDataPoint(integrationId, c.res.status, refused));
	if (refused === undefined) return;
	console.log(
		JSON.stringify({
			event: "push_refused",
			request_id: c.get("requestId"),
			integration_id: integrationId,
			status: refused.status,
			code: refused.code,
			// Messages may quote what was sent (a field's name, a topic ARN), never a key; one that
			// may quote the body's values says what the log line may say instead.
			reason: redactKeys(refused.logReason ?? refused.message),
		}),
	);
	// The object counted a push over the rate limit itself (`rate_limited_count`): a flood of them
	// must not cost a second call each.
	if (integrationId === null || refused.code === "RateLimited") return;
	try {
		await c.env.INTEGRATION.getByName(integrationId).countRefusal(refused.code);
	} catch (error) {
		// The answer stands; only the counter is lost.
		console.error(
			JSON.stringify({
				event: "refusal_count_failed",
				request_id: c.get("requestId"),
				integration_id: integrationId,
				reason: redactKeys(String(error)),
			}),
		);
	}
};

/**
 * One push in Analytics Engine: `index1` the integration (empty: its key did not check out),
 * `blob1` the integration again, `blob2` "accepted", "refused" or "failed" (a 5xx of ours),
 * `blob3` the refusal's code,
 * `double1` the HTTP status. The README has a query.
 */
export function pushDataPoint(
	integrationId: string | null,
	status: number,
	refused: HttpError | undefined,
): AnalyticsEngineDataPoint {
	const outcome = refused !== undefined ? "refused" : status >= 400 ? "failed" : "accepted";
	return {
		indexes: [integrationId ?? ""],
		blobs: [integrationId ?? "", outcome, refused?.code ?? ""],
		doubles: [status],
	};
}
