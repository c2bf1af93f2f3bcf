import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
	admin,
	alarmAt,
	createIntegration,
	expectError,
	getIntegration,
	listAlerts,
	moveClock,
	runAlarm,
} from "./helpers";
import {
	channelByTitle,
	createChannel,
	fire,
	firstIncident,
	incidents,
	incidentsOf,
	integrationWithChannel,
	labelEquals,
	recover,
	routedIntegration,
} from "./incident-helpers";

describe("routing through the push URL", () => {
	it("sends an alert to the first matching rule's channels, stopping there", async () => {
		const [db, web, rest] = [await createChannel(), await createChannel(), await createChannel()];
		const { id, integration_key } = await routedIntegration({
			rules: [
				{ conditions: [labelEquals("team", "db")], channel_ids: [db.id] },
				{ conditions: [{ field: "labels.team", op: "exists" }], channel_ids: [web.id] },
			],
			default_channel_id: rest.id,
		});
		await fire(integration_key, "a", { labels: { team: "db" } });
		await fire(integration_key, "b", { labels: { team: "web" } });
		await fire(integration_key, "c");
		await runAlarm(id);
		expect(await channelByTitle(id)).toEqual({ a: db.id, b: web.id, c: rest.id });
	});

	it("opens one incident per channel when a rule says continue", async () => {
		const [db, pager] = [await createChannel(), await createChannel()];
		const { id, integration_key } = await routedIntegration({
			rules: [
				{ conditions: [labelEquals("team", "db")], channel_ids: [db.id], continue: true },
				{
					conditions: [{ field: "severity", op: "equals", value: "critical" }],
					channel_ids: [pager.id],
				},
			],
		});
		await fire(integration_key, "a", { labels: { team: "db" }, event_status: "Critical" });
		await runAlarm(id);
		const listed = await incidentsOf(id);
		expect(listed.map((i) => i.channel_id).sort()).toEqual([db.id, pager.id].sort());

		// Both incidents resolve when their one alert resolves.
		await recover(integration_key, "a");
		await runAlarm(id);
		expect((await incidentsOf(id)).map((i) => i.status)).toEqual(["resolved", "resolved"]);
	});

	it("holds an alert that matches nothing and has no default as unrouted, and counts it", async () => {
		const channel = await createChannel();
		const { id, integration_key } = await routedIntegration({
			rules: [{ conditions: [labelEquals("team", "db")], channel_ids: [channel.id] }],
		});
		await fire(integration_key, "orphan", { labels: { team: "nobody" } });
		await runAlarm(id);
		const unrouted = (await incidents(`?unrouted=true&integration_id=${id}`)).incidents;
		expect(unrouted).toEqual([
			expect.objectContaining({ title: "orphan", channel_id: null, status: "triggered" }),
		]);
		expect((await incidents(`?unrouted=false&integration_id=${id}`)).incidents).toEqual([]);
		expect((await getIntegration(id)).unrouted_count).toBe(1);
	});

	it("decides routing when an alert opens: later events follow it, new routes apply to new alerts", async () => {
		const [first, second] = [await createChannel(), await createChannel()];
		const { id, integration_key } = await routedIntegration({
			rules: [{ conditions: [], channel_ids: [first.id] }],
		});
		await fire(integration_key, "old");
		await admin("PUT", `/integrations/${id}/routes`, {
			rules: [{ conditions: [], channel_ids: [second.id] }],
		});
		await fire(integration_key, "old", { event_status: "Critical" });
		await fire(integration_key, "new");
		await runAlarm(id);
		const listed = await incidentsOf(id);
		expect(
			Object.fromEntries(listed.map((i) => [i.title, [i.channel_id, i.severity, i.alert_count]])),
		).toEqual({
			old: [first.id, "critical", 1],
			new: [second.id, "warning", 1],
		});
	});

	it("routes CloudWatch-style labels with regex, wildcard and in", async () => {
		const [rds, ec2, critical] = [
			await createChannel(),
			await createChannel(),
			await createChannel(),
		];
		const { id, integration_key } = await routedIntegration({
			rules: [
				{
					conditions: [{ field: "labels.namespace", op: "regex", value: "^AWS/(RDS|Aurora)$" }],
					channel_ids: [rds.id],
				},
				{
					conditions: [{ field: "labels.namespace", op: "wildcard", value: "aws/ec2*" }],
					channel_ids: [ec2.id],
				},
				{
					conditions: [{ field: "severity", op: "in", value: ["critical"] }],
					channel_ids: [critical.id],
				},
			],
		});
		await fire(integration_key, "rds", { labels: { namespace: "AWS/RDS" } });
		await fire(integration_key, "ec2", { labels: { namespace: "AWS/EC2Spot" } });
		await fire(integration_key, "lambda", {
			labels: { namespace: "AWS/Lambda" },
			event_status: "Critical",
		});
		await runAlarm(id);
		expect(await channelByTitle(id)).toEqual({ rds: rds.id, ec2: ec2.id, lambda: critical.id });
	});
});

