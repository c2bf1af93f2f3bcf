import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { forgetIntegrations } from "../src/push/lookup";
import { generateRoutingKey, readIntegrationKey, redactKeys } from "../src/security/secrets";
import {
	admin,
	call,
	createIntegration,
	expectError,
	giveAddressedKey,
	listAlerts,
	push,
	type Reply,
} from "./helpers";

/** What PagerDuty documents for an integration key, and what Gatus checks. */
const ROUTING_KEY = /^agk[0-9a-z]{29}$/;

afterEach(() => forgetIntegrations());

function enqueue(routing_key: string, dedup_key = "db-1/disk") {
	return call("POST", "/v2/enqueue", {
		body: {
			routing_key,
			event_action: "trigger",
			dedup_key,
			payload: { summary: "disk full on db-1", source: "db-1", severity: "error" },
		},
		headers: { "Content-Type": "application/json" },
	});
}

/** The PagerDuty event a push URL or header takes. */
const trigger = (dedup_key: string) => ({
	event_action: "trigger",
	dedup_key,
	payload: { summary: "disk full on db-1", source: "db-1", severity: "error" },
});

function pagerDutyErrors(reply: Reply): string[] {
	expect(reply.status).toBe(400);
	const body = reply.body as unknown as { status: string; errors: string[] };
	expect(body.status).toBe("invalid event");
	return body.errors;
}

