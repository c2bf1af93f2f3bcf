import { ingest, type PushHandler, settingsReader } from "../ingest";
import { receiveSns } from "../sns/receive";
import { parseAlarm } from "./alarm";
import { normalizeNonAlarmNotification } from "./non-alarm";
import { normalizeAlarm } from "./normalize";
import { CloudWatchSettings } from "./settings";

const readSettings = settingsReader(CloudWatchSettings);

/**
 * An `aws_cloudwatch` integration is an SNS HTTPS subscription: SNS mechanics (signature,
 * confirmation, topic pinning) are the sns folder's; this gives a verified Notification meaning.
 */
export const handleCloudWatchPush: PushHandler = async (c, target, text) => {
	const settings = readSettings(target);
	const policy = {
		minSignatureVersion: settings.min_signature_version,
		topicArn: settings.topic_arn,
	};
	return receiveSns(c, target, text, policy, async (message, topic) => {
		const alarm = parseAlarm(message.Message);
		const event = alarm
			? await normalizeAlarm(alarm, message.TopicArn, settings)
			: await normalizeNonAlarmNotification(message);
		// SNS re-delivers with the same MessageId: that id is the push's receipt.
		const receipt = { key: `sns:${message.MessageId}`, fingerprint: "sns" };
		return ingest(c, target, {
			events: event === null ? [] : [event],
			receipt,
			topic,
		});
	});
};
