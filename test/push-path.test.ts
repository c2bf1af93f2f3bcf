import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { forgetIntegrations } from "../src/push/lookup";
import { base64url, readIntegrationKey, sha256Hex } from "../src/security/secrets";
import { alarmEvent, createEventBridgeIntegration, pushEvent } from "./eventbridge-helpers";
import {
	admin,
	alarmAt,
	appTables,
	call,
	createIntegration,
	expectError,
	getIntegration,
	giveAddressedKey,
	listAlerts,
	push,
	runAlarm,
	statementsOf,
} from "./helpers";
import { createChannel, fire, incidents, incidentsOf } from "./incident-helpers";
import {
	alarm,
	createCloudWatchIntegration,
	notification,
	pushSns,
	uniqueTopic,
} from "./sns-helpers";

const trigger = { event_status: "Warning", title_rule: "disk full", alert_key: "disk" };

/** Every table of the D1 database, renamed away: any D1 query fails as in an outage. */
let away: string[] = [];
async function breakD1() {
	away = await appTables();
	expect(away.length).toBeGreaterThanOrEqual(9);
	for (const table of away) await env.DB.exec(`ALTER TABLE "${table}" RENAME TO "${table}_away";`);
}
async function repairD1() {
	for (const table of away) await env.DB.exec(`ALTER TABLE "${table}_away" RENAME TO "${table}";`);
	away = [];
}

afterEach(() => forgetIntegrations());

describe("a push needs no D1", () => {
	it("is accepted, stored and answered 200 while D1 fails, in a fresh isolate too; the mirror catches up", async () => {
		const standard = await createIntegration();
		const eventbridge = await createEventBridgeIntegration();
		const cloudwatch = await createCloudWatchIntegration();
		// An addressed key (its id inside): a routing key is found in D1 (the next test).
		const pagerDuty = await createIntegration("pd", "pagerduty");
		const opsgenie = await createIntegration("og", "opsgenie");
		const pagerDutyKey = await giveAddressedKey(pagerDuty.id);
		const alertmanager = await createIntegration("am", "alertmanager");
		const prometheus = await createIntegration("prometheus", "alertmanager");
		const batched = await createIntegration();
		const topic = uniqueTopic();
		await breakD1();
		try {
			// A fresh isolate: the worker knows no integration yet and must ask the objects.
			forgetIntegrations();
			expect((await push(standard.integration_key, trigger)).status).toBe(200);
			const event = alarmEvent("ALARM", "2026-11-21T05:00:00Z");
			expect((await pushEvent(eventbridge.integration_key, event)).status).toBe(200);
			const sns = await pushSns(cloudwatch.integration_key, await notification(topic, alarm()));
			expect(sns.status).toBe(200);
			const pd = await call("POST", "/v2/enqueue", {
				body: {
					routing_key: pagerDutyKey,
					event_action: "trigger",
					payload: { summary: "disk full", source: "db-1", severity: "error" },
				},
			});
			expect(pd.status).toBe(202);
			const og = await call("POST", "/v2/alerts", {
				body: { message: "disk full", alias: "db-1/disk" },
				headers: { Authorization: `GenieKey ${opsgenie.integration_key}` },
			});
			expect(og.status).toBe(202);
			const webhook = { alerts: [{ status: "firing", labels: { alertname: "DiskFull" } }] };
			expect((await push(alertmanager.integration_key, webhook)).status).toBe(200);
			const posted = await call("POST", `/push/${prometheus.integration_key}/api/v2/alerts`, {
				body: [{ labels: { alertname: "DiskFull" } }],
			});
			expect(posted.status).toBe(200);
			const batch = await call("POST", `/push/${batched.integration_key}/batch`, {
				body: { events: [trigger] },
			});
			expect(batch.status).toBe(200);
			// The mirror cannot land: it is retried, nothing is lost.
			expect(await runAlarm(standard.id)).toBe(true);
			const retry = await alarmAt(standard.id);
			expect(retry).not.toBeNull();
		} finally {
			await repairD1();
		}
		const all = [
			standard,
			eventbridge,
			cloudwatch,
			pagerDuty,
			opsgenie,
			alertmanager,
			prometheus,
			batched,
		];
		for (const { id } of all) {
			expect((await listAlerts(id)).alerts).toEqual([
				expect.objectContaining({ status: "firing" }),
			]);
			await runAlarm(id);
			expect((await getIntegration(id)).event_count).toBe(1);
			expect(await incidentsOf(id)).toHaveLength(1);
		}
	});

	it("takes a routing key this isolate found before D1 failed; one it never saw needs D1 (503, retried)", async () => {
		const seen = await createIntegration("pd", "pagerduty");
		const unseen = await createIntegration("pd", "pagerduty");
		const enqueue = (routing_key: string) =>
			call("POST", "/v2/enqueue", {
				body: {
					routing_key,
					event_action: "trigger",
					payload: { summary: "disk full", source: "db-1", severity: "error" },
				},
			});
		expect((await enqueue(seen.integration_key)).status).toBe(202);
		await breakD1();
		try {
			expect((await enqueue(seen.integration_key)).status).toBe(202);
			const refused = await enqueue(unseen.integration_key);
			expect(refused.status).toBe(503);
			expect(refused.headers.get("Retry-After")).not.toBeNull();
		} finally {
			await repairD1();
		}
		expect((await enqueue(unseen.integration_key)).status).toBe(202);
	});

	it("refuses a key for an integration that does not exist without writing any storage", async () => {
		// The shape of a real key, with the id of no integration.
		const secret = (await createIntegration()).integration_key.slice(26);
		const key = `agk_${base64url(crypto.getRandomValues(new Uint8Array(16)))}${secret}`;
		const shape = readIntegrationKey(key);
		if (shape?.kind !== "addressed") throw new Error(`not an addressed key: ${key}`);
		expectError(await push(key, trigger), 404, "IntegrationNotFound");
		expectError(await pushEvent(key, trigger), 403, "InvalidIntegrationKey");
		const tables = await runInDurableObject(
			env.INTEGRATION.getByName(shape.integrationId),
			(_o, state) => state.storage.sql.exec("SELECT name FROM sqlite_master").toArray(),
		);
		expect(tables).toEqual([]);
	});

	it("refuses the right id with the wrong secret, and writes nothing", async () => {
		const created = await createIntegration();
		const wrong = `${created.integration_key.slice(0, 26)}${"x".repeat(43)}`;
		expectError(await push(wrong, trigger), 404, "IntegrationNotFound");
		expectError(await pushEvent(wrong, trigger), 403, "InvalidIntegrationKey");
		expect((await listAlerts(created.id)).alerts).toEqual([]);
		await runAlarm(created.id);
		expect((await getIntegration(created.id)).event_count).toBe(0);
	});

	it("still takes keys of the old format (no id in them), found in D1 by their hash", async () => {
		const created = await createIntegration();
		const legacy = `agk_${"L".repeat(43)}`;
		await env.DB.prepare("UPDATE integrations SET key_hash = ? WHERE id = ?")
			.bind(await sha256Hex(legacy), created.id)
			.run();
		expect((await push(legacy, trigger)).body.data).toMatchObject({ result: "opened" });
		expect((await listAlerts(created.id)).alerts).toHaveLength(1);
	});
});

