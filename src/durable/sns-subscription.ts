import type { ConfirmationCheck, Refusal, SubscriptionChange, TopicCheck } from "./contract";
import type { Stores } from "./state/stores";

/**
 * An SNS integration's subscription: the time window every SNS message is held to, whether a
 * SubscriptionConfirmation may be followed, and what a confirmation or an unsubscribe records.
 * Which topic is accepted is the subscription store's (state/subscription.ts).
 */

/**
 * SNS retries an HTTP/S delivery for at most an hour after publishing; a message is accepted for
 * twice that, well inside the 24 hours its MessageId is remembered (RECEIPT_TTL_MS), so a
 * captured message cannot be replayed once its id is forgotten.
 */
const SNS_MAX_AGE_MS = 2 * 3_600_000;
/** Clocks differ a little: a message may say it was published up to this much ahead. */
const SNS_CLOCK_SKEW_MS = 5 * 60_000;

/** Whether an SNS message published at `sentAt` is inside the window (null: it is). */
export function snsTimeRefusal(sentAt: number, now: number): Refusal | null {
	if (sentAt < now - SNS_MAX_AGE_MS) {
		return { ok: false, reason: "sns_message_stale", sentAt, maxAgeMs: SNS_MAX_AGE_MS };
	}
	if (sentAt > now + SNS_CLOCK_SKEW_MS) return { ok: false, reason: "sns_message_future", sentAt };
	return null;
}

/** The receipt a SubscriptionConfirmation or UnsubscribeConfirmation is remembered by. */
const snsReceipt = (messageId: string) => ({ key: `sns:${messageId}`, fingerprint: "sns" });

/**
 * Before the worker follows a SubscribeURL: the message is recent, from the accepted topic, and
 * not a replay of a confirmation already followed (a replay is answered, never fetched again).
 */
export function checkConfirmation(
	s: Stores,
	topic: TopicCheck,
	messageId: string,
	now: number,
): ConfirmationCheck {
	if (s.meta.isDeleted()) return { ok: false, reason: "integration_deleted" };
	const required = s.settings.current().topicArn;
	const refusal = snsTimeRefusal(topic.sentAt, now) ?? s.subscription.allowed(topic, required);
	if (refusal !== null) return refusal;
	return { ok: true, replayed: s.receipts.lookup(snsReceipt(messageId)).kind !== "new" };
}

/** Only a confirmation pins; an unsubscribe must merely come from the accepted topic. */
export function recordSubscription(
	s: Stores,
	change: SubscriptionChange,
	now: number,
): Refusal | null {
	if (s.meta.isDeleted()) return { ok: false, reason: "integration_deleted" };
	const required = s.settings.current().topicArn;
	const refusal =
		snsTimeRefusal(change.topic.sentAt, now) ??
		(change.kind === "confirmed"
			? s.subscription.accept(change.topic, required, "confirmation", now)
			: s.subscription.allowed(change.topic, required));
	if (refusal !== null) return refusal;
	if (change.kind === "confirmed") s.subscription.confirmed(change.subscriptionArn, now);
	else s.subscription.unsubscribed(now);
	const receipt = snsReceipt(change.messageId);
	if (s.receipts.lookup(receipt).kind === "new") s.receipts.record(receipt, [], now);
	return null;
}
