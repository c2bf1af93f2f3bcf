import { describe, expect, it } from "vitest";
import { IntegrationType } from "../../src/integrations/type";
import { type FormatName, recognizeFormat, wrongFormat } from "../../src/sources/formats";
import { warning } from "../factories";

/** One body of each format, as its sender posts it (the SNS body as SNS posts it, before any check). */
const SAMPLES: Record<FormatName, unknown> = {
	sns_subscription_confirmation: {
		Type: "SubscriptionConfirmation",
		MessageId: "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
		Token: "2336412f37f",
		TopicArn: "arn:aws:sns:us-west-2:123456789012:MyTopic",
		Message:
			"You have chosen to subscribe to the topic arn:aws:sns:us-west-2:123456789012:MyTopic.",
		SubscribeURL:
			"https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-west-2:123456789012:MyTopic&Token=2336412f37f",
		Timestamp: "2026-11-21T05:00:00.000Z",
		SignatureVersion: "1",
		Signature: "EXAMPLE",
		SigningCertURL:
			"https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem",
	},
	sns_unsubscribe_confirmation: {
		Type: "UnsubscribeConfirmation",
		MessageId: "47138184-6831-46b8-8f7c-afc488602d7d",
		TopicArn: "arn:aws:sns:us-west-2:123456789012:MyTopic",
		Message: "You have chosen to deactivate subscription",
	},
	sns_notification: {
		Type: "Notification",
		MessageId: "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
		TopicArn: "arn:aws:sns:us-west-2:123456789012:MyTopic",
		Subject: "My First Message",
		Message: "Hello world!",
	},
	eventbridge_event: {
		version: "0",
		id: "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92",
		"detail-type": "CloudWatch Alarm State Change",
		source: "aws.cloudwatch",
		account: "123456789012",
		time: "2019-10-02T17:04:40Z",
		region: "us-east-1",
		resources: [],
		detail: {},
	},
	alertmanager_webhook: {
		version: "4",
		groupKey: '{}:{alertname="HighLatency"}',
		status: "firing",
		receiver: "alertgate",
		alerts: [{ status: "firing", labels: { alertname: "HighLatency" }, annotations: {} }],
	},
	prometheus_alerts: [{ labels: { alertname: "HighLatency" }, annotations: {} }],
	pagerduty_event: {
		routing_key: "R0123456789abcdef0123456789abcde",
		event_action: "trigger",
		payload: { summary: "disk full", source: "db-1", severity: "critical" },
	},
	opsgenie_alert: {
		message: "An example alert message",
		alias: "Life is too short for no alias",
		description: "Every alert needs a description",
		tags: ["OverwriteQuietHours", "Critical"],
		priority: "P1",
	},
	standard_event: warning("disk-db-1"),
};

/** The formats each type takes; every other known format is refused by it. */
const TAKEN: Record<IntegrationType, readonly FormatName[] | "any"> = {
	standard: ["standard_event"],
	aws_cloudwatch: [
		"sns_subscription_confirmation",
		"sns_unsubscribe_confirmation",
		"sns_notification",
	],
	aws_eventbridge: ["eventbridge_event", "standard_event"],
	pagerduty: ["pagerduty_event"],
	alertmanager: ["alertmanager_webhook", "prometheus_alerts"],
	opsgenie: ["opsgenie_alert"],
	// Any request to a heartbeat's push URL is a success ping, whatever its body.
	heartbeat: "any",
	webhook: "any",
	// Mail: its push URL refuses every body.
	email: [],
};

const FORMATS = Object.keys(SAMPLES) as FormatName[];

describe("recognizeFormat", () => {
	it.each(FORMATS)("recognizes %s", (format) => {
		expect(recognizeFormat(SAMPLES[format])).toBe(format);
	});

	it.each([
		["null", null],
		["a number", 42],
		["a string", "plain text"],
		["an empty object", {}],
		["an empty list", []],
		["a list of strings", ["a"]],
		["an unknown object", { hello: "world", message: "no Opsgenie field" }],
		["an SNS-like Type without a topic", { Type: "Notification", Message: "x" }],
		["a prototype name as Type", { Type: "constructor", TopicArn: "a", MessageId: "b" }],
		["a PagerDuty action without routing", { event_action: "trigger" }],
		["alerts without a webhook field", { alerts: [] }],
		["an Opsgenie priority out of range", { message: "m", priority: "P9" }],
	])("recognizes nothing in %s", (_what, body) => {
		expect(recognizeFormat(body)).toBeNull();
	});

	it("never throws on what JSON.parse can make, or a proxy that claims every field", () => {
		const bodies = [
			Object.create(null),
			JSON.parse('{"__proto__": {"Type": "Notification"}}'),
			{ alerts: "x", receiver: 1, event_action: ["trigger"], message: {} },
			new Proxy({}, { has: () => true, get: () => undefined }),
		];
		for (const body of bodies) expect(() => recognizeFormat(body)).not.toThrow();
	});
});

describe("wrongFormat: every format × every type that does not take it", () => {
	const cases = IntegrationType.options.flatMap((type) =>
		FORMATS.map((format) => [type, format] as const),
	);

	it.each(cases)("%s given %s", (type, format) => {
		const taken = TAKEN[type];
		const refusal = wrongFormat(SAMPLES[format], type);
		if (taken === "any" || taken.includes(format)) {
			expect(refusal).toBeNull();
			return;
		}
		expect(refusal).toMatchObject({ status: 400, code: "WrongIntegrationType" });
		expect(refusal?.message).toContain(`this integration is ${type}`);
		expect(refusal?.message).toContain("a webhook integration with a mapping takes any JSON body");
	});

	it("names the SNS confirmation and the type that takes it", () => {
		expect(wrongFormat(SAMPLES.sns_subscription_confirmation, "standard")?.message).toBe(
			"this is an SNS SubscriptionConfirmation: SNS subscriptions go to an aws_cloudwatch integration's push URL; this integration is standard (a webhook integration with a mapping takes any JSON body)",
		);
		expect(wrongFormat(SAMPLES.opsgenie_alert, "pagerduty")?.message).toContain(
			"an Opsgenie Alert API create body: Opsgenie alerts go to an opsgenie integration's push URL",
		);
	});

	it("leaves a body of no known format to the type's own error", () => {
		for (const type of IntegrationType.options) expect(wrongFormat({ a: 1 }, type)).toBeNull();
	});
});
