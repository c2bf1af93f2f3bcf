import { type AlertEvent, LIMITS } from "../../alerts/event";
import { fitAlertKey, truncate } from "../../alerts/text";
import { parseDateTime } from "../fields";
import type { SnsMessage } from "../sns/message";
import { parseTopicArn } from "../sns/topic-arn";

/**
 * A Notification from any other SNS publisher (S3 events, CodeStar, a script's `sns publish`)
 * becomes a generic warning, never dropped: Subject as title, Message as description, keyed by
 * topic and subject so repeats of one kind of message deduplicate.
 */
export async function normalizeNonAlarmNotification(message: SnsMessage): Promise<AlertEvent> {
	const topic = parseTopicArn(message.TopicArn);
	const subject = message.Subject?.trim() ?? "";
	return {
		action: "trigger",
		severity: "warning",
		alert_key: await fitAlertKey(`${message.TopicArn}:${subject}`, LIMITS.alertKey),
		title: truncate(subject || `SNS message on ${topic?.name ?? message.TopicArn}`, LIMITS.title),
		description: truncate(message.Message, LIMITS.description),
		labels: {
			source: "aws.sns",
			topic_arn: message.TopicArn,
			...(topic ? { account: topic.account, region: topic.region } : {}),
		},
		images: [],
		occurred_at: parseDateTime(message.Timestamp) ?? Date.now(),
	};
}
