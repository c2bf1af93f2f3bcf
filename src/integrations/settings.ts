import { z } from "zod";
import { parseDuration } from "../alerts/duration";
import { Severity } from "../alerts/event";
import type { IntegrationType } from "../db/integrations";

/** `arn:<partition>:sns:<region>:<account>:<topic>`; the region decides which SNS host may sign. */
export const TOPIC_ARN_SHAPE =
	/^arn:(aws|aws-cn|aws-us-gov):sns:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):([A-Za-z0-9_-]{1,256}(?:\.fifo)?)$/;

export const TopicArn = z
	.string({ error: "must be a string" })
	.regex(
		TOPIC_ARN_SHAPE,
		"must be an SNS topic ARN like arn:aws:sns:us-east-1:123456789012:alerts",
	);

/** Flashduty's ceiling for auto-resolve timeouts; PagerDuty's is similar. */
const MAX_AUTO_RESOLVE_MS = 30 * 86_400_000;
const MIN_AUTO_RESOLVE_MS = 30_000;
const DURATION_HINT =
	"must be a duration from 30s to 30d written with a unit (90s, 30m, 4h, 7d), or null";

/**
 * How long a firing alert may go without a new event before it resolves by itself
 * (`resolved_by: "timeout"`): for sources that never send a recovery. Null is off.
 */
const AutoResolveAfter = (fallback: string | null) =>
	z
		.string({ error: DURATION_HINT })
		.refine((text) => {
			const ms = parseDuration(text);
			return ms !== null && ms >= MIN_AUTO_RESOLVE_MS && ms <= MAX_AUTO_RESOLVE_MS;
		}, DURATION_HINT)
		.nullable()
		.default(fallback);

const InsufficientData = z
	.enum(["ignore", "info", "resolve"], { error: "must be ignore, info or resolve" })
	.default("ignore");

/** Settings of a `standard` integration. */
export const StandardSettings = z.strictObject(
	{ auto_resolve_after: AutoResolveAfter(null) },
	{ error: unknownSetting },
);

/** Settings of an `aws_eventbridge` integration (an EventBridge API destination). */
export const EventBridgeSettings = z.strictObject(
	{
		/** EventBridge events are one-shot: most never get a recovery event. */
		auto_resolve_after: AutoResolveAfter("24h"),
		insufficient_data: InsufficientData,
	},
	{ error: unknownSetting },
);
export type EventBridgeSettings = z.infer<typeof EventBridgeSettings>;

/** Settings of an `aws_cloudwatch` integration (an SNS HTTPS subscription). */
export const CloudWatchSettings = z.strictObject(
	{
		/** 2 refuses SHA1-signed messages (SignatureVersion 1, the SNS default). */
		min_signature_version: z
			.union([z.literal(1), z.literal(2)], { error: "must be 1 or 2" })
			.default(1),
		/** Set in advance, only this topic is ever accepted: no trust on first use. */
		topic_arn: TopicArn.nullable().default(null),
		/** What an INSUFFICIENT_DATA state does: nothing, an info alert, or resolve. */
		insufficient_data: InsufficientData,
		auto_resolve_after: AutoResolveAfter(null),
		/** First matching alarm-name pattern (`*`, `?`) sets the severity; default warning. */
		severity_rules: z
			.array(
				z.strictObject({
					alarm_name: z
						.string({ error: "must be a string" })
						.min(1, "must not be empty")
						.max(256, "must be at most 256 characters"),
					severity: z.enum(Severity.options, { error: "must be critical, warning or info" }),
				}),
				{ error: "must be an array of {alarm_name, severity}" },
			)
			.max(100, "must have at most 100 rules")
			.default([]),
	},
	{ error: unknownSetting },
);
export type CloudWatchSettings = z.infer<typeof CloudWatchSettings>;

export const SETTINGS_SCHEMAS = {
	standard: StandardSettings,
	aws_cloudwatch: CloudWatchSettings,
	aws_eventbridge: EventBridgeSettings,
} as const satisfies Record<IntegrationType, z.ZodType>;

/** The auto-resolve timeout of any integration's settings, in ms (null: off). */
export function autoResolveAfterMs(settings: { auto_resolve_after: string | null }): number | null {
	return settings.auto_resolve_after === null ? null : parseDuration(settings.auto_resolve_after);
}

export type IntegrationSettings = z.infer<(typeof SETTINGS_SCHEMAS)[IntegrationType]>;

function unknownSetting(issue: { code?: string; keys?: string[] }) {
	return issue.code === "unrecognized_keys" && issue.keys !== undefined
		? `has no setting ${issue.keys.join(", ")} for this integration type`
		: "must be an object";
}
