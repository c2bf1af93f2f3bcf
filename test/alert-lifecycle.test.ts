import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createIntegration, expectError, integrationStub, listAlerts, push } from "./helpers";

const fire = (over: Record<string, unknown> = {}) => ({
	event_status: "Warning",
	title_rule: "api latency high",
	alert_key: "latency",
	labels: { service: "api" },
	...over,
});

describe("open, deduplicate, resolve, re-trigger", () => {
	it("runs the whole lifecycle of one alert key", async () => {
		const { id, integration_key } = await createIntegration();

		const opened = await push(integration_key, fire({ event_time: 1_700_000_000 }));
		expect(opened.status).toBe(200);
		expect(opened.body.data).toMatchObject({ result: "opened", alert_status: "firing" });
		const alertId = opened.body.data.alert_id;

		const updated = await push(
			integration_key,
			fire({
				event_status: "Critical",
				title_rule: "api latency very high",
				description: "p99 4s",
				labels: { region: "eu" },
				event_time: 1_700_000_060,
			}),
		);
		expect(updated.body.data).toMatchObject({ result: "updated", alert_id: alertId });

		let [alert] = (await listAlerts(id)).alerts;
		expect(alert).toMatchObject({
			id: alertId,
			alert_key: "latency",
			status: "firing",
			severity: "critical",
			title: "api latency very high",
			description: "p99 4s",
			labels: { service: "api", region: "eu" },
			event_count: 2,
			first_event_at: "2023-11-14T22:13:20.000Z",
			last_event_at: "2023-11-14T22:14:20.000Z",
			resolved_at: null,
		});

		const resolved = await push(integration_key, {
			event_status: "Ok",
			alert_key: "latency",
			labels: { service: "ignored", runbook: "added" },
			event_time: 1_700_000_120,
		});
		expect(resolved.body.data).toMatchObject({
			result: "resolved",
			alert_id: alertId,
			alert_status: "resolved",
		});
		[alert] = (await listAlerts(id)).alerts;
		expect(alert).toMatchObject({
			status: "resolved",
			event_count: 3,
			resolved_at: "2023-11-14T22:15:20.000Z",
			// A recovery adds missing labels but does not rewrite the trigger's.
			labels: { service: "api", region: "eu", runbook: "added" },
		});

		const reopened = await push(integration_key, fire());
		expect(reopened.body.data.result).toBe("opened");
		expect(reopened.body.data.alert_id).not.toBe(alertId);

		const all = await listAlerts(id);
		expect(all.alerts.map((a) => [a.id, a.status])).toEqual([
			[reopened.body.data.alert_id, "firing"],
			[alertId, "resolved"],
		]);
		expect((await listAlerts(id, "?status=firing")).alerts.map((a) => a.id)).toEqual([
			reopened.body.data.alert_id,
		]);
		expect((await listAlerts(id, "?status=resolved")).alerts.map((a) => a.id)).toEqual([alertId]);
	});

	it("answers 200 and changes nothing for an Ok with nothing firing", async () => {
		const { id, integration_key } = await createIntegration();
		const reply = await push(integration_key, { event_status: "ok", alert_key: "never-fired" });
		expect(reply.status).toBe(200);
		expect(reply.body.data).toEqual({
			alert_key: "never-fired",
			alert_id: null,
			alert_status: null,
			result: "ignored",
			incident_id: null,
			muted_by: null,
		});
		expect((await listAlerts(id)).alerts).toHaveLength(0);
	});

	it("writes every change of a repeat, whether it says something new or only counts", async () => {
		const { id, integration_key } = await createIntegration();
		await push(integration_key, fire());
		await push(integration_key, fire());
		await push(integration_key, fire({ labels: { service: "api", zone: "b" } }));
		await push(integration_key, fire({ labels: { service: "api", zone: "b" } }));
		await push(integration_key, fire({ images: [{ src: "https://graphs.example/1.png" }] }));
		await push(integration_key, fire({ images: [{ src: "https://graphs.example/1.png" }] }));
		await push(integration_key, fire({ title_rule: "api latency very high" }));
		// The object starts over (as after eviction): what it wrote is what it reads.
		await evictDurableObject(integrationStub(id));
		expect((await listAlerts(id)).alerts[0]).toMatchObject({
			event_count: 7,
			title: "api latency very high",
			labels: { service: "api", zone: "b" },
			images: [{ src: "https://graphs.example/1.png" }],
		});
	});

	it("keeps alerts of different keys apart", async () => {
		const { id, integration_key } = await createIntegration();
		await push(integration_key, fire({ alert_key: "a" }));
		await push(integration_key, fire({ alert_key: "b" }));
		await push(integration_key, { event_status: "Ok", alert_key: "a" });
		const alerts = (await listAlerts(id)).alerts;
		expect(Object.fromEntries(alerts.map((a) => [a.alert_key, a.status]))).toEqual({
			a: "resolved",
			b: "firing",
		});
	});
});