describe("pagerduty integrations get 32-character routing keys", () => {
	it("gives a new pagerduty integration a key of 32 lowercase letters and digits", async () => {
		const created = await createIntegration("pd", "pagerduty");
		expect(created.integration_key).toHaveLength(32);
		expect(created.integration_key).toMatch(ROUTING_KEY);
		expect(created.push_url).toBe(`https://alertgate.test/push/${created.integration_key}`);
		expect(readIntegrationKey(created.integration_key)).toEqual({ kind: "routing" });
	});

	it("keeps addressed agk_ keys for every other type", async () => {
		for (const type of ["standard", "alertmanager", "webhook", "aws_eventbridge"]) {
			const settings = type === "webhook" ? { preset: "zabbix" } : {};
			const created = await createIntegration(type, type, settings);
			expect(created.integration_key).toMatch(/^agk_[A-Za-z0-9_-]{65}$/);
		}
	});

	it("takes the key at /v2/enqueue, in the push URL, in headers and in the query", async () => {
		const { id, integration_key: key } = await createIntegration("pd", "pagerduty");
		expect((await enqueue(key, "by-body")).status).toBe(202);
		expect((await push(key, trigger("by-path"))).status).toBe(202);
		const headers: Record<string, string>[] = [
			{ "X-Integration-Key": key },
			{ Authorization: `Bearer ${key}` },
			{ Authorization: `Basic ${btoa(`alertgate:${key}`)}` },
		];
		for (const [index, header] of headers.entries()) {
			const reply = await call("POST", "/push", {
				body: trigger(`by-header-${index}`),
				headers: { "Content-Type": "application/json", ...header },
			});
			expect(reply.status).toBe(202);
		}
		const query = await call("POST", `/push?integration_key=${key}`, {
			body: trigger("by-query"),
		});
		expect(query.status).toBe(202);
		const keys = (await listAlerts(id)).alerts.map((alert) => alert.alert_key).sort();
		expect(keys).toEqual([
			"by-body",
			"by-header-0",
			"by-header-1",
			"by-header-2",
			"by-path",
			"by-query",
		]);
	});

	it("reads D1 once per isolate per key, not per push: the integration's object judges each push", async () => {
		const { id, integration_key: key } = await createIntegration("pd", "pagerduty");
		expect((await enqueue(key, "first")).status).toBe(202);
		// D1 forgets the key; this isolate found it already, and the object still holds its hash.
		await env.DB.prepare("UPDATE integrations SET key_hash = ? WHERE id = ?")
			.bind("0".repeat(64), id)
			.run();
		expect((await enqueue(key, "second")).status).toBe(202);
		// A fresh isolate asks D1, which no longer knows the key.
		forgetIntegrations();
		expect(pagerDutyErrors(await enqueue(key, "third"))[0]).toContain(
			"routing_key matches no integration",
		);
		const keys = (await listAlerts(id)).alerts.map((alert) => alert.alert_key).sort();
		expect(keys).toEqual(["first", "second"]);
	});

	it("refuses wrong 32-character keys as other wrong keys are refused, and stores nothing", async () => {
		const { id, integration_key: key } = await createIntegration("pd", "pagerduty");
		const wrong = generateRoutingKey();
		expect(pagerDutyErrors(await enqueue(wrong))[0]).toContain(
			"routing_key matches no integration",
		);
		expectError(await push(wrong, trigger("x")), 404, "IntegrationNotFound");
		const header = await call("POST", "/push", {
			body: trigger("x"),
			headers: { "Content-Type": "application/json", "X-Integration-Key": wrong },
		});
		expectError(header, 403, "InvalidIntegrationKey");
		// Shapes that cannot be a key are refused before any lookup.
		for (const bad of [key.toUpperCase(), key.slice(0, 31), `${key}0`, "a".repeat(32)]) {
			expect(readIntegrationKey(bad)).toBeNull();
			expectError(await push(bad, trigger("x")), 404, "IntegrationNotFound");
		}
		expect((await listAlerts(id)).alerts).toEqual([]);
	});

	it("masks routing keys in messages and log lines", () => {
		const key = generateRoutingKey();
		expect(redactKeys(`no route for POST /push/${key}/x`)).toBe("no route for POST /push/agk…/x");
		expect(redactKeys(`key=${key}.`)).toBe("key=agk….");
		// Not a word of its own: left as it is.
		expect(redactKeys(`x${key}`)).toBe(`x${key}`);
	});

	it("still takes a pagerduty integration's addressed key made by an earlier version", async () => {
		const { id, integration_key: routing } = await createIntegration("pd", "pagerduty");
		const old = await giveAddressedKey(id);
		expect(old).toHaveLength(69);
		expect((await enqueue(old, "old-key")).status).toBe(202);
		expect((await push(old, trigger("old-key-path"))).status).toBe(202);
		forgetIntegrations();
		expect((await enqueue(old, "old-key-fresh-isolate")).status).toBe(202);
		// The key it replaced stops.
		pagerDutyErrors(await enqueue(routing, "replaced"));
		expect((await listAlerts(id)).alerts).toHaveLength(3);
	});

	it("rotates a pagerduty integration's key (an addressed one too) to a new routing key; the old stops at once", async () => {
		const { id, integration_key: first } = await createIntegration("pd", "pagerduty");
		expect((await enqueue(first, "before")).status).toBe(202);
		const rotated = await admin("POST", `/integrations/${id}/rotate-key`);
		expect(rotated.status).toBe(200);
		const second: string = rotated.body.data.integration_key;
		expect(second).toMatch(ROUTING_KEY);
		expect(second).not.toBe(first);
		// This isolate found `first` in D1 before: its object refuses it now.
		pagerDutyErrors(await enqueue(first, "after-old"));
		expect((await enqueue(second, "after-new")).status).toBe(202);

		const old = await giveAddressedKey(id);
		const again = await admin("POST", `/integrations/${id}/rotate-key`);
		expect(again.body.data.integration_key).toMatch(ROUTING_KEY);
		pagerDutyErrors(await enqueue(old, "after-addressed"));
		const keys = (await listAlerts(id)).alerts.map((alert) => alert.alert_key).sort();
		expect(keys).toEqual(["after-new", "before"]);
	});

	it("rotates other types' keys to addressed keys", async () => {
		const { id } = await createIntegration();
		const rotated = await admin("POST", `/integrations/${id}/rotate-key`);
		expect(rotated.body.data.integration_key).toMatch(/^agk_[A-Za-z0-9_-]{65}$/);
	});
});
