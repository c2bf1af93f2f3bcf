import * as z from "zod/mini";
import { AlertView, Iso, IsoOrNull, iso, isoOrNull } from "../alerts/alert";
import { Severity } from "../alerts/event";
import { ChangeView } from "../changes/change";
import { DOCS } from "../schema/docs";

/**
 * An incident: what a person acts on. It belongs to one channel (or none: unrouted), lives in
 * its integration's Durable Object (the source of truth), and is mirrored to D1 for listing.
 */
export const IncidentStatus = z.enum(["triggered", "acknowledged", "resolved"]);
export type IncidentStatus = z.infer<typeof IncidentStatus>;

export const Incident = z.object({
	id: z.string(),
	integration_id: z.string(),
	channel_id: z.nullable(z.string()),
	status: IncidentStatus,
	severity: Severity,
	title: z.string(),
	alert_count: z.number(),
	opened_at: z.number(),
	acknowledged_at: z.nullable(z.number()),
	resolved_at: z.nullable(z.number()),
	/** `alerts`: all its alerts resolved; `api`: a person resolved it; `timeout`: auto-resolve. */
	resolved_by: z.nullable(z.enum(["alerts", "api", "timeout"])),
});
export type Incident = z.infer<typeof Incident>;

/**
 * An incident as its integration's Durable Object holds it: without the integration id (the
 * object is the integration) and with the group key its alerts share (null: not grouped).
 */
export const IncidentRecord = z.extend(z.omit(Incident, { integration_id: true }), {
	group_key: z.nullable(z.string()),
});
export type IncidentRecord = z.infer<typeof IncidentRecord>;

/** The API's view: the same fields, times as ISO 8601. */
export const IncidentView =
	DOCS &&
	z.extend(Incident, {
		opened_at: Iso,
		acknowledged_at: IsoOrNull,
		resolved_at: IsoOrNull,
	});
export type ApiIncident = z.output<typeof IncidentView>;

/**
 * One incident with its alerts, and its integration's change events of the hour before it
 * opened, newest first (at most 20).
 */
export const IncidentDetailView =
	DOCS &&
	z.extend(IncidentView, { alerts: z.array(AlertView), recent_changes: z.array(ChangeView) });

export function incidentToApi(incident: Incident): ApiIncident {
	return {
		...incident,
		opened_at: iso(incident.opened_at),
		acknowledged_at: isoOrNull(incident.acknowledged_at),
		resolved_at: isoOrNull(incident.resolved_at),
	};
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

export function highestSeverity(severities: readonly Severity[]): Severity {
	return severities.reduce<Severity>((a, b) => (RANK[b] > RANK[a] ? b : a), "info");
}

/** A channel's grouping, as the Durable Object applies it. */
export const Grouping = z.object({
	group_by: z.array(z.string()),
	group_window_ms: z.nullable(z.number()),
});
export type Grouping = z.infer<typeof Grouping>;

/**
 * The values an alert's group_by labels take (missing labels count as ""), or null when the
 * channel does not group: then every alert opens its own incident.
 */
export function groupKey(
	labels: Record<string, string>,
	grouping: Grouping | undefined,
): string | null {
	if (grouping === undefined || grouping.group_by.length === 0) return null;
	return JSON.stringify(grouping.group_by.map((name) => labels[name] ?? ""));
}

/** Whether an open incident opened at `openedAt` still takes alerts under `grouping` at `now`. */
export function withinWindow(openedAt: number, now: number, grouping: Grouping): boolean {
	return grouping.group_window_ms === null || now - openedAt < grouping.group_window_ms;
}
