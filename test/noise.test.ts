import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { migrate } from "../src/durable/migrations";
import { Flaps, SWEEP_START } from "../src/durable/state/flaps";
import { warning } from "./factories";
import {
	admin,
	alarmAt,
	call,
	createIntegration,
	expectError,
	getIntegration,
	integrationStub,
	listAlerts,
	moveClock,
	runAlarm,
} from "./helpers";
import { fire, incidents, incidentsOf, labelEquals, recover } from "./incident-helpers";
import { later, notifiedIntegration, receivedBodies, unique, webhook } from "./notify-helpers";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** A channel with one webhook target and an integration private to it; `told()` lists its events. */
async function watched(settings?: Record<string, unknown>) {
	const path = unique("noise");
	const made = await notifiedIntegration([webhook(path)]);
	if (settings !== undefined) {
		const patched = await admin("PATCH", `/integrations/${made.id}`, { settings });
		expect(patched.status).toBe(200);
	}
	const told = async () =>
		(await receivedBodies(path)).map(
			(event) =>
				`${event.type} ${event.incident.alerts.map((a: { alert_key: string }) => a.alert_key).join(",")}`,
		);
	return { ...made, told };
}

async function alertsByKey(id: string) {
	const { alerts } = await listAlerts(id, "?limit=100");
	return (key: string) => alerts.find((alert) => alert.alert_key === key);
}

async function openIncidentKeys(integrationId: string): Promise<string[]> {
	await runAlarm(integrationId);
	const { incidents: list } = await incidents(`?integration_id=${integrationId}&status=triggered`);
	const keys: string[] = [];
	for (const incident of list) {
		const reply = await admin("GET", `/incidents/${incident.id}`);
		keys.push(...reply.body.data.alerts.map((alert: { alert_key: string }) => alert.alert_key));
	}
	return keys.sort();
}

const inAnHour = () => new Date(Date.now() + HOUR).toISOString();

async function silence(body: Record<string, unknown>) {
	const reply = await admin("POST", "/silences", {
		comment: "deploying the database",
		created_by: "ana",
		ends_at: inAnHour(),
		...body,
	});
	if (reply.status !== 201) throw new Error(`silence failed: ${JSON.stringify(reply.body)}`);
	return reply.body.data as { id: string; status: string };
}

