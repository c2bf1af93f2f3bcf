import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import { sha256Hex } from "../src/security/secrets";
import {
	ADMIN_TOKEN,
	admin,
	BASE,
	call,
	createIntegration,
	expectError,
	getIntegration,
	integrationStub,
	listAlerts,
	push,
	runAlarm,
} from "./helpers";

const trigger = { event_status: "Warning", title_rule: "queue backlog", alert_key: "backlog" };

describe("admin authorization", () => {
	it("refuses a missing token with 401", async () => {
		const reply = await call("GET", "/api/v1/integrations");
		expect(expectError(reply, 401, "Unauthorized")).toContain("Authorization: Bearer");
		expect(reply.headers.get("WWW-Authenticate")).toContain("Bearer");
	});

	it("refuses a wrong token with 401", async () => {
		const reply = await call("GET", "/api/v1/integrations", {
			headers: { Authorization: "Bearer test-admin-tokeN" },
		});
		expectError(reply, 401, "Unauthorized");
	});

	it("answers 503 saying how to set ADMIN_TOKEN when it is not configured", async () => {
		for (const ADMIN_TOKEN of [undefined, ""]) {
			const response = await worker.fetch(
				new Request(`${BASE}/api/v1/integrations`, {
					headers: { Authorization: "Bearer anything" },
				}),
				{ ...env, ADMIN_TOKEN },
				createExecutionContext(),
			);
			expect(response.status).toBe(503);
			const body = (await response.json()) as { error: { code: string; message: string } };
			expect(body.error.code).toBe("AdminTokenNotConfigured");
			expect(body.error.message).toContain("wrangler secret put ADMIN_TOKEN");
		}
	});

	it("keeps /healthz open without touching any binding", async () => {
		const response = await worker.fetch(
			new Request(`${BASE}/healthz`),
			{} as Env,
			createExecutionContext(),
		);
		expect(response.status).toBe(200);
	});
});

describe("creating integrations", () => {
	it("returns the key once, and D1 keeps only its SHA-256", async () => {
		const reply = await admin("POST", "/integrations", { name: "  payments  ", type: "standard" });
		expect(reply.status).toBe(201);
		const created = reply.body.data;
		expect(created).toMatchObject({ name: "payments", type: "standard", event_count: 0 });
		expect(created.integration_key).toMatch(/^agk_[A-Za-z0-9_-]{65}$/);
		expect(created.push_url).toBe(`${BASE}/push/${created.integration_key}`);
		expect(Date.parse(created.created_at)).not.toBeNaN();

		const row = await env.DB.prepare("SELECT * FROM integrations WHERE id = ?")
			.bind(created.id)
			.first<Record<string, unknown>>();
		expect(row?.key_hash).toBe(await sha256Hex(created.integration_key));
		expect(Object.values(row ?? {})).not.toContain(created.integration_key);

		const fetched = await admin("GET", `/integrations/${created.id}`);
		const listed = await admin("GET", "/integrations");
		for (const shown of [JSON.stringify(fetched.body), JSON.stringify(listed.body)]) {
			expect(shown).not.toContain(created.integration_key);
			expect(shown).not.toContain(row?.key_hash);
		}
		expect(listed.body.data.integrations.map((i: { id: string }) => i.id)).toContain(created.id);
	});

	it("gives each integration a different key", async () => {
		const [a, b] = await Promise.all([createIntegration(), createIntegration()]);
		expect(a.integration_key).not.toBe(b.integration_key);
	});

	it.each([
		[{ type: "standard" }, "name is required"],
		[{ name: "", type: "standard" }, "name must be 1 to 100 characters"],
		[{ name: "x".repeat(101), type: "standard" }, "name must be 1 to 100 characters"],
		[{ name: 7, type: "standard" }, "name must be a string"],
		[{ name: "a" }, "type is required"],
		[
			{ name: "a", type: "grafana" },
			"type must be one of standard, aws_cloudwatch, aws_eventbridge",
		],
		[{ name: "a", type: "standard", colour: "red" }, "unknown field colour"],
		[[1, 2], "the body must be a JSON object"],
		["{not json", "the body is not valid JSON"],
	])("rejects %j with a 400 naming the problem", async (body, message) => {
		const reply = await admin("POST", "/integrations", body);
		expect(expectError(reply, 400, "InvalidParameter")).toContain(message);
	});

	it("answers 404 for an unknown integration id", async () => {
		expectError(await admin("GET", "/integrations/nope"), 404, "IntegrationNotFound");
		expectError(await admin("POST", "/integrations/nope/rotate-key"), 404, "IntegrationNotFound");
		expectError(await admin("DELETE", "/integrations/nope"), 404, "IntegrationNotFound");
		expectError(await admin("GET", "/integrations/nope/alerts"), 404, "IntegrationNotFound");
	});
});

