import * as z from "zod/mini";
import type { AlertEvent } from "../../alerts/event";
import { labelWriter } from "../../alerts/labels";
import { AlarmState } from "../cloudwatch/alarm";
import { type AlarmPolicy, eventFromStateChange } from "../cloudwatch/state-change";
import { detailAs, type EventBridgeEvent, timeOr } from "./envelope";

const State = z.object({
	value: AlarmState,
	reason: z.optional(z.string()),
	timestamp: z.optional(z.string()),
});

const Metric = z.object({
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
	alarmName: z.string().check(z.minLength(1)),
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
 * alarms delivered by EventBridge resolve too. A Metrics Insights contributor is its own alert.
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
	const contributor = detail.alarmContributor;

	const labels: Record<string, string> = {};
	const set = labelWriter(labels);
	const metric = detail.configuration?.metrics?.find((m) => m.metricStat?.metric)?.metricStat
		?.metric;
	set("source", "aws.cloudwatch");
	set("account", event.account);
	set("region", event.region);
	set("alarm_name", detail.alarmName);
	set("alarm_arn", alarmArn);
	set("alarm_type", detail.configuration?.alarmRule ? "composite" : metric ? "metric" : undefined);
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
		},
		policy,
	);
	return change === null ? [] : [change];
}
