import { describe, expect, it } from "vitest";
import { parseAlarm } from "../src/sources/cloudwatch/alarm";
import { normalizeAlarm } from "../src/sources/cloudwatch/normalize";
import { CloudWatchSettings } from "../src/sources/cloudwatch/settings";
import { alarmSeverity } from "../src/sources/cloudwatch/state-change";
import { admin, goldenCases, listAlerts, settingsRefusal } from "./helpers";
import {
	alarm,
	createCloudWatchIntegration,
	notification,
	pushSns,
	signSns,
	uniqueTopic,
} from "./sns-helpers";

const cases = goldenCases("cloudwatch");

const defaults = CloudWatchSettings.parse({});
const TOPIC = "arn:aws:sns:us-east-1:123456789012:alarms";

describe("golden files: each real alarm body → its normalized event", () => {
	it("has a golden file for all 7 alarm bodies", () => {
		expect(cases).toHaveLength(7);
	});

	it.each(cases)("%s", async (_name, text, expected) => {
		const parsed = parseAlarm(text);
		expect(parsed).not.toBeNull();
		if (parsed === null) return;
		expect(await normalizeAlarm(parsed, TOPIC, defaults)).toEqual(expected);
	});

	it.each(cases)(
		"%s becomes the same alert through the push URL",
		async (_name, text, expected) => {
			const { id, integration_key } = await createCloudWatchIntegration();
			const reply = await pushSns(integration_key, await notification(TOPIC, text));
			expect(reply.status).toBe(200);
			const alerts = (await listAlerts(id)).alerts;
			if (expected.action === "resolve") {
				// An OK with nothing firing changes nothing.
				expect(reply.body.data.result).toBe("ignored");
				expect(alerts).toEqual([]);
				return;
			}
			expect(alerts[0]).toMatchObject({
				alert_key: expected.alert_key,
				title: expected.title,
				description: expected.description,
				severity: expected.severity,
				labels: expected.labels,
				first_event_at: new Date(expected.occurred_at).toISOString(),
			});
		},
	);
});

/** Pushes one alarm state change (a fresh MessageId each time) and returns the reply. */
async function state(key: string, topic: string, value: string, time: string, over = {}) {
	const message = alarm({
		NewStateValue: value,
		StateChangeTime: time,
		NewStateReason: `${value} at ${time}`,
		...over,
	});
	return pushSns(key, await notification(topic, message));
}

