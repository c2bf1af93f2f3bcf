import { type AlertEvent, LIMITS, type Severity } from "../../alerts/event";
import { severityFromWord } from "../../alerts/severity";
import { fitAlertKey, truncate } from "../../alerts/text";
import { wildcardMatch } from "../../alerts/wildcard";
import type { AlarmState } from "./alarm";

/**
 * One CloudWatch alarm state change, whichever way it arrived (an SNS Notification or an
 * EventBridge "CloudWatch Alarm State Change" event): the one place alarm states get meaning.
 */
export type AlarmStateChange = {
	alertKey: string;
	alarmName: string;
	description: string | null | undefined;
	reason: string | null | undefined;
	state: AlarmState;
	changedAt: number;
	labels: Record<string, string>;
	/**
	 * Why the sender held back the alarm's actions (a composite alarm's `actionsSuppressedBy`:
	 * WaitPeriod, ExtensionPeriod or Alarm). Only EventBridge says so: SNS is itself an action, so a
	 * suppressed state change never reaches an SNS subscription.
	 */
	suppressedBy?: string | undefined;
};

/** The alarm types both formats tell apart, the `alarm_type` label's values. */
export type AlarmType = "metric" | "metric_math" | "anomaly_detection" | "composite";

/**
 * What both formats carry about how an alarm is defined, so that an alarm is typed the same
 * whichever way it arrived: SNS's `AlarmRule`, `Trigger.ThresholdMetricId` and
 * `Trigger.Metrics[].Expression`; EventBridge's `configuration.alarmRule` and
 * `configuration.metrics[].expression` (its events have no thresholdMetricId: an anomaly band is
 * told by its ANOMALY_DETECTION_BAND expression, which both carry).
 */
export type AlarmDefinition = {
	composite: boolean;
	thresholdMetricId?: string | null | undefined;
	expressions: readonly string[];
	/** Whether it names a metric (a single-metric alarm's, or one inside its metrics). */
	hasMetric: boolean;
};

const ANOMALY_BAND = /^\s*ANOMALY_DETECTION_BAND\s*\(/i;

/**
 * A composite alarm has a rule; an anomaly-detection alarm compares with a band; an alarm over an
 * expression (metric math, or a Metrics Insights query) is `metric_math`; else `metric`. An alarm
 * whose metrics come as a list of one plain metric is `metric`, as EventBridge sends every
 * single-metric alarm.
 */
/** The longest `suppressed_by` kept. */
const MAX_SUPPRESSED_CHARS = 128;

export function alarmType(definition: AlarmDefinition): AlarmType | undefined {
	if (definition.composite) return "composite";
	const { expressions } = definition;
	if (definition.thresholdMetricId || expressions.some((e) => ANOMALY_BAND.test(e))) {
		return "anomaly_detection";
	}
	if (expressions.some((e) => e.trim() !== "")) return "metric_math";
	return definition.hasMetric ? "metric" : undefined;
}

export type AlarmPolicy = {
	insufficient_data: "ignore" | "info" | "resolve";
	severity_rules?: { alarm_name: string; severity: Severity }[];
};

/**
 * `severity=<word>` anywhere in AlarmDescription, a word of the one vocabulary (`critical`,
 * `major`, `P2`, `sev-1`; docs/severity.md), sets the severity. A word outside it is ignored.
 */
const SEVERITY_TOKEN = /(?:^|[\s,;(])severity\s*=\s*([a-z][a-z0-9_-]*)/i;

/**
 * OK resolves; ALARM triggers; INSUFFICIENT_DATA follows the policy (null: ignored). Events are
 * ordered by the state-change time, so a late or repeated delivery changes nothing.
 */
export async function eventFromStateChange(
	change: AlarmStateChange,
	policy: AlarmPolicy,
): Promise<AlertEvent | null> {
	const common = {
		alert_key: await fitAlertKey(change.alertKey, LIMITS.alertKey),
		title: truncate(change.alarmName, LIMITS.title),
		description: truncate(
			[change.description, change.reason].filter(Boolean).join("\n\n"),
			LIMITS.description,
		),
		labels: change.labels,
		images: [],
		occurred_at: change.changedAt,
		ordered: true,
	};
	const { state } = change;
	// A recovery resolves whatever held back the actions: recoveries are never muted.
	if (state === "OK" || (state === "INSUFFICIENT_DATA" && policy.insufficient_data === "resolve")) {
		return { action: "resolve", ...common };
	}
	// CloudWatch names one of a few reasons (WaitPeriod, ExtensionPeriod, Alarm); a sender may say more.
	const suppressed = change.suppressedBy
		? { suppressed_by: truncate(change.suppressedBy, MAX_SUPPRESSED_CHARS) }
		: {};
	if (state === "INSUFFICIENT_DATA") {
		if (policy.insufficient_data === "ignore") return null;
		return { action: "trigger", severity: "info", ...common, ...suppressed };
	}
	return { action: "trigger", severity: alarmSeverity(change, policy), ...common, ...suppressed };
}

/** The description's token wins, then the first matching name rule, then warning. */
export function alarmSeverity(
	change: Pick<AlarmStateChange, "alarmName" | "description">,
	policy: Pick<AlarmPolicy, "severity_rules">,
): Severity {
	const token = severityFromWord(SEVERITY_TOKEN.exec(change.description ?? "")?.[1] ?? "");
	if (token !== null) return token;
	const rule = policy.severity_rules?.find((r) => wildcardMatch(r.alarm_name, change.alarmName));
	return rule?.severity ?? "warning";
}

/** `arn:aws:cloudwatch:<region>:<account>:alarm:<name>`; the Region field is a display name. */
export function parseAlarmArn(arn: string | undefined): { region: string; account: string } | null {
	const match = /^arn:[a-z-]+:cloudwatch:([a-z0-9-]+):(\d{12}):alarm:/.exec(arn ?? "");
	return match === null ? null : { region: match[1] ?? "", account: match[2] ?? "" };
}
