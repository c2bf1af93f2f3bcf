import * as z from "zod/mini";
import { parseWellFormed } from "../../schema/json";
import { minLength } from "../../schema/length";

/**
 * A CloudWatch alarm notification: the JSON inside an SNS Notification's Message. Old and new
 * formats, metric, metric-math, anomaly-detection and composite alarms
 * (the fixtures beside this file, and their SOURCE.md): anything beyond the
 * identifying fields is optional, and unknown fields are ignored.
 */

export const AlarmState = z.enum(["OK", "ALARM", "INSUFFICIENT_DATA"]);
export type AlarmState = z.infer<typeof AlarmState>;

const Dimension = z.object({ name: z.string(), value: z.string() });

const MetricStat = z.object({
	Metric: z.optional(
		z.object({
			MetricName: z.optional(z.string()),
			Namespace: z.optional(z.string()),
			Dimensions: z.optional(z.array(Dimension)),
		}),
	),
});

export const CloudWatchAlarm = z.object({
	AlarmName: z.string().check(minLength(1)),
	AlarmDescription: z.nullish(z.string()),
	AWSAccountId: z.optional(z.string()),
	NewStateValue: AlarmState,
	OldStateValue: z.optional(AlarmState),
	NewStateReason: z.nullish(z.string()),
	/**
	 * `yyyy-MM-ddTHH:mm:ss.SSS+0000`. One that is not a real date is ignored (`changedAt`), as
	 * SNS drops a message answered 4xx.
	 */
	StateChangeTime: z.string(),
	AlarmArn: z.optional(z.string()),
	AlarmRule: z.optional(z.string()),
	Trigger: z.optional(
		z.object({
			MetricName: z.nullish(z.string()),
			Namespace: z.nullish(z.string()),
			Dimensions: z.nullish(z.array(Dimension)),
			/** Set on anomaly-detection alarms: the id of the band the metric is compared with. */
			ThresholdMetricId: z.nullish(z.string()),
			Metrics: z.nullish(
				z.array(
					z.object({
						Id: z.optional(z.string()),
						Expression: z.nullish(z.string()),
						MetricStat: z.nullish(MetricStat),
					}),
				),
			),
		}),
	),
});
export type CloudWatchAlarm = z.infer<typeof CloudWatchAlarm>;

/** The Message parsed as an alarm, or null when some other publisher sent it. */
export function parseAlarm(message: string): CloudWatchAlarm | null {
	let json: unknown;
	try {
		json = parseWellFormed(message);
	} catch {
		return null;
	}
	const parsed = CloudWatchAlarm.safeParse(json);
	return parsed.success ? parsed.data : null;
}