describe("the alarm state machine", () => {
	it("opens on ALARM, counts ALARM→ALARM, resolves on OK, opens anew on the next ALARM", async () => {
		const { id, integration_key: key } = await createCloudWatchIntegration();
		const topic = uniqueTopic();
		const opened = await state(key, topic, "ALARM", "2026-11-21T05:00:00.000+0000");
		expect(opened.body.data).toMatchObject({
			result: "opened",
			alert_key: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:api-5xx-rate",
		});
		const again = await state(key, topic, "ALARM", "2026-11-21T05:05:00.000+0000", {
			OldStateValue: "ALARM",
		});
		expect(again.body.data).toMatchObject({
			result: "updated",
			alert_id: opened.body.data.alert_id,
		});
		const ok = await state(key, topic, "OK", "2026-11-21T05:10:00.000+0000");
		expect(ok.body.data).toMatchObject({ result: "resolved", alert_status: "resolved" });

		const [alert] = (await listAlerts(id)).alerts;
		expect(alert).toMatchObject({
			status: "resolved",
			event_count: 3,
			first_event_at: "2026-11-21T05:00:00.000Z",
			resolved_at: "2026-11-21T05:10:00.000Z",
		});

		const reopened = await state(key, topic, "ALARM", "2026-11-21T06:00:00.000+0000");
		expect(reopened.body.data.result).toBe("opened");
		expect(reopened.body.data.alert_id).not.toBe(opened.body.data.alert_id);
	});

	it("opens on INSUFFICIENT_DATA→ALARM", async () => {
		const { integration_key: key } = await createCloudWatchIntegration();
		const reply = await state(key, uniqueTopic(), "ALARM", "2026-11-21T05:00:00.000+0000", {
			OldStateValue: "INSUFFICIENT_DATA",
		});
		expect(reply.body.data.result).toBe("opened");
	});

	it("never reopens or resolves wrongly on late deliveries", async () => {
		const { id, integration_key: key } = await createCloudWatchIntegration();
		const topic = uniqueTopic();
		await state(key, topic, "ALARM", "2026-11-21T05:10:00.000+0000");
		// An OK from before the alarm fired, delivered late, must not resolve it.
		const lateOk = await state(key, topic, "OK", "2026-11-21T05:00:00.000+0000");
		expect(lateOk.body.data.result).toBe("stale");
		expect((await listAlerts(id)).alerts[0]?.status).toBe("firing");

		await state(key, topic, "OK", "2026-11-21T05:20:00.000+0000");
		// An ALARM from before the recovery, delivered late, must not reopen it.
		const lateAlarm = await state(key, topic, "ALARM", "2026-11-21T05:15:00.000+0000");
		expect(lateAlarm.body.data.result).toBe("stale");
		const alerts = (await listAlerts(id)).alerts;
		expect(alerts).toHaveLength(1);
		expect(alerts[0]).toMatchObject({ status: "resolved", event_count: 2 });
	});

	it("treats the same transition under another MessageId as a duplicate", async () => {
		const { id, integration_key: key } = await createCloudWatchIntegration();
		const topic = uniqueTopic();
		await state(key, topic, "ALARM", "2026-11-21T05:00:00.000+0000");
		const copy = await state(key, topic, "ALARM", "2026-11-21T05:00:00.000+0000");
		expect(copy.body.data.result).toBe("stale");
		expect((await listAlerts(id)).alerts[0]?.event_count).toBe(1);
	});

	it("keys alarms without AlarmArn by account, region and name", async () => {
		const { id, integration_key: key } = await createCloudWatchIntegration();
		const topic = uniqueTopic("eu-west-1");
		const old = { AlarmArn: undefined, AlarmName: "legacy alarm" };
		const opened = await state(key, topic, "ALARM", "2019-09-24T21:33:49.363+0000", old);
		expect(opened.body.data.alert_key).toBe("123456789012:eu-west-1:legacy alarm");
		const ok = await state(key, topic, "OK", "2019-09-24T21:43:49.363+0000", old);
		expect(ok.body.data.result).toBe("resolved");
		expect((await listAlerts(id)).alerts[0]?.labels.region).toBe("eu-west-1");
	});
});

describe("INSUFFICIENT_DATA", () => {
	it("is ignored by default: recorded, nothing changes", async () => {
		const { id, integration_key: key } = await createCloudWatchIntegration();
		const topic = uniqueTopic();
		await state(key, topic, "ALARM", "2026-11-21T05:00:00.000+0000");
		const reply = await state(key, topic, "INSUFFICIENT_DATA", "2026-11-21T05:05:00.000+0000");
		expect(reply.status).toBe(200);
		expect(reply.body.data).toEqual({
			alert_key: null,
			alert_id: null,
			alert_status: null,
			result: "ignored",
			incident_id: null,
			muted_by: null,
		});
		expect((await listAlerts(id)).alerts[0]).toMatchObject({ status: "firing", event_count: 1 });
	});

	it("opens an info alert when set to info", async () => {
		const { id, integration_key: key } = await createCloudWatchIntegration({
			insufficient_data: "info",
		});
		await state(key, uniqueTopic(), "INSUFFICIENT_DATA", "2026-11-21T05:00:00.000+0000");
		expect((await listAlerts(id)).alerts[0]).toMatchObject({ status: "firing", severity: "info" });
	});

	it("resolves the alert when set to resolve", async () => {
		const { id, integration_key: key } = await createCloudWatchIntegration({
			insufficient_data: "resolve",
		});
		const topic = uniqueTopic();
		await state(key, topic, "ALARM", "2026-11-21T05:00:00.000+0000");
		const reply = await state(key, topic, "INSUFFICIENT_DATA", "2026-11-21T05:05:00.000+0000");
		expect(reply.body.data.result).toBe("resolved");
		expect((await listAlerts(id)).alerts[0]?.status).toBe("resolved");
	});

	it("rejects an unknown mode", async () => {
		expect(await settingsRefusal("aws_cloudwatch", { insufficient_data: "alarm" })).toContain(
			"settings.insufficient_data must be ignore, info or resolve",
		);
	});
});

