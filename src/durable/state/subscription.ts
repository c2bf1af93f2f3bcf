import { isoOrNull } from "../../alerts/alert";
import type { Refusal, SnsStatus, TopicCheck } from "../contract";
import type { Meta } from "./meta";

function notAccepted(topic: string, accepted: string): Refusal {
	return { ok: false, reason: "topic_not_accepted", topic, accepted };
}

/**
 * An SNS integration's subscription: which topic is accepted and what SNS last did. The settings'
 * topic, if set, is the only one accepted; otherwise the first topic seen pins (trust on first
 * use) and every other topic is refused until unpinned.
 */
export class SnsSubscription {
	constructor(private readonly meta: Meta) {}

	/**
	 * Whether a message from this topic may be acted on, without pinning anything. `required`:
	 * the topic the settings name (null: none).
	 */
	allowed(topic: TopicCheck, required: string | null): Refusal | null {
		const accepted = required ?? this.meta.get("topic_arn");
		return accepted === null || accepted === topic.arn ? null : notAccepted(topic.arn, accepted);
	}

	/** Like `allowed`, but the first topic seen is pinned. */
	accept(
		topic: TopicCheck,
		required: string | null,
		via: "confirmation" | "notification",
		now: number,
	): Refusal | null {
		if (required === null && this.meta.get("topic_arn") === null) {
			this.meta.set("topic_arn", topic.arn);
			this.meta.set("topic_pinned_by", via);
			this.meta.set("topic_pinned_at", now);
			return null;
		}
		return this.allowed(topic, required);
	}

	confirmed(subscriptionArn: string | null, now: number): void {
		this.meta.set("subscription_status", "confirmed");
		this.meta.set("confirmed_at", now);
		if (subscriptionArn !== null) this.meta.set("subscription_arn", subscriptionArn);
	}

	unsubscribed(now: number): void {
		this.meta.set("subscription_status", "unsubscribed");
		this.meta.set("unsubscribed_at", now);
	}

	/**
	 * A replayed message arrived. An applied one is not written here: the push's counters hold
	 * its arrival (`last_event_at`), which saves a write on every SNS push.
	 */
	received(now: number): void {
		this.meta.set("last_message_at", now);
	}

	/** Forgets the pinned topic: the next confirmation or notification pins again. */
	unpin(): void {
		this.meta.delete("topic_arn", "topic_pinned_by", "topic_pinned_at");
	}

	status(requiredTopic: string | null): SnsStatus {
		const status = this.meta.get("subscription_status");
		// Only SNS notifications reach an SNS integration's counters.
		const replayedAt = this.meta.get("last_message_at");
		const appliedAt = this.meta.get("stats")?.last_event_at ?? null;
		const lastMessageAt =
			replayedAt === null || appliedAt === null
				? (replayedAt ?? appliedAt)
				: Math.max(replayedAt, appliedAt);
		return {
			topic_arn: requiredTopic ?? this.meta.get("topic_arn"),
			topic_pinned_by: requiredTopic !== null ? "settings" : this.meta.get("topic_pinned_by"),
			topic_pinned_at: requiredTopic !== null ? null : isoOrNull(this.meta.get("topic_pinned_at")),
			subscription_status: status ?? (lastMessageAt !== null ? "receiving" : "none"),
			subscription_arn: this.meta.get("subscription_arn"),
			confirmed_at: isoOrNull(this.meta.get("confirmed_at")),
			unsubscribed_at: isoOrNull(this.meta.get("unsubscribed_at")),
			last_message_at: isoOrNull(lastMessageAt),
		};
	}
}
