import { describe, expect, it } from "vitest";
import { MAX_ALERTS_PER_PUSH } from "../src/sources/ingest";
import { envelope, pushEvent } from "./eventbridge-helpers";
import { call, createIntegration, expectError, listAlerts, moveClock, push } from "./helpers";

const trigger = (key: string) => ({ event_status: "Warning", title_rule: key, alert_key: key });
const batchOf = (keys: string[]) => ({ events: keys.map(trigger) });
const keys = (prefix: string, count: number) =>
	Array.from({ length: count }, (_, i) => `${prefix}${i}`);
const webhookOf = (names: string[]) => ({
	alerts: names.map((alertname) => ({ status: "firing", labels: { alertname } })),
});

describe("the rate limit counts alerts, not requests", () => {
	it("takes a batch's events as tokens, refuses a batch over what is left whole, and takes nothing for it", async () => {
		const { id, integration_key } = await createIntegration("limited", "standard", {
			rate_limit: { per_second: 1, burst: 5 },
		});
		const batch = (body: unknown) => call("POST", `/push/${integration_key}/batch`, { body });
		expect((await batch(batchOf(keys("a", 5)))).status).toBe(200);
		// The bucket is empty: a batch of two waits for two tokens.
		const refused = await batch(batchOf(keys("b", 2)));
		expectError(refused, 429, "RateLimited");
		expect(refused.headers.get("Retry-After")).toBe("2");
		expect((await listAlerts(id)).alerts).toHaveLength(5);
		// A second later one token is back (the refusal took none): one push goes, two do not.
		await moveClock(id, 1_000);
		expectError(await batch(batchOf(keys("c", 2))), 429, "RateLimited");
		expect((await push(integration_key, trigger("d"))).status).toBe(200);
		await moveClock(id, 2_000);
		expect((await batch(batchOf(keys("e", 2)))).status).toBe(200);
		expect((await listAlerts(id, "?limit=100")).alerts).toHaveLength(8);
	});

	it("counts a webhook's alerts; more than the burst at once is 413, never a wait", async () => {
		const { id, integration_key } = await createIntegration("am", "alertmanager", {
			rate_limit: { per_second: 1, burst: 5 },
		});
		const tooMany = await push(integration_key, webhookOf(keys("big", 6)));
		expect(expectError(tooMany, 413, "TooManyAlertsForBurst")).toContain(
			"settings.rate_limit.burst is 5",
		);
		expect((await push(integration_key, webhookOf(keys("w", 3)))).status).toBe(200);
		// Alertmanager retries only 5xx: over the limit is a 503 with Retry-After.
		const waited = await push(integration_key, webhookOf(keys("x", 3)));
		expectError(waited, 503, "RateLimited");
		expect(waited.headers.get("Retry-After")).toBe("1");
		expect((await listAlerts(id)).alerts).toHaveLength(3);
	});
});

describe(`one request carries at most ${MAX_ALERTS_PER_PUSH} alerts, whatever its format`, () => {
	const over = MAX_ALERTS_PER_PUSH + 1;
	const message = `one request carries at most ${MAX_ALERTS_PER_PUSH}`;

	it("refuses a larger Alertmanager webhook with 413 before anything is stored", async () => {
		const { id, integration_key } = await createIntegration("am", "alertmanager", {
			rate_limit: null,
		});
		const reply = await push(integration_key, webhookOf(keys("a", over)));
		expect(expectError(reply, 413, "TooManyAlerts")).toContain(message);
		expect((await listAlerts(id)).alerts).toEqual([]);
	});

	it("refuses a larger list posted to /api/v2/alerts with 413, as Alertmanager answers errors", async () => {
		const { id, integration_key } = await createIntegration("prometheus", "alertmanager");
		const body = keys("p", over).map((alertname) => ({ labels: { alertname } }));
		const reply = await call("POST", `/push/${integration_key}/api/v2/alerts`, { body });
		expect(reply.status).toBe(413);
		expect(String(reply.body)).toContain(message);
		expect((await listAlerts(id)).alerts).toEqual([]);
	});

	it("refuses a larger Security Hub batch with 413", async () => {
		const { id, integration_key } = await createIntegration("eb", "aws_eventbridge", {
			rate_limit: null,
		});
		const findings = keys("f", over).map((Id) => ({ Id, Severity: { Label: "HIGH" } }));
		const event = envelope("aws.securityhub", "Security Hub Findings - Imported", { findings });
		expect(expectError(await pushEvent(integration_key, event), 413, "TooManyAlerts")).toContain(
			message,
		);
		expect((await listAlerts(id)).alerts).toEqual([]);
	});
});
