import { describe, expect, it } from "vitest";
import { call, createIntegration, expectError, listAlerts, push } from "./helpers";

const body = { event_status: "Critical", title_rule: "disk full", alert_key: "disk" };

describe("finding the integration key", () => {
	it.each([
		["the path", (key: string) => ({ path: `/push/${key}`, headers: {} })],
		["?integration_key=", (key: string) => ({ path: `/push?integration_key=${key}`, headers: {} })],
		[
			"X-Integration-Key",
			(key: string) => ({ path: "/push", headers: { "X-Integration-Key": key } }),
		],
		[
			"Authorization: Bearer",
			(key: string) => ({ path: "/push", headers: { Authorization: `Bearer ${key}` } }),
		],
	])("accepts the key in %s", async (_where, place) => {
		const { id, integration_key } = await createIntegration();
		const { path, headers } = place(integration_key);
		const reply = await call("POST", path, { body, headers });
		expect(reply.status).toBe(200);
		expect(reply.body.data).toMatchObject({ alert_key: "disk", result: "opened" });
		expect((await listAlerts(id)).alerts).toHaveLength(1);
	});

	it("answers 404 IntegrationNotFound, never 401, for unknown or malformed keys", async () => {
		const unknownButWellFormed = `agk_${"A".repeat(43)}`;
		for (const key of [unknownButWellFormed, "not-a-key", "agk_short"]) {
			expectError(await push(key, body), 404, "IntegrationNotFound");
		}
	});

	it("answers 400 naming every place a key can go when none is given", async () => {
		const message = expectError(await call("POST", "/push", { body }), 400, "InvalidParameter");
		expect(message).toContain("X-Integration-Key");
		expect(message).toContain("?integration_key=");
	});
});

describe("body size", () => {
	const big = JSON.stringify({ ...body, description: "x".repeat(600 * 1024) });

	it("refuses a declared body over 512 KiB with 413", async () => {
		const { integration_key } = await createIntegration();
		expectError(await push(integration_key, big), 413, "PayloadTooLarge");
	});

	it("refuses a streamed body over 512 KiB with 413 without reading it all", async () => {
		const { id, integration_key } = await createIntegration();
		let chunksPulled = 0;
		const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
		const stream = new ReadableStream<Uint8Array>({
			pull(controller) {
				chunksPulled++;
				// 64 chunks of 64 KiB = 4 MiB if the reader does not stop.
				if (chunksPulled > 64) controller.close();
				else controller.enqueue(chunk);
			},
		});
		const reply = await call("POST", `/push/${integration_key}`, { body: stream });
		expectError(reply, 413, "PayloadTooLarge");
		expect(chunksPulled).toBeLessThan(16);
		expect((await listAlerts(id)).alerts).toHaveLength(0);
	});

	it("accepts a body just under the limit", async () => {
		const { integration_key } = await createIntegration();
		const padded = { ...body, labels: { pad: "x".repeat(2000) } };
		const text = JSON.stringify({ ...padded, description: "y".repeat(500 * 1024) });
		expect((await push(integration_key, text)).status).toBe(200);
	});
});

describe("validation errors: 400 InvalidParameter naming the field, nothing written", () => {
	it.each([
		[{ title_rule: "t" }, "event_status is required"],
		[{ event_status: 3, title_rule: "t" }, "event_status must be a string"],
		[
			{ event_status: "Down", title_rule: "t" },
			"event_status must be one of Critical, Warning, Info, Ok",
		],
		[{ event_status: "Critical" }, "title_rule is required"],
		[{ event_status: "Critical", title_rule: "   " }, "title_rule is required"],
		[{ event_status: "Critical", title_rule: 5 }, "title_rule must be a string"],
		[{ event_status: "Critical", title: ["x"] }, "title must be a string"],
		[{ event_status: "Critical", title_rule: "t", alert_key: 1 }, "alert_key must be a string"],
		[
			{ event_status: "Critical", title_rule: "t", description: {} },
			"description must be a string",
		],
		[{ event_status: "Critical", title_rule: "t", labels: [] }, "labels must be an object"],
		[
			{ event_status: "Critical", title_rule: "t", labels: { team: { a: 1 } } },
			"labels.team must be a string",
		],
		[{ event_status: "Critical", title_rule: "t", images: {} }, "images must be an array"],
		[
			{ event_status: "Critical", title_rule: "t", images: [{ alt: "x" }] },
			"images[0].src is required",
		],
		[
			{
				event_status: "Critical",
				title_rule: "t",
				images: [{ src: "a", href: "javascript:alert(1)" }],
			},
			"images[0].href must be an http or https URL",
		],
		[
			{ event_status: "Critical", title_rule: "t", event_time: "soon" },
			"event_time must be unix seconds",
		],
		[
			{ event_status: "Critical", title_rule: "t", event_time: -1 },
			"event_time must be unix seconds",
		],
		[
			{ event_status: "Critical", title_rule: "t", event_time: 1_700_000_000_000 },
			"event_time must be unix seconds, not milliseconds",
		],
		[{ event_status: "Ok" }, "alert_key is required when event_status is Ok"],
		[[body], "the body must be a JSON object"],
		["null", "the body must be a JSON object"],
		['{"event_status":', "the body is not valid JSON"],
		["", "the body is not valid JSON"],
	])("%j → %s", async (input, message) => {
		const { id, integration_key } = await createIntegration();
		const reply = await push(integration_key, input);
		expect(expectError(reply, 400, "InvalidParameter")).toContain(message);
		expect((await listAlerts(id)).alerts).toHaveLength(0);
	});

	it("rejects a body that is not UTF-8", async () => {
		const { integration_key } = await createIntegration();
		const reply = await call("POST", `/push/${integration_key}`, {
			body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
		});
		expect(expectError(reply, 400, "InvalidParameter")).toContain("UTF-8");
		// The decoder the isolate shares still reads the next body, non-ASCII included.
		expect((await push(integration_key, { ...body, title_rule: "naïve ✓" })).status).toBe(200);
	});

	it("rejects a malformed Idempotency-Key header", async () => {
		const { integration_key } = await createIntegration();
		const reply = await push(integration_key, body, { "Idempotency-Key": "x".repeat(256) });
		expect(expectError(reply, 400, "InvalidParameter")).toContain("Idempotency-Key");
	});
});