describe("severity", () => {
	const settings = (rules: { alarm_name: string; severity: string }[]) =>
		CloudWatchSettings.parse({ severity_rules: rules });
	const named = (alarmName: string, description: string | null = null) => ({
		alarmName,
		description,
	});

	it("is warning by default", () => {
		expect(alarmSeverity(named("cpu"), defaults)).toBe("warning");
	});

	it("follows a severity= token in AlarmDescription, in any case", () => {
		expect(alarmSeverity(named("cpu", "CPU high. severity=critical"), defaults)).toBe("critical");
		expect(alarmSeverity(named("cpu", "Severity = INFO, owner=web"), defaults)).toBe("info");
		expect(alarmSeverity(named("cpu", "noseverity=critical"), defaults)).toBe("warning");
	});

	it("reads the token's word through the one severity vocabulary, ignoring other words", () => {
		expect(alarmSeverity(named("cpu", "severity=major"), defaults)).toBe("critical");
		expect(alarmSeverity(named("cpu", "(severity=P3)"), defaults)).toBe("warning");
		expect(alarmSeverity(named("cpu", "severity=sev-4; team=web"), defaults)).toBe("info");
		expect(alarmSeverity(named("cpu", "severity=criticality"), defaults)).toBe("warning");
		const rules = settings([{ alarm_name: "cpu", severity: "critical" }]);
		expect(alarmSeverity(named("cpu", "severity=loud"), rules)).toBe("critical");
	});

	it("follows the first matching alarm-name rule, below the description token", () => {
		const rules = settings([
			{ alarm_name: "prod-*-5xx", severity: "critical" },
			{ alarm_name: "prod-*", severity: "info" },
		]);
		expect(alarmSeverity(named("PROD-api-5xx"), rules)).toBe("critical");
		expect(alarmSeverity(named("prod-api-latency"), rules)).toBe("info");
		expect(alarmSeverity(named("staging-api-5xx"), rules)).toBe("warning");
		expect(alarmSeverity(named("prod-api-5xx", "severity=info"), rules)).toBe("info");
	});

	it("applies rules set by PATCH to the next alarm", async () => {
		const { id, integration_key: key } = await createCloudWatchIntegration();
		const patched = await admin("PATCH", `/integrations/${id}`, {
			settings: { severity_rules: [{ alarm_name: "api-*", severity: "critical" }] },
		});
		expect(patched.status).toBe(200);
		await state(key, uniqueTopic(), "ALARM", "2026-11-21T05:00:00.000+0000");
		expect((await listAlerts(id)).alerts[0]?.severity).toBe("critical");
	});

	it("validates rules", async () => {
		const settings = { severity_rules: [{ alarm_name: "x", severity: "page" }] };
		expect(await settingsRefusal("aws_cloudwatch", settings)).toContain(
			"settings.severity_rules[0].severity must be critical, warning or info",
		);
	});
});

describe("notifications that are not CloudWatch alarms", () => {
	it("become a generic warning keyed by topic and subject, never dropped", async () => {
		const { id, integration_key: key } = await createCloudWatchIntegration();
		const topic = uniqueTopic();
		const first = await pushSns(
			key,
			await notification(topic, "Backup job 42 failed: disk full", { Subject: "Backup failed" }),
		);
		expect(first.body.data.result).toBe("opened");
		const again = await pushSns(
			key,
			await notification(topic, "Backup job 43 failed: disk full", { Subject: "Backup failed" }),
		);
		expect(again.body.data).toMatchObject({
			result: "updated",
			alert_id: first.body.data.alert_id,
		});
		const [alert] = (await listAlerts(id)).alerts;
		expect(alert).toMatchObject({
			title: "Backup failed",
			description: "Backup job 43 failed: disk full",
			severity: "warning",
			alert_key: `${topic}:Backup failed`,
			labels: { source: "aws.sns", topic_arn: topic, account: "123456789012", region: "us-east-1" },
		});
	});

	it("titles a message without Subject after its topic", async () => {
		const { id, integration_key: key } = await createCloudWatchIntegration();
		const topic = uniqueTopic();
		const message = await signSns({
			Type: "Notification",
			TopicArn: topic,
			Message: '{"not":"an alarm"}',
		});
		await pushSns(key, message);
		expect((await listAlerts(id)).alerts[0]?.title).toBe(
			`SNS message on ${topic.split(":").at(-1)}`,
		);
	});
});