describe("silences", () => {
	it("store a matching alert muted: no incident, no notification; an Ok still resolves it", async () => {
		const { id, integration_key, told } = await watched();
		const made = await silence({
			matchers: [labelEquals("service", "db")],
			integration_ids: [id],
		});
		expect(made.status).toBe("active");

		await fire(integration_key, "db-1", { labels: { service: "db" } });
		await fire(integration_key, "db-1", { labels: { service: "db" } });
		await fire(integration_key, "db-2", { labels: { service: "db" } });
		await fire(integration_key, "api-1", { labels: { service: "api" } });
		await recover(integration_key, "db-2");
		await runAlarm(id);

		const alert = await alertsByKey(id);
		expect(alert("db-1")).toMatchObject({ status: "firing", silenced_by: made.id, event_count: 2 });
		expect(alert("db-2")).toMatchObject({ status: "resolved", silenced_by: made.id });
		expect(alert("api-1")).toMatchObject({
			silenced_by: null,
			inhibited_by: null,
			flapping: false,
		});
		expect(await openIncidentKeys(id)).toEqual(["api-1"]);
		expect(await told()).toEqual(["incident.triggered api-1"]);

		// Expired while db-1 still fires: it is routed as if it had just opened.
		const expired = await admin("DELETE", `/silences/${made.id}`);
		expect(expired.body.data.status).toBe("expired");
		await runAlarm(id);
		expect((await alertsByKey(id))("db-1")).toMatchObject({ status: "firing", silenced_by: null });
		expect(await openIncidentKeys(id)).toEqual(["api-1", "db-1"]);
		expect(await told()).toEqual(["incident.triggered api-1", "incident.triggered db-1"]);
	});

	it("release an unrouted alert into an unrouted incident the list shows", async () => {
		const { id, integration_key } = await createIntegration();
		const made = await silence({
			matchers: [labelEquals("job", "backup")],
			integration_ids: [id],
		});
		await fire(integration_key, "backup-1", { labels: { job: "backup" } });
		await runAlarm(id);
		expect(await incidentsOf(id)).toEqual([]);
		await admin("DELETE", `/silences/${made.id}`);
		// The object scheduled its mirror within seconds (not at the silence's old end, an hour on).
		const alarm = await alarmAt(id);
		expect(alarm).not.toBeNull();
		expect(alarm ?? 0).toBeLessThan(Date.now() + 10_000);
		await runAlarm(id);
		const listed = await incidentsOf(id);
		expect(listed.map((incident) => [incident.channel_id, incident.status])).toEqual([
			[null, "triggered"],
		]);
		expect((await getIntegration(id)).intake.unrouted_count).toBe(1);
	});

	it("start and end while an alert fires, through the object's alarm", async () => {
		const { id, integration_key, told } = await watched();
		await fire(integration_key, "before", { labels: { team: "a" } });
		const made = await silence({
			matchers: [labelEquals("team", "a")],
			integration_ids: [id],
			starts_at: new Date(Date.now() + 10 * MINUTE).toISOString(),
		});
		expect(made.status).toBe("pending");
		// Expiring one that has not started yet ends it at once, before it ever starts.
		const early = await silence({
			matchers: [labelEquals("team", "b")],
			integration_ids: [id],
			starts_at: new Date(Date.now() + 10 * MINUTE).toISOString(),
		});
		const expired = (await admin("DELETE", `/silences/${early.id}`)).body.data;
		expect(expired.status).toBe("expired");
		expect(Date.parse(expired.starts_at)).toBe(Date.parse(expired.ends_at));
		await runAlarm(id);
		expect((await alertsByKey(id))("before")?.silenced_by).toBeNull();

		await later(id, 15 * MINUTE);
		// Started: what fires is marked; its incident stays as it was.
		expect((await alertsByKey(id))("before")?.silenced_by).toBe(made.id);
		await fire(integration_key, "during", { labels: { team: "a" } });
		await runAlarm(id);
		expect((await alertsByKey(id))("during")?.silenced_by).toBe(made.id);
		expect(await openIncidentKeys(id)).toEqual(["before"]);

		await later(id, HOUR);
		const alert = await alertsByKey(id);
		expect(alert("before")?.silenced_by).toBeNull();
		expect(alert("during")?.silenced_by).toBeNull();
		expect(await openIncidentKeys(id)).toEqual(["before", "during"]);
		expect(await told()).toEqual(["incident.triggered before", "incident.triggered during"]);
	});

	it("hold back the reminders of an incident whose firing alerts they all mute", async () => {
		const path = unique("reminders");
		const { id, integration_key } = await notifiedIntegration([
			webhook(path, "ok", { repeat: { every: "15m", times: 3 } }),
		]);
		const reminders = async () =>
			(await receivedBodies(path)).map(
				(event) => `${event.type} ${event.escalation?.repeat ?? ""}`,
			);
		await fire(integration_key, "paged", { labels: { service: "db" } });
		await runAlarm(id);
		const made = await silence({
			matchers: [labelEquals("service", "db")],
			integration_ids: [id],
		});
		// Two reminders were due while the silence ran: neither went out.
		await later(id, 16 * MINUTE);
		await later(id, 16 * MINUTE);
		expect(await reminders()).toEqual(["incident.triggered "]);
		await admin("DELETE", `/silences/${made.id}`);
		await later(id, 16 * MINUTE);
		expect(await reminders()).toEqual(["incident.triggered ", "incident.escalated 1"]);
	});

	it("limited to a channel mute only alerts routed there alone", async () => {
		const { id, channelId, integration_key } = await watched();
		const other = await notifiedIntegration([]);
		const made = await silence({
			matchers: [{ field: "severity", op: "equals", value: "warning" }],
			channel_ids: [other.channelId],
		});
		await fire(integration_key, "elsewhere");
		expect((await alertsByKey(id))("elsewhere")?.silenced_by).toBeNull();
		await fire(other.integration_key, "here");
		expect((await alertsByKey(other.id))("here")?.silenced_by).toBe(made.id);
		expect(channelId).not.toBe(other.channelId);
		await admin("DELETE", `/silences/${made.id}`);
	});

	it("apply from the next push after a change, without D1 on the push", async () => {
		const { id, integration_key } = await watched();
		const made = await silence({
			matchers: [labelEquals("host", "h1")],
			integration_ids: [id],
		});
		await fire(integration_key, "one", { labels: { host: "h1" } });
		const patched = await admin("PATCH", `/silences/${made.id}`, {
			matchers: [labelEquals("host", "h2")],
		});
		expect(patched.status).toBe(200);
		// The change reached the object: h1 is no longer silenced and is routed, h2 is.
		expect((await alertsByKey(id))("one")?.silenced_by).toBeNull();
		expect(await openIncidentKeys(id)).toEqual(["one"]);
		await fire(integration_key, "two", { labels: { host: "h2" } });
		expect((await alertsByKey(id))("two")?.silenced_by).toBe(made.id);
	});

	it("are listed, read, and refused with a message naming the field", async () => {
		const { id } = await watched();
		const made = await silence({
			matchers: [{ field: "title", op: "wildcard", value: "disk*" }],
			integration_ids: [id],
		});
		expect((await admin("GET", `/silences/${made.id}`)).body.data).toMatchObject({
			id: made.id,
			comment: "deploying the database",
			created_by: "ana",
			integration_ids: [id],
			status: "active",
		});
		const listed = await admin("GET", "/silences?limit=100");
		expect(listed.body.data.silences.map((s: { id: string }) => s.id)).toContain(made.id);

		const bad = (body: Record<string, unknown>) =>
			admin("POST", "/silences", {
				matchers: [{ field: "title", op: "equals", value: "x" }],
				comment: "c",
				created_by: "me",
				ends_at: inAnHour(),
				...body,
			});
		expect(expectError(await bad({ ends_at: undefined }), 400, "InvalidParameter")).toMatch(
			/^ends_at is required/,
		);
		expect(
			expectError(await bad({ ends_at: "2020-01-01T00:00:00Z" }), 400, "InvalidParameter"),
		).toMatch(/^ends_at must be after starts_at|^ends_at is in the past/);
		expect(expectError(await bad({ matchers: [] }), 400, "InvalidParameter")).toBe(
			"matchers must hold at least one condition",
		);
		expect(
			expectError(
				await bad({
					schedule: { days: ["mon"], start: "09:00", end: "10:00", time_zone: "Mars/Olympus" },
				}),
				400,
				"InvalidParameter",
			),
		).toMatch(/^schedule.time_zone must be an IANA time zone/);
		expect(
			expectError(
				await bad({
					matchers: [
						{ field: "title", op: "regex", value: `(?is)${"(?:.?){1000}".repeat(20)}\\x01` },
					],
				}),
				400,
				"InvalidParameter",
			),
		).toMatch(/^matchers\[0\]\.value is too costly/);
		expect(expectError(await bad({ integration_ids: ["nope"] }), 400, "InvalidParameter")).toBe(
			"integration_ids names no integration: nope",
		);
		expectError(await admin("GET", "/silences/nope"), 404, "SilenceNotFound");
		await admin("DELETE", `/silences/${made.id}`);
		expectError(
			await admin("PATCH", `/silences/${made.id}`, { comment: "again" }),
			409,
			"SilenceExpired",
		);
	});

	it("say what is saved, and how to apply it, when an integration could not be told", async () => {
		const { id, integration_key } = await watched();
		// The routing snapshot cannot be read: the silence is saved, but no object hears of it.
		await env.DB.exec("ALTER TABLE routes RENAME TO routes_away;");
		let reply: Awaited<ReturnType<typeof admin>>;
		try {
			reply = await admin("POST", "/silences", {
				matchers: [labelEquals("job", "told-late")],
				ends_at: inAnHour(),
				comment: "c",
				created_by: "me",
				integration_ids: [id],
			});
		} finally {
			await env.DB.exec("ALTER TABLE routes_away RENAME TO routes;");
		}
		const message = expectError(reply, 503, "IntegrationObjectUnavailable");
		const saved = (await admin("GET", "/silences?limit=100")).body.data.silences.find(
			(one: { integration_ids: string[] }) => one.integration_ids[0] === id,
		);
		// Saved, so audited, by its request id.
		const audit = (await admin("GET", "/audit?resource_type=silence&limit=100")).body.data.entries;
		expect(
			audit.find((e: { request_id: string }) => e.request_id === reply.body.request_id),
		).toMatchObject({
			action: "silence.create",
			changes: {
				saved: { before: null, after: true },
				applied_everywhere: { before: null, after: false },
			},
		});
		expect(message).toBe(
			`silence ${saved.id} is saved but did not reach every integration yet: send PATCH /api/v1/silences/${saved.id} with {} to apply it (repeating the POST would make a second one)`,
		);
		await fire(integration_key, "late", { labels: { job: "told-late" } });
		expect((await alertsByKey(id))("late")?.silenced_by).toBeNull();
		// As the message says: a PATCH with no change applies it to what fires.
		expect((await admin("PATCH", `/silences/${saved.id}`, {})).status).toBe(200);
		expect((await alertsByKey(id))("late")?.silenced_by).toBe(saved.id);
	});

	it("stay listed for 30 days after they end", async () => {
		const day = 86_400_000;
		const old = (id: string, endedDaysAgo: number) =>
			env.DB.prepare(
				`INSERT INTO silences (id, matchers, starts_at, ends_at, schedule, comment, created_by,
					integration_ids, channel_ids, created_at, updated_at)
				 VALUES (?1, '[{"field":"title","op":"exists"}]', ?2, ?3, NULL, 'old', 'me', '[]', '[]', 0, 0)`,
			)
				.bind(id, Date.now() - (endedDaysAgo + 1) * day, Date.now() - endedDaysAgo * day)
				.run();
		await old("ended-31-days-ago", 31);
		await old("ended-29-days-ago", 29);
		const { id } = await watched();
		await silence({
			matchers: [{ field: "title", op: "equals", value: "x" }],
			integration_ids: [id],
		});
		expectError(await admin("GET", "/silences/ended-31-days-ago"), 404, "SilenceNotFound");
		expect((await admin("GET", "/silences/ended-29-days-ago")).body.data.status).toBe("expired");
	});

	it("preview the firing alerts they would mute", async () => {
		const { id, integration_key } = await watched();
		await fire(integration_key, "p-db", { labels: { service: "db" } });
		await fire(integration_key, "p-api", { labels: { service: "api" } });
		const reply = await admin("POST", "/silences/preview", {
			matchers: [labelEquals("service", "db")],
			comment: "c",
			created_by: "me",
			ends_at: inAnHour(),
			integration_ids: [id],
		});
		expect(reply.status).toBe(200);
		expect(
			reply.body.data.alerts.map((a: { alert_key: string; integration_id: string }) => [
				a.alert_key,
				a.integration_id,
			]),
		).toEqual([["p-db", id]]);
		expect(reply.body.data.truncated).toBe(false);
		// Nothing was saved or muted.
		expect((await alertsByKey(id))("p-db")?.silenced_by).toBeNull();

		// 100 more db alerts: 100 are listed, and the answer says there are more.
		const more = Array.from({ length: 100 }, (_, i) =>
			warning(`p-db-${i}`, { title_rule: `db ${i}`, labels: { service: "db" } }),
		);
		const pushed = await call("POST", `/push/${integration_key}/batch`, {
			body: { events: more },
			headers: { "Content-Type": "application/json" },
		});
		expect(pushed.status).toBe(200);
		// The first to open is listed first, though it received an event since the others.
		await moveClock(id, 60_000);
		await fire(integration_key, "p-db", { labels: { service: "db" } });
		const full = await admin("POST", "/silences/preview", {
			matchers: [labelEquals("service", "db")],
			comment: "c",
			created_by: "me",
			ends_at: inAnHour(),
			integration_ids: [id],
		});
		expect(full.body.data.alerts).toHaveLength(100);
		expect(
			full.body.data.alerts.slice(0, 3).map((a: { alert_key: string }) => a.alert_key),
		).toEqual(["p-db", "p-db-0", "p-db-1"]);
		expect(full.body.data.truncated).toBe(true);
	});
});