/** A statement's first three words: what it does, and to what. */
const firstWords = (query: string) => query.trim().split(/\s+/).slice(0, 3).join(" ");

describe("SQL statements per push (README, Benchmark)", () => {
	it("a repeat of a firing alert writes its counters and the integration's, and reads nothing", async () => {
		const { id, integration_key } = await createIntegration();
		await push(integration_key, trigger);
		const seen = await statementsOf(id, firstWords);
		expect((await push(integration_key, trigger)).body.data.result).toBe("updated");
		expect(seen).toEqual(["INSERT INTO meta", "UPDATE alerts SET"]);
	});

	it("a new SNS or EventBridge delivery reads nothing: its id is checked by the write that records it", async () => {
		const cloudwatch = await createCloudWatchIntegration();
		const topic = uniqueTopic();
		const at = (minute: number) => `2026-11-21T05:0${minute}:00.000+0000`;
		const state = (minute: number) =>
			alarm({ OldStateValue: "ALARM", StateChangeTime: at(minute) });
		await pushSns(cloudwatch.integration_key, await notification(topic, state(1)));
		const sns = await statementsOf(cloudwatch.id, firstWords);
		const again = await notification(topic, state(2));
		expect((await pushSns(cloudwatch.integration_key, again)).status).toBe(200);
		const applied = [
			"UPDATE alerts SET",
			"INSERT INTO key_states",
			"INSERT INTO meta",
			"INSERT INTO deliveries",
		];
		expect(sns).toEqual(applied);
		// SNS retries it: answered from the record, after one rolled-back try.
		sns.length = 0;
		const retried = await pushSns(cloudwatch.integration_key, again);
		expect(retried.headers.get("Idempotent-Replayed")).toBe("true");
		expect(sns).toContain("SELECT fingerprint, body");

		const eventbridge = await createEventBridgeIntegration();
		await pushEvent(eventbridge.integration_key, alarmEvent("ALARM", "2026-11-21T05:00:00Z"));
		const eb = await statementsOf(eventbridge.id, firstWords);
		const next = alarmEvent("ALARM", "2026-11-21T05:01:00Z");
		expect((await pushEvent(eventbridge.integration_key, next)).status).toBe(200);
		expect(eb).toEqual(applied);
	});
});

