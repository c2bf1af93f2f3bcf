import * as z from "zod/mini";
import { Iso, iso } from "../alerts/alert";
import { DOCS } from "../schema/docs";

/**
 * An incident's timeline: what happened to it and who did it, in order, as PagerDuty's incident
 * log shows it. Entries are written by the integration object in the transaction of the change
 * they record, and live and are pruned with their incident.
 */

/**
 * Who acted: a person through the admin API, the dashboard, a signed action link or Slack (with
 * the Slack user), or alertgate itself when the alerts resolved or timed out.
 */
export const ActorVia = z.enum(["api", "dashboard", "link", "slack", "alerts", "timeout"]);
export const Actor = z.object({
	via: ActorVia,
	/** Who, when the way knows it: a Slack user's name; else null. */
	name: z.nullable(z.string()),
});
export type Actor = z.infer<typeof Actor>;

export const actor = (via: Actor["via"], name: string | null = null): Actor => ({ via, name });

export const TIMELINE_TYPES = [
	"triggered",
	"alert_added",
	"severity_changed",
	"notified",
	"escalated",
	"acknowledged",
	"resolved",
	"silenced",
	"flapping",
	"storm",
	"truncated",
] as const;
export const TimelineType = z.enum(TIMELINE_TYPES);
export type TimelineType = z.infer<typeof TimelineType>;

/** What each kind of entry says beyond its time and kind; every field is optional in storage. */
export const TimelineDetail = z.object({
	by: z.optional(Actor),
	alert_key: z.optional(z.string()),
	severity: z.optional(z.string()),
	alert_count: z.optional(z.number()),
	/** notified, escalated: the target, its type and name as they were then. */
	target_id: z.optional(z.string()),
	target_name: z.optional(z.string()),
	target_type: z.optional(z.string()),
	/** notified: the event sent, the attempt (1 is the first), what came of it. */
	event: z.optional(z.string()),
	attempt: z.optional(z.number()),
	outcome: z.optional(z.enum(["delivered", "retry", "failed"])),
	status: z.optional(z.nullable(z.number())),
	error: z.optional(z.nullable(z.string())),
	/** escalated: 0 for the first notice after a delay, then 1, 2, … for repeats. */
	repeat: z.optional(z.number()),
	/** silenced: the silence that now mutes the alert. */
	silence_id: z.optional(z.string()),
	/** storm: the alert count reached; flapping: the state changes within the window. */
	threshold: z.optional(z.number()),
	changes: z.optional(z.number()),
	window_ms: z.optional(z.number()),
});
export type TimelineDetail = z.infer<typeof TimelineDetail>;

export type TimelineRecord = { seq: number; at: number; type: TimelineType } & TimelineDetail;

/** The API's view of one entry. */
export const TimelineEntryView =
	DOCS &&
	z.extend(TimelineDetail, {
		seq: z.number(),
		at: Iso,
		type: TimelineType,
	});
export type ApiTimelineEntry = Omit<TimelineRecord, "at"> & { at: string };

export function timelineToApi(entry: TimelineRecord): ApiTimelineEntry {
	return { ...entry, at: iso(entry.at) };
}
