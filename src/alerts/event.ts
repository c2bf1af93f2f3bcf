import * as z from "zod/mini";

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
} as const;

export const Image = z.object({
	src: z.string(),
	alt: z.optional(z.string()),
	href: z.optional(z.string()),
});
export type Image = z.infer<typeof Image>;

export const Labels = z.record(z.string(), z.string());
export type Labels = z.infer<typeof Labels>;

const Common = {
	alert_key: z.string().check(z.minLength(1), z.maxLength(LIMITS.alertKey)),
	title: z.string().check(z.maxLength(LIMITS.title)),
	description: z.string().check(z.maxLength(LIMITS.description)),
	labels: Labels,
	images: z.array(Image).check(z.maxLength(LIMITS.images)),
	/** When the source says it happened, in epoch milliseconds. */
	occurred_at: z.number(),
	/**
	 * Set by sources whose events carry a state-change time (CloudWatch alarms): an event no newer
	 * than the last one applied for its key is a late or repeated delivery and changes nothing.
	 */
	ordered: z.optional(z.boolean()),
};

export const AlertEvent = z.discriminatedUnion("action", [
	z.object({ action: z.literal("trigger"), severity: Severity, ...Common }),
	z.object({ action: z.literal("resolve"), ...Common }),
]);
export type AlertEvent = z.infer<typeof AlertEvent>;
