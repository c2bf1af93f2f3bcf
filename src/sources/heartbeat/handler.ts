import type { Context } from "hono";
import type { PingSignal } from "../../durable/contract";
import type { PingKind } from "../../heartbeat/lifecycle";
import type { AppEnv } from "../../http/app-env";
import { integrationObject, Previewed, type PushHandler } from "../ingest";

/**
 * What a heartbeat's ping carries: what the script printed (a POST body), cut to this many bytes,
 * as Healthchecks.io cuts its own (https://healthchecks.io/docs/http_api/). Kept as the last
 * ping's output and shown on the alert a failure opens.
 */
export const MAX_PING_BODY_BYTES = 10_000;

/**
 * A push to a heartbeat's push URL (`POST /push/{key}`) is a success ping, answered as a ping is:
 * `200 OK` in plain text. The ping URLs (`/ping/{key}…`) say more (start, fail, an exit status).
 */
export const handleHeartbeatPush: PushHandler = async (c, target, text) => {
	if (target.preview) {
		throw new Previewed({
			alerts: [],
			dropped: 0,
			note: "a push to a heartbeat is a success ping: it opens no alert",
		});
	}
	// Heartbeats are newer than keys of the old format: theirs always name the integration.
	const keyHash = target.auth.kind === "key" ? target.auth.keyHash : "";
	const reply = await integrationObject(c, target).ping(
		pingSignal(c, keyHash, "success", null, text),
	);
	return reply.ok ? c.text("OK") : c.text("not found", 404);
};

export function pingSignal(
	c: Context<AppEnv>,
	keyHash: string,
	kind: PingKind,
	exitStatus: number | null,
	text: string,
): PingSignal {
	return {
		keyHash,
		kind,
		exitStatus,
		method: c.req.method,
		body: cutToBytes(text, MAX_PING_BODY_BYTES),
	};
}

/** The longest prefix of `text` of at most `max` UTF-8 bytes, never splitting a character. */
export function cutToBytes(text: string, max: number): string {
	if (text.length * 3 <= max) return text;
	const bytes = new TextEncoder().encode(text);
	if (bytes.length <= max) return text;
	// A replacement character at the end would mean the cut split one: drop it.
	return new TextDecoder().decode(bytes.subarray(0, max)).replace(/\uFFFD$/, "");
}