describe("maintenance windows", () => {
	it("mute on schedule across a daylight-saving change in Europe/Berlin", async () => {
		const { id, integration_key, told } = await watched();
		const made = await silence({
			matchers: [labelEquals("env", "prod")],
			integration_ids: [id],
			ends_at: null,
			schedule: { days: ["sun"], start: "01:30", end: "03:30", time_zone: "Europe/Berlin" },
		});
		expect(made.status).toMatch(/pending|active/);
		// On 2027-03-28 the clocks go forward: the window runs 00:30–01:30 UTC, one hour.
		await moveClock(id, Date.parse("2027-03-28T00:45:00Z") - Date.now());
		await fire(integration_key, "nightly", { labels: { env: "prod" } });
		await fire(integration_key, "brief", { labels: { env: "prod" } });
		await recover(integration_key, "brief");
		// An Ok inside the window resolves a muted alert (read before the alarm: with the clock
		// moved a year on, the alarm prunes what resolved "a year ago").
		expect((await alertsByKey(id))("brief")).toMatchObject({
			status: "resolved",
			silenced_by: made.id,
		});
		await runAlarm(id);
		expect((await alertsByKey(id))("nightly")?.silenced_by).toBe(made.id);
		expect(await told()).toEqual([]);
		// 01:35 UTC: a two-hour window would still run; this one ended at 03:30 CEST.
		await later(id, 50 * MINUTE);
		expect((await alertsByKey(id))("nightly")?.silenced_by).toBeNull();
		expect(await told()).toEqual(["incident.triggered nightly"]);
		await admin("DELETE", `/silences/${made.id}`);
	});
});

