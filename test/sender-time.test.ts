import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { migrate } from "../src/durable/migrations";
import { MAX_KEY_STATES } from "../src/durable/state/key-states";
import { alarmEvent, createEventBridgeIntegration, pushEvent } from "./eventbridge-helpers";
import {
	call,
	createIntegration,
	expectError,
	integrationStub,
	listAlerts,
	moveClock,
	push,
} from "./helpers";
import {
	alarm,
	createCloudWatchIntegration,
	notification,
	pushSns,
	uniqueTopic,
} from "./sns-helpers";

const DAY = 86_400_000;
const FAR_AHEAD = "2999-01-01T00:00:00Z";
const iso = (ms: number) => new Date(ms).toISOString();
/** A time the alert's stored times are compared with: the test's clock, which the object shares. */
const aboutNow = (at: string | null) => Math.abs(Date.parse(at ?? "") - Date.now()) < 60_000;

/** `key_states` rows, oldest first. */
function keyStates(id: string) {
	return runInDurableObject(integrationStub(id), (_o, state) =>
		state.storage.sql
			.exec("SELECT alert_key, last_state_at FROM key_states ORDER BY last_state_at")
			.toArray(),
	);
}

describe("a time a sender dates ahead of the clock is taken as now", () => {
	it("an EventBridge OK dated 2999 does not stop the next ALARM opening, nor an ALARM so dated the real OK", async () => {
		const { integration_key } = await createEventBridgeIntegration();
		const results = async (value: string, at: string) =>
			(await pushEvent(integration_key, alarmEvent(value, at))).body.data.results;
		expect(await results("OK", FAR_AHEAD)).toEqual([
			expect.objectContaining({ result: "ignored" }),
		]);
		expect(await results("ALARM", iso(Date.now() + 1_000))).toEqual([
			expect.objectContaining({ result: "opened" }),
		]);
		await results("ALARM", FAR_AHEAD);
		expect(await results("OK", iso(Date.now() + 2_000))).toEqual([
			expect.objectContaining({ result: "resolved" }),
		]);
	});

	it("holds a CloudWatch StateChangeTime to the clock as well", async () => {
		const { integration_key } = await createCloudWatchIntegration();
		const topic = uniqueTopic();
		const state = (NewStateValue: string, StateChangeTime: string) =>
			notification(topic, alarm({ NewStateValue, StateChangeTime }));
		await pushSns(integration_key, await state("OK", "2999-01-01T00:00:00.000+0000"));
		const opened = await pushSns(integration_key, await state("ALARM", iso(Date.now() + 1_000)));
		expect(opened.body.data.result).toBe("opened");
	});

	it("stores a standard event_time, an Alertmanager endsAt and a PagerDuty timestamp from 2999 as now, so retention reaches them", async () => {
		const standard = await createIntegration();
		const year3000 = Date.UTC(3000, 0, 1) / 1000;
		await push(standard.integration_key, {
			event_status: "Warning",
			title_rule: "disk",
			alert_key: "disk",
			event_time: year3000,
		});
		const [opened] = (await listAlerts(standard.id)).alerts;
		expect(aboutNow(opened?.first_event_at ?? null)).toBe(true);

		const am = await createIntegration("am", "alertmanager");
		const labels = { alertname: "DiskFull" };
		await push(am.integration_key, { alerts: [{ status: "firing", labels }] });
		await push(am.integration_key, {
			alerts: [{ status: "resolved", labels, startsAt: FAR_AHEAD, endsAt: FAR_AHEAD }],
		});
		const [resolved] = (await listAlerts(am.id)).alerts;
		expect(resolved?.status).toBe("resolved");
		expect(aboutNow(resolved?.resolved_at ?? null)).toBe(true);

		const pd = await createIntegration("pd", "pagerduty");
		await call("POST", "/v2/enqueue", {
			body: {
				routing_key: pd.integration_key,
				event_action: "trigger",
				payload: { summary: "disk", source: "db-1", severity: "error", timestamp: FAR_AHEAD },
			},
		});
		const [paged] = (await listAlerts(pd.id)).alerts;
		expect(aboutNow(paged?.first_event_at ?? null)).toBe(true);
	});
});

