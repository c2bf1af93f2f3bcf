import { describe, expect, it } from "vitest";
import {
	admin,
	alarmAt,
	call,
	createIntegration,
	listAlerts,
	moveClock,
	push,
	runAlarm,
	settingsRefusal,
} from "./helpers";

const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

async function watched(watchdog: Record<string, unknown> = { timeout: "10m" }) {
	return createIntegration("prometheus", "alertmanager", { watchdog });
}

/** An Alertmanager webhook carrying these alerts (name and status). */
function webhook(key: string, alerts: [string, "firing" | "resolved"][]) {
	return push(key, {
		version: "4",
		status: "firing",
		alerts: alerts.map(([alertname, status]) => ({
			status,
			labels: { alertname, severity: alertname === "Watchdog" ? "none" : "critical" },
			annotations: { summary: alertname },
			startsAt: iso(Date.now() - MINUTE),
			endsAt: status === "resolved" ? iso(Date.now()) : "0001-01-01T00:00:00Z",
		})),
	});
}

/** What Prometheus posts to an Alertmanager's API v2. */
function postAlerts(key: string, alerts: unknown) {
	return call("POST", `/push/${key}/api/v2/alerts`, {
		body: JSON.stringify(alerts),
		headers: { "Content-Type": "application/json" },
	});
}

const firing = async (id: string) => (await listAlerts(id, "?status=firing")).alerts;

