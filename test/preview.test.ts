import { describe, expect, it } from "vitest";
import { alarmEvent, createEventBridgeIntegration } from "./eventbridge-helpers";
import {
	admin,
	call,
	createIntegration,
	expectError,
	getIntegration,
	goldenFixture,
	listAlerts,
	push,
} from "./helpers";
import { alarm, confirmation, notification, outboundLog, uniqueTopic } from "./sns-helpers";

/**
 * `POST /api/v1/integrations/{id}/preview`: a body as its sender would push it, answered with what
 * it would become (or the push's own refusal), for every integration type; nothing is stored.
 */

function preview(id: string, body: unknown) {
	return admin("POST", `/integrations/${id}/preview`, body);
}

/** What a preview must leave as it was: no alert, no push counted, no incident. */
async function expectNothingStored(id: string) {
	expect((await listAlerts(id)).alerts).toEqual([]);
	// The object's own counters (the D1 copy follows them later).
	const integration = await getIntegration(id);
	expect(integration.intake.accepted_count).toBe(0);
	const incidents = await admin("GET", `/incidents?integration_id=${id}`);
	expect(incidents.status).toBe(200);
	expect(incidents.body.data.incidents).toEqual([]);
}

async function routedIntegration() {
	const channel = await admin("POST", "/channels", { name: `db team ${crypto.randomUUID()}` });
	const integration = await createIntegration("routed");
	const routes = await admin("PUT", `/integrations/${integration.id}/routes`, {
		rules: [
			{
				conditions: [{ field: "labels.team", op: "equals", value: "db" }],
				channel_ids: [channel.body.data.id],
			},
		],
		default_channel_id: null,
	});
	expect(routes.status).toBe(200);
	return { integration, channelId: channel.body.data.id as string };
}

