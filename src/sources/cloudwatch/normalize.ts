import type { AlertEvent } from "../../alerts/event";
import { labelWriter } from "../../alerts/labels";
import { parseDateTime } from "../fields";
import { parseTopicArn } from "../sns/topic-arn";
import type { CloudWatchAlarm } from "./alarm";
import type { CloudWatchSettings } from "./settings";
import { alarmType, eventFromStateChange, parseAlarmArn } from "./state-change";

/** A CloudWatch alarm delivered by SNS → a normalized event (null: a state that is ignored). */
export async function normalizeAlarm(
	alarm: CloudWatchAlarm,
	topicArn: string,
	settings: CloudWatchSettings,
): Promise<AlertEvent | null> {
	const alarmArn = parseAlarmArn(alarm.AlarmArn);
	const topic = parseTopicArn(topicArn);
	const account = alarmArn?.account ?? alarm.AWSAccountId ?? topic?.account ?? "";
	const region = alarmArn?.region ?? topic?.region ?? "";
	const changedAt = parseDateTime(alarm.StateChangeTime) ?? Date.now();
	return eventFromStateChange(
		{
			alertKey: alarm.AlarmArn ?? `${account}:${region}:${alarm.AlarmName}`,
			alarmName: alarm.AlarmName,
			description: alarm.AlarmDescription,
			reason: alarm.NewStateReason,
			state: alarm.NewStateValue,
			changedAt,
			labels: alarmLabels(alarm, account, region, changedAt),
		},
		settings,
	);
}

function alarmLabels(alarm: CloudWatchAlarm, account: string, region: string, changedAt: number) {
	const labels: Record<string, string> = {};
	const set = labelWriter(labels);
	// Metric-math and anomaly alarms name their metric inside Trigger.Metrics, not at the top.
	const metric = alarm.Trigger?.Metrics?.find((m) => m.MetricStat?.Metric)?.MetricStat?.Metric;
	set("source", "aws.cloudwatch");
	set("account", account);
	set("region", region);
	set("alarm_name", alarm.AlarmName);
	set("alarm_arn", alarm.AlarmArn);
	set("alarm_type", typeOf(alarm));
	set("namespace", alarm.Trigger?.Namespace ?? metric?.Namespace);
	set("metric_name", alarm.Trigger?.MetricName ?? metric?.MetricName);
	set("new_state", alarm.NewStateValue);
	set("old_state", alarm.OldStateValue);
	set("state_change_time", new Date(changedAt).toISOString());
	for (const dimension of alarm.Trigger?.Dimensions ?? metric?.Dimensions ?? []) {
		set(`dimension_${dimension.name}`, dimension.value);
	}
	return labels;
}

/** A composite alarm's message has a rule and no Trigger. */
function typeOf(alarm: CloudWatchAlarm) {
	const metrics = alarm.Trigger?.Metrics ?? [];
	return alarmType({
		composite: alarm.AlarmRule !== undefined || alarm.Trigger === undefined,
		thresholdMetricId: alarm.Trigger?.ThresholdMetricId,
		expressions: metrics.flatMap((m) => (m.Expression ? [m.Expression] : [])),
		hasMetric:
			Boolean(alarm.Trigger?.MetricName) || metrics.some((m) => m.MetricStat?.Metric !== undefined),
	});
}
