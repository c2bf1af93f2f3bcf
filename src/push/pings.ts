import type { Context } from "hono";
import * as z from "zod/mini";
import type { PingKind } from "../heartbeat/lifecycle";
import type { AppEnv } from "../http/app-env";
import { readTextLimited } from "../http/body";
import type { Endpoint } from "../http/endpoint";
import { HttpError } from "../http/errors";
import { DOCS } from "../schema/docs";
import { readIntegrationKey, sha256Hex } from "../security/secrets";
import { pingSignal } from "../sources/heartbeat/handler";
import { MAX_PUSH_BODY_BYTES } from "./routes";

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
			if (signal === null) return c.text("not found", 404);
			if (signal === "invalid") return c.text("invalid url format", 400);
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
	if (!/^\d{1,9}$/.test(text)) return null;
	const status = Number(text);
	if (status > 255) return "invalid";
	return { kind: status === 0 ? "success" : "fail", exitStatus: status };
}

async function handlePing(c: Context<AppEnv>, kind: PingKind, exitStatus: number | null) {
	const key = c.req.param("key") ?? "";
	// A malformed key never wakes an object; a heartbeat's key always names its integration.
	const shape = readIntegrationKey(key);
	if (shape?.kind !== "addressed") return c.text("not found", 404);
	let text: string;
	try {
		text = await readTextLimited(c.req.raw, MAX_PUSH_BODY_BYTES);
	} catch (error) {
		if (!(error instanceof HttpError)) throw error;
		if (error.status === 413) return c.text("payload too large", 413);
		// Output that is not UTF-8 still counts as the ping it is.
		text = "(the body was not UTF-8 text)";
	}
	const stub = c.env.INTEGRATION.getByName(shape.integrationId);
	const reply = await stub.ping(pingSignal(c, await sha256Hex(key), kind, exitStatus, text));
	if (reply.ok) return c.text("OK");
	if (reply.reason === "unknown_key") return c.text("not found", 404);
	return c.text(
		`this key is a ${reply.type} integration's: ping URLs take the keys of heartbeat integrations`,
		400,
	);
}
