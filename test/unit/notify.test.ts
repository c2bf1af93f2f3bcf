import { describe, expect, it } from "vitest";
import { PAGERDUTY_SUMMARY_MAX, pagerduty } from "../../src/notify/formats";
import { MAX_RETRY_MS, retryDelay } from "../../src/notify/retry";
import { retryAfter } from "../../src/notify/send";
import { slack } from "../../src/notify/slack";
import { maskSecret, maskUrl } from "../../src/notify/target";
import { slackUrlProblem, urlProblem } from "../../src/notify/url";
import { notificationEvent as event } from "../factories";

const strict = { allowHttpLoopback: false };
const dev = { allowHttpLoopback: true };

describe("retry timing", () => {
	it("starts near a second, doubles, jitters within the upper half, and is capped", () => {
		expect(retryDelay(1, null, 0)).toBe(500);
		expect(retryDelay(1, null, 1)).toBe(1_000);
		expect(retryDelay(4, null, 1)).toBe(8_000);
		expect(retryDelay(40, null, 1)).toBe(MAX_RETRY_MS);
		expect(retryDelay(40, null, 0)).toBe(MAX_RETRY_MS / 2);
		// Retry-After wins when longer, within the cap.
		expect(retryDelay(1, 30_000, 0.5)).toBe(30_000);
		expect(retryDelay(1, 10 * MAX_RETRY_MS, 0.5)).toBe(MAX_RETRY_MS);
	});

	it("reads Retry-After as seconds or an HTTP date", () => {
		const now = Date.parse("2026-11-22T00:00:00Z");
		expect(retryAfter("120", now)).toBe(120_000);
		expect(retryAfter("Sun, 22 Nov 2026 00:01:00 GMT", now)).toBe(60_000);
		expect(retryAfter("soon", now)).toBeNull();
		expect(retryAfter(null, now)).toBeNull();
	});
});

describe("target URLs", () => {
	it("are HTTPS to a named host; http only to localhost in development", () => {
		expect(urlProblem("https://hooks.example.com/x?y=1", strict)).toBeNull();
		expect(urlProblem("http://hooks.example.com/x", strict)).toBe("must use https://");
		expect(urlProblem("http://localhost:9000/hook", strict)).toBe("must use https://");
		expect(urlProblem("http://localhost:9000/hook", dev)).toBeNull();
		expect(urlProblem("http://127.0.0.1:9000/hook", dev)).toBeNull();
		expect(urlProblem("http://example.com/hook", dev)).toBe(
			"must use https:// (http:// is allowed only for localhost)",
		);
		expect(urlProblem("https://localhost/hook", strict)).toContain(
			"not an IP address or localhost",
		);
		expect(urlProblem("https://192.168.1.1/hook", strict)).toContain("not an IP address");
		expect(urlProblem("https://[fd00::1]/hook", strict)).toContain("not an IP address");
		expect(urlProblem("https://intranet/hook", strict)).toContain("fully qualified");
		expect(urlProblem("ftp://example.com/x", strict)).toBe("must use https://");
		expect(urlProblem("not a url", strict)).toContain("absolute URL");
		expect(urlProblem(`https://example.com/${"a".repeat(2048)}`, strict)).toContain("2048");
		expect(slackUrlProblem("https://hooks.slack.com/services/T/B/x", strict)).toBeNull();
		expect(slackUrlProblem("https://hooks.slack.com.evil.com/services/x", strict)).toContain(
			"Slack",
		);
	});

	it("and secrets are masked to their last four characters", () => {
		expect(maskUrl("https://hooks.slack.com/services/T0/B0/abcdefgh")).toBe(
			"https://hooks.slack.com/••••efgh",
		);
		expect(maskUrl("https://example.com/")).toBe("https://example.com");
		expect(maskSecret("whsec_0123456789")).toBe("••••6789");
		expect(maskSecret("short")).toBe("••••");
	});
});

describe("formats", () => {
	it("keeps PagerDuty's summary within 1,024 characters", () => {
		const body = pagerduty("k".repeat(32), event({ title: "x".repeat(5_000) }));
		expect("payload" in body && body.payload.summary.length).toBe(PAGERDUTY_SUMMARY_MAX);
	});

	it("maps acknowledge and resolve to PagerDuty actions without a payload", () => {
		const ack = pagerduty("k", { ...event(), type: "incident.acknowledged" });
		expect(ack).toEqual({
			routing_key: "k",
			event_action: "acknowledge",
			dedup_key: "6f1c8e4e-0000-4000-8000-000000000001",
		});
	});

	it("escapes Slack's control characters and keeps the header within 150", () => {
		const body = slack(event({ title: `<@channel> & ${"y".repeat(300)}` }));
		expect(body.blocks[0]?.text?.text.length).toBe(150);
		const withLabels = slack(
			event({
				alerts: [
					{
						id: "a",
						alert_key: "k",
						status: "firing",
						severity: "warning",
						title: "t",
						labels: { team: "<!here>" },
					},
				],
			}),
		);
		expect(JSON.stringify(withLabels.blocks)).toContain("team=&lt;!here&gt;");
	});
});
