import * as z from "zod/mini";
import { DOCS } from "../schema/docs";
import { Image, Labels, Link, Severity } from "./event";

export const AlertStatus = z.enum(["firing", "resolved"]);
export type AlertStatus = z.infer<typeof AlertStatus>;

/** An alert as the Durable Object keeps it: a run of events sharing an alert key. Times in ms. */
export const Alert = z.object({
	id: z.string(),
	alert_key: z.string(),
	status: AlertStatus,
	severity: Severity,
	title: z.string(),
	description: z.string(),
	labels: Labels,
	images: z.array(Image),
	links: z.array(Link),
	event_count: z.number(),
	first_event_at: z.number(),
	last_event_at: z.number(),
	resolved_at: z.nullable(z.number()),
	/**
	 * What resolved it: a recovery event, `auto_resolve_after` passing without events, or a person
	 * resolving one of its incidents through the API.
	 */
	resolved_by: z.nullable(z.enum(["event", "timeout", "api"])),
	/** When it resolves by itself unless its source sends again (an Alertmanager `endsAt`). */
	expires_at: z.nullable(z.number()),
	/** The silence that mutes it (null: none): it is held with no incident and sends nothing. */
	silenced_by: z.nullable(z.string()),
	/** The firing alert whose inhibit rule mutes it (null: none), likewise held. */
	inhibited_by: z.nullable(z.string()),
	/** Its key changes state too often: held quiet until it has been stable for the window. */
	flapping: z.boolean(),
	/**
	 * Why its sender held back the alert's actions (null: it did not), as its last event said: a
	 * CloudWatch composite alarm's `actionsSuppressedBy` (WaitPeriod, ExtensionPeriod, Alarm).
	 * Likewise held, until an event without it.
	 */
	suppressed_by: z.nullable(z.string()),
});
export type Alert = z.infer<typeof Alert>;

export type Mutes = Pick<Alert, "silenced_by" | "inhibited_by" | "flapping" | "suppressed_by">;

/**
 * What mutes an alert, named for a push's answer and the API: a silence (a maintenance window
 * when that silence has a weekly schedule), an inhibit rule, flapping, or its sender's
 * suppression; the first of these that holds. Null: nothing.
 */
export const MutedBy = z.nullable(
	z.enum(["silence", "maintenance_window", "inhibit_rule", "flapping", "suppressed"]),
);
export type MutedBy = z.infer<typeof MutedBy>;

/** `isWindow`: whether a silence id names a maintenance window (one with a schedule). */
export function mutedBy(alert: Mutes, isWindow: (silenceId: string) => boolean): MutedBy {
	if (alert.silenced_by !== null) {
		return isWindow(alert.silenced_by) ? "maintenance_window" : "silence";
	}
	if (alert.inhibited_by !== null) return "inhibit_rule";
	if (alert.flapping) return "flapping";
	return alert.suppressed_by === null ? null : "suppressed";
}

/** Whether a silence, an inhibit rule, flapping or its sender's suppression mutes it. */
export function isMuted(alert: Mutes): boolean {
	return (
		alert.silenced_by !== null ||
		alert.inhibited_by !== null ||
		alert.flapping ||
		alert.suppressed_by !== null
	);
}

/** An ISO 8601 time in the API's answers. */
export const Iso = DOCS && z.string().check(z.iso.datetime());
export const IsoOrNull = DOCS && z.nullable(Iso);

/** The API's view: the same fields, times as ISO 8601. */
export const AlertView =
	DOCS &&
	z.extend(Alert, {
		first_event_at: Iso,
		last_event_at: Iso,
		resolved_at: IsoOrNull,
		expires_at: IsoOrNull,
		/** What mutes it, in one word (the marks above say by which silence or alert). */
		muted_by: MutedBy,
	});
export type ApiAlert = z.output<typeof AlertView>;

/** `isWindow`: as for `mutedBy` (the object's silences say which are maintenance windows). */
export function alertToApi(alert: Alert, isWindow: (silenceId: string) => boolean): ApiAlert {
	return {
		...alert,
		muted_by: mutedBy(alert, isWindow),
		first_event_at: iso(alert.first_event_at),
		last_event_at: iso(alert.last_event_at),
		resolved_at: isoOrNull(alert.resolved_at),
		expires_at: isoOrNull(alert.expires_at),
	};
}

export function iso(ms: number): string {
	return new Date(ms).toISOString();
}

export function isoOrNull(ms: number | null): string | null {
	return ms === null ? null : iso(ms);
}