describe("inhibit rules", () => {
	it("mute targets while the source fires, and route them when it resolves", async () => {
		const { id, integration_key, told } = await watched();
		const rule = await admin("POST", "/inhibit-rules", {
			source_matchers: [labelEquals("alertname", "NodeDown")],
			target_matchers: [{ field: "labels.alertname", op: "not_equals", value: "NodeDown" }],
			equal: ["instance"],
			integration_ids: [id],
		});
		expect(rule.status).toBe(201);
		await fire(integration_key, "node-a", { labels: { alertname: "NodeDown", instance: "a" } });
		await runAlarm(id);
		await fire(integration_key, "disk-a", { labels: { alertname: "DiskFull", instance: "a" } });
		await fire(integration_key, "cpu-a", { labels: { alertname: "CpuHigh", instance: "a" } });
		await fire(integration_key, "disk-b", { labels: { alertname: "DiskFull", instance: "b" } });
		const node = (await alertsByKey(id))("node-a");
		let alert = await alertsByKey(id);
		expect(alert("disk-a")?.inhibited_by).toBe(node?.id);
		expect(alert("disk-b")?.inhibited_by).toBeNull();
		expect(await openIncidentKeys(id)).toEqual(["disk-b", "node-a"]);
		// An Ok resolves an inhibited alert.
		await recover(integration_key, "cpu-a");
		expect((await alertsByKey(id))("cpu-a")?.status).toBe("resolved");

		await runAlarm(id);
		await recover(integration_key, "node-a");
		await runAlarm(id);
		alert = await alertsByKey(id);
		expect(alert("disk-a")).toMatchObject({ status: "firing", inhibited_by: null });
		expect(await openIncidentKeys(id)).toEqual(["disk-a", "disk-b"]);
		expect(await told()).toEqual([
			"incident.triggered node-a",
			"incident.triggered disk-b",
			"incident.resolved node-a",
			"incident.triggered disk-a",
		]);
		expect((await admin("DELETE", `/inhibit-rules/${rule.body.data.id}`)).status).toBe(200);
	});

	it("are validated and listed", async () => {
		expect(
			expectError(
				await admin("POST", "/inhibit-rules", { source_matchers: [], target_matchers: [] }),
				400,
				"InvalidParameter",
			),
		).toBe("source_matchers must hold at least one condition");
		const made = await admin("POST", "/inhibit-rules", {
			source_matchers: [{ field: "severity", op: "equals", value: "critical" }],
			target_matchers: [{ field: "severity", op: "equals", value: "info" }],
			integration_ids: [(await watched()).id],
		});
		const listed = await admin("GET", "/inhibit-rules?limit=100");
		expect(listed.body.data.inhibit_rules.map((r: { id: string }) => r.id)).toContain(
			made.body.data.id,
		);
		const patched = await admin("PATCH", `/inhibit-rules/${made.body.data.id}`, {
			equal: ["cluster"],
		});
		expect(
			expectError(
				await admin("PATCH", `/inhibit-rules/${made.body.data.id}`, { bogus: 1 }),
				400,
				"InvalidParameter",
			),
		).toBe("the body has unknown field bogus");
		expect(
			expectError(
				await admin("PATCH", `/inhibit-rules/${made.body.data.id}`, { equal: [""] }),
				400,
				"InvalidParameter",
			),
		).toBe("equal[0] must not hold an empty name");
		expect(patched.body.data.equal).toEqual(["cluster"]);
		await admin("DELETE", `/inhibit-rules/${made.body.data.id}`);
		expectError(
			await admin("GET", `/inhibit-rules/${made.body.data.id}`),
			404,
			"InhibitRuleNotFound",
		);
		// Deleting again tells the integrations again, and answers as the first time did.
		const again = await admin("DELETE", `/inhibit-rules/${made.body.data.id}`);
		expect(again.body.data).toEqual({ id: made.body.data.id, deleted: true });
		const after = await admin("GET", "/inhibit-rules?limit=100");
		expect(after.body.data.inhibit_rules.map((r: { id: string }) => r.id)).not.toContain(
			made.body.data.id,
		);
		expectError(await admin("DELETE", "/inhibit-rules/nope"), 404, "InhibitRuleNotFound");
	});
});