describe("the incident lifecycle", () => {
	it("opens, is acknowledged (twice is fine), and resolves when its alerts resolve", async () => {
		const { channel, id, integration_key } = await integrationWithChannel();
		await fire(integration_key, "disk full", {
			event_status: "Critical",
			labels: { host: "db-1" },
		});
		await runAlarm(id);
		const incident = await firstIncident(`?integration_id=${id}`);
		expect(incident).toMatchObject({
			channel_id: channel.id,
			integration_id: id,
			status: "triggered",
			severity: "critical",
			title: "disk full",
			alert_count: 1,
			acknowledged_at: null,
			resolved_at: null,
			resolved_by: null,
		});

		const detail = await admin("GET", `/incidents/${incident.id}`);
		expect(detail.body.data.alerts).toEqual([
			expect.objectContaining({ alert_key: "disk full", status: "firing" }),
		]);

		const acked = await admin("POST", `/incidents/${incident.id}/acknowledge`);
		expect(acked.body.data).toMatchObject({ status: "acknowledged" });
		const again = await admin("POST", `/incidents/${incident.id}/acknowledge`);
		expect(again.status).toBe(200);
		expect(again.body.data.acknowledged_at).toBe(acked.body.data.acknowledged_at);
		// The admin API mirrors at once: the list already shows it.
		expect((await firstIncident(`?integration_id=${id}`)).status).toBe("acknowledged");

		await recover(integration_key, "disk full");
		await runAlarm(id);
		expect(await firstIncident(`?integration_id=${id}`)).toMatchObject({
			status: "resolved",
			resolved_by: "alerts",
		});
		const late = await admin("POST", `/incidents/${incident.id}/acknowledge`);
		expectError(late, 409, "IncidentResolved");
	});

	it("resolves through the API with its open alerts; a later trigger opens a new alert and incident", async () => {
		const { id, integration_key } = await integrationWithChannel({ group_by: ["service"] });
		await fire(integration_key, "a", { labels: { service: "api" } });
		await fire(integration_key, "b", { labels: { service: "api" } });
		await runAlarm(id);
		const incident = await firstIncident(`?integration_id=${id}`);
		expect(incident.alert_count).toBe(2);

		const resolved = await admin("POST", `/incidents/${incident.id}/resolve`);
		expect(resolved.body.data).toMatchObject({ status: "resolved", resolved_by: "api" });
		expect(
			resolved.body.data.alerts.map((a: { status: string; resolved_by: string }) => [
				a.status,
				a.resolved_by,
			]),
		).toEqual([
			["resolved", "api"],
			["resolved", "api"],
		]);
		expect((await admin("POST", `/incidents/${incident.id}/resolve`)).status).toBe(200);

		const retrigger = await fire(integration_key, "a", { labels: { service: "api" } });
		expect(retrigger.body.data.result).toBe("opened");
		await runAlarm(id);
		const listed = await incidentsOf(id);
		expect(listed.map((i) => i.status)).toEqual(["triggered", "resolved"]);
		expect(listed[0]?.id).not.toBe(incident.id);
	});

	it("keeps the first alert's title and the highest severity of its alerts", async () => {
		const { id, integration_key } = await integrationWithChannel({ group_by: ["service"] });
		await fire(integration_key, "first", { event_status: "Info", labels: { service: "api" } });
		await fire(integration_key, "second", { event_status: "Warning", labels: { service: "api" } });
		await fire(integration_key, "first", { event_status: "Critical", labels: { service: "api" } });
		await runAlarm(id);
		expect(await incidentsOf(id)).toEqual([
			expect.objectContaining({ title: "first", severity: "critical", alert_count: 2 }),
		]);
	});

	it("resolves by timeout when its alerts time out", async () => {
		const channel = await createChannel();
		const { id, integration_key } = await createIntegration(
			"t",
			"standard",
			{ auto_resolve_after: "1h" },
			channel.id,
		);
		await fire(integration_key, "heartbeat");
		await moveClock(id, 2 * 3_600_000);
		await runAlarm(id);
		expect(await firstIncident(`?integration_id=${id}`)).toMatchObject({
			status: "resolved",
			resolved_by: "timeout",
		});
	});

	it("answers 404 for an unknown incident", async () => {
		for (const path of [
			"/incidents/nope",
			"/incidents/nope/acknowledge",
			"/incidents/nope/resolve",
		]) {
			const method = path.endsWith("nope") ? "GET" : "POST";
			expectError(await admin(method, path), 404, "IncidentNotFound");
		}
	});
});

