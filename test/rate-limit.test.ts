import { describe, expect, it } from "vitest";
import { takeToken } from "../src/integrations/rate-limit";
import { alarmEvent, createEventBridgeIntegration, pushEvent } from "./eventbridge-helpers";
import { warning } from "./factories";
import {
	createIntegration,
	expectError,
	getIntegration,
	moveClock,
	push,
	runAlarm,
	settingsRefusal,
} from "./helpers";

describe("the token bucket (pure)", () => {
	const limit = { per_second: 2, burst: 3 };

	it("starts full, spends a token a push, then says how long to wait", () => {
		let bucket: ReturnType<typeof takeToken>["bucket"] | undefined;
		for (let i = 0; i < 3; i++) {
			const taken = takeToken(bucket, limit, 1_000);
			expect(taken.retryAfterMs).toBeNull();
			bucket = taken.bucket;
		}
		const refused = takeToken(bucket, limit, 1_000);
		expect(refused.retryAfterMs).toBe(500);
		// Half a second later one token has come back.
		expect(takeToken(refused.bucket, limit, 1_500).retryAfterMs).toBeNull();
	});

	it("never holds more than the burst, however long it rested", () => {
		const rested = takeToken({ tokens: 0, at: 0 }, limit, 1_000_000);
		expect(rested.bucket.tokens).toBe(2);
	});
});

describe("a per-integration rate limit", () => {
	it("answers 429 with Retry-After over the limit, counts it, and lets pushes through again", async () => {
		const { id, integration_key } = await createIntegration("limited", "standard", {
			rate_limit: { per_second: 1, burst: 3 },
		});
		for (let i = 0; i < 3; i++)
			expect((await push(integration_key, warning(`k${i}`))).status).toBe(200);
		const refused = await push(integration_key, warning("k3"));
		expectError(refused, 429, "RateLimited");
		expect(refused.headers.get("Retry-After")).toBe("1");
		await moveClock(id, 1_500);
		expect((await push(integration_key, warning("k4"))).status).toBe(200);
		await runAlarm(id);
		const listed = await getIntegration(id);
		expect(listed).toMatchObject({ rate_limited_count: 1, event_count: 4 });
	});

	it("spends one token on a retried delivery, as on any push", async () => {
		const { integration_key } = await createIntegration("limited retries", "standard", {
			rate_limit: { per_second: 1, burst: 3 },
		});
		const headers = { "Idempotency-Key": "retried" };
		expect((await push(integration_key, warning("a"), headers)).status).toBe(200);
		const retry = await push(integration_key, warning("a"), headers);
		expect(retry.headers.get("Idempotent-Replayed")).toBe("true");
		expect((await push(integration_key, warning("b"))).status).toBe(200);
		expectError(await push(integration_key, warning("c")), 429, "RateLimited");
	});

	it("applies to every source type, EventBridge included (which retries a 429)", async () => {
		const { integration_key } = await createEventBridgeIntegration({
			rate_limit: { per_second: 1, burst: 1 },
		});
		expect(
			(await pushEvent(integration_key, alarmEvent("ALARM", "2026-11-21T05:00:00Z"))).status,
		).toBe(200);
		const refused = await pushEvent(integration_key, alarmEvent("OK", "2026-11-21T05:01:00Z"));
		expectError(refused, 429, "RateLimited");
	});

	it("is off with rate_limit null, and defaults to 100/s with bursts of 1,000", async () => {
		const defaulted = await createIntegration();
		expect(defaulted.settings.rate_limit).toEqual({ per_second: 100, burst: 1000 });
		const { integration_key: key } = await createIntegration("hot", "standard", {
			rate_limit: null,
		});
		const replies = await Promise.all(
			Array.from({ length: 30 }, (_, i) => push(key, warning(`h${i}`))),
		);
		expect(replies.every((reply) => reply.status === 200)).toBe(true);
	});

	it("does not spend the integration's tokens on a wrong key", async () => {
		const { integration_key } = await createIntegration("guarded", "standard", {
			rate_limit: { per_second: 1, burst: 1 },
		});
		const wrong = `${integration_key.slice(0, 26)}${"x".repeat(43)}`;
		for (let i = 0; i < 5; i++)
			expectError(await push(wrong, warning("w")), 404, "IntegrationNotFound");
		expect((await push(integration_key, warning("ok"))).status).toBe(200);
	});

	it.each([
		[{ per_second: 0, burst: 1 }, "settings.rate_limit.per_second must be at least 1"],
		[{ per_second: 1.5, burst: 1 }, "settings.rate_limit.per_second must be a whole number"],
		[{ per_second: 1 }, "settings.rate_limit.burst must be a number of alerts"],
		[{ per_second: 1, burst: 1, extra: 1 }, "settings.rate_limit must be {per_second, burst}"],
		["fast", "settings.rate_limit must be {per_second, burst}, or null"],
	])("refuses rate_limit %j", async (rateLimit, message) => {
		expect(await settingsRefusal("standard", { rate_limit: rateLimit })).toContain(message);
	});
});
