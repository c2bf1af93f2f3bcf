// Runs in Node, behind the outbound stub: notification receivers for the tests.
// Every request to one of these hosts is recorded, and tests read the record back through
// https://outbound.test/received?match=<text> (requests whose URL or body contain the text).
//
// https://receiver.test/<name>/<behaviour> answers by <behaviour>:
// - ok: 200
// - fail-N: 503 for the first N requests to that URL, then 200
// - down: always 503
// - reject: 400, with a body that echoes the request's signature header (to check excerpts)
// - throttle: 429 with Retry-After: 7 the first time, then 200
// - redirect: 302 to another host
// - hang: answers only after 6 seconds
// hooks.slack.com answers "ok" as Slack does (incoming webhooks and response_urls alike),
// events.pagerduty.com and *.logic.azure.com 202.
// slack.com/api/chat.postMessage and chat.update answer as Slack's Web API does, HTTP 200 with
// {"ok": true, "channel", "ts"}, or by the channel id's ending: NOTIN {"ok": false, "error":
// "not_in_channel"}; RATE 429 with Retry-After: 9 the first time; FLAKY {"ok": false, "error":
// "internal_error"} the first time; ECHO invalid_auth with the Authorization header echoed;
// GONE message_not_found to chat.update.
import { Response } from "miniflare";

export type Received = {
	url: string;
	method: string;
	headers: Record<string, string>;
	body: string;
	at: number;
};

const received: Received[] = [];
const counts = new Map<string, number>();

const RECEIVER_HOSTS =
	/^(receiver\.test|hooks\.slack\.com|slack\.com|events(\.eu)?\.pagerduty\.com|[a-z0-9-]+\.[a-z0-9]+\.logic\.azure\.com(:443)?)$/;

export function isReceiver(url: URL): boolean {
	return RECEIVER_HOSTS.test(url.host);
}

export function receivedMatching(match: string): Received[] {
	return received.filter((r) => r.url.includes(match) || r.body.includes(match));
}

export async function receive(request: Request): Promise<Response> {
	const url = new URL(request.url);
	const body = await request.text();
	received.push({
		url: request.url,
		method: request.method,
		headers: Object.fromEntries(request.headers),
		body,
		at: Date.now(),
	});
	const seen = (counts.get(request.url) ?? 0) + 1;
	counts.set(request.url, seen);

	if (url.host === "hooks.slack.com") return new Response("ok");
	if (url.host === "slack.com") return slackApi(url, request, body);
	if (url.host.endsWith("pagerduty.com")) {
		return Response.json({ status: "success", message: "Event processed" }, { status: 202 });
	}
	if (url.host.endsWith("logic.azure.com") || url.host.endsWith("logic.azure.com:443")) {
		return new Response(null, { status: 202 });
	}
	const behaviour = url.pathname.split("/").at(-1) ?? "ok";
	const failures = /^fail-(\d+)$/.exec(behaviour);
	if (failures !== null) {
		return seen <= Number(failures[1])
			? new Response("temporarily unavailable", { status: 503 })
			: new Response("thanks");
	}
	switch (behaviour) {
		case "hang":
			// Longer than alertgate waits (5 s): the attempt times out.
			await new Promise((resolve) => setTimeout(resolve, 6_000));
			return new Response("too late");
		case "down":
			return new Response("down for maintenance", { status: 503 });
		case "reject":
			return new Response(
				`bad request ${request.headers.get("webhook-signature") ?? ""} at ${request.url}`,
				{ status: 400 },
			);
		case "throttle":
			return seen === 1
				? new Response("slow down", { status: 429, headers: { "Retry-After": "7" } })
				: new Response("thanks");
		case "redirect":
			return new Response(null, { status: 302, headers: { Location: "https://elsewhere.test/" } });
		default:
			return new Response("thanks");
	}
}

let nextTs = 1_700_000_000;

/** Slack's Web API, as test/node/receivers.ts's header describes. */
function slackApi(url: URL, request: Request, body: string): Response {
	const { channel = "", ts } = JSON.parse(body) as { channel?: string; ts?: string };
	const first =
		received.filter((r) => r.url === request.url && r.body.includes(channel)).length === 1;
	const fail = (error: string, extra = {}) => Response.json({ ok: false, error, ...extra });
	if (channel.endsWith("NOTIN")) return fail("not_in_channel");
	if (channel.endsWith("ECHO")) {
		return fail("invalid_auth", { warning: `got ${request.headers.get("Authorization")}` });
	}
	if (channel.endsWith("RATE") && first) {
		return Response.json(
			{ ok: false, error: "ratelimited" },
			{ status: 429, headers: { "Retry-After": "9" } },
		);
	}
	if (channel.endsWith("FLAKY") && first) return fail("internal_error");
	if (url.pathname === "/api/chat.update") {
		if (channel.endsWith("GONE")) return fail("message_not_found");
		return Response.json({ ok: true, channel, ts, text: "updated" });
	}
	nextTs += 1;
	return Response.json({
		ok: true,
		channel,
		ts: `${nextTs}.000100`,
		message: { type: "message", text: "posted", padding: "x".repeat(3_000) },
	});
}
