import { exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { page, signIn } from "./dashboard-helpers";
import {
	admin,
	alarmAt,
	BASE,
	createIntegration,
	getIntegration,
	listAlerts,
	moveClock,
	runAlarm,
	settingsRefusal,
} from "./helpers";

/** A ping through the worker, answered in plain text as Healthchecks.io answers. */
async function ping(key: string, suffix = "", method = "GET", body?: string) {
	const response = await exports.default.fetch(
		new Request(`${BASE}/ping/${key}${suffix}`, { method, body }),
	);
	return { status: response.status, text: await response.text(), headers: response.headers };
}

async function heartbeat(settings: Record<string, unknown> = { period: "1h", grace: "5m" }) {
	return createIntegration("nightly backup", "heartbeat", settings);
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe("heartbeat pings, in Healthchecks.io's shape", () => {
	it("takes GET, HEAD and POST success pings and answers plain OK", async () => {
		const { id, integration_key: key } = await heartbeat();
		for (const method of ["GET", "HEAD", "POST"]) {
			const reply = await ping(key, "", method);
			expect(reply.status, method).toBe(200);
			expect(reply.text).toBe(method === "HEAD" ? "" : "OK");
			expect(reply.headers.get("Content-Type")).toMatch(/^text\/plain/);
		}
		const view = (await getIntegration(id)).heartbeat;
		expect(view.status).toBe("up");
		expect(view.last_ping_kind).toBe("success");
		const pings = (await admin("GET", `/integrations/${id}/pings`)).body.data.pings;
		expect(pings.map((one: { method: string }) => one.method)).toEqual(["POST", "HEAD", "GET"]);
	});

	it("reads start, fail, log and exit statuses 0, 1 and 255; 256 is Healthchecks' 400", async () => {
		const { id, integration_key: key } = await heartbeat();
		expect((await ping(key, "/start")).text).toBe("OK");
		await moveClock(id, 42_000);
		expect((await ping(key, "/0")).status).toBe(200);
		expect((await getIntegration(id)).heartbeat.status).toBe("up");
		expect((await ping(key, "/log", "POST", "rotated 3 files")).status).toBe(200);
		expect((await getIntegration(id)).heartbeat.last_ping_kind).toBe("success");
		expect((await ping(key, "/1")).status).toBe(200);
		expect((await getIntegration(id)).heartbeat).toMatchObject({
			status: "down",
			down_reason: "failed",
		});
		expect((await ping(key, "/255")).status).toBe(200);
		expect(await ping(key, "/256")).toMatchObject({ status: 400, text: "invalid url format" });
		expect(await ping(key, "/0000000000001")).toMatchObject({
			status: 400,
			text: "invalid url format",
		});
		expect(await ping(key, "/nope")).toMatchObject({ status: 404, text: "not found" });
		expect((await ping(key, "/fail")).status).toBe(200);
		const pings = (await admin("GET", `/integrations/${id}/pings?limit=10`)).body.data.pings;
		expect(
			pings.map((one: { kind: string; exit_status: number | null }) => [one.kind, one.exit_status]),
		).toEqual([
			["fail", null],
			["fail", 255],
			["fail", 1],
			["log", null],
			["success", 0],
			["start", null],
		]);
		// The run time is measured from /start to the ping that ends the run.
		expect(pings[4].run_ms).toBeGreaterThanOrEqual(42_000);
		expect(pings[4].run_ms).toBeLessThan(52_000);
		const firing = (await listAlerts(id, "?status=firing")).alerts;
		expect(firing).toHaveLength(1);
		expect(firing[0]?.labels).toMatchObject({ reason: "failed" });
	});

	it("answers an unknown or malformed key 404 not found, and another type's key 400", async () => {
		const { integration_key: key } = await heartbeat();
		const unknown = `${key.slice(0, -4)}AAAA`;
		expect(await ping(unknown)).toMatchObject({ status: 404, text: "not found" });
		expect(await ping("not-a-key")).toMatchObject({ status: 404, text: "not found" });
		const standard = await createIntegration();
		const spy = vi.spyOn(console, "log").mockImplementation(() => {});
		try {
			const other = await ping(standard.integration_key);
			expect(other.status).toBe(400);
			expect(other.text).toContain("standard integration");
			// Logged as every refused push is, without the key.
			const lines = spy.mock.calls.map(([line]) => String(line));
			const refused = lines.filter((line) => line.includes('"push_refused"'));
			expect(refused.some((line) => line.includes('"code":"WrongIntegrationType"'))).toBe(true);
			expect(lines.join("\n")).not.toContain(standard.integration_key);
		} finally {
			spy.mockRestore();
		}
	});

	it("keeps a POST body as the run's output, its first 10,000 bytes, and shows it on the alert", async () => {
		const { id, integration_key: key } = await heartbeat();
		const output = `${"é".repeat(4_999)}xyz`;
		expect((await ping(key, "/fail", "POST", output)).status).toBe(200);
		const [kept] = (await admin("GET", `/integrations/${id}/pings?limit=1`)).body.data.pings;
		// 10,001 bytes: the cut keeps 10,000, and never half a character.
		expect(new TextEncoder().encode(kept.body).length).toBe(10_000);
		expect(kept.body).toBe(`${"é".repeat(4_999)}xy`);
		expect((await ping(key, "/fail", "POST", `${"x".repeat(9_999)}é`)).status).toBe(200);
		const [cut] = (await admin("GET", `/integrations/${id}/pings?limit=1`)).body.data.pings;
		expect(cut.body).toBe("x".repeat(9_999));
		const [alert] = (await listAlerts(id, "?status=firing")).alerts;
		expect(alert?.description).toContain("Output of the last run:\nxxx");
	});

	it("counts a push to its push URL as a success ping", async () => {
		const { id, integration_key: key } = await heartbeat();
		const reply = await exports.default.fetch(
			new Request(`${BASE}/push/${key}`, { method: "POST", body: "done" }),
		);
		expect(await reply.text()).toBe("OK");
		expect((await getIntegration(id)).heartbeat.status).toBe("up");
	});
});

describe("heartbeat states", () => {
	it("is new, up, late inside grace, down past it (one alert), and up again on a success", async () => {
		const { id, integration_key: key } = await heartbeat({ period: "1h", grace: "10m" });
		expect((await getIntegration(id)).heartbeat.status).toBe("new");
		// Never pinged: nothing is due, no alarm.
		expect(await alarmAt(id)).toBeNull();
		await ping(key, "", "POST", "backup: 12 GB");
		const up = (await getIntegration(id)).heartbeat;
		expect(up.status).toBe("up");
		const due = Date.parse(up.next_due_at);
		// The alarm is set for the exact moment it goes down: due plus grace.
		expect(Date.parse(up.down_at)).toBe(due + 10 * MINUTE);
		expect(await alarmAt(id)).toBe(due + 10 * MINUTE);
		await moveClock(id, HOUR + MINUTE);
		expect((await getIntegration(id)).heartbeat.status).toBe("late");
		await runAlarm(id);
		expect((await listAlerts(id, "?status=firing")).alerts).toHaveLength(0);
		await moveClock(id, 10 * MINUTE);
		await runAlarm(id);
		expect((await getIntegration(id)).heartbeat).toMatchObject({
			status: "down",
			down_reason: "missed",
		});
		const firing = (await listAlerts(id, "?status=firing")).alerts;
		expect(firing).toHaveLength(1);
		expect(firing[0]).toMatchObject({ severity: "critical", alert_key: "alertgate:heartbeat" });
		expect(firing[0]?.title).toContain("Heartbeat missed: no ping since");
		expect(firing[0]?.description).toContain("backup: 12 GB");
		// Still down: another alarm opens nothing more.
		await runAlarm(id);
		expect((await listAlerts(id)).alerts).toHaveLength(1);
		await ping(key);
		expect((await getIntegration(id)).heartbeat.status).toBe("up");
		expect((await listAlerts(id, "?status=resolved")).alerts).toHaveLength(1);
	});

	it("a routine ping moves the alarm to the new deadline, so a heartbeat on time runs no alarm", async () => {
		const { id, integration_key: key } = await heartbeat({ period: "1h", grace: "5m" });
		await ping(key);
		await moveClock(id, 30 * MINUTE);
		await ping(key);
		const { down_at } = (await getIntegration(id)).heartbeat;
		// Not left at the first deadline, half an hour sooner: moved later, to the new one.
		expect(await alarmAt(id)).toBe(Date.parse(down_at));
	});

	it("opens when a run started and sent nothing within max_runtime", async () => {
		const { id, integration_key: key } = await heartbeat({
			period: "1d",
			grace: "1h",
			max_runtime: "20m",
		});
		await ping(key);
		await ping(key, "/start");
		await moveClock(id, 20 * MINUTE);
		await runAlarm(id);
		expect((await getIntegration(id)).heartbeat).toMatchObject({
			status: "down",
			down_reason: "max_runtime",
		});
		const [alert] = (await listAlerts(id, "?status=firing")).alerts;
		expect(alert?.title).toContain("did not finish within 1200s");
		await ping(key);
		expect((await listAlerts(id, "?status=firing")).alerts).toHaveLength(0);
	});

	it("pauses (its alert resolves, pings change nothing) and resumes", async () => {
		const { id, integration_key: key } = await heartbeat();
		await ping(key, "/fail");
		const paused = await admin("POST", `/integrations/${id}/pause`);
		expect(paused.body.data.status).toBe("paused");
		expect((await listAlerts(id, "?status=firing")).alerts).toHaveLength(0);
		await ping(key, "/fail");
		expect((await getIntegration(id)).heartbeat.status).toBe("paused");
		expect((await listAlerts(id, "?status=firing")).alerts).toHaveLength(0);
		expect((await getIntegration(id)).heartbeat.down_at).toBeNull();
		const resumed = await admin("POST", `/integrations/${id}/resume`);
		expect(resumed.body.data.status).toBe("new");
		const standard = await createIntegration();
		expect((await admin("POST", `/integrations/${standard.id}/pause`)).status).toBe(409);
	});

	it("follows a cron schedule in its time zone across a change of daylight saving time", async () => {
		const { id, integration_key: key } = await heartbeat({
			schedule: "0 9 * * *",
			tz: "America/New_York",
			grace: "30m",
		});
		// Saturday 13 March 2027, 09:05 EST (14:05 UTC); clocks go forward on Sunday at 02:00.
		await moveClock(id, Date.parse("2027-03-13T14:05:00Z") - Date.now());
		await ping(key);
		// Sunday's 09:00 is EDT: 13:00 UTC, not 14:00.
		expect((await getIntegration(id)).heartbeat.next_due_at).toBe("2027-03-14T13:00:00.000Z");
		expect(await alarmAt(id)).toBe(Date.parse("2027-03-14T13:30:00Z"));
		await ping(key);
		expect((await getIntegration(id)).heartbeat.next_due_at).toBe("2027-03-14T13:00:00.000Z");
		await moveClock(id, Date.parse("2027-03-14T13:31:00Z") - Date.parse("2027-03-13T14:05:00Z"));
		await runAlarm(id);
		expect((await getIntegration(id)).heartbeat.status).toBe("down");
	});

	it("a changed period applies from the last success", async () => {
		const { id, integration_key: key } = await heartbeat({ period: "1h", grace: "5m" });
		await ping(key);
		const before = Date.parse((await getIntegration(id)).heartbeat.next_due_at);
		await admin("PATCH", `/integrations/${id}`, { settings: { period: "2h" } });
		expect(Date.parse((await getIntegration(id)).heartbeat.next_due_at)).toBe(before + HOUR);
	});
});

describe("heartbeats and what mutes alerts", () => {
	it("a silence or a maintenance window mutes a missed heartbeat; its recovery still resolves", async () => {
		const { id, integration_key: key } = await heartbeat({ period: "1h", grace: "5m" });
		const made = await admin("POST", "/silences", {
			matchers: [{ field: "labels.heartbeat", op: "equals", value: "down" }],
			integration_ids: [id],
			ends_at: new Date(Date.now() + 7 * 24 * HOUR).toISOString(),
			comment: "backup host replaced",
			created_by: "ana",
		});
		expect(made.status).toBe(201);
		await ping(key);
		await moveClock(id, HOUR + 5 * MINUTE);
		await runAlarm(id);
		const [alert] = (await listAlerts(id, "?status=firing")).alerts;
		expect(alert?.silenced_by).toBe(made.body.data.id);
		await ping(key);
		expect((await listAlerts(id, "?status=firing")).alerts).toHaveLength(0);
		await admin("DELETE", `/silences/${made.body.data.id}`);

		const window = await admin("POST", "/silences", {
			matchers: [{ field: "labels.reason", op: "equals", value: "failed" }],
			integration_ids: [id],
			starts_at: "2026-01-01T00:00:00Z",
			ends_at: null,
			schedule: {
				days: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
				start: "00:00",
				end: "23:59",
				time_zone: "UTC",
			},
			comment: "always",
			created_by: "ana",
		});
		expect(window.status).toBe(201);
		await ping(key, "/fail");
		const [failed] = (await listAlerts(id, "?status=firing")).alerts;
		expect(failed?.silenced_by).toBe(window.body.data.id);
	});
});

describe("heartbeat settings", () => {
	it("refuses bad settings with 400 naming the field", async () => {
		expect(await settingsRefusal("heartbeat", { period: "5x" })).toContain("settings.period");
		expect(await settingsRefusal("heartbeat", { period: "5s" })).toContain("settings.period");
		expect(await settingsRefusal("heartbeat", { period: "1h", grace: "1s" })).toContain(
			"settings.grace",
		);
		expect(
			await settingsRefusal("heartbeat", { schedule: "0 3 * * *", tz: "Mars/Olympus" }),
		).toContain("settings.tz");
		expect(await settingsRefusal("heartbeat", { schedule: "0 0 30 2 *" })).toContain(
			"settings.schedule",
		);
		expect(await settingsRefusal("heartbeat", { schedule: "* * *" })).toContain(
			"settings.schedule",
		);
		expect(await settingsRefusal("heartbeat", { period: "1h", schedule: "0 3 * * *" })).toContain(
			"settings.schedule",
		);
		expect(await settingsRefusal("heartbeat", {})).toContain("settings.period");
		expect(await settingsRefusal("heartbeat", { period: "1h", severity: "fatal" })).toContain(
			"settings.severity",
		);
	});
});

describe("the alarm itself (real time, no moved clock)", () => {
	it("opens a missed heartbeat within grace plus 2 seconds of its deadline", async () => {
		const { id, integration_key: key } = await heartbeat({ period: "10s", grace: "5s" });
		await ping(key);
		const { down_at } = (await getIntegration(id)).heartbeat;
		const deadline = Date.parse(down_at);
		expect(await alarmAt(id)).toBe(deadline);
		let openedAt: number | null = null;
		while (openedAt === null && Date.now() < deadline + 5_000) {
			await new Promise((resolve) => setTimeout(resolve, 100));
			if ((await listAlerts(id, "?status=firing")).alerts.length > 0) openedAt = Date.now();
		}
		expect(openedAt).not.toBeNull();
		expect((openedAt ?? 0) - deadline).toBeLessThan(2_000);
	}, 30_000);
});

describe("the dashboard's integration page", () => {
	it("shows a heartbeat's state and its latest pings with run times", async () => {
		const { id, integration_key: key } = await heartbeat();
		await ping(key, "/start");
		await ping(key, "", "POST", "12 GB copied");
		const cookie = await signIn();
		const html = (await page("GET", `/dashboard/integrations/${id}`, { cookie })).html;
		expect(html).toContain("Heartbeat: up");
		expect(html).toContain("12 GB copied");
	});
});