describe("listing alerts", () => {
	it("pages newest first with an opaque cursor", async () => {
		const { id, integration_key } = await createIntegration();
		for (const key of ["a", "b", "c", "d", "e"])
			await push(integration_key, fire({ alert_key: key }));

		const first = await listAlerts(id, "?limit=2");
		expect(first.alerts.map((a) => a.alert_key)).toEqual(["e", "d"]);
		const second = await listAlerts(id, `?limit=2&cursor=${first.next_cursor}`);
		expect(second.alerts.map((a) => a.alert_key)).toEqual(["c", "b"]);
		const third = await listAlerts(id, `?limit=2&cursor=${second.next_cursor}`);
		expect(third.alerts.map((a) => a.alert_key)).toEqual(["a"]);
		expect(third.next_cursor).toBeNull();
	});

	it.each([
		["?status=open", "status must be firing or resolved"],
		["?limit=0", "limit must be a whole number from 1 to 100"],
		["?limit=101", "limit must be a whole number from 1 to 100"],
		["?limit=ten", "limit must be a whole number from 1 to 100"],
		["?cursor=abc", "cursor must be a next_cursor from a previous page"],
	])("rejects %s with a 400 naming the parameter", async (query, message) => {
		const { id } = await createIntegration();
		const { admin } = await import("./helpers");
		const reply = await admin("GET", `/integrations/${id}/alerts${query}`);
		expect(expectError(reply, 400, "InvalidParameter")).toContain(message);
	});
});

describe("idempotency", () => {
	it("applies a retried delivery once and answers it with the first response", async () => {
		const { id, integration_key } = await createIntegration();
		const headers = { "Idempotency-Key": "delivery-42" };
		const first = await push(integration_key, fire(), headers);
		const retry = await push(integration_key, fire(), headers);
		expect(retry.status).toBe(200);
		expect(retry.body.data).toEqual(first.body.data);
		expect(retry.headers.get("Idempotent-Replayed")).toBe("true");
		expect(first.headers.get("Idempotent-Replayed")).toBeNull();
		const [alert] = (await listAlerts(id)).alerts;
		expect(alert?.event_count).toBe(1);

		// Without the header, the same body is a new event.
		await push(integration_key, fire());
		expect((await listAlerts(id)).alerts[0]?.event_count).toBe(2);
	});

	it("refuses a reused key with a different body (422) and changes nothing", async () => {
		const { id, integration_key } = await createIntegration();
		const headers = { "Idempotency-Key": "delivery-43" };
		await push(integration_key, fire(), headers);
		const reused = await push(integration_key, fire({ event_status: "Critical" }), headers);
		expect(expectError(reused, 422, "IdempotencyKeyReused")).toContain("new key");
		expect((await listAlerts(id)).alerts[0]).toMatchObject({ severity: "warning", event_count: 1 });
	});

	it("scopes keys to the integration", async () => {
		const [a, b] = await Promise.all([createIntegration(), createIntegration()]);
		const headers = { "Idempotency-Key": "shared-key" };
		await push(a.integration_key, fire(), headers);
		const other = await push(b.integration_key, fire(), headers);
		expect(other.headers.get("Idempotent-Replayed")).toBeNull();
		expect((await listAlerts(b.id)).alerts).toHaveLength(1);
	});

	it("applies concurrent retries of one delivery once", async () => {
		const { id, integration_key } = await createIntegration();
		const headers = { "Idempotency-Key": "burst" };
		const replies = await Promise.all(
			Array.from({ length: 10 }, () => push(integration_key, fire(), headers)),
		);
		expect(new Set(replies.map((r) => r.body.data.alert_id)).size).toBe(1);
		expect((await listAlerts(id)).alerts[0]?.event_count).toBe(1);
	});
});

describe("concurrency and durability", () => {
	it("never opens two firing alerts for one key under concurrent pushes", async () => {
		const { id, integration_key } = await createIntegration();
		const replies = await Promise.all(
			Array.from({ length: 25 }, () => push(integration_key, fire())),
		);
		expect(replies.every((r) => r.status === 200)).toBe(true);
		expect(replies.filter((r) => r.body.data.result === "opened")).toHaveLength(1);
		const alerts = (await listAlerts(id)).alerts;
		expect(alerts).toHaveLength(1);
		expect(alerts[0]?.event_count).toBe(25);
	});

	it("keeps alerts and idempotency records across Durable Object eviction", async () => {
		const { id, integration_key } = await createIntegration();
		const first = await push(integration_key, fire(), { "Idempotency-Key": "before-eviction" });

		await evictDurableObject(integrationStub(id));

		const [alert] = (await listAlerts(id)).alerts;
		expect(alert).toMatchObject({ id: first.body.data.alert_id, status: "firing", event_count: 1 });
		const retry = await push(integration_key, fire(), { "Idempotency-Key": "before-eviction" });
		expect(retry.headers.get("Idempotent-Replayed")).toBe("true");
		const update = await push(integration_key, fire());
		expect(update.body.data).toMatchObject({
			result: "updated",
			alert_id: first.body.data.alert_id,
		});
	});
});
