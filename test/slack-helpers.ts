import { env, exports } from "cloudflare:workers";
import { BASE } from "./helpers";

/**
 * Slack's requests to `POST /slack/interactions`, signed in the test from the raw strings with
 * WebCrypto as Slack's guide describes it (https://api.slack.com/authentication/verifying-requests-from-slack),
 * never by the code under test.
 */

export const SECRET = env.SLACK_SIGNING_SECRET ?? "";
const encoder = new TextEncoder();

export async function hmacHex(key: string, message: string): Promise<string> {
	const cryptoKey = await crypto.subtle.importKey(
		"raw",
		encoder.encode(key),
		{ name: "HMAC", hash: "SHA-256" },
		false,
		["sign"],
	);
	const mac = await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(message));
	return [...new Uint8Array(mac)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Slack's headers for `body`: `v0=` HMAC-SHA256 of `v0:{timestamp}:{body}`. */
export async function signed(body: string, over: { secret?: string; at?: number } = {}) {
	const timestamp = String(Math.floor((over.at ?? Date.now()) / 1000));
	const signature = `v0=${await hmacHex(over.secret ?? SECRET, `v0:${timestamp}:${body}`)}`;
	return { "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature };
}

/** A block_actions click as Slack form-encodes it. */
export function clickBody(incidentId: string, action: string, responseUrl: string, user = "ana") {
	const payload = {
		type: "block_actions",
		user: { id: "U0ANA", username: user, name: user, team_id: "T0" },
		api_app_id: "A0",
		team: { id: "T0", domain: "example" },
		channel: { id: "C0", name: "alerts" },
		response_url: responseUrl,
		trigger_id: "1.2.3",
		actions: [
			{ type: "button", action_id: action, block_id: "b", value: incidentId, action_ts: "1" },
		],
	};
	return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

export async function post(body: string, headers: Record<string, string>) {
	const response = await exports.default.fetch(
		new Request(`${BASE}/slack/interactions`, {
			method: "POST",
			body,
			headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
		}),
	);
	const text = await response.text();
	// biome-ignore lint/suspicious/noExplicitAny: tests read the answer's fields and assert them
	return { status: response.status, text, json: (text === "" ? null : JSON.parse(text)) as any };
}
