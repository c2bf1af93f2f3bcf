import * as z from "zod";

/**
 * A CloudWatch alarm notification: the JSON inside an SNS Notification's Message. Old and new
 * formats, metric, metric-math, anomaly-detection and composite alarms
 * (src/sources/cloudwatch/fixtures and their SOURCE.md): anything beyond the
 * identifying fields is optional, and unknown fields are ignored.
 */

export const AlarmState = z.enum(["OK", "ALARM", "INSUFFICIENT_DATA"]);
export type AlarmState = z.infer<typeof AlarmState>;

const Dimension = z.object({ name: z.string(), value: z.string() });

const MetricStat = z.object({
	Metric: z
		.object({
			MetricName: z.string().optional(),
			Namespace: z.string().optional(),
			Dimensions: z.array(Dimension).optional(),
		})
		.optional(),
});

export const CloudWatchAlarm = z.object({
	AlarmName: z.string().min(1),
	AlarmDescription: z.string().nullish(),
	AWSAccountId: z.string().optional(),
	NewStateValue: AlarmState,
	OldStateValue: AlarmState.optional(),
	NewStateReason: z.string().nullish(),
	/** `yyyy-MM-ddTHH:mm:ss.SSS+0000`, which Date.parse reads. */
	StateChangeTime: z.string().refine((value) => !Number.isNaN(Date.parse(value))),
	AlarmArn: z.string().optional(),
	AlarmRule: z.string().optional(),
	Trigger: z
		.object({
			MetricName: z.string().nullish(),
			Namespace: z.string().nullish(),
			Dimensions: z.array(Dimension).nullish(),
			/** Set on anomaly-detection alarms: the id of the band the metric is compared with. */
			ThresholdMetricId: z.string().nullish(),
			Metrics: z
				.array(z.object({ Id: z.string().optional(), MetricStat: MetricStat.nullish() }))
				.nullish(),
		})
		.optional(),
});
export type CloudWatchAlarm = z.infer<typeof CloudWatchAlarm>;

/** The Message parsed as an alarm, or null when some other publisher sent it. */
export function parseAlarm(message: string): CloudWatchAlarm | null {
	let json: unknown;
	try {
		json = JSON.parse(message);
	} catch {
		return null;
	}
	const parsed = CloudWatchAlarm.safeParse(json);
	return parsed.success ? parsed.data : null;
}