describe("grouping", () => {
	it("is off by default: one incident per alert", async () => {
		const { id, integration_key } = await integrationWithChannel();
		await fire(integration_key, "a", { labels: { service: "api" } });
		await fire(integration_key, "b", { labels: { service: "api" } });
		await runAlarm(id);
		expect(await incidentsOf(id)).toHaveLength(2);
	});

	it("joins alerts with equal group_by values; missing labels compare as empty", async () => {
		const { id, integration_key } = await integrationWithChannel({
			group_by: ["service", "region"],
		});
		await fire(integration_key, "a", { labels: { service: "api", region: "eu" } });
		await fire(integration_key, "b", { labels: { service: "api", region: "eu", extra: "x" } });
		await fire(integration_key, "c", { labels: { service: "api", region: "us" } });
		await fire(integration_key, "d", { labels: { service: "api" } });
		await fire(integration_key, "e", { labels: { service: "api", region: "" } });
		await runAlarm(id);
		const counts = (await incidentsOf(id)).map((i) => [i.title, i.alert_count]);
		expect(Object.fromEntries(counts)).toEqual({ a: 2, c: 1, d: 2 });
	});

	it("opens a new incident once the group window has passed", async () => {
		const { id, integration_key } = await integrationWithChannel({
			group_by: ["service"],
			group_window: "30m",
		});
		await fire(integration_key, "a", { labels: { service: "api" } });
		await fire(integration_key, "b", { labels: { service: "api" } });
		await moveClock(id, 40 * 60_000);
		await fire(integration_key, "c", { labels: { service: "api" } });
		await runAlarm(id);
		const counts = (await incidentsOf(id)).map((i) => [i.title, i.alert_count]);
		expect(Object.fromEntries(counts)).toEqual({ a: 2, c: 1 });
	});

	it("never joins across integrations or channels", async () => {
		const channel = await createChannel({ group_by: ["service"] });
		const one = await routedIntegration({ rules: [], default_channel_id: channel.id });
		const two = await routedIntegration({ rules: [], default_channel_id: channel.id });
		await fire(one.integration_key, "a", { labels: { service: "api" } });
		await fire(two.integration_key, "b", { labels: { service: "api" } });
		await runAlarm(one.id);
		await runAlarm(two.id);
		const listed = (await incidents(`?channel_id=${channel.id}`)).incidents;
		expect(listed.map((i) => i.alert_count)).toEqual([1, 1]);
	});
});

