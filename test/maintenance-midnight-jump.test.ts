import { describe, expect, it } from "vitest";
import { admin, createIntegration, listAlerts, moveClock, runAlarm } from "./helpers";
import { fire } from "./incident-helpers";
import { later } from "./notify-helpers";

const MINUTE = 60_000;

async function silencedBy(id: string, key: string) {
	const { alerts } = await listAlerts(id);
	return alerts.find((alert) => alert.alert_key === key)?.silenced_by;
}

describe("a maintenance window starting at a midnight the clocks skip", () => {
	it("mutes what already fires from the jump (America/Santiago, 2027-09-05)", async () => {
		const { id, integration_key } = await createIntegration();
		// Saturday 23:30 -04 in Santiago; at 00:00 the clocks go to 01:00 -03 (04:00 UTC).
		await moveClock(id, Date.parse("2027-09-05T03:30:00Z") - Date.now());
		await fire(integration_key, "nightly", { labels: { env: "prod" } });
		const made = await admin("POST", "/silences", {
			matchers: [{ field: "labels.env", op: "equals", value: "prod" }],
			integration_ids: [id],
			starts_at: "2027-01-01T00:00:00Z",
			ends_at: null,
			schedule: { days: ["sun"], start: "00:00", end: "06:00", time_zone: "America/Santiago" },
			comment: "sunday patching",
			created_by: "ops",
		});
		expect(made.status).toBe(201);
		await runAlarm(id);
		expect(await silencedBy(id, "nightly")).toBeNull();
		// 04:01 UTC, a minute after the jump: the object's alarm looks at what fires again.
		await later(id, 31 * MINUTE);
		expect(await silencedBy(id, "nightly")).toBe(made.body.data.id);
		// 06:00 -03 (09:00 UTC): the window ends.
		await later(id, 5 * 60 * MINUTE);
		expect(await silencedBy(id, "nightly")).toBeNull();
	});
});
