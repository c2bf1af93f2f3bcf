import * as z from "zod/mini";
import { Iso, iso } from "../alerts/alert";
import { Link } from "../alerts/event";
import { DOCS } from "../schema/docs";

/**
 * A change event: something that changed (a deploy, a configuration applied), not a problem.
 * It opens no alert and no incident and notifies no one; an integration's object keeps the
 * latest ones, and an incident shows those of the hour before it opened, as PagerDuty shows
 * "recent changes" beside an incident.
 */

export const CHANGE_LIMITS = {
	/** PagerDuty's "maximum permitted length"; the rest is cut. */
	summary: 1024,
	source: 255,
	/** `custom_details` as JSON text: more is refused, since cut JSON would mean nothing. */
	detailsChars: 16 * 1024,
} as const;

/** A change event as a source hands it to the integration's object. */
export const ChangeEvent = z.object({
	summary: z.string(),
	source: z.nullable(z.string()),
	/** When it happened: the sender's time (held to the object's clock), else when it arrived. */
	occurred_at: z.number(),
	/** The sender's details as JSON text (null: none): text crosses RPC and SQLite as it is. */
	custom_details: z.nullable(z.string()),
	links: z.array(Link),
});
export type ChangeEvent = z.infer<typeof ChangeEvent>;

/** A change event as an integration's object keeps it. */
export const ChangeRecord = z.extend(ChangeEvent, { id: z.string(), received_at: z.number() });
export type ChangeRecord = z.infer<typeof ChangeRecord>;

/** The API's view: times as ISO 8601. */
export const ChangeView =
	DOCS &&
	z.object({
		id: z.string(),
		summary: z.string(),
		source: z.nullable(z.string()),
		/** When it happened, as the sender said (else when it arrived). */
		timestamp: Iso,
		received_at: Iso,
		custom_details: z.nullable(z.unknown()),
		/** Only http(s) links are kept. */
		links: z.array(Link),
	});
export type ApiChange = z.output<typeof ChangeView>;

export function changeToApi(change: ChangeRecord): ApiChange {
	return {
		id: change.id,
		summary: change.summary,
		source: change.source,
		timestamp: iso(change.occurred_at),
		received_at: iso(change.received_at),
		custom_details: change.custom_details === null ? null : JSON.parse(change.custom_details),
		links: change.links,
	};
}