describe("flapping", () => {
	it("tells the incident once, then holds the key quiet until stable for the window", async () => {
		const { id, integration_key, told } = await watched();
		for (let round = 0; round < 2; round++) {
			await fire(integration_key, "flappy");
			await runAlarm(id);
			await recover(integration_key, "flappy");
			await runAlarm(id);
		}
		await runAlarm(id);
		expect(await told()).toEqual([
			"incident.triggered flappy",
			"incident.resolved flappy",
			"incident.triggered flappy",
			"incident.resolved flappy",
			"incident.flapping flappy",
		]);
		// The incident the key was last in says so in its timeline, once.
		const [last] = (await admin("GET", `/incidents?integration_id=${id}&status=resolved`)).body.data
			.incidents;
		const entries = (await admin("GET", `/incidents/${last.id}/timeline`)).body.data.entries;
		expect(entries.filter((e: { type: string }) => e.type === "flapping")).toEqual([
			expect.objectContaining({ alert_key: "flappy", changes: 4, window_ms: 60 * MINUTE }),
		]);
		// Flapping now: it opens and resolves, quietly, marked.
		await fire(integration_key, "flappy");
		await recover(integration_key, "flappy");
		expect((await alertsByKey(id))("flappy")).toMatchObject({ status: "resolved", flapping: true });
		await fire(integration_key, "flappy");
		await runAlarm(id);
		expect((await alertsByKey(id))("flappy")).toMatchObject({ status: "firing", flapping: true });
		expect(await openIncidentKeys(id)).toEqual([]);
		expect(await told()).toHaveLength(5);
		// Stable for the window while firing: routed as if it had just opened.
		await later(id, 61 * MINUTE);
		expect((await alertsByKey(id))("flappy")).toMatchObject({ status: "firing", flapping: false });
		expect(await openIncidentKeys(id)).toEqual(["flappy"]);
		expect((await told()).at(-1)).toBe("incident.triggered flappy");
		// An Ok resolves it.
		await recover(integration_key, "flappy");
		expect((await alertsByKey(id))("flappy")?.status).toBe("resolved");
	});

	it("forgets a key's record once a window has passed without a change, in the alarm", async () => {
		const { id, integration_key } = await watched();
		const recorded = () =>
			runInDurableObject(integrationStub(id), (_object, state) =>
				state.storage.sql
					.exec<{ alert_key: string }>("SELECT alert_key FROM key_flaps ORDER BY alert_key")
					.toArray()
					.map((row) => row.alert_key),
			);
		await fire(integration_key, "early");
		await recover(integration_key, "early");
		await later(id, 30 * MINUTE);
		await fire(integration_key, "late");
		expect(await recorded()).toEqual(["early", "late"]);
		// The early key's window ended at 60 minutes, the late one's runs to 90.
		await later(id, 31 * MINUTE);
		expect(await recorded()).toEqual(["late"]);
		// A change after its record went counts from nothing: one change, not flapping.
		await fire(integration_key, "early");
		expect((await alertsByKey(id))("early")).toMatchObject({ status: "firing", flapping: false });
		expect(await recorded()).toEqual(["early", "late"]);
	});

	it("sweeps the records in key order, a bounded batch a call, starting over after the last", async () => {
		const stub = env.INTEGRATION.getByName(crypto.randomUUID());
		const seen = await runInDurableObject(stub, (_object, state) => {
			const { sql } = state.storage;
			migrate(sql);
			// k00…k11: every third still inside its window, every fourth flapping, the rest stale.
			for (let i = 0; i < 12; i++) {
				sql.exec(
					"INSERT INTO key_flaps (alert_key, changes, flapping, quiet_at) VALUES (?, '[1]', ?, ?)",
					`k${String(i).padStart(2, "0")}`,
					i % 4 === 0 ? 1 : 0,
					i % 3 === 0 ? 2_000 : 500,
				);
			}
			const flaps = new Flaps(sql);
			const left = () =>
				sql
					.exec<{ alert_key: string }>("SELECT alert_key FROM key_flaps ORDER BY alert_key")
					.toArray()
					.map((row) => row.alert_key);
			let after = SWEEP_START;
			const calls = [0, 1, 2].map(() => {
				const { forgot, next } = flaps.prune(1_000, 5, after);
				after = next;
				return { forgot, next, left: left() };
			});
			// Starting over: a record gone stale since is found on the next pass.
			sql.exec("UPDATE key_flaps SET quiet_at = 500 WHERE alert_key = 'k03'");
			return { calls, again: flaps.prune(1_000, 5, after), left: left() };
		});
		const kept = ["k00", "k03", "k04", "k06", "k08", "k09"];
		expect(seen.calls).toEqual([
			{ forgot: 2, next: "k04", left: [...kept, "k05", "k07", "k10", "k11"].sort() },
			{ forgot: 2, next: "k09", left: [...kept, "k10", "k11"] },
			{ forgot: 2, next: SWEEP_START, left: kept },
		]);
		expect(seen).toMatchObject({
			// k00, k03, k04, k06 and k08 are the first five left.
			again: { forgot: 1, next: "k08" },
			left: kept.filter((key) => key !== "k03"),
		});
	});

	it("goes on with the sweep where the last alarm run stopped, kept in storage, not memory", async () => {
		const { id, integration_key } = await watched();
		const stub = integrationStub(id);
		// Records of 600 keys long quiet, as a flood of keys would leave them.
		await runInDurableObject(stub, (_object, state) => {
			for (let i = 0; i < 600; i++) {
				state.storage.sql.exec(
					"INSERT INTO key_flaps (alert_key, changes, flapping, quiet_at) VALUES (?, '[1]', 0, 1)",
					`old-${String(i).padStart(3, "0")}`,
				);
			}
		});
		const sweep = () =>
			runInDurableObject(stub, (_object, state) => ({
				old: state.storage.sql
					.exec<{ n: number }>("SELECT count(*) AS n FROM key_flaps WHERE alert_key LIKE 'old-%'")
					.one().n,
				sweptTo: state.storage.sql
					.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'flaps_swept_to'")
					.toArray()[0]?.value,
			}));
		// Each push leaves the alarm the D1 mirror's run, which sweeps too.
		await fire(integration_key, "zz-a");
		expect(await runAlarm(id)).toBe(true);
		expect(await sweep()).toEqual({ old: 100, sweptTo: "old-499" });
		await fire(integration_key, "zz-b");
		expect(await runAlarm(id)).toBe(true);
		// The rest, then the live keys after them; past the last record it starts over.
		expect(await sweep()).toEqual({ old: 0, sweptTo: SWEEP_START });
	});

	it("is settable per integration, and off with null", async () => {
		const { id, integration_key, told } = await watched({ flapping: null });
		for (let round = 0; round < 3; round++) {
			await fire(integration_key, "k");
			await recover(integration_key, "k");
		}
		await runAlarm(id);
		expect((await told()).filter((line) => line.startsWith("incident.triggered"))).toHaveLength(3);
		const tight = await watched({ flapping: { changes: 2, window: "5m" } });
		await fire(tight.integration_key, "k");
		await recover(tight.integration_key, "k");
		await fire(tight.integration_key, "k");
		expect((await alertsByKey(tight.id))("k")?.flapping).toBe(true);
		expect(
			expectError(
				await admin("PATCH", `/integrations/${id}`, {
					settings: { flapping: { changes: 1, window: "1h" } },
				}),
				400,
				"InvalidParameter",
			),
		).toBe("settings.flapping.changes must be at least 2");
	});
});