describe("Alertmanager's Watchdog as a dead man's switch", () => {
	it("through the webhook: never an alert, answered heartbeat; its absence opens, its return resolves", async () => {
		const { id, integration_key: key } = await watched();
		const reply = await webhook(key, [
			["DiskFull", "firing"],
			["Watchdog", "firing"],
		]);
		expect(reply.status).toBe(200);
		const results = reply.body.data.results;
		expect(results.map((one: { result: string }) => one.result)).toEqual(["opened", "heartbeat"]);
		expect(results[1]).toMatchObject({ alert_id: null, alert_status: null });
		expect((await firing(id)).map((alert) => alert.title)).toEqual(["DiskFull"]);

		// Nine minutes on, the alarm run re-arms for the deadline and opens nothing.
		await moveClock(id, 9 * MINUTE);
		await runAlarm(id);
		expect(await firing(id)).toHaveLength(1);
		// Set for the Watchdog's deadline exactly: its arrival plus the timeout.
		expect(Math.abs((await alarmAt(id)) ?? 0) - (Date.now() + 10 * MINUTE)).toBeLessThan(5_000);
		await moveClock(id, MINUTE + 1_000);
		await runAlarm(id);
		const stopped = (await firing(id)).find((alert) => alert.alert_key === "alertgate:watchdog");
		expect(stopped).toMatchObject({
			title: "Alertmanager stopped sending",
			severity: "critical",
			labels: { watchdog: "missing", alertname: "Watchdog" },
		});
		expect(stopped?.description).toContain("Last seen: 20");
		// One alert, not one per alarm run.
		await moveClock(id, 10 * MINUTE);
		await runAlarm(id);
		expect(
			(await firing(id)).filter((alert) => alert.alert_key === "alertgate:watchdog"),
		).toHaveLength(1);

		await webhook(key, [["Watchdog", "firing"]]);
		expect((await firing(id)).map((alert) => alert.alert_key)).not.toContain("alertgate:watchdog");
		const resolved = (await listAlerts(id, "?status=resolved")).alerts;
		expect(resolved.map((alert) => alert.alert_key)).toContain("alertgate:watchdog");
	});

	it("a resolved Watchdog is no sign of life: answered ignored, and it does not re-arm", async () => {
		const { id, integration_key: key } = await watched({
			alertname: "DeadMansSwitch",
			timeout: "10m",
		});
		await webhook(key, [["DeadMansSwitch", "firing"]]);
		await moveClock(id, 8 * MINUTE);
		const reply = await webhook(key, [["DeadMansSwitch", "resolved"]]);
		expect(reply.body.data.results[0].result).toBe("ignored");
		await moveClock(id, 2 * MINUTE + 1_000);
		await runAlarm(id);
		expect((await firing(id)).map((alert) => alert.alert_key)).toEqual(["alertgate:watchdog"]);
		// Another alert named Watchdog is an ordinary alert here.
		const other = await webhook(key, [["Watchdog", "firing"]]);
		expect(other.body.data.results[0].result).toBe("opened");
	});

	it("through /api/v2/alerts, as Prometheus posts it", async () => {
		const { id, integration_key: key } = await watched({ timeout: "5m" });
		const watchdog = {
			labels: { alertname: "Watchdog", severity: "none" },
			annotations: { summary: "always firing" },
			startsAt: iso(Date.now() - MINUTE),
			endsAt: iso(Date.now() + 4 * MINUTE),
		};
		const reply = await postAlerts(key, [watchdog]);
		expect(reply.status).toBe(200);
		expect(await listAlerts(id)).toMatchObject({ alerts: [] });
		await moveClock(id, 5 * MINUTE + 1_000);
		await runAlarm(id);
		expect((await firing(id)).map((alert) => alert.alert_key)).toEqual(["alertgate:watchdog"]);
		// An endsAt in the past is a resolved Watchdog: it resolves nothing.
		await postAlerts(key, [{ ...watchdog, endsAt: iso(Date.now() - 1_000) }]);
		expect(await firing(id)).toHaveLength(1);
		await postAlerts(key, [watchdog]);
		expect(await firing(id)).toHaveLength(0);
	});

	it("counts from when the setting was set when no Watchdog ever came", async () => {
		const { id } = await watched({ timeout: "10m" });
		expect(await alarmAt(id)).not.toBeNull();
		await moveClock(id, 10 * MINUTE + 1_000);
		await runAlarm(id);
		expect((await firing(id))[0]?.description).toContain("Last seen: never");
		// Turned off, its alert resolves at once.
		await admin("PATCH", `/integrations/${id}`, { settings: { watchdog: null } });
		expect(await firing(id)).toHaveLength(0);
	});

	it("a silence mutes it; routes apply as to any alert", async () => {
		const { id, integration_key: key } = await watched();
		const made = await admin("POST", "/silences", {
			matchers: [{ field: "labels.watchdog", op: "equals", value: "missing" }],
			integration_ids: [id],
			ends_at: new Date(Date.now() + 86_400_000).toISOString(),
			comment: "Alertmanager upgrade",
			created_by: "ana",
		});
		expect(made.status).toBe(201);
		await webhook(key, [["Watchdog", "firing"]]);
		await moveClock(id, 11 * MINUTE);
		await runAlarm(id);
		const [alert] = await firing(id);
		expect(alert?.silenced_by).toBe(made.body.data.id);
		await admin("DELETE", `/silences/${made.body.data.id}`);
	});

	it("refuses bad watchdog settings with 400 naming the field", async () => {
		const refused = (watchdog: unknown) =>
			settingsRefusal("alertmanager", { watchdog } as Record<string, unknown>);
		expect(await refused({ timeout: "30s" })).toContain("settings.watchdog.timeout");
		expect(await refused({ timeout: "8d" })).toContain("settings.watchdog.timeout");
		expect(await refused({})).toContain("settings.watchdog.timeout");
		expect(await refused({ timeout: "10m", alertname: "" })).toContain(
			"settings.watchdog.alertname",
		);
		expect(await refused({ timeout: "10m", every: "1m" })).toContain("settings.watchdog");
		expect(await refused("10m")).toContain("settings.watchdog");
		expect(await settingsRefusal("standard", { watchdog: { timeout: "10m" } })).toContain(
			"watchdog",
		);
		const created = await watched();
		expect(created.settings.watchdog).toEqual({ alertname: "Watchdog", timeout: "10m" });
	});
});