describe("admin changes reach the push path before the API answers", () => {
	it("stops a rotated-out key at once, even where the worker knew it", async () => {
		const created = await createIntegration();
		expect((await push(created.integration_key, trigger)).status).toBe(200);
		const rotated = await admin("POST", `/integrations/${created.id}/rotate-key`);
		expectError(await push(created.integration_key, trigger), 404, "IntegrationNotFound");
		expect((await push(rotated.body.data.integration_key, trigger)).status).toBe(200);
	});

	it("applies a settings PATCH to the next push, even where the worker knew the old ones", async () => {
		const created = await createEventBridgeIntegration();
		const event = (value: string, at: string) => alarmEvent(value, at);
		await pushEvent(created.integration_key, event("ALARM", "2026-11-21T05:00:00Z"));
		await admin("PATCH", `/integrations/${created.id}`, {
			settings: { insufficient_data: "resolve" },
		});
		const reply = await pushEvent(
			created.integration_key,
			event("INSUFFICIENT_DATA", "2026-11-21T05:05:00Z"),
		);
		expect(reply.body.data.results).toEqual([expect.objectContaining({ result: "resolved" })]);
	});

	it("applies a topic set by PATCH to the next SNS message", async () => {
		const created = await createCloudWatchIntegration();
		const topic = uniqueTopic();
		expect(
			(await pushSns(created.integration_key, await notification(topic, alarm()))).status,
		).toBe(200);
		await admin("PATCH", `/integrations/${created.id}`, {
			settings: { topic_arn: uniqueTopic() },
		});
		const refused = await pushSns(created.integration_key, await notification(topic, alarm()));
		expectError(refused, 403, "TopicNotAccepted");
	});

	it("routes by new routes, a new private channel and a channel's new grouping from the next push", async () => {
		const first = await createChannel({ name: "first" });
		const second = await createChannel({ name: "second" });
		const created = await createIntegration();
		await fire(created.integration_key, "a");
		await admin("PUT", `/integrations/${created.id}/routes`, {
			rules: [],
			default_channel_id: first.id,
		});
		await fire(created.integration_key, "b");
		await admin("PATCH", `/integrations/${created.id}`, { channel_id: second.id });
		await fire(created.integration_key, "c");
		await admin("PATCH", `/channels/${second.id}`, { group_by: ["service"] });
		await fire(created.integration_key, "d", { labels: { service: "api" } });
		await fire(created.integration_key, "e", { labels: { service: "api" } });
		await runAlarm(created.id);
		const listed = (await incidents(`?integration_id=${created.id}&limit=100`)).incidents;
		const channelOf = (title: string) => listed.find((incident) => incident.title === title);
		expect(channelOf("a")?.channel_id).toBeNull();
		expect(channelOf("b")?.channel_id).toBe(first.id);
		expect(channelOf("c")?.channel_id).toBe(second.id);
		expect(channelOf("d")).toMatchObject({ channel_id: second.id, alert_count: 2 });
		expect(channelOf("e")).toBeUndefined();
	});

	it("answers a push that races a settings change once, with the object's settings", async () => {
		const created = await createIntegration();
		expect((await push(created.integration_key, trigger)).status).toBe(200);
		// The worker now knows settings version 1; the object moves on twice.
		await admin("PATCH", `/integrations/${created.id}`, { settings: { auto_resolve_after: "1h" } });
		await admin("PATCH", `/integrations/${created.id}`, { settings: { auto_resolve_after: "2h" } });
		const reply = await call("POST", `/push/${created.integration_key}`, {
			body: JSON.stringify(trigger),
		});
		expect(reply.body.data).toMatchObject({ result: "updated" });
	});
});
