import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import {
	ADMIN_TOKEN,
	admin,
	answeredPromptly,
	BASE,
	call,
	createIntegration,
	expectError,
	listAlerts,
	push,
	stallingUpload,
} from "./helpers";
import { createChannel } from "./incident-helpers";
import {
	alarm,
	createCloudWatchIntegration,
	notification,
	pushSns,
	uniqueTopic,
} from "./sns-helpers";

describe("early refusals hang up on the upload", () => {
	it.each([
		["an unknown key", `/push/agk_${"A".repeat(43)}`, {}, 404],
		["a wrong admin token", "/api/v1/integrations", { Authorization: "Bearer wrong" }, 401],
		[
			"a declared oversize body",
			`/push/agk_${"A".repeat(43)}`,
			{ "Content-Length": "10485760" },
			413,
		],
		["an unknown route", "/nowhere", {}, 404],
	])("%s: answered at once, the body cancelled", async (_label, path, headers, status) => {
		const { body, state } = stallingUpload(new Uint8Array(1024).fill(120));
		const response = await answeredPromptly(
			new Request(`${BASE}${path}`, {
				method: "POST",
				body,
				headers,
				duplex: "half",
			} as RequestInit),
		);
		expect(response.status).toBe(status);
		await response.arrayBuffer();
		await new Promise((resolve) => setTimeout(resolve, 10));
		expect(state.cancelled).toBe(true);
	});
});

describe("text is made well-formed once, at the edge", () => {
	it("stores a lone surrogate as U+FFFD, and an Ok with the listed key resolves it", async () => {
		const { id, integration_key } = await createIntegration();
		const opened = await call("POST", `/push/${integration_key}`, {
			body: '{"event_status":"Warning","title_rule":"t\\udc00","alert_key":"lone\\ud800","labels":{"k\\ud800":"v\\udfff"}}',
		});
		expect(opened.body.data).toMatchObject({ result: "opened", alert_key: "lone\ufffd" });
		const [alert] = (await listAlerts(id)).alerts;
		expect(alert).toMatchObject({
			alert_key: "lone\ufffd",
			title: "t\ufffd",
			labels: { "k\ufffd": "v\ufffd" },
		});
		const resolved = await push(integration_key, {
			event_status: "Ok",
			alert_key: alert?.alert_key,
		});
		expect(resolved.body.data).toMatchObject({ result: "resolved" });
	});

	it("keeps well-formed pairs as they are", async () => {
		const { integration_key } = await createIntegration();
		const reply = await call("POST", `/push/${integration_key}`, {
			body: '{"event_status":"Warning","title_rule":"t","alert_key":"smile \\ud83d\\ude00"}',
		});
		expect(reply.body.data.alert_key).toBe("smile 😀");
	});
});

describe("keys stay out of messages and logs", () => {
	it("masks a key in a route error", async () => {
		const { integration_key } = await createIntegration();
		const reply = await call("POST", `/push/${integration_key}/nowhere`, { body: "{}" });
		const message = expectError(reply, 404, "RouteNotFound");
		expect(message).not.toContain(integration_key.slice(4));
		expect(message).toContain("agk_…");
	});

	it("masks a key echoed back in any error message", async () => {
		const { integration_key } = await createIntegration();
		const reply = await admin("GET", `/incidents/${integration_key}`);
		expect(expectError(reply, 404, "IncidentNotFound")).not.toContain(integration_key.slice(4));
	});
});

describe("smaller edges", () => {
	it("refuses __proto__ in PATCH settings as POST does", async () => {
		const created = await admin("POST", "/integrations", {
			name: "x",
			type: "standard",
			settings: JSON.parse('{"__proto__": {"auto_resolve_after": "1h"}}'),
		});
		expectError(created, 400, "InvalidParameter");
		const { id } = await createIntegration();
		const patched = await call("PATCH", `/api/v1/integrations/${id}`, {
			body: '{"settings": {"__proto__": {"auto_resolve_after": "1h"}}}',
			headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
		});
		expect(expectError(patched, 400, "InvalidParameter")).toContain("__proto__");
	});

	it.each([["0x10"], ["1e2"], [" 5"], ["5.0"], ["-1"]])("refuses limit=%j", async (limit) => {
		const { id } = await createIntegration();
		const query = `?limit=${encodeURIComponent(limit)}`;
		expectError(await admin("GET", `/integrations/${id}/alerts${query}`), 400, "InvalidParameter");
		expectError(await admin("GET", `/incidents${query}`), 400, "InvalidParameter");
	});

	it("refuses to serve the admin API with an ADMIN_TOKEN under 32 characters, saying how to make one", async () => {
		const response = await worker.fetch(
			new Request(`${BASE}/api/v1/integrations`, {
				headers: { Authorization: "Bearer short-token" },
			}),
			{ ...env, ADMIN_TOKEN: "short-token" },
			createExecutionContext(),
		);
		expect(response.status).toBe(503);
		const body = (await response.json()) as { error: { code: string; message: string } };
		expect(body.error.code).toBe("AdminTokenTooShort");
		expect(body.error.message).toContain("openssl rand -base64 32");
	});
});

