import type { Context } from "hono";
import type { IntegrationRow } from "../db/integrations";
import type { Push, PushData } from "../durable/contract";
import type { AppEnv } from "../http/app-env";
import { ok } from "../http/envelope";
import { refusalError } from "../http/refusals";

/**
 * The delivery step every source ends with: hand the normalized push to the integration's
 * Durable Object and answer with its outcome.
 */

/** How a source handles a push: the authenticated integration and the body text in, a response out. */
export type PushHandler = (
	c: Context<AppEnv>,
	integration: IntegrationRow,
	text: string,
) => Promise<Response>;

export function integrationObject(c: Context<AppEnv>, integration: IntegrationRow) {
	return c.env.INTEGRATION.getByName(integration.id);
}

/** What a push that changes no alert answers (an ignored state). */
const NOTHING_CHANGED: PushData = {
	alert_key: null,
	alert_id: null,
	alert_status: null,
	result: "ignored",
};

/** The answer to a push that carries one event: that event's outcome. */
const singleOutcome = (results: PushData[]) => results[0] ?? NOTHING_CHANGED;

/** `respond` shapes the outcomes: one event's by default, a list for batch sources. */
export async function deliver(
	c: Context<AppEnv>,
	integration: IntegrationRow,
	push: Push,
	respond: (results: PushData[]) => unknown = singleOutcome,
) {
	const reply = await integrationObject(c, integration).ingest({
		...push,
		configVersion: integration.config_version,
	});
	if (!reply.ok) throw refusalError(reply);
	if (reply.replayed) c.header("Idempotent-Replayed", "true");
	return ok(c, respond(reply.data));
}