describe("preview", () => {
	it("shows a standard event as it would be stored and routed, and stores nothing", async () => {
		const { integration, channelId } = await routedIntegration();
		const body = {
			event_status: "major",
			// biome-ignore lint/suspicious/noTemplateCurlyInString: Flashduty's template syntax
			title_rule: "[TPL]${host} disk at {{.Labels.used}}",
			alert_key: "disk-db-1",
			labels: { host: "db-1", used: "91%", team: "db" },
		};
		const first = await preview(integration.id, body);
		expect(first.status).toBe(200);
		expect(first.body.data).toEqual({
			alerts: [
				{
					alert_key: "disk-db-1",
					status: "firing",
					result: "opened",
					title: "db-1 disk at 91%",
					severity: "critical",
					description: "",
					labels: { host: "db-1", used: "91%", team: "db" },
					channels: [channelId],
					silenced_by: null,
					suppressed_by: null,
				},
			],
			dropped: 0,
		});
		// Unrouted, it says so; asked again, it answers the same.
		const other = await preview(integration.id, { ...body, labels: { host: "db-1" } });
		expect(other.body.data.alerts[0].channels).toEqual([]);
		expect((await preview(integration.id, body)).body.data).toEqual(first.body.data);
		await expectNothingStored(integration.id);
	});

	it("applies the integration's pipeline: reshaped alerts, and how many it drops", async () => {
		const { integration, channelId } = await routedIntegration();
		const pipeline = await admin("PUT", `/integrations/${integration.id}/pipeline`, {
			rules: [
				{
					extract: [{ from: "title", pattern: "on (?P<host>[a-z0-9-]+)" }],
					map: [{ from: "host", to: "team", table: { "db-1": "db" } }],
				},
				{ set: { title: "[TPL]{{.Labels.team}}: {{.Title}}" } },
				{ conditions: [{ field: "labels.env", op: "equals", value: "test" }], drop: true },
			],
		});
		expect(pipeline.status).toBe(200);
		const cpu = { event_status: "Warning", alert_key: "cpu", title_rule: "CPU high on db-1" };
		const smoke = { ...cpu, alert_key: "smoke", title_rule: "probe", labels: { env: "test" } };
		const single = await preview(integration.id, cpu);
		expect(single.body.data).toEqual({
			alerts: [
				expect.objectContaining({
					alert_key: "cpu",
					title: "db: CPU high on db-1",
					labels: { host: "db-1", team: "db" },
					channels: [channelId],
				}),
			],
			dropped: 0,
		});
		const dropped = await preview(integration.id, smoke);
		expect(dropped.body.data).toEqual({ alerts: [], dropped: 1 });
		await expectNothingStored(integration.id);
	});

	it("answers the refusal the push would get", async () => {
		const integration = await createIntegration("refusals");
		const body = { title_rule: "no status" };
		const pushed = await push(integration.integration_key, body);
		const previewed = await preview(integration.id, body);
		expect(previewed.status).toBe(400);
		expect(previewed.body.error).toEqual(pushed.body.error);
		const notJson = await preview(integration.id, "{not json");
		expect(notJson.body.error).toEqual(
			(await push(integration.integration_key, "{not json")).body.error,
		);
		await expectNothingStored(integration.id);
	});

	it("shows a CloudWatch alarm's SNS notification without checking its signature, and never confirms", async () => {
		const integration = await createIntegration("alarms", "aws_cloudwatch");
		const topic = uniqueTopic();
		const message = await notification(topic, alarm());
		const tampered = { ...message, Signature: "bm90IGEgc2lnbmF0dXJl" };
		const reply = await preview(integration.id, JSON.stringify(tampered));
		expect(reply.status).toBe(200);
		expect(reply.body.data.alerts).toEqual([
			expect.objectContaining({
				status: "firing",
				title: expect.stringContaining("api-5xx-rate"),
				labels: expect.objectContaining({ alarm_name: "api-5xx-rate" }),
			}),
		]);

		// A topic other than the one the settings require is refused, as the push refuses it.
		const pinned = await createIntegration("pinned alarms", "aws_cloudwatch", {
			topic_arn: uniqueTopic(),
		});
		expectError(await preview(pinned.id, JSON.stringify(message)), 403, "TopicNotAccepted");

		const before = (await outboundLog()).length;
		const confirm = await preview(integration.id, JSON.stringify(await confirmation(topic)));
		expect(confirm.body.data).toEqual({
			alerts: [],
			dropped: 0,
			note: expect.stringContaining("a push would confirm the subscription"),
		});
		expect((await outboundLog()).length).toBe(before);
		await expectNothingStored(integration.id);
	});

	it("shows an EventBridge event, an Alertmanager webhook and a PagerDuty event", async () => {
		const eventbridge = await createEventBridgeIntegration();
		const event = alarmEvent("ALARM", "2026-11-21T05:00:00.000+0000");
		expect((await preview(eventbridge.id, event)).body.data.alerts).toEqual([
			expect.objectContaining({
				status: "firing",
				title: expect.stringContaining("ServerCpuTooHigh"),
			}),
		]);

		const alertmanager = await createIntegration("am", "alertmanager");
		const webhook = goldenFixture("alertmanager", "alertmanager-0.25-firing.json");
		const expected = JSON.parse(
			goldenFixture("alertmanager", "alertmanager-0.25-firing.expected.json"),
		);
		const shown = await preview(alertmanager.id, webhook);
		expect(shown.body.data.alerts.map((one: { alert_key: string }) => one.alert_key)).toEqual(
			expected.map((one: { alert_key: string }) => one.alert_key),
		);

		const pagerduty = await createIntegration("pd", "pagerduty");
		const trigger = goldenFixture("pagerduty", "docs-trigger.json");
		expect((await preview(pagerduty.id, trigger)).body.data.alerts).toEqual([
			expect.objectContaining({ status: "firing" }),
		]);
		// PagerDuty's refusals keep PagerDuty's shape, as the push answers them.
		const refused = await preview(pagerduty.id, { event_action: "trigger" });
		expect(refused.status).toBe(400);
		expect(refused.body).toMatchObject({ status: "invalid event" });
		for (const one of [eventbridge, alertmanager, pagerduty]) await expectNothingStored(one.id);
	});

	it("shows a recovery and an acknowledgement against what is firing", async () => {
		const pagerduty = await createIntegration("pd acks", "pagerduty");
		const trigger = JSON.parse(goldenFixture("pagerduty", "docs-trigger.json"));
		await push(pagerduty.integration_key, trigger);
		const key = trigger.dedup_key;
		const ack = await preview(pagerduty.id, { ...trigger, event_action: "acknowledge" });
		expect(ack.body.data.alerts).toEqual([
			expect.objectContaining({
				alert_key: key,
				status: "acknowledged",
				result: "acknowledged",
				severity: expect.any(String),
			}),
		]);
		const resolve = await preview(pagerduty.id, { ...trigger, event_action: "resolve" });
		expect(resolve.body.data.alerts).toEqual([
			expect.objectContaining({ alert_key: key, status: "resolved", result: "resolved" }),
		]);
		const again = await preview(pagerduty.id, trigger);
		expect(again.body.data.alerts).toEqual([expect.objectContaining({ result: "updated" })]);
		const elsewhere = await preview(pagerduty.id, { ...trigger, dedup_key: "nothing-fires" });
		expect(elsewhere.body.data.alerts).toEqual([expect.objectContaining({ result: "opened" })]);
		expect((await listAlerts(pagerduty.id)).alerts).toEqual([
			expect.objectContaining({ alert_key: key, status: "firing" }),
		]);
	});

	it("names the silence that would mute the alert", async () => {
		const integration = await createIntegration("silenced");
		const silence = await admin("POST", "/silences", {
			matchers: [{ field: "labels.service", op: "equals", value: "backup" }],
			ends_at: new Date(Date.now() + 3_600_000).toISOString(),
			comment: "maintenance",
			created_by: "test",
			integration_ids: [integration.id],
		});
		expect(silence.status).toBe(201);
		const body = {
			event_status: "Critical",
			title_rule: "backup failed",
			labels: { service: "backup" },
		};
		expect((await preview(integration.id, body)).body.data.alerts[0].silenced_by).toBe(
			silence.body.data.id,
		);
	});

	it("spends no rate-limit token", async () => {
		const integration = await createIntegration("limited", "standard", {
			rate_limit: { per_second: 1, burst: 1 },
		});
		const body = { event_status: "Info", title_rule: "x", alert_key: "x" };
		for (let i = 0; i < 3; i++) expect((await preview(integration.id, body)).status).toBe(200);
		expect((await push(integration.integration_key, body)).status).toBe(200);
		// The one token went to the push: the limit is real.
		expectError(await push(integration.integration_key, body), 429, "RateLimited");
	});

	it("is an admin endpoint, and 404 for an integration that does not exist", async () => {
		const integration = await createIntegration("guarded");
		expectError(
			await call("POST", `/api/v1/integrations/${integration.id}/preview`, { body: "{}" }),
			401,
			"Unauthorized",
		);
		expectError(await preview(crypto.randomUUID(), {}), 404, "IntegrationNotFound");
	});
});