describe("SNS with the key as Basic-auth credentials in the endpoint URL", () => {
	it("challenges a credential-less SNS delivery with 401 Basic, then takes it with the key", async () => {
		const { id, integration_key } = await createCloudWatchIntegration();
		const signed = JSON.stringify(await notification(uniqueTopic(), alarm()));
		const headers = { "Content-Type": "text/plain", "x-amz-sns-message-type": "Notification" };
		// SNS's first try carries no credentials: it needs a challenge, not a 400 it would drop.
		const first = await call("POST", "/push", { body: signed, headers });
		expectError(first, 401, "IntegrationKeyRequired");
		expect(first.headers.get("WWW-Authenticate")).toMatch(/^Basic realm="alertgate"/);
		const basic = `Basic ${btoa(`alertgate:${integration_key}`)}`;
		const second = await call("POST", "/push", {
			body: signed,
			headers: { ...headers, Authorization: basic },
		});
		expect(second.body.data).toMatchObject({ result: "opened" });
		expect((await listAlerts(id)).alerts).toHaveLength(1);
	});

	it("still answers 400 to anything else that sends no key (EventBridge would retry a 401)", async () => {
		const reply = await call("POST", "/push", { body: "{}" });
		expect(reply.status).toBe(400);
	});
});

/**
 * A JSON value with a `length` that cannot become a number. zod runs its length checks on any
 * value with a `length`, even one of the wrong type, and comparing this one throws.
 */
const HOSTILE_LENGTH = { length: { toString: false } };

describe("a field whose `length` is an object gets the field's 4xx, never a 500", () => {
	it("a target's events", async () => {
		const { id } = await createChannel();
		const target = (events: unknown) =>
			admin("POST", `/channels/${id}/targets`, {
				name: "hook",
				type: "webhook",
				url: "https://hooks.example.com/alerts",
				events,
			});
		const hostile = await target(HOSTILE_LENGTH);
		expect(expectError(hostile, 400, "InvalidParameter")).toContain("events");
		expect(hostile.body.error).toEqual((await target(5)).body.error);
		const listed = await admin("GET", `/channels/${id}/targets`);
		expect(listed.body.data.targets).toEqual([]);
	});

	it("a standard event's alert key, and a batch's events", async () => {
		const { id, integration_key } = await createIntegration();
		const event = (alert_key: unknown) =>
			push(integration_key, { event_status: "Critical", title_rule: "disk full", alert_key });
		const hostile = await event(HOSTILE_LENGTH);
		expect(expectError(hostile, 400, "InvalidParameter")).toContain("alert_key");
		expect(hostile.body.error).toEqual((await event(5)).body.error);
		const batch = await push(integration_key, { events: HOSTILE_LENGTH });
		expect(batch.status).toBe(400);
		expect(batch.body.error).toEqual((await push(integration_key, { events: 5 })).body.error);
		expect((await listAlerts(id)).alerts).toEqual([]);
	});

	it("a CloudWatch alarm's name, through SNS", async () => {
		const topic = uniqueTopic();
		const { id, integration_key } = await createCloudWatchIntegration();
		const send = async (name: unknown) =>
			pushSns(integration_key, await notification(topic, alarm({ AlarmName: name })));
		// A Message that is not an alarm is still an alert: SNS's own subject and text.
		const hostile = await send(HOSTILE_LENGTH);
		expect(hostile.status).toBe(200);
		expect((await send(5)).status).toBe(200);
		const alerts = (await listAlerts(id)).alerts;
		expect(alerts.map((a: { event_count: number }) => a.event_count)).toEqual([2]);
	});
});
