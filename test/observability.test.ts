import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../src/index";
import { warning } from "./factories";
import { admin, BASE, call, createIntegration, getIntegration, push, runAlarm } from "./helpers";
import { notifiedIntegration, unique, webhook } from "./notify-helpers";

/** The structured lines the worker logged while `run` ran. */
async function logged(run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
	const spy = vi.spyOn(console, "log").mockImplementation(() => {});
	try {
		await run();
		return spy.mock.calls.flatMap(([line]) => {
			try {
				return [JSON.parse(String(line)) as Record<string, unknown>];
			} catch {
				return [];
			}
		});
	} finally {
		spy.mockRestore();
	}
}

afterEach(() => vi.restoreAllMocks());

describe("observability", () => {
	it("logs every refused push as one JSON line, with no key and no payload", async () => {
		const { id, integration_key } = await createIntegration();
		const secretish = "payload-marker-7f3a";
		const lines = await logged(async () => {
			await push(integration_key, { event_status: "Loud", title_rule: secretish });
			await push(`${integration_key.slice(0, -4)}AAAA`, warning("a"));
			await call("POST", "/push", {
				body: JSON.stringify({ event_status: "Loud" }),
				headers: { "Content-Type": "application/json", "X-Integration-Key": integration_key },
			});
			await call("POST", "/v2/enqueue", {
				body: "not json",
				headers: { "Content-Type": "application/json" },
			});
		});
		const refused = lines.filter((line) => line.event === "push_refused");
		// One line each, whichever push path (the key in the URL or in a header).
		expect(refused).toHaveLength(4);
		expect(refused[0]).toMatchObject({
			integration_id: id,
			status: 400,
			code: "InvalidParameter",
			reason: expect.stringMatching(/^event_status must be one of Critical, Warning, Info, Ok, /),
		});
		expect(typeof refused[0]?.request_id).toBe("string");
		// A key that does not check out names no integration.
		expect(refused[1]).toMatchObject({ integration_id: null, status: 404 });
		expect(refused[2]).toMatchObject({ integration_id: id, code: "InvalidParameter" });
		expect(refused[3]).toMatchObject({ integration_id: null, code: "UnrecognizedObject" });
		const text = JSON.stringify(lines);
		expect(text).not.toContain(integration_key);
		expect(text).not.toContain(integration_key.slice(-20));
		expect(text).not.toContain(secretish);
	});

	it("counts accepted, deduplicated, replayed, rate-limited and refused pushes per integration", async () => {
		const { id, integration_key } = await createIntegration("counted", "standard", {
			rate_limit: { per_second: 1, burst: 5 },
		});
		await push(integration_key, warning("a"));
		await push(integration_key, warning("a"));
		await push(integration_key, warning("b"), { "Idempotency-Key": "d-1" });
		await push(integration_key, warning("b"), { "Idempotency-Key": "d-1" });
		await push(integration_key, { event_status: "Loud", title_rule: "x" });
		await push(integration_key, { event_status: "Warning" });
		await push(integration_key, warning("c"), { "Idempotency-Key": "d-1" });
		// Five reached the object (refusals in the worker spend nothing): the burst of 5 is spent.
		const limited = await push(integration_key, warning("a"));
		expect(limited.status).toBe(429);

		const detail = await getIntegration(id);
		expect(detail.intake).toMatchObject({
			accepted_count: 3,
			deduplicated_count: 1,
			replayed_count: 1,
			rate_limited_count: 1,
			refused_count: { InvalidParameter: 2, IdempotencyKeyReused: 1 },
			unrouted_count: 2,
		});
		expect(detail.intake.last_event_at).toMatch(/^\d{4}-\d\d-\d\dT/);
		// D1's list follows through the mirror.
		await runAlarm(id);
		const listed = (await admin("GET", "/integrations?limit=100")).body.data.integrations.find(
			(one: { id: string }) => one.id === id,
		);
		expect(listed).toMatchObject({
			event_count: 3,
			deduplicated_count: 1,
			replayed_count: 1,
			rate_limited_count: 1,
			refused_count: { InvalidParameter: 2, IdempotencyKeyReused: 1 },
		});
	});
});

describe("notification failures", () => {
	it("are logged as one JSON line per failed attempt, without the target's secrets", async () => {
		const path = unique("logged");
		const { integration_key, id, channelId, targets } = await notifiedIntegration([
			webhook(path, "reject?token=s3cr3t-token"),
		]);
		await push(integration_key, warning("cpu"));
		const spy = vi.spyOn(console, "error").mockImplementation(() => {});
		await runAlarm(id);
		const lines = spy.mock.calls.map(([line]) => JSON.parse(String(line)));
		spy.mockRestore();
		expect(lines).toEqual([
			expect.objectContaining({
				event: "notification_failed",
				integration_id: id,
				channel_id: channelId,
				target_id: targets[0]?.id,
				attempt: 1,
				outcome: "rejected",
				status: 400,
			}),
		]);
		const text = JSON.stringify(lines);
		expect(text).not.toContain("s3cr3t-token");
		expect(text).not.toContain(String(targets[0]?.secret));
	});
});

describe("Analytics Engine", () => {
	it("gets one data point per push when the binding is configured", async () => {
		const { id, integration_key } = await createIntegration();
		const points: AnalyticsEngineDataPoint[] = [];
		const withAnalytics = {
			...env,
			INTAKE_ANALYTICS: { writeDataPoint: (point) => points.push(point ?? {}) },
		} satisfies Env;
		const send = async (body: unknown) => {
			const ctx = createExecutionContext();
			const response = await worker.fetch(
				new Request(`${BASE}/push/${integration_key}`, {
					method: "POST",
					headers: { "Content-Type": "application/json" },
					body: JSON.stringify(body),
				}),
				withAnalytics,
				ctx,
			);
			await waitOnExecutionContext(ctx);
			return response.status;
		};
		expect(await send(warning("a"))).toBe(200);
		expect(await send({ event_status: "Loud" })).toBe(400);
		expect(points).toEqual([
			{ indexes: [id], blobs: [id, "accepted", ""], doubles: [200] },
			{ indexes: [id], blobs: [id, "refused", "InvalidParameter"], doubles: [400] },
		]);
		expect(JSON.stringify(points)).not.toContain(integration_key);
	});
});
