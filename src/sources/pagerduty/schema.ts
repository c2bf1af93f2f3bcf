import * as z from "zod/mini";
import { LIMITS } from "../../alerts/event";
import { maxLength } from "../../schema/length";
import { requiredAs } from "../../schema/messages";
import { Images, Links } from "../fields";

/**
 * A PagerDuty Events API v2 alert event, as PagerDuty documents it
 * (https://developer.pagerduty.com/docs/send-alert-event): `routing_key`, `event_action`,
 * `dedup_key`, `payload` (required for a trigger), `images`, `links`, `client`, `client_url`.
 * Unknown fields are ignored, as PagerDuty ignores them.
 */

const text = z.string({ error: "must be a string" });
const requiredText = z
	.string(requiredAs("a string"))
	.check(z.refine((value) => value.trim() !== "", "must not be blank"));

export const PagerDutySeverity = z.enum(["critical", "error", "warning", "info"], {
	error: "must be critical, error, warning or info",
});
export type PagerDutySeverity = z.output<typeof PagerDutySeverity>;

/**
 * A trigger's payload (PD-CEF fields), checked only for a trigger: PagerDuty ignores the payload
 * of an acknowledge or resolve.
 */
export const TriggerPayload = z.object(
	{
		summary: requiredText,
		source: requiredText,
		severity: PagerDutySeverity,
		timestamp: z.nullish(text),
		component: z.nullish(text),
		group: z.nullish(text),
		class: z.nullish(text),
		custom_details: z.nullish(z.unknown()),
	},
	{ error: "is required for a trigger: {summary, source, severity}" },
);

export const PagerDutyEvent = z.object(
	{
		routing_key: z.nullish(text),
		event_action: z.enum(["trigger", "acknowledge", "resolve"], {
			error: "must be trigger, acknowledge or resolve",
		}),
		dedup_key: z.nullish(
			text.check(maxLength(LIMITS.alertKey, `must be at most ${LIMITS.alertKey} characters`)),
		),
		payload: z.nullish(z.unknown()),
		images: Images,
		links: Links,
		client: z.nullish(text),
		client_url: z.nullish(text),
	},
	{ error: "must be a JSON object (a PagerDuty Events API v2 event)" },
);
export type PagerDutyEvent = z.output<typeof PagerDutyEvent>;

/**
 * A PagerDuty change event, as PagerDuty documents it
 * (https://developer.pagerduty.com/docs/send-change-event) and `@pagerduty/pdjs`'s `change()`
 * sends it to /v2/change/enqueue: `routing_key`, `payload` ({summary, source, timestamp,
 * custom_details}) and `links`. `images` are read, as an alert event's are, and not kept: a
 * change event has none in PagerDuty. Unknown fields are ignored, as PagerDuty ignores them.
 */
export const PagerDutyChangeEvent = z.object(
	{
		routing_key: z.nullish(text),
		payload: z.object(
			{
				summary: requiredText,
				source: z.nullish(text),
				timestamp: z.nullish(text),
				custom_details: z.nullish(z.unknown()),
			},
			{ error: "is required: {summary, source, timestamp, custom_details}" },
		),
		links: Links,
		images: Images,
	},
	{ error: "must be a JSON object (a PagerDuty change event)" },
);
export type PagerDutyChangeEvent = z.output<typeof PagerDutyChangeEvent>;
