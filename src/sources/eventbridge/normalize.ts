import { type AlertEvent, LIMITS } from "../../alerts/event";
import { labelWriter } from "../../alerts/labels";
import { fitAlertKey, truncate } from "../../alerts/text";
import { normalizeCloudWatchAlarm } from "./cloudwatch";
import { normalizeCodePipeline, normalizeEc2, normalizeEcs } from "./compute";
import { type EventBridgeEvent, eventTime } from "./envelope";
import { normalizeHealth } from "./health";
import { normalizeGuardDuty, normalizeSecurityHub } from "./security";
import type { EventBridgeSettings } from "./settings";

type Normalizer = (
	event: EventBridgeEvent,
	settings: EventBridgeSettings,
) => Promise<AlertEvent[] | null>;

/**
 * An alarm created, updated or deleted (`detail.operation`) says nothing about a problem: it is
 * answered `ignored` (and its id still counts once), never an alert. CloudWatch sends it beside
 * the state changes (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-cloudwatch.html),
 * so a rule on `source: aws.cloudwatch` alone catches it.
 */
const ignored: Normalizer = async () => [];

/** By `source` and `detail-type`. A normalizer answers null when the detail is not as known. */
const NORMALIZERS: Record<string, Normalizer> = {
	"aws.cloudwatch|CloudWatch Alarm State Change": normalizeCloudWatchAlarm,
	"aws.cloudwatch|CloudWatch Alarm Contributor State Change": normalizeCloudWatchAlarm,
	"aws.cloudwatch|CloudWatch Alarm Configuration Change": ignored,
	"aws.guardduty|GuardDuty Finding": normalizeGuardDuty,
	"aws.health|AWS Health Event": normalizeHealth,
	"aws.securityhub|Security Hub Findings - Imported": normalizeSecurityHub,
	"aws.ec2|EC2 Instance State-change Notification": normalizeEc2,
	"aws.ecs|ECS Task State Change": normalizeEcs,
	"aws.codepipeline|CodePipeline Pipeline Execution State Change": normalizeCodePipeline,
	"aws.codepipeline|CodePipeline Stage Execution State Change": normalizeCodePipeline,
	"aws.codepipeline|CodePipeline Action Execution State Change": normalizeCodePipeline,
};

/**
 * An EventBridge event → the events it means (none for states that change nothing). Anything
 * unknown, or known but shaped unexpectedly, becomes a generic alert: never dropped.
 */
export async function normalizeEventBridge(
	event: EventBridgeEvent,
	settings: EventBridgeSettings,
): Promise<AlertEvent[]> {
	const normalizer =
		NORMALIZERS[`${event.source}|${event["detail-type"]}`] ??
		// Every AWS Health detail-type (an abuse report too) names what happened the same way.
		(event.source === "aws.health" ? normalizeHealth : undefined);
	return (await normalizer?.(event, settings)) ?? [await normalizeGeneric(event)];
}

/**
 * Any other event: a warning titled "<detail-type> (<source>)", keyed by the fields that repeat
 * across occurrences of the same thing: source, detail-type, account, region and resources.
 * Never by `id` or `time`, which differ on every occurrence.
 */
async function normalizeGeneric(event: EventBridgeEvent): Promise<AlertEvent> {
	const resources = [...event.resources].sort().join(",");
	const labels: Record<string, string> = {};
	const set = labelWriter(labels);
	set("source", event.source);
	set("detail_type", event["detail-type"]);
	set("account", event.account);
	set("region", event.region);
	set("resource", event.resources[0]);
	return {
		action: "trigger",
		severity: "warning",
		alert_key: await fitAlertKey(
			[event.source, event["detail-type"], event.account, event.region, resources].join("|"),
			LIMITS.alertKey,
		),
		title: truncate(`${event["detail-type"]} (${event.source})`, LIMITS.title),
		description: truncate(JSON.stringify(event.detail), LIMITS.description),
		labels,
		images: [],
		occurred_at: eventTime(event),
	};
}
