import { WrongIntegrationType } from "../http/errors";
import type { IntegrationType } from "../integrations/type";

/**
 * Which sender's format a body is in, told by the fields that format always has. Only a push
 * that its own type could not parse asks (no cost on the happy path), so that a body sent to an
 * integration of the wrong type (an SNS subscription pointed at a standard integration) is
 * answered with the type that takes it rather than with the field it lacks. Pure, cheap (a few
 * property reads) and never throws, whatever the body.
 */

export type FormatName =
	| "sns_subscription_confirmation"
	| "sns_unsubscribe_confirmation"
	| "sns_notification"
	| "eventbridge_event"
	| "alertmanager_webhook"
	| "prometheus_alerts"
	| "pagerduty_event"
	| "opsgenie_alert"
	| "standard_event";

/**
 * Each format: what it is, the integration type that takes it and where it goes. `opsgenie` is
 * named though no such type exists here yet: its body is still told apart from the others'.
 */
export const FORMATS: Record<FormatName, { what: string; type: string; goes: string }> = {
	sns_subscription_confirmation: {
		what: "an SNS SubscriptionConfirmation",
		type: "aws_cloudwatch",
		goes: "SNS subscriptions go to an aws_cloudwatch integration's push URL",
	},
	sns_unsubscribe_confirmation: {
		what: "an SNS UnsubscribeConfirmation",
		type: "aws_cloudwatch",
		goes: "SNS subscriptions go to an aws_cloudwatch integration's push URL",
	},
	sns_notification: {
		what: "an SNS Notification",
		type: "aws_cloudwatch",
		goes: "SNS subscriptions go to an aws_cloudwatch integration's push URL",
	},
	eventbridge_event: {
		what: "an EventBridge event",
		type: "aws_eventbridge",
		goes: "EventBridge API destinations go to an aws_eventbridge integration",
	},
	alertmanager_webhook: {
		what: "an Alertmanager (or Grafana) webhook",
		type: "alertmanager",
		goes: "Alertmanager and Grafana webhooks go to an alertmanager integration's push URL",
	},
	prometheus_alerts: {
		what: "a list of alerts as Prometheus posts them",
		type: "alertmanager",
		goes: "Prometheus posts to an alertmanager integration's push URL followed by /api/v2/alerts",
	},
	pagerduty_event: {
		what: "a PagerDuty Events API v2 event",
		type: "pagerduty",
		goes: "PagerDuty events go to a pagerduty integration (its push URL, or /v2/enqueue with its key as routing_key)",
	},
	opsgenie_alert: {
		what: "an Opsgenie Alert API create body",
		type: "opsgenie",
		goes: "Opsgenie alerts go to an opsgenie integration's push URL",
	},
	standard_event: {
		what: "a standard alert event",
		type: "standard",
		goes: "standard events go to a standard integration's push URL",
	},
};

/** The formats each type takes as its own; a `webhook` integration takes any JSON (its mapping decides). */
const TAKES: Record<IntegrationType, readonly FormatName[] | "any"> = {
	standard: ["standard_event"],
	aws_cloudwatch: [
		"sns_subscription_confirmation",
		"sns_unsubscribe_confirmation",
		"sns_notification",
	],
	// An input transformer may reshape an event into a standard one.
	aws_eventbridge: ["eventbridge_event", "standard_event"],
	pagerduty: ["pagerduty_event"],
	alertmanager: ["alertmanager_webhook", "prometheus_alerts"],
	opsgenie: ["opsgenie_alert"],
	// Any request to a heartbeat's push URL is a success ping, whatever its body.
	heartbeat: "any",
	webhook: "any",
	// Mail, not HTTP: its push URL refuses every body (sources/email/handler.ts).
	email: [],
};

const SNS_TYPES: Record<string, FormatName> = {
	SubscriptionConfirmation: "sns_subscription_confirmation",
	UnsubscribeConfirmation: "sns_unsubscribe_confirmation",
	Notification: "sns_notification",
};

const PAGERDUTY_ACTIONS = new Set(["trigger", "acknowledge", "resolve"]);
/** Opsgenie's priorities (https://docs.opsgenie.com/docs/alert-api#create-alert). */
const OPSGENIE_PRIORITY = /^P[1-5]$/;

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The format a parsed body is in, or null when it is none of those known. */
export function recognizeFormat(body: unknown): FormatName | null {
	if (Array.isArray(body)) {
		// Alertmanager's API v2 `postableAlerts`: each alert has a labels object.
		return body.length > 0 && isObject(body[0]) && isObject(body[0].labels)
			? "prometheus_alerts"
			: null;
	}
	if (!isObject(body)) return null;
	// An SNS HTTPS delivery (https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html).
	if (
		typeof body.Type === "string" &&
		Object.hasOwn(SNS_TYPES, body.Type) &&
		typeof body.TopicArn === "string" &&
		typeof body.MessageId === "string"
	) {
		return SNS_TYPES[body.Type] ?? null;
	}
	// The envelope an API destination posts
	// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html).
	if (typeof body["detail-type"] === "string" && typeof body.source === "string") {
		return "eventbridge_event";
	}
	if ("event_status" in body) return "standard_event";
	// PagerDuty Events API v2 (https://developer.pagerduty.com/docs/send-alert-event).
	if (
		typeof body.event_action === "string" &&
		PAGERDUTY_ACTIONS.has(body.event_action) &&
		("routing_key" in body || "payload" in body || "dedup_key" in body)
	) {
		return "pagerduty_event";
	}
	// Alertmanager's webhook (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config).
	if (
		Array.isArray(body.alerts) &&
		("receiver" in body || "groupKey" in body || "status" in body || "version" in body)
	) {
		return "alertmanager_webhook";
	}
	// Opsgenie's create alert: `message` and at least one field of its own.
	if (
		typeof body.message === "string" &&
		(typeof body.alias === "string" ||
			(typeof body.priority === "string" && OPSGENIE_PRIORITY.test(body.priority)) ||
			Array.isArray(body.responders) ||
			Array.isArray(body.visibleTo))
	) {
		return "opsgenie_alert";
	}
	return null;
}

/**
 * The refusal for a body that `type` could not parse when it is another type's format (null:
 * none known, or one `type` takes, so its own parse error says more).
 */
export function wrongFormat(body: unknown, type: IntegrationType): WrongIntegrationType | null {
	const takes = TAKES[type];
	if (takes === "any") return null;
	const format = recognizeFormat(body);
	if (format === null || takes.includes(format)) return null;
	const { what, goes } = FORMATS[format];
	return new WrongIntegrationType(
		`this is ${what}: ${goes}; this integration is ${type} (a webhook integration with a mapping takes any JSON body)`,
	);
}
