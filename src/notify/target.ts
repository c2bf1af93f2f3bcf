import * as z from "zod/mini";
import { Iso, IsoOrNull, iso, isoOrNull } from "../alerts/alert";
import { Severity } from "../alerts/event";
import { highestSeverity } from "../incidents/incident";
import { DOCS } from "../schema/docs";
import { parseDuration } from "../schema/duration";
import { pagerdutyRegion } from "./url";

/**
 * A notification target: where a channel's incidents are told, in which format, for which
 * events, and after how long. Kept in D1 (the admin store) and copied into the routing snapshot
 * of every integration that can route to the channel, whose Durable Object sends from it.
 */

export const EVENT_TYPES = [
	"incident.triggered",
	"incident.acknowledged",
	"incident.resolved",
	"incident.escalated",
	"incident.alert_added",
	"incident.storm",
	"incident.flapping",
] as const;
export const EventType = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof EventType>;
/** Every event but `incident.alert_added`, which a busy group would repeat often. */
export const DEFAULT_EVENTS: readonly EventType[] = EVENT_TYPES.filter(
	(type) => type !== "incident.alert_added",
);

export const TargetType = z.enum(["webhook", "slack", "teams", "pagerduty"]);
export type TargetType = z.infer<typeof TargetType>;

/** Where a notification is: being sent (or waiting to be retried), delivered, or failed for good. */
export const DeliveryStatus = z.enum(["pending", "delivered", "failed"]);
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

/** After a rotation, the old signing secret signs too for this long, so receivers can switch. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;

/** The most targets one channel holds. */
export const MAX_TARGETS_PER_CHANNEL = 10;

export const Target = z.object({
	id: z.string(),
	channel_id: z.string(),
	name: z.string(),
	type: TargetType,
	/**
	 * Where to POST (PagerDuty: the Events API v2 endpoint of the account's region; a Slack bot:
	 * chat.postMessage, whose message later events update with chat.update).
	 */
	url: z.string(),
	/**
	 * webhook: the signing secret (`whsec_…`); pagerduty: the routing key; a Slack bot: its token
	 * (`xoxb-…`); else empty.
	 */
	secret: z.string(),
	/** A Slack bot target: the Slack channel id it posts in (null for every other target). */
	slack_channel: z._default(z.nullable(z.string()), null),
	/** After a rotation, the old signing secret also signs until `previous_secret_until`. */
	previous_secret: z._default(z.nullable(z.string()), null),
	previous_secret_until: z._default(z.nullable(z.number()), null),
	events: z.array(EventType),
	min_severity: Severity,
	/** "0s": told at once; longer: told only if still unacknowledged then (escalation). */
	delay: z.string(),
	/** Re-notify an unacknowledged incident every `repeat_every`, `repeat_times` times at most. */
	repeat_every: z.nullable(z.string()),
	repeat_times: z.number(),
	created_at: z.number(),
	updated_at: z.number(),
});
export type Target = z.infer<typeof Target>;

/** Whether an incident of `severity` is one `target` is told of at all. */
export function meetsMinimum(target: Target, severity: Severity): boolean {
	return highestSeverity([severity, target.min_severity]) === severity;
}

export const delayMs = (target: Target): number => parseDuration(target.delay) ?? 0;

/** The next repeat after `sent` repeats, or null when repeats are off or used up. */
export function nextRepeatAt(target: Target, sent: number, now: number): number | null {
	const every = repeatEveryMs(target);
	return every === null || sent >= target.repeat_times ? null : now + every;
}

/** How often the target is reminded of an unacknowledged incident (null: never). */
export function repeatEveryMs(target: Target): number | null {
	return target.repeat_every === null ? null : parseDuration(target.repeat_every);
}

/**
 * A secret as the API shows it after creation: its kind and last four characters, enough to
 * tell two apart and never enough to use one.
 */
export function maskSecret(secret: string): string {
	return secret.length <= 8 ? "••••" : `••••${secret.slice(-4)}`;
}

/** A URL with a token in its path or query: the origin and the last four characters. */
export function maskUrl(url: string): string {
	const parsed = URL.parse(url);
	if (parsed === null) return "••••";
	const rest = url.slice(parsed.origin.length);
	if (rest.length <= 1) return parsed.origin;
	return rest.length <= 8 ? `${parsed.origin}/••••` : `${parsed.origin}/••••${rest.slice(-4)}`;
}

/** A target as the API shows it: secrets and token-bearing URLs masked. */
/** The API's view of a target: secrets and URLs masked, times as ISO 8601. */
export const TargetView =
	DOCS &&
	z.object({
		id: z.string(),
		channel_id: z.string(),
		name: z.string(),
		type: TargetType,
		events: z.array(EventType),
		min_severity: Severity,
		delay: z.string(),
		/** Masked: scheme and host only. Not for pagerduty targets nor Slack bots. */
		url: z.optional(z.string()),
		/** A Slack bot target: its token, masked, and the Slack channel id it posts in. */
		bot_token: z.optional(z.string()),
		slack_channel: z.optional(z.string()),
		/** pagerduty: the routing key, masked, and the account's region. */
		routing_key: z.optional(z.string()),
		region: z.optional(z.enum(["us", "eu"])),
		/** webhook: the signing secret, masked except in the answers to create and rotate-secret. */
		secret: z.optional(z.string()),
		previous_secret_until: z.optional(IsoOrNull),
		repeat: z.nullable(z.object({ every: z.string(), times: z.int() })),
		created_at: Iso,
		updated_at: Iso,
	});
export type TargetView = z.output<typeof TargetView>;

export function targetToApi(target: Target): TargetView {
	const {
		secret,
		previous_secret,
		previous_secret_until,
		url,
		slack_channel,
		repeat_every,
		repeat_times,
		created_at,
		updated_at,
		...rest
	} = target;
	return {
		...rest,
		...(target.type === "pagerduty"
			? { routing_key: maskSecret(secret), region: pagerdutyRegion(url) }
			: slack_channel !== null
				? { bot_token: maskSecret(secret), slack_channel }
				: { url: maskUrl(url) }),
		...(target.type === "webhook"
			? { secret: maskSecret(secret), previous_secret_until: isoOrNull(previous_secret_until) }
			: {}),
		repeat: repeat_every === null ? null : { every: repeat_every, times: repeat_times },
		created_at: iso(created_at),
		updated_at: iso(updated_at),
	};
}
