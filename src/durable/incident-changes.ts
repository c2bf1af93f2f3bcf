import { type Alert, alertToApi } from "../alerts/alert";
import { OWN_ALERT_KEY_PREFIX } from "../alerts/event";
import { closeAlert } from "../alerts/lifecycle";
import { changeToApi } from "../changes/change";
import { timeOrderedId } from "../ids";
import { type IncidentRecord, incidentToApi } from "../incidents/incident";
import {
	acknowledge,
	joinOrOpen,
	placements,
	refreshSeverity,
	resolveByPerson,
	resolveWhenQuiet,
} from "../incidents/lifecycle";
import type { Actor } from "../incidents/timeline";
import { channelsFor } from "../routing/snapshot";
import type { IncidentDetail, IncidentReply, Refusal } from "./contract";
import { countUnrouted } from "./counters";
import { afterClosed, isWindowIn } from "./noise";
import { incidentChanged } from "./notifications";
import type { Stores } from "./state/stores";
import { type Cause, openingEntry } from "./timeline";

/**
 * What happens to incidents: alerts routed into them, their severity and resolution following
 * their alerts, a person's acknowledge and resolve, and alerts that time out. Everything runs
 * inside the object's transaction and takes the time from the caller.
 */

/** Ids that grow with time, which SQLite's indexes take on their last pages (src/ids.ts). */
export const newId = () => timeOrderedId();

/**
 * Routing is decided once, when the alert opens. In each channel it joins an open incident of
 * its group or opens one; with no channel it opens an unrouted incident. `routed` false: unrouted;
 * `incidentId`: the incident it opened or joined in its first channel.
 */
export function openIncidents(
	s: Stores,
	alert: Alert,
	now: number,
): { routed: boolean; incidentId: string | null } {
	const routing = s.routing.current();
	const channels = channelsFor(alert, routing);
	let incidentId: string | null = null;
	for (const place of placements(alert, channels, routing.grouping)) {
		const candidate =
			place.channel_id === null || place.group_key === null
				? null
				: s.incidents.newestOpenInGroup(place.channel_id, place.group_key);
		const incident = joinOrOpen(alert, place, candidate, now, newId);
		const before = candidate?.id === incident.id ? candidate : null;
		s.incidents.save(incident, before === null ? openingEntry(incident, alert) : null);
		s.incidents.link(incident.id, alert.id);
		incidentChanged(s, before, incident, now, { alert });
		incidentId ??= incident.id;
	}
	return { routed: channels.length > 0, incidentId };
}

/**
 * Routes alerts that nothing mutes any more into incidents, as when they opened. Returns how
 * many no channel took.
 */
export function routeReleased(s: Stores, released: readonly Alert[], now: number): number {
	return released.filter((alert) => !openIncidents(s, alert, now).routed).length;
}

/** An alert's severity changed: its open incidents take the highest of their alerts'. */
export function refreshIncidents(s: Stores, alert: Alert, now: number): void {
	for (const incident of s.incidents.openWith(alert.id)) {
		const changed = refreshSeverity(incident, s.incidents.alertSeverities(incident.id));
		if (changed !== null) saveChange(s, incident, changed, now);
	}
}

/** Writes an incident's change and queues the notifications it causes, in one transaction. */
export function saveChange(
	s: Stores,
	before: IncidentRecord,
	after: IncidentRecord,
	now: number,
	cause: Cause = {},
): void {
	s.incidents.save(after);
	incidentChanged(s, before, after, now, cause);
}

/**
 * An alert closed and saved (by its source, a timeout or a person): each of its open incidents
 * resolves when none of its alerts fires, and the alerts it inhibited are routed. Returns how
 * many of those no channel took.
 */
export function alertClosed(s: Stores, closed: Alert, now: number): number {
	for (const incident of s.incidents.openWith(closed.id)) {
		const changed = resolveWhenQuiet(
			incident,
			s.incidents.hasFiringAlert(incident.id),
			closed,
			now,
		);
		if (changed !== null) saveChange(s, incident, changed, now);
	}
	return routeReleased(s, afterClosed(s, closed, now), now);
}

/**
 * Resolves firing alerts that went quiet for longer than `auto_resolve_after`, and those whose
 * `expires_at` has passed (resolved as of then, as Alertmanager does).
 */
