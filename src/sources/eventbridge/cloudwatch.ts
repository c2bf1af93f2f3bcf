import * as z from "zod/mini";
import type { AlertEvent } from "../../alerts/event";
import { labelWriter } from "../../alerts/labels";
import { minLength } from "../../schema/length";
import { AlarmState } from "../cloudwatch/alarm";
import {
	type AlarmPolicy,
	alarmType,
	eventFromStateChange,
	parseAlarmArn,
} from "../cloudwatch/state-change";
import { detailAs, type EventBridgeEvent, timeOr } from "./envelope";

const State = z.object({
	value: AlarmState,
	reason: z.optional(z.string()),
	timestamp: z.optional(z.string()),
	/**
	 * Set when a composite alarm's actions are held back: WaitPeriod, ExtensionPeriod or Alarm
	 * (the suppressor alarm is in ALARM); when the wait or extension period ends, CloudWatch performs
	 * the actions and sends the same state again without it. `actionsSuppressedBy` in
	 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_CompositeAlarm.html, and
	 * the composite example in
	 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html
	 */
	actionsSuppressedBy: z.optional(z.string()),
	actionsSuppressedReason: z.optional(z.string()),
});

const Metric = z.object({
	expression: z.optional(z.string()),
	metricStat: z.optional(
		z.object({
			metric: z.optional(
				z.object({
					name: z.optional(z.string()),
					namespace: z.optional(z.string()),
					/** An object map here, unlike the SNS message's [{name, value}] list. */
					dimensions: z.optional(z.record(z.string(), z.string())),
				}),
			),
		}),
	),
});

const AlarmDetail = z.object({
	alarmName: z.string().check(minLength(1)),
	state: State,
	previousState: z.optional(State),
	configuration: z.optional(
		z.object({
			description: z.nullish(z.string()),
			alarmRule: z.optional(z.string()),
			metrics: z.optional(z.array(Metric)),
		}),
	),
	alarmContributor: z.optional(
		z.object({ id: z.string(), attributes: z.optional(z.record(z.string(), z.string())) }),
	),
});

/**
 * "CloudWatch Alarm State Change" and "… Contributor State Change": the same state machine as the
 * SNS path (ALARM opens, OK resolves, ordered by the state timestamp), keyed by the alarm ARN, so
 * alarms delivered by EventBridge resolve too, and the same title, description, severity and
 * labels as the SNS message of the same alarm (test/eventbridge-parity.test.ts). Where the formats
 * differ, only EventBridge carries: a contributor (a Metrics Insights contributor is its own
 * alert, labelled `contributor_*`), and suppressed actions (SNS never hears of a state change
 * whose actions CloudWatch held back; here the alert is kept, muted by `suppressed_by`).
 */
export async function normalizeCloudWatchAlarm(
	event: EventBridgeEvent,
	policy: AlarmPolicy,
): Promise<AlertEvent[] | null> {
	const detail = detailAs(AlarmDetail, event);
	if (detail === null) return null;
	const alarmArn =
		event.resources.find((arn) => arn.includes(":alarm:")) ??
		`arn:aws:cloudwatch:${event.region}:${event.account}:alarm:${detail.alarmName}`;
	// The account and region of the alarm itself, as the SNS path reads them.
	const where = parseAlarmArn(alarmArn);
	const contributor = detail.alarmContributor;
	const metrics = detail.configuration?.metrics ?? [];

	const labels: Record<string, string> = {};
	const set = labelWriter(labels);
	const metric = metrics.find((m) => m.metricStat?.metric)?.metricStat?.metric;
	set("source", "aws.cloudwatch");
	set("account", where?.account ?? event.account);
	set("region", where?.region ?? event.region);
	set("alarm_name", detail.alarmName);
	set("alarm_arn", alarmArn);
	set(
		"alarm_type",
		alarmType({
			composite: Boolean(detail.configuration?.alarmRule),
			expressions: metrics.flatMap((m) => (m.expression ? [m.expression] : [])),
			hasMetric: metric !== undefined,
		}),
	);
	set("namespace", metric?.namespace);
	set("metric_name", metric?.name);
	set("new_state", detail.state.value);
	set("old_state", detail.previousState?.value);
	set("state_change_time", new Date(timeOr(detail.state.timestamp, event)).toISOString());
	for (const [name, value] of Object.entries(metric?.dimensions ?? {}))
		set(`dimension_${name}`, value);
	set("contributor_id", contributor?.id);
	for (const [name, value] of Object.entries(contributor?.attributes ?? {})) {
		set(`contributor_${name}`, value);
	}

	const change = await eventFromStateChange(
		{
			alertKey: contributor ? `${alarmArn}/contributor/${contributor.id}` : alarmArn,
			alarmName: contributor
				? `${detail.alarmName} (${Object.values(contributor.attributes ?? {}).join(", ") || contributor.id})`
				: detail.alarmName,
			description: detail.configuration?.description,
			reason: detail.state.reason,
			state: detail.state.value,
			changedAt: timeOr(detail.state.timestamp, event),
			labels,
			suppressedBy: detail.state.actionsSuppressedBy,
		},
		policy,
	);
	return change === null ? [] : [change];
}
