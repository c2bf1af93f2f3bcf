import { describe, expect, it } from "vitest";
import { createEventBridgeIntegration, envelope, pushEvent } from "./eventbridge-helpers";
import {
	admin,
	alarmAt,
	createIntegration,
	listAlerts,
	moveClock,
	push,
	runAlarm,
	settingsRefusal,
} from "./helpers";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const firing = async (id: string) => (await listAlerts(id, "?status=firing")).alerts;
const quiet = async (id: string) =>
	(await firing(id)).filter((alert) => alert.alert_key === "alertgate:expect_within");

function fire(key: string, alertKey = "cpu") {
	return push(key, { event_status: "Warning", title_rule: alertKey, alert_key: alertKey });
}

/** An EventBridge event the integration takes without an alert (a state it ignores). */
function scheduled() {
	return envelope("aws.events", "Scheduled Event", {});
}

describe("expect_within: an integration that went quiet", () => {
	it("opens after the span with no push, and the next push resolves it", async () => {
		const { id, integration_key: key } = await createIntegration("billing", "standard", {
			expect_within: "1h",
		});
		await fire(key);
		await runAlarm(id);
		await moveClock(id, HOUR + 1_000);
		await runAlarm(id);
		const [alert] = await quiet(id);
		expect(alert).toMatchObject({
			title: "standard sent nothing for 1h",
			labels: { expect_within: "1h" },
		});
		expect(alert?.description).toContain("Last push: 20");
		// One alert, however many alarm runs.
		await moveClock(id, HOUR);
		await runAlarm(id);
		expect(await quiet(id)).toHaveLength(1);
		await fire(key);
		expect(await quiet(id)).toHaveLength(0);
		const resolved = (await listAlerts(id, "?status=resolved")).alerts;
		expect(resolved.map((one) => one.alert_key)).toContain("alertgate:expect_within");
	});

	it("a push in between re-arms it: the alarm at the old deadline finds it and moves on", async () => {
		const { id, integration_key: key } = await createIntegration("billing", "standard", {
			expect_within: "1h",
		});
		await fire(key);
		await runAlarm(id);
		const first = (await alarmAt(id)) ?? 0;
		expect(Math.abs(first - (Date.now() + HOUR))).toBeLessThan(5_000);
		await moveClock(id, 40 * MINUTE);
		await fire(key);
		// The push itself leaves the deadline alone (only the D1 list's write is set).
		await moveClock(id, 20 * MINUTE + 1_000);
		await runAlarm(id);
		expect(await quiet(id)).toHaveLength(0);
		const next = (await alarmAt(id)) ?? 0;
		expect(Math.abs(next - (Date.now() + 40 * MINUTE + HOUR))).toBeLessThan(5_000);
	});

	it("counts from when it was set when nothing was ever pushed", async () => {
		const { id } = await createIntegration("new", "standard", { expect_within: "30m" });
		expect(await alarmAt(id)).not.toBeNull();
		await moveClock(id, 30 * MINUTE + 1_000);
		await runAlarm(id);
		expect((await quiet(id))[0]?.description).toContain("Last push: never");
	});

	it("on an EventBridge integration, any accepted event counts, one that opens no alert too", async () => {
		const { id, integration_key: key } = await createEventBridgeIntegration({
			expect_within: "2h",
		});
		expect((await pushEvent(key, scheduled())).status).toBe(200);
		await moveClock(id, 2 * HOUR + 1_000);
		await runAlarm(id);
		expect((await quiet(id))[0]?.title).toBe("aws_eventbridge sent nothing for 2h");
		expect((await pushEvent(key, scheduled())).status).toBe(200);
		expect(await quiet(id)).toHaveLength(0);
	});

	it("is off when null, and turning it off resolves its alert", async () => {
		const { id, integration_key: key } = await createIntegration("billing", "standard", {
			expect_within: "1h",
		});
		await moveClock(id, HOUR + 1_000);
		await runAlarm(id);
		expect(await quiet(id)).toHaveLength(1);
		await admin("PATCH", `/integrations/${id}`, { settings: { expect_within: null } });
		expect(await quiet(id)).toHaveLength(0);
		await fire(key);
		await runAlarm(id);
		// Only the resolved alert's pruning, past the 30 days of retention, is left.
		expect(await alarmAt(id)).toBeGreaterThan(Date.now() + 29 * 24 * HOUR);
	});

	it("a push to an integration with neither setting leaves the alarm to its own work", async () => {
		const { id, integration_key: key } = await createIntegration();
		expect(await alarmAt(id)).toBeNull();
		await fire(key);
		// The D1 list's write, a second away; after it, nothing is due.
		expect(((await alarmAt(id)) ?? 0) - Date.now()).toBeLessThan(2_000);
		await runAlarm(id);
		expect(await alarmAt(id)).toBeNull();
	});

	it("refuses bad values with 400 naming the field, and heartbeats, whose period says it", async () => {
		for (const bad of ["30s", "31d", "soon", 5]) {
			expect(await settingsRefusal("standard", { expect_within: bad })).toContain(
				"settings.expect_within",
			);
		}
		expect(await settingsRefusal("aws_eventbridge", { expect_within: "0m" })).toContain(
			"settings.expect_within",
		);
		expect(await settingsRefusal("heartbeat", { period: "1h", expect_within: "2h" })).toContain(
			"expect_within",
		);
		const { settings } = await createIntegration();
		expect(settings.expect_within).toBeNull();
	});

	it("is not resolved by auto_resolve_after while the source stays quiet, nor put off by other settings", async () => {
		const { id, integration_key: key } = await createIntegration("quiet", "standard", {
			expect_within: "2h",
			auto_resolve_after: "4h",
		});
		await fire(key);
		await runAlarm(id);
		// A change of another setting does not move the deadline: it counts from the last push.
		await moveClock(id, HOUR);
		expect(
			(await admin("PATCH", `/integrations/${id}`, { settings: { retention: "60d" } })).status,
		).toBe(200);
		await moveClock(id, HOUR + 1_000);
		await runAlarm(id);
		expect(await quiet(id)).toHaveLength(1);
		// Days later, the source still quiet: the alert still fires (the pushed `cpu` timed out).
		await moveClock(id, 10 * 24 * HOUR);
		await runAlarm(id);
		expect(await quiet(id)).toHaveLength(1);
		expect((await firing(id)).map((alert) => alert.alert_key)).toEqual(["alertgate:expect_within"]);
	});

	it("counts again once a person resolved its alert", async () => {
		const { id, integration_key: key } = await createIntegration("resolved by hand", "standard", {
			expect_within: "1h",
		});
		await fire(key);
		await runAlarm(id);
		await moveClock(id, HOUR + 1_000);
		await runAlarm(id);
		const incidents = await admin("GET", `/incidents?integration_id=${id}&status=triggered`);
		const opened = incidents.body.data.incidents.find(
			(one: { title: string }) => one.title === "standard sent nothing for 1h",
		);
		expect(opened).toBeDefined();
		expect((await admin("POST", `/incidents/${opened.id}/resolve`)).status).toBe(200);
		expect(await quiet(id)).toHaveLength(0);
		// Still nothing pushed: the next alarm finds the watch quiet and opens it again.
		await moveClock(id, 1_000);
		await runAlarm(id);
		expect(await quiet(id)).toHaveLength(1);
	});

	it("refuses a pushed alert that takes a key alertgate keeps for its own alerts", async () => {
		const { id, integration_key: key } = await createIntegration("reserved", "standard", {
			expect_within: "1h",
		});
		const reply = await fire(key, "alertgate:expect_within");
		expect(reply.status).toBe(400);
		expect(reply.body.error?.message).toContain('alert_key "alertgate:expect_within" is reserved');
		expect(await firing(id)).toEqual([]);
	});
});