export function expireQuietAlerts(s: Stores, now: number): void {
	for (const alert of s.alerts.expiredBy(now)) {
		timeOut(s, alert, alert.expires_at ?? now, now);
	}
	const after = s.settings.current().autoResolveAfterMs;
	if (after === null) return;
	for (const alert of s.alerts.quietSince(now - after)) {
		// The object's own alerts (a heartbeat down, a source gone quiet) are quiet by nature: they
		// end when what they watch comes back, never by a timeout.
		if (!alert.alert_key.startsWith(OWN_ALERT_KEY_PREFIX)) timeOut(s, alert, now, now);
	}
}

function timeOut(s: Stores, alert: Alert, at: number, now: number): void {
	const closed = closeAlert(alert, at, "timeout");
	s.alerts.save(closed, undefined, "closed");
	countUnrouted(s, alertClosed(s, closed, now));
}

/**
 * When the next firing alert times out, by `auto_resolve_after` or its own `expires_at` (null:
 * neither applies to anything firing).
 */
export function nextTimeoutAt(s: Stores): number | null {
	const after = s.settings.current().autoResolveAfterMs;
	const oldest = after === null ? null : s.alerts.oldestFiringReceipt();
	const quiet = after === null || oldest === null ? null : oldest + after;
	const expiry = s.alerts.nextExpiry();
	if (quiet === null || expiry === null) return quiet ?? expiry;
	return Math.min(quiet, expiry);
}

function incidentNotFound(id: string): Refusal {
	return { ok: false, reason: "incident_not_found", id };
}

/** A deleted integration's incidents are gone. */
function incidentOf(s: Stores, id: string): IncidentRecord | null {
	return s.meta.isDeleted() ? null : s.incidents.get(id);
}

/** triggered → acknowledged. Repeating it is fine; a resolved incident cannot be acknowledged. */
export function acknowledgeIncident(s: Stores, id: string, now: number, by: Actor): Refusal | null {
	const incident = incidentOf(s, id);
	if (incident === null) return incidentNotFound(id);
	const result = acknowledge(incident, now);
	if (!result.ok) return { ok: false, reason: result.reason };
	if (result.changed) saveChange(s, incident, result.incident, now, { by });
	return null;
}

/**
 * Resolves the incident and its firing alerts (resolved_by "api"); a later trigger for one of
 * those keys opens a new alert and incident. The alerts may sit in other channels' incidents
 * too (routes with `continue`), which then resolve when quiet.
 */
export function resolveIncident(s: Stores, id: string, now: number, by: Actor): Refusal | null {
	const incident = incidentOf(s, id);
	if (incident === null) return incidentNotFound(id);
	const resolved = resolveByPerson(incident, now);
	if (resolved === null) return null;
	s.incidents.save(resolved);
	for (const alert of s.incidents.alertsOf(id)) {
		if (alert.status !== "firing") continue;
		const closed = closeAlert(alert, now, "api");
		s.alerts.save(closed, undefined, "closed");
		countUnrouted(s, alertClosed(s, closed, now));
	}
	// Told once its alerts are closed too, so the event shows them resolved.
	incidentChanged(s, incident, resolved, now, { by });
	return null;
}

export function incidentReply(s: Stores, id: string): IncidentReply {
	const incident = incidentOf(s, id);
	return incident === null ? incidentNotFound(id) : { ok: true, incident: detail(s, incident) };
}

/** How far before an incident opened its integration's change events are shown with it. */
export const RECENT_CHANGES_WINDOW_MS = 60 * 60_000;
/** The most change events an incident shows (the newest). */
const RECENT_CHANGES_SHOWN = 20;

function detail(s: Stores, incident: IncidentRecord): IncidentDetail {
	const { group_key: _key, ...fields } = incident;
	const opened = incident.opened_at;
	return {
		...incidentToApi({ ...fields, integration_id: s.meta.get("integration_id") ?? "" }),
		alerts: s.incidents.alertsOf(incident.id).map((alert) => alertToApi(alert, isWindowIn(s))),
		recent_changes: s.changes
			.between(opened - RECENT_CHANGES_WINDOW_MS, opened, RECENT_CHANGES_SHOWN)
			.map(changeToApi),
	};
}
