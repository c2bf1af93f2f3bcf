import { type Context, Hono } from "hono";
import type { AppEnv } from "../http/app-env";
import { readTextLimited } from "../http/body";
import { basicPassword, bearerToken } from "../http/credentials";
import { HttpError, InvalidParameter, PayloadTooLarge } from "../http/errors";
import { onlyMethods } from "../http/middleware";
import { refusalError } from "../http/refusals";
import type { IntegrationType } from "../integrations/type";
import { parseWellFormed } from "../schema/json";
import { readIntegrationKey, sha256Hex } from "../security/secrets";
import { alertsApiError, handleAlertsApi } from "../sources/alertmanager/handler";
import { type PushHandler, SettingsChanged } from "../sources/ingest";
import {
	handlePagerDutyPush,
	pagerDutyError,
	unrecognizedEvent,
} from "../sources/pagerduty/handler";
import { SOURCES } from "../sources/registry";
import { handleStandardBatch } from "../sources/standard/handler";
import { addressedTarget, legacyTarget, remember, targetOf } from "./targets";

/** PagerDuty's and incident.io's limit; SNS bodies (256 KiB messages, escaped) fit under it. */
const MAX_PUSH_BODY_BYTES = 512 * 1024;

/** Which handler a push takes: by its integration's type, or one endpoint's own. */
type HandlerOf = (type: IntegrationType) => PushHandler;

const byType: HandlerOf = (type) => SOURCES[type].handle;

/** An endpoint that speaks one protocol: only integrations of `type` post to it. */
function only(type: IntegrationType, endpoint: string, handler: PushHandler): HandlerOf {
	return (actual) => {
		if (actual === type) return handler;
		throw new HttpError(
			400,
			"WrongIntegrationType",
			`${endpoint} takes the keys of ${type} integrations, and this key is a ${actual} integration's: post to its push URL, or create a ${type} integration`,
		);
	};
}

const batch = only("standard", "/batch", handleStandardBatch);
const alertsApi = only("alertmanager", "/api/v2/alerts", handleAlertsApi);
const pagerDuty = only("pagerduty", "/v2/enqueue", handlePagerDutyPush);

export const push = new Hono<AppEnv>();

// Fixed paths before `/:key`: a key never reads "batch" or "api".
push
	.post("/batch", (c) => handlePush(c, keyFromRequest(c), batch))
	.all("/batch", onlyMethods("POST"))
	.post("/api/v2/alerts", (c) =>
		alertsApiErrors(c, () => handlePush(c, keyFromRequest(c), alertsApi)),
	)
	.all("/api/v2/alerts", onlyMethods("POST"))
	.post("/", (c) => handlePush(c, keyFromRequest(c), byType))
	.all("/", onlyMethods("POST"))
	.post("/:key/batch", (c) => handlePush(c, keyInPath(c), batch))
	.all("/:key/batch", onlyMethods("POST"))
	.post("/:key/api/v2/alerts", (c) =>
		alertsApiErrors(c, () => handlePush(c, keyInPath(c), alertsApi)),
	)
	.all("/:key/api/v2/alerts", onlyMethods("POST"))
	.post("/:key", (c) => handlePush(c, keyInPath(c), byType))
	.all("/:key", onlyMethods("POST"));

/**
 * PagerDuty's Events API v2: the key is the body's `routing_key`, and every answer is in
 * PagerDuty's shape, so any PagerDuty client works by changing its events URL.
 */
export const pagerDutyEvents = new Hono<AppEnv>();

pagerDutyEvents
	.post("/v2/enqueue", async (c) => {
		try {
			const text = await readTextLimited(c.req.raw, MAX_PUSH_BODY_BYTES);
			let body: unknown;
			try {
				body = parseWellFormed(text);
			} catch {
				return unrecognizedEvent(c);
			}
			const key = (body as { routing_key?: unknown } | null)?.routing_key;
			if (typeof key !== "string" || key.trim() === "") {
				throw new InvalidParameter(
					"routing_key is required: the integration key of an alertgate integration of type pagerduty",
				);
			}
			return await handlePush(c, { key: key.trim(), header: null }, pagerDuty, text);
		} catch (error) {
			if (error instanceof HttpError) return pagerDutyError(c, error);
			throw error;
		}
	})
	.all("/v2/enqueue", onlyMethods("POST"));

/** Where a push's key came from: the URL (an address) or a header (a credential). */
type PresentedKey = { key: string; header: string | null };

const keyInPath = (c: Context<AppEnv>): PresentedKey => ({
	key: c.req.param("key") ?? "",
	header: null,
});

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

/** Alertmanager's API answers every refusal with a JSON string; so does its stand-in. */
async function alertsApiErrors(c: Context<AppEnv>, run: () => Promise<Response>) {
	try {
		return await run();
	} catch (error) {
		if (error instanceof HttpError) return alertsApiError(c, error);
		throw error;
	}
}

/**
 * Finds the integration the key names, reads the body (unless the caller already has it), and
 * hands both to the handler for the integration's type.
 */
async function handlePush(
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
	const target =
		shape.kind === "addressed"
			? await addressedTarget(c.env, shape.integrationId, keyHash, presented.header)
			: await legacyTarget(c.env.DB, keyHash, presented.header);
	c.set("integrationId", target.id);
	const handle = handlerOf(target.type);

	const text = body ?? (await readTextLimited(c.req.raw, MAX_PUSH_BODY_BYTES));
	try {
		return await handle(c, target, text);
	} catch (error) {
		if (!(error instanceof SettingsChanged) || shape.kind !== "addressed") throw error;
		// An admin change landed between the worker's copy and this push: once more, with the
		// settings the object just gave. A second change in between answers 503 (retried).
		remember(target.id, keyHash, error.config);
		const fresh = targetOf(target.id, keyHash, error.config, presented.header);
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
