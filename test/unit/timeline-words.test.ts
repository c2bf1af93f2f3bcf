import { describe, expect, it } from "vitest";
import { describe as say } from "../../src/dashboard/timeline";
import { type ApiTimelineEntry, TIMELINE_TYPES } from "../../src/incidents/timeline";

describe("the dashboard's timeline sentences", () => {
	it("say every kind of entry, with what it carries and no missing value", () => {
		const full: Omit<ApiTimelineEntry, "type"> = {
			seq: 1,
			at: "2026-12-05T03:00:00.000Z",
			by: { via: "slack", name: "@ana" },
			alert_key: "disk",
			severity: "critical",
			alert_count: 3,
			target_id: "t1",
			target_name: "ops hook",
			target_type: "webhook",
			event: "incident.triggered",
			attempt: 2,
			outcome: "retry",
			status: 503,
			error: "503 Service Unavailable",
			repeat: 1,
			silence_id: "s1",
			threshold: 100,
			changes: 4,
			window_ms: 3_600_000,
		};
		const sentences = TIMELINE_TYPES.map((type) => say({ ...full, type }));
		for (const sentence of sentences) {
			expect(sentence).toMatch(/\.$/);
			expect(sentence).not.toMatch(/undefined|null|\?/);
		}
		expect(new Set(sentences).size).toBe(TIMELINE_TYPES.length);
		expect(say({ ...full, type: "acknowledged" })).toBe("Acknowledged by @ana in Slack.");
		expect(say({ ...full, type: "notified" })).toBe(
			"Told ops hook (webhook) of incident.triggered (attempt 2): not delivered, retrying, HTTP 503: 503 Service Unavailable.",
		);
		expect(say({ ...full, type: "resolved", by: { via: "alerts", name: null } })).toBe(
			"Resolved as all its alerts resolved.",
		);
	});
});
