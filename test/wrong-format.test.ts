import { describe, expect, it } from "vitest";
import { pushEvent } from "./eventbridge-helpers";
import { call, createIntegration, expectError, getIntegration, listAlerts } from "./helpers";
import { confirmation, outboundLog, pushSns, uniqueTopic } from "./sns-helpers";

/**
 * A body in another type's format, pushed to an integration's push URL: answered 400
 * WrongIntegrationType naming what the body is and the type that takes it (no retry by SNS or
 * EventBridge: the configuration is what is wrong), and nothing stored or confirmed.
 */

const eventBridgeEvent = {
	version: "0",
	id: "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92",
	"detail-type": "CloudWatch Alarm State Change",
	source: "aws.cloudwatch",
	account: "123456789012",
	time: "2019-10-02T17:04:40Z",
	region: "us-east-1",
	resources: ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh"],
	detail: { alarmName: "ServerCpuTooHigh", state: { value: "ALARM" } },
};
const alertmanagerWebhook = {
	version: "4",
	status: "firing",
	receiver: "alertgate",
	groupKey: "{}",
	alerts: [{ status: "firing", labels: { alertname: "HighLatency" } }],
};
const pagerDutyEvent = {
	routing_key: "R0123456789abcdef0123456789abcde",
	event_action: "trigger",
	payload: { summary: "disk full", source: "db-1", severity: "critical" },
};
const opsgenieAlert = { message: "disk full", alias: "disk-db-1", priority: "P1" };
const standardEvent = { event_status: "Warning", title_rule: "disk full", alert_key: "disk-db-1" };

function post(key: string, body: unknown) {
	return call("POST", `/push/${key}`, {
		body: JSON.stringify(body),
		headers: { "Content-Type": "application/json" },
	});
}

describe("a body in another type's format", () => {
	it.each([
		["standard", eventBridgeEvent, "this is an EventBridge event", "aws_eventbridge"],
		[
			"standard",
			alertmanagerWebhook,
			"this is an Alertmanager (or Grafana) webhook",
			"alertmanager",
		],
		["standard", pagerDutyEvent, "this is a PagerDuty Events API v2 event", "pagerduty"],
		["standard", opsgenieAlert, "this is an Opsgenie Alert API create body", "opsgenie"],
		["standard", [{ labels: { alertname: "x" } }], "Prometheus", "alertmanager"],
		["aws_eventbridge", alertmanagerWebhook, "Alertmanager", "alertmanager"],
		["aws_eventbridge", opsgenieAlert, "Opsgenie", "opsgenie"],
		["aws_cloudwatch", eventBridgeEvent, "this is an EventBridge event", "aws_eventbridge"],
		["aws_cloudwatch", standardEvent, "this is a standard alert event", "standard"],
		["alertmanager", standardEvent, "this is a standard alert event", "standard"],
		["alertmanager", eventBridgeEvent, "EventBridge", "aws_eventbridge"],
		["pagerduty", alertmanagerWebhook, "Alertmanager", "alertmanager"],
		["pagerduty", eventBridgeEvent, "EventBridge", "aws_eventbridge"],
	])(
		"a %s integration names body %# and the type that takes it",
		async (type, body, what, takenBy) => {
			const { id, integration_key } = await createIntegration("wrong", type);
			const reply = await post(integration_key, body);
			expect(reply.status).toBe(400);
			const message =
				type === "pagerduty"
					? // PagerDuty's shape: {status, message, errors}.
						String((reply.body as unknown as { errors: string[] }).errors[0])
					: expectError(reply, 400, "WrongIntegrationType");
			expect(message).toContain(what);
			expect(message).toContain(takenBy);
			expect(message).toContain(`this integration is ${type}`);
			expect((await listAlerts(id)).alerts).toEqual([]);
			// Counted, so the integration's page says why its sender gets nowhere.
			expect((await getIntegration(id)).intake.refused_count).toMatchObject({
				WrongIntegrationType: 1,
			});
		},
	);

	it("never confirms an SNS subscription pointed at a standard or EventBridge integration", async () => {
		for (const type of ["standard", "aws_eventbridge", "alertmanager", "pagerduty"]) {
			const { integration_key } = await createIntegration("sns here", type);
			const before = (await outboundLog()).length;
			const reply = await pushSns(integration_key, await confirmation(uniqueTopic()));
			expect(reply.status).toBe(400);
			const text = JSON.stringify(reply.body);
			expect(text).toContain("this is an SNS SubscriptionConfirmation");
			expect(text).toContain("SNS subscriptions go to an aws_cloudwatch integration's push URL");
			expect(text).toContain(`this integration is ${type}`);
			// The SubscribeURL was never fetched.
			expect((await outboundLog()).length).toBe(before);
		}
	});

	it("answers an SNS Notification at an EventBridge integration (the header key) with the same 400", async () => {
		const { integration_key } = await createIntegration("eb", "aws_eventbridge");
		const reply = await pushEvent(integration_key, {
			Type: "Notification",
			MessageId: crypto.randomUUID(),
			TopicArn: uniqueTopic(),
			Message: "{}",
		});
		expect(expectError(reply, 400, "WrongIntegrationType")).toContain(
			"this is an SNS Notification",
		);
	});

	it("leaves a webhook integration to its mapping, and a body of no known format to the type's own error", async () => {
		const webhook = await createIntegration("any", "webhook", {
			mapping: { title: "message", status: "'firing'" },
		});
		expect((await post(webhook.integration_key, opsgenieAlert)).status).toBe(200);
		const standard = await createIntegration("std", "standard");
		const reply = await post(standard.integration_key, { hello: "world" });
		expectError(reply, 400, "InvalidParameter");
	});

	it("answers the type's own error for its own format, however wrong", async () => {
		const { integration_key } = await createIntegration("std", "standard");
		const reply = await post(integration_key, { ...standardEvent, event_status: "Bad" });
		expect(expectError(reply, 400, "InvalidParameter")).toContain("event_status");
	});
});
