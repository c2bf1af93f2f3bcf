import type { Context } from "hono";
import type { IntegrationRow } from "../db/integrations";
import type { Push } from "../durable/integration-object";
import type { AppEnv } from "../http/app-env";
import { ok } from "../http/envelope";
import { HttpError } from "../http/errors";

/** How a source handles a push: authenticated integration and body text in, a response out. */
export type PushHandler = (
	c: Context<AppEnv>,
	integration: IntegrationRow,
	text: string,
) => Promise<Response>;

export function integrationObject(c: Context<AppEnv>, integration: IntegrationRow) {
	return c.env.INTEGRATION.getByName(integration.id);
}

/** Hands a normalized push to the integration's Durable Object and answers with its outcome. */
export async function deliver(c: Context<AppEnv>, integration: IntegrationRow, push: Push) {
	const reply = await integrationObject(c, integration).ingest(push);
	if (!reply.ok) throw new HttpError(reply.status, reply.code, reply.message);
	if (reply.replayed) c.header("Idempotent-Replayed", "true");
	return ok(c, reply.data);
}
