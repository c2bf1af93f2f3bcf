import * as z from "zod/mini";

/** `arn:<partition>:sns:<region>:<account>:<topic>`; the region decides which SNS host may sign. */
const TOPIC_ARN_SHAPE =
	/^arn:(aws|aws-cn|aws-us-gov):sns:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):([A-Za-z0-9_-]{1,256}(?:\.fifo)?)$/;

export const TopicArn = z
	.string({ error: "must be a string" })
	.check(
		z.regex(
			TOPIC_ARN_SHAPE,
			"must be an SNS topic ARN like arn:aws:sns:us-east-1:123456789012:alerts",
		),
	);

export type TopicParts = { partition: string; region: string; account: string; name: string };

export function parseTopicArn(arn: string): TopicParts | null {
	const match = TOPIC_ARN_SHAPE.exec(arn);
	if (match === null) return null;
	const [, partition = "", region = "", account = "", name = ""] = match;
	return { partition, region, account, name };
}