describe("rotating a key", () => {
	it("shows the new key once and stops the old one at once", async () => {
		const created = await createIntegration();
		expect((await push(created.integration_key, trigger)).status).toBe(200);

		const reply = await admin("POST", `/integrations/${created.id}/rotate-key`);
		expect(reply.status).toBe(200);
		const fresh = reply.body.data.integration_key;
		expect(fresh).not.toBe(created.integration_key);
		expect(reply.body.data.push_url).toBe(`${BASE}/push/${fresh}`);
		expect(reply.body.data.key_rotated_at).not.toBeNull();

		expectError(await push(created.integration_key, trigger), 404, "IntegrationNotFound");
		const pushed = await push(fresh, trigger);
		expect(pushed.body.data.result).toBe("updated");
	});
});

describe("deleting an integration", () => {
	it("404s its push URL at once and wipes its Durable Object", async () => {
		const created = await createIntegration();
		await push(created.integration_key, trigger);
		expect((await listAlerts(created.id)).alerts).toHaveLength(1);

		const reply = await admin("DELETE", `/integrations/${created.id}`);
		expect(reply.status).toBe(200);
		expect(reply.body.data).toEqual({ id: created.id, deleted: true });

		expectError(await push(created.integration_key, trigger), 404, "IntegrationNotFound");
		expectError(await admin("GET", `/integrations/${created.id}`), 404, "IntegrationNotFound");
		const row = await env.DB.prepare("SELECT id FROM integrations WHERE id = ?")
			.bind(created.id)
			.first();
		expect(row).toBeNull();

		const stub = integrationStub(created.id);
		expect(await stub.listAlerts({ limit: 10 })).toEqual({ alerts: [], next_seq: null });
		// A push that passed the key lookup just before the delete still cannot recreate state.
		const late = await stub.ingest({
			integrationId: created.id,
			events: [
				{
					action: "trigger",
					severity: "info",
					alert_key: "late",
					title: "late",
					description: "",
					labels: {},
					images: [],
					occurred_at: Date.now(),
				},
			],
			receipt: null,
			auth: { kind: "d1", configVersion: 0, settings: {} },
		});
		expect(late).toEqual({ ok: false, reason: "integration_deleted" });
		expect(await stub.listAlerts({ limit: 10 })).toEqual({ alerts: [], next_seq: null });
	});

	it("finishes a delete that was interrupted after the push URL was disabled", async () => {
		const created = await createIntegration();
		// Interrupted after the object was wiped, before D1 forgot the row.
		await integrationStub(created.id).destroy();
		expectError(await push(created.integration_key, trigger), 404, "IntegrationNotFound");
		expect((await admin("GET", `/integrations/${created.id}`)).status).toBe(200);
		expect((await admin("DELETE", `/integrations/${created.id}`)).status).toBe(200);
		expectError(await admin("GET", `/integrations/${created.id}`), 404, "IntegrationNotFound");
	});
});

describe("integration activity", () => {
	it("mirrors event_count and last_event_at (receipt time) to D1 from the Durable Object's alarm", async () => {
		const created = await createIntegration();
		const before = Date.now();
		// Event times in the past: last_event_at says when pushes arrived, not when events happened.
		await push(created.integration_key, { ...trigger, event_time: 1_700_000_000 });
		await push(created.integration_key, { ...trigger, event_time: 1_700_000_060 });
		expect((await getIntegration(created.id)).event_count).toBe(0);

		expect(await runAlarm(created.id)).toBe(true);
		const mirrored = await getIntegration(created.id);
		expect(mirrored.event_count).toBe(2);
		expect(Date.parse(mirrored.last_event_at)).toBeGreaterThanOrEqual(before);
	});
});

describe("routing", () => {
	it("answers unknown routes with a 404 envelope", async () => {
		const reply = await call("GET", "/nowhere");
		expect(expectError(reply, 404, "RouteNotFound")).toContain("/nowhere");
	});

	it.each([
		["DELETE", "/api/v1/integrations", "GET, POST"],
		["PUT", "/api/v1/integrations/x", "GET, PATCH, DELETE"],
		["GET", "/api/v1/integrations/x/rotate-key", "POST"],
		["POST", "/api/v1/integrations/x/alerts", "GET"],
		["GET", "/push/agk_x", "POST"],
		["PUT", "/push", "POST"],
	])("answers %s %s with 405 and Allow: %s", async (method, path, allow) => {
		const reply = await call(method, path, {
			headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
		});
		expectError(reply, 405, "MethodNotAllowed");
		expect(reply.headers.get("Allow")).toBe(allow);
	});
});
