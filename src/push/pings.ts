import type { Context } from "hono";
import * as z from "zod/mini";
import type { PingKind } from "../heartbeat/lifecycle";
import type { AppEnv } from "../http/app-env";
import { readTextLimited } from "../http/body";
import type { Endpoint } from "../http/endpoint";
import { HttpError } from "../http/errors";
import { noteRefusal } from "../http/refusals";
import { DOCS } from "../schema/docs";
import { readIntegrationKey, sha256Hex } from "../security/secrets";
import { pingSignal } from "../sources/heartbeat/handler";
import { MAX_PUSH_BODY_BYTES } from "./handle";

/**
 * Heartbeat pings in Healthchecks.io's shape (https://healthchecks.io/docs/http_api/), so a cron
 * wrapper written for it works by changing its base URL: `GET`, `HEAD` or `POST /ping/{key}`
 * (success), `/start`, `/fail`, `/log` and `/{exit-status}` (0 success, 1–255 failure). Answers
 * are plain text as Healthchecks.io's are (`OK`, `not found`, `invalid url format`). A ping is
 * one call to its integration's object, which the key names: no D1, no settings copy.
 */

const PING = { tag: "Push", auth: "key" } as const;

const OK_ANSWER = {
	status: 200,
	raw: true,
	text: true,
	data: DOCS && z.literal("OK"),
	description: DOCS && "Taken (plain text OK, as Healthchecks.io answers).",
} as const;

const refusals = {
	404: DOCS && "No heartbeat has this key (plain text: not found)",
	413: DOCS && "The body is over 512 KiB (only its first 10,000 bytes would be kept)",
};

const SIGNALS = DOCS && "start, fail, log, or an exit status from 0 (success) to 255";

export const pingEndpoints: Endpoint[] = (["get", "post"] as const).flatMap((method) => [
	{
		...PING,
		method,
		path: "/ping/{key}",
		summary:
			DOCS &&
			`Heartbeat success ping (HEAD too)${method === "post" ? "; the body (what the job printed) is kept, its first 10,000 bytes" : ""}.`,
		answer: OK_ANSWER,
		refusals,
		handle: (c: Context<AppEnv>) => handlePing(c, "success", null),
	},
	{
		...PING,
		method,
		path: "/ping/{key}/{signal}",
		summary: DOCS && `Heartbeat ping that says more: ${SIGNALS}.`,
		answer: OK_ANSWER,
		refusals,
		handle: (c: Context<AppEnv>) => {
			const signal = readSignal(c.req.param("signal") ?? "");
			if (signal === null) return refused(c, 404, "UnknownPingSignal", "not found");
			if (signal === "invalid") return refused(c, 400, "InvalidExitStatus", "invalid url format");
			return handlePing(c, signal.kind, signal.exitStatus);
		},
	},
]);

/** `start`, `fail`, `log`, or an exit status; "invalid" for a number past 255 (Healthchecks' 400). */
function readSignal(
	text: string,
): { kind: PingKind; exitStatus: number | null } | "invalid" | null {
	if (text === "start" || text === "fail" || text === "log")
		return { kind: text, exitStatus: null };
	if (!/^\d+$/.test(text)) return null;
	// Healthchecks answers any number past 255 as a bad URL, however many digits it has.
	if (text.length > 3 || Number(text) > 255) return "invalid";
	const status = Number(text);
	return { kind: status === 0 ? "success" : "fail", exitStatus: status };
}

async function handlePing(c: Context<AppEnv>, kind: PingKind, exitStatus: number | null) {
	const key = c.req.param("key") ?? "";
	// A malformed key never wakes an object; a heartbeat's key always names its integration.
	const shape = readIntegrationKey(key);
	if (shape?.kind !== "addressed") return refused(c, 404, "IntegrationNotFound", "not found");
	let text: string;
	try {
		text = await readTextLimited(c.req.raw, MAX_PUSH_BODY_BYTES);
	} catch (error) {
		if (!(error instanceof HttpError)) throw error;
		if (error.status === 413) return refused(c, 413, error.code, "payload too large");
		// Output that is not UTF-8 still counts as the ping it is.
		text = "(the body was not UTF-8 text)";
	}
	const stub = c.env.INTEGRATION.getByName(shape.integrationId);
	const reply = await stub.ping(pingSignal(c, await sha256Hex(key), kind, exitStatus, text));
	if (reply.ok) return c.text("OK");
	if (reply.reason === "unknown_key") return refused(c, 404, "IntegrationNotFound", "not found");
	return refused(
		c,
		400,
		"WrongIntegrationType",
		`this key is a ${reply.type} integration's: ping URLs take the keys of heartbeat integrations`,
	);
}

/**
 * A refusal in Healthchecks' plain text, noted for the push routes' log line and counter as
 * every refused push is (`observePushes`).
 */
function refused(c: Context<AppEnv>, status: 400 | 404 | 413, code: string, text: string) {
	noteRefusal(c, new HttpError(status, code, text));
	return c.text(text, status);
}
