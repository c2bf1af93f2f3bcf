import { type AlertEvent, LIMITS, type Severity } from "../../alerts/event";
import { fitAlertKey, truncate } from "../../alerts/text";
import { wildcardMatch } from "../../alerts/wildcard";
import type { CloudWatchSettings } from "../../integrations/settings";
import { parseTopicArn, type TopicParts } from "../sns/urls";
import type { CloudWatchAlarm } from "./alarm";

/** `severity=critical` (or warning, info) anywhere in AlarmDescription sets the severity. */
const SEVERITY_TOKEN = /(?:^|[\s,;(])severity\s*=\s*(critical|warning|info)\b/i;

/**
 * A CloudWatch alarm state change → a normalized event, or null for a state this integration
 * ignores. OK resolves, ALARM triggers, INSUFFICIENT_DATA follows the `insufficient_data`
 * setting. Events are ordered by StateChangeTime, so late deliveries change nothing.
 */
export async function normalizeAlarm(
	alarm: CloudWatchAlarm,
	topicArn: string,
	settings: CloudWatchSettings,
): Promise<AlertEvent | null> {
	const alarmArn = parseArn(alarm.AlarmArn);
	const topic = parseTopicArn(topicArn);
	const account = alarmArn?.account ?? alarm.AWSAccountId ?? topic?.account ?? "";
	const region = alarmArn?.region ?? topic?.region ?? "";
	const alertKey = alarm.AlarmArn ?? `${account}:${region}:${alarm.AlarmName}`;

	const common = {
		alert_key: await fitAlertKey(alertKey, LIMITS.alertKey),
		title: truncate(alarm.AlarmName, LIMITS.title),
		description: truncate(
			[alarm.AlarmDescription, alarm.NewStateReason].filter(Boolean).join("\n\n"),
			LIMITS.description,
		),
		labels: alarmLabels(alarm, account, region),
		images: [],
		occurred_at: Date.parse(alarm.StateChangeTime),
		ordered: true,
	};

	const state = alarm.NewStateValue;
	if (
		state === "OK" ||
		(state === "INSUFFICIENT_DATA" && settings.insufficient_data === "resolve")
	) {
		return { action: "resolve", ...common };
	}
	if (state === "INSUFFICIENT_DATA") {
		if (settings.insufficient_data === "ignore") return null;
		return { action: "trigger", severity: "info", ...common };
	}
	return { action: "trigger", severity: alarmSeverity(alarm, settings), ...common };
}

export function alarmSeverity(alarm: CloudWatchAlarm, settings: CloudWatchSettings): Severity {
	const token = SEVERITY_TOKEN.exec(alarm.AlarmDescription ?? "")?.[1];
	if (token !== undefined) return token.toLowerCase() as Severity;
	const rule = settings.severity_rules.find((r) => wildcardMatch(r.alarm_name, alarm.AlarmName));
	return rule?.severity ?? "warning";
}

function alarmLabels(alarm: CloudWatchAlarm, account: string, region: string) {
	const labels: Record<string, string> = {};
	const set = (name: string, value: string | null | undefined) => {
		if (value) labels[name] = truncate(value, LIMITS.labelValue);
	};
	// Metric-math and anomaly alarms name their metric inside Trigger.Metrics, not at the top.
	const metric = alarm.Trigger?.Metrics?.find((m) => m.MetricStat?.Metric)?.MetricStat?.Metric;
	set("source", "aws.cloudwatch");
	set("account", account);
	set("region", region);
	set("alarm_name", alarm.AlarmName);
	set("alarm_arn", alarm.AlarmArn);
	set("alarm_type", alarmType(alarm));
	set("namespace", alarm.Trigger?.Namespace ?? metric?.Namespace);
	set("metric_name", alarm.Trigger?.MetricName ?? metric?.MetricName);
	set("new_state", alarm.NewStateValue);
	set("old_state", alarm.OldStateValue);
	set("state_change_time", new Date(Date.parse(alarm.StateChangeTime)).toISOString());
	for (const dimension of alarm.Trigger?.Dimensions ?? metric?.Dimensions ?? []) {
		if (Object.keys(labels).length >= LIMITS.labelCount) break;
		set(truncate(`dimension_${dimension.name}`, LIMITS.labelKey), dimension.value);
	}
	return labels;
}

function alarmType(alarm: CloudWatchAlarm): string {
	if (alarm.AlarmRule !== undefined || alarm.Trigger === undefined) return "composite";
	if (alarm.Trigger.ThresholdMetricId) return "anomaly_detection";
	if (alarm.Trigger.Metrics?.length) return "metric_math";
	return "metric";
}

/** `arn:aws:cloudwatch:<region>:<account>:alarm:<name>`; the Region field is a display name. */
function parseArn(arn: string | undefined): Pick<TopicParts, "region" | "account"> | null {
	const match = /^arn:[a-z-]+:cloudwatch:([a-z0-9-]+):(\d{12}):alarm:/.exec(arn ?? "");
	return match === null ? null : { region: match[1] ?? "", account: match[2] ?? "" };
}
