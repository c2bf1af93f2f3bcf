import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
	admin,
	call,
	createIntegration,
	expectError,
	integrationStub,
	listAlerts,
} from "./helpers";

function batch(path: string, body: unknown, headers: Record<string, string> = {}) {
	return call("POST", path, {
		body: JSON.stringify(body),
		headers: { "Content-Type": "application/json", ...headers },
	});
}

const event = (alert_key: string, over: Record<string, unknown> = {}) => ({
	event_status: "Warning",
	title_rule: `problem ${alert_key}`,
	alert_key,
	...over,
});

/** A time newer than the alerts opened now, inside the 5 minutes a sender may be ahead. */
const SOON = Math.floor(Date.now() / 1000) + 60;

describe("POST /push/{key}/batch", () => {
	it("applies the events in order and answers each one's result in order", async () => {
		const { id, integration_key } = await createIntegration();
		const reply = await batch(`/push/${integration_key}/batch`, {
			events: [
				event("a"),
				event("b", { event_status: "Critical" }),
				event("a", { event_status: "Info" }),
				{ event_status: "Ok", alert_key: "b" },
				{ event_status: "Ok", alert_key: "never-fired" },
			],
		});
		expect(reply.status).toBe(200);
		expect(reply.body.data.results.map((r: { result: string }) => r.result)).toEqual([
			"opened",
			"opened",
			"updated",
			"resolved",
			"ignored",
		]);
		const byKey = Object.fromEntries((await listAlerts(id)).alerts.map((a) => [a.alert_key, a]));
		expect(byKey.a).toMatchObject({ status: "firing", severity: "info", event_count: 2 });
		expect(byKey.b).toMatchObject({ status: "resolved" });
	});

	it("stores every repeat's counters, mixed with changes, resolutions and new alerts", async () => {
		const { id, integration_key } = await createIntegration();
		const path = `/push/${integration_key}/batch`;
		await batch(path, { events: [event("a"), event("b"), event("c")] });
		const reply = await batch(path, {
			events: [
				event("a", { event_time: SOON }),
				event("b"),
				event("a"),
				// A change of b after its repeat: the full write holds the newer counters.
				event("b", { title_rule: "b is worse" }),
				event("b", { title_rule: "b is worse" }),
				event("c"),
				// An Ok of c after its repeat.
				{ event_status: "Ok", alert_key: "c" },
				event("d"),
				event("a"),
			],
		});
		expect(reply.status).toBe(200);
		// The object starts over (as after eviction): what it wrote is what it reads.
		await evictDurableObject(integrationStub(id));
		const byKey = Object.fromEntries((await listAlerts(id)).alerts.map((a) => [a.alert_key, a]));
		expect(byKey.a).toMatchObject({
			status: "firing",
			event_count: 4,
			last_event_at: new Date(SOON * 1000).toISOString(),
		});
		expect(byKey.b).toMatchObject({ status: "firing", event_count: 4, title: "b is worse" });
		expect(byKey.c).toMatchObject({ status: "resolved", event_count: 3 });
		expect(byKey.d).toMatchObject({ status: "firing", event_count: 1 });
		// And a later push continues from the stored counters.
		await batch(path, { events: [event("a"), event("b")] });
		const later = Object.fromEntries((await listAlerts(id)).alerts.map((a) => [a.alert_key, a]));
		expect([later.a?.event_count, later.b?.event_count]).toEqual([5, 5]);
	});

	it("stores repeats of many kinds at once: each its own newest time, or the one it had", async () => {
		const { id, integration_key } = await createIntegration();
		const path = `/push/${integration_key}/batch`;
		const keys = ["k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"];
		await batch(path, { events: keys.map((key) => event(key)) });
		const opened = Object.fromEntries((await listAlerts(id)).alerts.map((a) => [a.alert_key, a]));
		// Eight different newest times (more kinds than share a statement), then an old event for
		// k0 that leaves its newest time as it was, and k1 twice.
		const reply = await batch(path, {
			events: [
				...keys.map((key, i) => event(key, { event_time: SOON + i })),
				event("k0", { event_time: 1_000_000_000 }),
				event("k1", { event_time: SOON + 100 }),
			],
		});
		expect(reply.status).toBe(200);
		await evictDurableObject(integrationStub(id));
		const byKey = Object.fromEntries((await listAlerts(id)).alerts.map((a) => [a.alert_key, a]));
		for (const [i, key] of keys.entries()) {
			const newest = key === "k1" ? SOON + 100 : SOON + i;
			expect(byKey[key]).toMatchObject({
				event_count: key === "k0" || key === "k1" ? 3 : 2,
				last_event_at: new Date(newest * 1000).toISOString(),
				first_event_at: opened[key]?.first_event_at,
			});
		}
		// Repeats alike (no event_time: one arrival, one time) share a statement; still exact.
		await batch(path, { events: [...keys, "k2"].map((key) => event(key)) });
		await evictDurableObject(integrationStub(id));
		const later = Object.fromEntries((await listAlerts(id)).alerts.map((a) => [a.alert_key, a]));
		expect(keys.map((key) => later[key]?.event_count)).toEqual([4, 4, 4, 3, 3, 3, 3, 3]);
	});

	it("refuses the whole batch when one event is invalid, naming its index and field", async () => {
		const { id, integration_key } = await createIntegration();
		const reply = await batch(`/push/${integration_key}/batch`, {
			events: [event("a"), event("b"), { event_status: "Loud", title_rule: "x" }, event("d")],
		});
		const message = expectError(reply, 400, "InvalidParameter");
		expect(message).toMatch(
			/^events\[2\]\.event_status must be one of Critical, Warning, Info, Ok, /,
		);
		const noKey = await batch(`/push/${integration_key}/batch`, {
			events: [event("a"), { event_status: "Ok" }],
		});
		expect(expectError(noKey, 400, "InvalidParameter")).toContain(
			"events[1].alert_key is required",
		);
		expect((await listAlerts(id)).alerts).toHaveLength(0);
	});

	it("takes one Idempotency-Key for the whole batch", async () => {
		const { id, integration_key } = await createIntegration();
		const body = { events: [event("a"), event("b")] };
		const headers = { "Idempotency-Key": "batch-1" };
		const first = await batch(`/push/${integration_key}/batch`, body, headers);
		const retry = await batch(`/push/${integration_key}/batch`, body, headers);
		expect(retry.status).toBe(200);
		expect(retry.headers.get("Idempotent-Replayed")).toBe("true");
		expect(retry.body.data).toEqual(first.body.data);
		const { alerts } = await listAlerts(id);
		expect(alerts.map((a) => a.event_count)).toEqual([1, 1]);
		const changed = await batch(
			`/push/${integration_key}/batch`,
			{ events: [event("c")] },
			headers,
		);
		expectError(changed, 422, "IdempotencyKeyReused");
	});

	it("takes the key in a header at /push/batch", async () => {
		const { id, integration_key } = await createIntegration();
		const reply = await batch(
			"/push/batch",
			{ events: [event("a")] },
			{
				"X-Integration-Key": integration_key,
			},
		);
		expect(reply.status).toBe(200);
		expect((await listAlerts(id)).alerts).toHaveLength(1);
	});

	it.each([
		["no events", { events: [] }, "events must hold at least one event"],
		[
			"101 events",
			{ events: Array.from({ length: 101 }, (_, i) => event(`k${i}`)) },
			"events must hold at most 100 events",
		],
		["a single event, not a batch", event("a"), "events is required"],
	])("refuses %s", async (_case, body, message) => {
		const { integration_key } = await createIntegration();
		const reply = await batch(`/push/${integration_key}/batch`, body);
		expect(expectError(reply, 400, "InvalidParameter")).toContain(message);
	});

	it("takes 100 events", async () => {
		const { id, integration_key } = await createIntegration();
		const events = Array.from({ length: 100 }, (_, i) => event(`k${i}`));
		const reply = await batch(`/push/${integration_key}/batch`, { events });
		expect(reply.status).toBe(200);
		expect(reply.body.data.results).toHaveLength(100);
		const { alerts } = await listAlerts(id, "?limit=100");
		expect(alerts).toHaveLength(100);
	});

	it("is for standard integrations only", async () => {
		const reply = await admin("POST", "/integrations", { name: "am", type: "alertmanager" });
		const key = reply.body.data.integration_key;
		const refused = await batch(`/push/${key}/batch`, { events: [event("a")] });
		expect(expectError(refused, 400, "WrongIntegrationType")).toContain(
			"/batch takes the keys of standard integrations",
		);
	});
});
