import { type Context, Hono } from "hono";
import type { AppEnv } from "../http/app-env";
import { readTextLimited } from "../http/body";
import { basicPassword, bearerToken } from "../http/credentials";
import { HttpError, InvalidParameter, PayloadTooLarge } from "../http/errors";
import { onlyMethods } from "../http/middleware";
import { refusalError } from "../http/refusals";
import { readIntegrationKey, sha256Hex } from "../security/secrets";
import { SettingsChanged } from "../sources/deliver";
import { SOURCES } from "../sources/registry";
import { addressedTarget, legacyTarget, remember, targetOf } from "./targets";

/** PagerDuty's and incident.io's limit; SNS bodies (256 KiB messages, escaped) fit under it. */
const MAX_PUSH_BODY_BYTES = 512 * 1024;

export const push = new Hono<AppEnv>();

push
	.post("/", (c) => handlePush(c, keyFromRequest(c)))
	.all("/", onlyMethods("POST"))
	.post("/:key", (c) => handlePush(c, { key: c.req.param("key"), header: null }))
	.all("/:key", onlyMethods("POST"));

/** Where a push's key came from: the URL (an address) or a header (a credential). */
type PresentedKey = { key: string; header: string | null };

/**
 * Without a key in the path: a header (what AWS connections set: an API key header, Bearer, or
 * Basic with the key as password and any user name) or the query string.
 */
function keyFromRequest(c: Context<AppEnv>): PresentedKey | null {
	const header = c.req.header("X-Integration-Key")?.trim();
	if (header) return { key: header, header: "X-Integration-Key" };
	const authorization = c.req.header("Authorization");
	const credential = bearerToken(authorization) ?? basicPassword(authorization);
	if (credential) return { key: credential, header: "Authorization" };
	const query = c.req.query("integration_key");
	return query ? { key: query, header: null } : null;
}

async function handlePush(c: Context<AppEnv>, presented: PresentedKey | null) {
	if (presented === null) {
		// SNS sends a subscription's Basic-auth credentials (https://user:KEY@host/push) only after
		// a 401 challenge; for everyone else a missing key is a mistake that retrying cannot fix.
		if (c.req.header("x-amz-sns-message-type") !== undefined) {
			throw new HttpError(
				401,
				"IntegrationKeyRequired",
				"send the integration key as the password of the endpoint's Basic-auth credentials",
				{ "WWW-Authenticate": 'Basic realm="alertgate", charset="UTF-8"' },
			);
		}
		throw new InvalidParameter(
			"the integration key is missing: use /push/<key>, ?integration_key=, an X-Integration-Key header, Authorization: Bearer <key>, or Basic auth with the key as password",
		);
	}
	// Refuse a declared oversize body before any lookup; readTextLimited guards the rest.
	if (Number(c.req.header("Content-Length") ?? 0) > MAX_PUSH_BODY_BYTES) {
		throw new PayloadTooLarge(MAX_PUSH_BODY_BYTES);
	}
	const shape = readIntegrationKey(presented.key);
	if (shape === null) throw refusalError({ ok: false, reason: "unknown_key" }, presented.header);
	const keyHash = await sha256Hex(presented.key);
	const target =
		shape.kind === "addressed"
			? await addressedTarget(c.env, shape.integrationId, keyHash, presented.header)
			: await legacyTarget(c.env.DB, keyHash, presented.header);

	const text = await readTextLimited(c.req.raw, MAX_PUSH_BODY_BYTES);
	try {
		return await SOURCES[target.type].handle(c, target, text);
	} catch (error) {
		if (!(error instanceof SettingsChanged) || shape.kind !== "addressed") throw error;
		// An admin change landed between the worker's copy and this push: once more, with the
		// settings the object just gave. A second change in between answers 503 (retried).
		remember(target.id, keyHash, error.config);
		const fresh = targetOf(target.id, keyHash, error.config, presented.header);
		try {
			return await SOURCES[fresh.type].handle(c, fresh, text);
		} catch (again) {
			if (again instanceof SettingsChanged) {
				throw refusalError({ ok: false, reason: "settings_changed", config: again.config });
			}
			throw again;
		}
	}
}
