import * as z from "zod/mini";
import { Severity } from "../../alerts/event";
import { settingsError, sharedSettings } from "../../integrations/settings";
import { maxLength, minLength } from "../../schema/length";
import { TopicArn } from "../sns/topic-arn";

/** What an INSUFFICIENT_DATA state does: nothing, an info alert, or resolve. */
export const InsufficientData = z._default(
	z.enum(["ignore", "info", "resolve"], { error: "must be ignore, info or resolve" }),
	"ignore",
);

/**
 * First matching alarm-name pattern (`*`, `?`) sets an alarm's severity; default warning. Both
 * integration types that take CloudWatch alarms (SNS and EventBridge) have it.
 */
export const SeverityRules = z._default(
	z
		.array(
			z.strictObject({
				alarm_name: z
					.string({ error: "must be a string" })
					.check(
						minLength(1, "must not be empty"),
						maxLength(256, "must be at most 256 characters"),
					),
				severity: z.enum(Severity.options, { error: "must be critical, warning or info" }),
			}),
			{ error: "must be an array of {alarm_name, severity}" },
		)
		.check(maxLength(100, "must have at most 100 rules")),
	[],
);

/** Settings of an `aws_cloudwatch` integration (an SNS HTTPS subscription). */
export const CloudWatchSettings = z.strictObject(
	{
		/** 2 refuses SHA1-signed messages (SignatureVersion 1, the SNS default). */
		min_signature_version: z._default(
			z.union([z.literal(1), z.literal(2)], { error: "must be 1 or 2" }),
			1,
		),
		/** Set in advance, only this topic is ever accepted: no trust on first use. */
		topic_arn: z._default(z.nullable(TopicArn), null),
		insufficient_data: InsufficientData,
		...sharedSettings(null),
		severity_rules: SeverityRules,
	},
	{ error: settingsError },
);
export type CloudWatchSettings = z.infer<typeof CloudWatchSettings>;
