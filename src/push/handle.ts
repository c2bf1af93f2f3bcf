import type { Context } from "hono";
import type { AppEnv } from "../http/app-env";
import { readTextLimited } from "../http/body";
import { basicPassword, bearerToken } from "../http/credentials";
import { HttpError, InvalidParameter, PayloadTooLarge } from "../http/errors";
import { refusalError } from "../http/refusals";
import type { IntegrationType } from "../integrations/type";
import { readIntegrationKey, sha256Hex } from "../security/secrets";
import { type PushHandler, SettingsChanged } from "../sources/ingest";
import {
	addressedIntegration,
	legacyIntegration,
	pushedIntegration,
	remember,
	routingKeyIntegration,
} from "./lookup";

/**
 * What every push URL shares, whatever protocol it speaks: where the key may be, the body's
 * bound, finding the integration the key names, and handing the body to its type's handler
 * (once more when the integration's settings changed meanwhile). routes.ts declares the URLs.
 */

/** PagerDuty's and incident.io's limit; SNS bodies (256 KiB messages, escaped) fit under it. */
export const MAX_PUSH_BODY_BYTES = 512 * 1024;

/** Which handler a push takes: by its integration's type, or one endpoint's own. */
export type HandlerOf = (type: IntegrationType) => PushHandler;

/** Where a push's key came from: the URL (an address) or a header (a credential). */
export type PresentedKey = { key: string; header: string | null };

export const keyInPath = (c: Context<AppEnv>): PresentedKey => ({
	key: c.req.param("key") ?? "",
	header: null,
});

/**
 * Without a key in the path: a header (what AWS connections set: an API key header, Bearer, or
 * Basic with the key as password and any user name) or the query string.
 */
export function keyFromRequest(c: Context<AppEnv>): PresentedKey | null {
	const header = c.req.header("X-Integration-Key")?.trim();
	if (header) return { key: header, header: "X-Integration-Key" };
	const authorization = c.req.header("Authorization");
	const credential = bearerToken(authorization) ?? basicPassword(authorization);
	if (credential) return { key: credential, header: "Authorization" };
	const query = c.req.query("integration_key");
	return query ? { key: query, header: null } : null;
}

/**
 * Finds the integration the key names, reads the body (unless the caller already has it), and
 * hands both to the handler for the integration's type.
 */
export async function handlePush(
	c: Context<AppEnv>,
	presented: PresentedKey | null,
	handlerOf: HandlerOf,
	body?: string,
) {
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
	const integration =
		shape.kind === "addressed"
			? await addressedIntegration(c.env, shape.integrationId, keyHash, presented.header)
			: shape.kind === "routing"
				? await routingKeyIntegration(c.env, keyHash, presented.header)
				: await legacyIntegration(c.env.DB, keyHash, presented.header);
	c.set("integrationId", integration.id);
	const handle = handlerOf(integration.type);

	const text = body ?? (await readTextLimited(c.req.raw, MAX_PUSH_BODY_BYTES));
	try {
		return await handle(c, integration, text);
	} catch (error) {
		if (!(error instanceof SettingsChanged) || integration.auth.kind !== "key") throw error;
		// An admin change landed between the worker's copy and this push: once more, with the
		// settings the object just gave. A second change in between answers 503 (retried).
		remember(integration.id, keyHash, error.config);
		const fresh = pushedIntegration(integration.id, keyHash, error.config, presented.header);
		try {
			return await handlerOf(fresh.type)(c, fresh, text);
		} catch (again) {
			if (again instanceof SettingsChanged) {
				throw refusalError({ ok: false, reason: "settings_changed", config: again.config });
			}
			throw again;
		}
	}
}