describe("a date that does not exist", () => {
	it("is refused with 400 naming the field where the sender can fix it (Alertmanager, PagerDuty)", async () => {
		const am = await createIntegration("am", "alertmanager");
		const webhook = {
			alerts: [{ status: "firing", labels: { alertname: "x" }, startsAt: "2026-02-31T00:00:00Z" }],
		};
		expect(expectError(await push(am.integration_key, webhook), 400, "InvalidParameter")).toContain(
			"alerts[0].startsAt must be an RFC 3339 date-time",
		);
		const pd = await createIntegration("pd", "pagerduty");
		const reply = await call("POST", "/v2/enqueue", {
			body: {
				routing_key: pd.integration_key,
				event_action: "trigger",
				payload: {
					summary: "disk",
					source: "db-1",
					severity: "error",
					timestamp: "2026-04-31T00:00:00Z",
				},
			},
		});
		expect(reply.status).toBe(400);
		expect(JSON.stringify(reply.body)).toContain("payload.timestamp");
		expect((await listAlerts(am.id)).alerts).toEqual([]);
		expect((await listAlerts(pd.id)).alerts).toEqual([]);
	});

	it("is ignored where AWS sends it, which drops what is refused: the receipt time stands in", async () => {
		const eventbridge = await createEventBridgeIntegration();
		const impossible = "2026-02-31T05:00:00Z";
		await pushEvent(eventbridge.integration_key, {
			...alarmEvent("ALARM", impossible),
			time: impossible,
		});
		const [fromEventBridge] = (await listAlerts(eventbridge.id)).alerts;
		expect(aboutNow(fromEventBridge?.first_event_at ?? null)).toBe(true);

		const cloudwatch = await createCloudWatchIntegration();
		const message = alarm({ StateChangeTime: "2026-02-31T05:00:00.000+0000" });
		await pushSns(cloudwatch.integration_key, await notification(uniqueTopic(), message));
		const [fromSns] = (await listAlerts(cloudwatch.id)).alerts;
		// Still read as the alarm it is, not as some other SNS message.
		expect(fromSns?.labels.alarm_name).toBe("api-5xx-rate");
		expect(aboutNow(fromSns?.first_event_at ?? null)).toBe(true);
	});
});

describe("the per-key state table (key_states) is bounded", () => {
	it("forgets a key dated 2999 by an unknown alarm once the retention passes", async () => {
		const { id, integration_key } = await createEventBridgeIntegration({ retention: "1d" });
		await pushEvent(integration_key, alarmEvent("OK", FAR_AHEAD));
		expect(await keyStates(id)).toHaveLength(1);
		await moveClock(id, 2 * DAY);
		await runDurableObjectAlarm(integrationStub(id));
		expect(await keyStates(id)).toEqual([]);
	});

	it(`holds at most ${MAX_KEY_STATES} keys: a new one forgets the oldest with nothing firing`, async () => {
		const { id, integration_key } = await createEventBridgeIntegration();
		// Filled straight in (pushing 110,000 events is slow), before the object counts them.
		await runInDurableObject(integrationStub(id), (_o, state) => {
			state.storage.sql.exec(
				`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
				 INSERT INTO key_states (alert_key, last_state_at) SELECT 'filler-' || i, i FROM n`,
				MAX_KEY_STATES - 1,
			);
		});
		// The last place, taken by a firing key older than every other: it is never forgotten.
		await pushEvent(integration_key, alarmEvent("ALARM", "1969-12-31T00:00:00Z"));
		const firingArn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh";
		const otherArn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:Other";
		const other = alarmEvent("OK", iso(Date.now()), { alarmName: "Other" });
		await pushEvent(integration_key, { ...other, resources: [otherArn] });
		const kept = await keyStates(id);
		expect(kept).toHaveLength(MAX_KEY_STATES);
		expect(kept.slice(0, 2).map((row) => row.alert_key)).toEqual([firingArn, "filler-2"]);
		expect(kept.map((row) => row.alert_key)).toContain(otherArn);
	});
});

describe("times stored from the future before they were held to the clock", () => {
	it("are brought back to now by a migration, so retention and the cap reach them", async () => {
		const stub = env.INTEGRATION.getByName(crypto.randomUUID());
		const kept = await runInDurableObject(stub, (_object, state) => {
			const { sql } = state.storage;
			// The schema before sender times were held to the clock.
			migrate(sql, 11);
			const far = Date.UTC(2999, 0, 1);
			sql.exec(
				"INSERT INTO key_states (alert_key, last_state_at) VALUES ('ahead', ?), ('past', 1)",
				far,
			);
			sql.exec(
				`INSERT INTO alerts (id, alert_key, status, severity, title, description, labels, images,
					event_count, first_event_at, last_event_at, resolved_at, resolved_by)
				 VALUES ('a1', 'ahead', 'resolved', 'info', 't', '', '{}', '[]', 1, 0, 0, ?, 'event')`,
				far,
			);
			migrate(sql);
			return {
				states: sql
					.exec("SELECT alert_key, last_state_at FROM key_states ORDER BY alert_key")
					.toArray(),
				resolvedAt: sql.exec("SELECT resolved_at FROM alerts WHERE id = 'a1'").one().resolved_at,
			};
		});
		expect(kept.states[0]?.alert_key).toBe("ahead");
		expect(Math.abs(Number(kept.states[0]?.last_state_at) - Date.now())).toBeLessThan(60_000);
		expect(kept.states[1]).toEqual({ alert_key: "past", last_state_at: 1 });
		expect(Math.abs(Number(kept.resolvedAt) - Date.now())).toBeLessThan(60_000);
	});
});
