import { type Context, Hono } from "hono";
import { findIntegrationByKeyHash } from "../db/integrations";
import type { AppEnv } from "../http/app-env";
import { readTextLimited } from "../http/body";
import { HttpError, IntegrationNotFound, InvalidParameter, PayloadTooLarge } from "../http/errors";
import { onlyMethods } from "../http/middleware";
import { looksLikeIntegrationKey, sha256Hex } from "../security/secrets";
import { PUSH_HANDLERS } from "../sources/registry";

/** PagerDuty's and incident.io's limit; SNS bodies (256 KiB messages, escaped) fit under it. */
export const MAX_PUSH_BODY_BYTES = 512 * 1024;

export const push = new Hono<AppEnv>();

push
	.post("/", (c) => handlePush(c, keyFromRequest(c)))
	.all("/", onlyMethods("POST"))
	.post("/:key", (c) => handlePush(c, c.req.param("key")))
	.all("/:key", onlyMethods("POST"));

/** Without a key in the path: a header (what AWS connections set) or the query string. */
function keyFromRequest(c: Context<AppEnv>): string | undefined {
	const header = c.req.header("X-Integration-Key");
	if (header) return header.trim();
	const bearer = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("Authorization") ?? "");
	if (bearer?.[1]) return bearer[1];
	return c.req.query("integration_key");
}

async function handlePush(c: Context<AppEnv>, key: string | undefined) {
	if (!key) {
		throw new InvalidParameter(
			"the integration key is missing: use /push/<key>, ?integration_key=, an X-Integration-Key header or Authorization: Bearer <key>",
		);
	}
	// Refuse a declared oversize body before any lookup; readTextLimited guards the rest.
	if (Number(c.req.header("Content-Length") ?? 0) > MAX_PUSH_BODY_BYTES) {
		throw new PayloadTooLarge(MAX_PUSH_BODY_BYTES);
	}
	// 404, not 401: EventBridge retries 401 for a day, and a key that is wrong stays wrong.
	if (!looksLikeIntegrationKey(key)) throw new IntegrationNotFound();
	const integration = await findIntegrationByKeyHash(c.env.DB, await sha256Hex(key));
	if (integration === null) throw new IntegrationNotFound();

	const handler = PUSH_HANDLERS[integration.type];
	if (handler === null) {
		throw new HttpError(
			501,
			"IntegrationTypeNotSupported",
			`pushes to ${integration.type} integrations are not supported by this version yet`,
		);
	}
	return handler(c, integration, await readTextLimited(c.req.raw, MAX_PUSH_BODY_BYTES));
}