describe("leniency: what would otherwise lose an alert", () => {
	it("accepts any letter case, title as an alias, numeric labels and event_time strings", async () => {
		const { id, integration_key } = await createIntegration();
		const reply = await push(integration_key, {
			event_status: "wArNiNg",
			title: "cpu hot",
			labels: { port: 8080, primary: true },
			event_time: "1700000000",
			client: "ignored-field",
		});
		expect(reply.status).toBe(200);
		const [alert] = (await listAlerts(id)).alerts;
		expect(alert).toMatchObject({
			severity: "warning",
			title: "cpu hot",
			labels: { port: "8080", primary: "true" },
			first_event_at: "2023-11-14T22:13:20.000Z",
		});
	});

	it("truncates over-long fields instead of rejecting them", async () => {
		const { id, integration_key } = await createIntegration();
		const labels: Record<string, string> = { ["k".repeat(200)]: "v".repeat(3000) };
		for (let i = 0; i < 60; i++) labels[`l${i}`] = String(i);
		const reply = await push(integration_key, {
			event_status: "Info",
			title_rule: "t".repeat(600),
			description: "d".repeat(3000),
			labels,
			images: [
				{
					src: "https://img.example/1.png",
					alt: "a".repeat(200),
					href: `https://x.example/${"h".repeat(300)}`,
				},
				{ src: `https://img.example/${"s".repeat(300)}` },
			],
		});
		expect(reply.status).toBe(200);
		const [alert] = (await listAlerts(id)).alerts;
		expect(alert?.title).toHaveLength(512);
		expect(alert?.description).toHaveLength(2048);
		expect(Object.keys(alert?.labels ?? {})).toHaveLength(50);
		expect(alert?.labels["k".repeat(128)]).toHaveLength(2048);
		// Flashduty's rule: an over-long image src is dropped, alt and href are cut.
		expect(alert?.images).toHaveLength(1);
		expect(alert?.images[0]?.alt).toHaveLength(128);
		expect(alert?.images[0]?.href).toHaveLength(256);
	});

	it("keeps over-long alert keys distinct by hashing them instead of cutting", async () => {
		const { id, integration_key } = await createIntegration();
		const prefix = "k".repeat(300);
		const a = await push(integration_key, { ...body, alert_key: `${prefix}-a` });
		const b = await push(integration_key, { ...body, alert_key: `${prefix}-b` });
		expect(a.body.data.alert_key).toHaveLength(255);
		expect(a.body.data.alert_key).not.toBe(b.body.data.alert_key);
		expect((await listAlerts(id)).alerts).toHaveLength(2);
		// The Ok with the original long key finds the same alert.
		const ok = await push(integration_key, { event_status: "Ok", alert_key: `${prefix}-a` });
		expect(ok.body.data).toMatchObject({ result: "resolved", alert_id: a.body.data.alert_id });
	});
});

describe("derived alert keys", () => {
	it("derives the same key from the same title and labels, whatever the label order", async () => {
		const { id, integration_key } = await createIntegration();
		const first = await push(integration_key, {
			event_status: "Critical",
			title_rule: "db down",
			labels: { host: "db-1", env: "prod" },
		});
		const again = await push(integration_key, {
			event_status: "Warning",
			title_rule: "db down",
			labels: { env: "prod", host: "db-1" },
		});
		expect(first.body.data.alert_key).toMatch(/^[0-9a-f]{32}$/);
		expect(again.body.data).toMatchObject({
			alert_key: first.body.data.alert_key,
			result: "updated",
		});

		const other = await push(integration_key, {
			event_status: "Critical",
			title_rule: "db down",
			labels: { host: "db-2", env: "prod" },
		});
		expect(other.body.data.alert_key).not.toBe(first.body.data.alert_key);
		expect((await listAlerts(id)).alerts).toHaveLength(2);

		// The derived key returned to the sender is what closes the alert.
		const ok = await push(integration_key, {
			event_status: "OK",
			alert_key: first.body.data.alert_key,
		});
		expect(ok.body.data.result).toBe("resolved");
	});
});