describe("the D1 mirror", () => {
	it("lags the Durable Object until its alarm runs (about a second)", async () => {
		const { id, integration_key } = await createIntegration();
		const before = Date.now();
		await fire(integration_key, "a");
		expect(await incidentsOf(id)).toEqual([]);
		// A second on, not at once: one alarm run mirrors a second of pushes.
		await fire(integration_key, "b");
		const due = await alarmAt(id);
		expect(due).toBeGreaterThanOrEqual(before + 1_000);
		expect(due).toBeLessThan(Date.now() + 1_000 + 100);
		await runAlarm(id);
		expect(await incidentsOf(id)).toHaveLength(2);
	});

	it("is repaired by the alarm after a failed write", async () => {
		const { id, integration_key } = await createIntegration();
		await fire(integration_key, "a");
		// D1 refuses the write: the incidents table is away.
		await env.DB.exec("ALTER TABLE incidents RENAME TO incidents_away;");
		try {
			expect(await runAlarm(id)).toBe(true);
			// The failure re-armed the alarm for a retry.
			const retryAt = await alarmAt(id);
			expect(retryAt).not.toBeNull();
		} finally {
			await env.DB.exec("ALTER TABLE incidents_away RENAME TO incidents;");
		}
		expect(await incidentsOf(id)).toEqual([]);
		expect(await runAlarm(id)).toBe(true);
		expect(await incidentsOf(id)).toEqual([
			expect.objectContaining({ title: "a", status: "triggered" }),
		]);
	});

	it("keeps the newest state when writes repeat", async () => {
		const { id, integration_key } = await createIntegration();
		await fire(integration_key, "a");
		await runAlarm(id);
		await recover(integration_key, "a");
		await runAlarm(id);
		await runAlarm(id);
		expect((await firstIncident(`?integration_id=${id}`)).status).toBe("resolved");
		expect((await listAlerts(id)).alerts[0]?.status).toBe("resolved");
	});
});

describe("listing incidents", () => {
	it("filters by channel, integration and status, newest first, with a cursor", async () => {
		const { channel, id, integration_key } = await integrationWithChannel();
		for (const key of ["a", "b", "c"]) await fire(integration_key, key);
		await recover(integration_key, "a");
		await runAlarm(id);

		const first = await incidents(`?channel_id=${channel.id}&limit=2`);
		expect(first.incidents.map((i) => i.title)).toEqual(["c", "b"]);
		const second = await incidents(`?channel_id=${channel.id}&limit=2&cursor=${first.next_cursor}`);
		expect(second.incidents.map((i) => i.title)).toEqual(["a"]);
		expect(second.next_cursor).toBeNull();
		expect(
			(await incidents(`?integration_id=${id}&status=resolved`)).incidents.map((i) => i.title),
		).toEqual(["a"]);
	});

	it("filters by severity, open status and the time it opened", async () => {
		const { id, integration_key } = await integrationWithChannel();
		await fire(integration_key, "old", { event_status: "Critical" });
		await moveClock(id, 3_600_000);
		await fire(integration_key, "new-warning");
		await fire(integration_key, "new-critical", { event_status: "Critical" });
		await recover(integration_key, "new-critical");
		await runAlarm(id);
		const titles = async (query: string) =>
			(await incidents(`?integration_id=${id}${query}`)).incidents.map((i) => i.title);

		expect(await titles("&severity=critical")).toEqual(["new-critical", "old"]);
		expect(await titles("&status=open")).toEqual(["new-warning", "old"]);
		expect(await titles("&status=OPEN&severity=Critical")).toEqual(["old"]);
		const old = await firstIncident(`?integration_id=${id}&status=open&severity=critical`);
		const newer = Date.parse(old.opened_at) + 1_800_000;
		const at = (ms: number) => new Date(ms).toISOString();
		expect(await titles(`&opened_since=${at(newer)}`)).toEqual(["new-critical", "new-warning"]);
		expect(await titles(`&opened_before=${at(newer)}`)).toEqual(["old"]);
		// Since is inclusive, before is not: the same instant splits the list with nothing twice.
		expect(await titles(`&opened_since=${old.opened_at}`)).toHaveLength(3);
		expect(await titles(`&opened_before=${old.opened_at}`)).toEqual([]);
		// An offset other than Z names the same instant.
		const plusTwo = `${at(newer + 7_200_000).slice(0, 19)}%2B02:00`;
		expect(await titles(`&opened_before=${plusTwo}`)).toEqual(["old"]);
	});

	it.each([
		["?status=closed", "status must be triggered, acknowledged, resolved or open"],
		["?severity=high", "severity must be critical, warning or info"],
		["?opened_since=yesterday", "opened_since must be an ISO 8601 time"],
		["?opened_before=2026-11-22T18:00:00", "opened_before must be an ISO 8601 time"],
		["?unrouted=yes", "unrouted must be true or false"],
		["?limit=0", "limit must be a whole number from 1 to 100"],
		["?cursor=garbage", "cursor must be a next_cursor from a previous page"],
	])("rejects %s", async (query, message) => {
		expect(
			expectError(await admin("GET", `/incidents${query}`), 400, "InvalidParameter"),
		).toContain(message);
	});
});
