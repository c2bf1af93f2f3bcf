import * as z from "zod/mini";
import { maxLength, minLength } from "../schema/length";

/**
 * The normalized alert event: the one shape every source turns its payload into, and the only
 * thing the integration's Durable Object sees. Sources own the wire formats; this is the domain.
 */

export const Severity = z.enum(["critical", "warning", "info"]);
export type Severity = z.infer<typeof Severity>;

/** Field limits, Flashduty's standard alert event's (https://docs.flashcat.cloud). Longer input is truncated. */
export const LIMITS = {
	alertKey: 255,
	title: 512,
	description: 2048,
	labelCount: 50,
	labelKey: 128,
	labelValue: 2048,
	images: 20,
	imageSrc: 256,
	imageAlt: 128,
	imageHref: 256,
	/** Links are alertgate's own (Flashduty's event has none): PagerDuty's `links`, Prometheus's generatorURL. */
	links: 10,
	linkHref: 2048,
	linkText: 256,
} as const;

/**
 * The start of the keys of the alerts an integration's object raises itself (a heartbeat that
 * stopped, a watch that went quiet): a pushed alert cannot take one (`ingestPush` refuses it), so
 * no sender can resolve or take over those alerts.
 */
export const OWN_ALERT_KEY_PREFIX = "alertgate:";

export const Image = z.object({
	src: z.string(),
	alt: z.optional(z.string()),
	href: z.optional(z.string()),
});
export type Image = z.infer<typeof Image>;

/** A link to where the alert came from (a graph, a dashboard, a runbook). */
export const Link = z.object({ href: z.string(), text: z.optional(z.string()) });
export type Link = z.infer<typeof Link>;

export const Labels = z.record(z.string(), z.string());
export type Labels = z.infer<typeof Labels>;

const Common = {
	alert_key: z.string().check(minLength(1), maxLength(LIMITS.alertKey)),
	title: z.string().check(maxLength(LIMITS.title)),
	description: z.string().check(maxLength(LIMITS.description)),
	labels: Labels,
	images: z.array(Image).check(maxLength(LIMITS.images)),
	/** When the source says it happened, in epoch milliseconds. */
	occurred_at: z.number(),
	/**
	 * Set by sources whose events carry a state-change time (CloudWatch alarms): an event no newer
	 * than the last one applied for its key is a late or repeated delivery and changes nothing.
	 */
	ordered: z.optional(z.boolean()),
	links: z.optional(z.array(Link).check(maxLength(LIMITS.links))),
	/**
	 * When the alert resolves by itself unless an event for its key comes first (Alertmanager's
	 * `endsAt`), in epoch milliseconds. Each event sets it anew; absent: never.
	 */
	expires_at: z.optional(z.number()),
};

const Trigger = z.object({
	action: z.literal("trigger"),
	severity: Severity,
	...Common,
	/**
	 * The sender held back its own actions for this state (a CloudWatch composite alarm's
	 * `actionsSuppressedBy`): the alert is kept but muted, as a silence mutes it, until an event
	 * without it comes.
	 */
	suppressed_by: z.optional(z.string().check(maxLength(LIMITS.labelValue))),
});
const Resolve = z.object({ action: z.literal("resolve"), ...Common });
/** PagerDuty's `acknowledge`: the key's firing alert's open incidents are acknowledged. */
const Acknowledge = z.object({
	action: z.literal("acknowledge"),
	alert_key: Common.alert_key,
	occurred_at: Common.occurred_at,
});

export const AlertEvent = z.discriminatedUnion("action", [Trigger, Resolve, Acknowledge]);
export type AlertEvent = z.infer<typeof AlertEvent>;
/** An event that changes an alert itself (an acknowledgement changes its incidents). */
export type AlertChange = z.infer<typeof Trigger> | z.infer<typeof Resolve>;
