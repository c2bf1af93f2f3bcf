import type { Alert } from "../alerts/alert";
import type { Severity } from "../alerts/event";
import {
	type Grouping,
	groupKey,
	highestSeverity,
	type IncidentRecord,
	withinWindow,
} from "./incident";

/**
 * What happens to incidents, as plain functions over plain data (the incident twin of
 * the alerts' lifecycle). The Durable Object reads what a decision needs, calls one of these
 * with `now`, and writes what comes back, inside one synchronous transaction.
 */

/** Where an alert that just opened goes in one channel (null channel: unrouted). */
export type Placement = {
	channel_id: string | null;
	group_key: string | null;
	grouping?: Grouping;
};

/**
 * One placement per channel the alert was routed to, or a single unrouted one (an incident with
 * no channel: held and listed, never dropped). Unrouted and ungrouped channels never group.
 */
export function placements(
	alert: Pick<Alert, "labels">,
	channels: readonly string[],
	grouping: Readonly<Record<string, Grouping>>,
): Placement[] {
	if (channels.length === 0) return [{ channel_id: null, group_key: null }];
	return channels.map((channel_id) => {
		const channelGrouping = grouping[channel_id];
		return {
			channel_id,
			group_key: groupKey(alert.labels, channelGrouping),
			...(channelGrouping === undefined ? {} : { grouping: channelGrouping }),
		};
	});
}

/**
 * The alert joins `candidate` (the newest open incident of its group in that channel) while the
 * group window is open; otherwise it opens a new incident, titled after it.
 */
export function joinOrOpen(
	alert: Alert,
	place: Placement,
	candidate: IncidentRecord | null,
	now: number,
	newId: () => string,
): IncidentRecord {
	if (
		candidate !== null &&
		place.grouping !== undefined &&
		place.group_key !== null &&
		withinWindow(candidate.opened_at, now, place.grouping)
	) {
		return {
			...candidate,
			alert_count: candidate.alert_count + 1,
			severity: highestSeverity([candidate.severity, alert.severity]),
		};
	}
	return {
		id: newId(),
		channel_id: place.channel_id,
		status: "triggered",
		severity: alert.severity,
		title: alert.title,
		alert_count: 1,
		group_key: place.group_key,
		opened_at: now,
		acknowledged_at: null,
		resolved_at: null,
		resolved_by: null,
	};
}

/** An alert's severity changed: the incident takes the highest of its alerts'. Null: unchanged. */
export function refreshSeverity(
	incident: IncidentRecord,
	alertSeverities: readonly Severity[],
): IncidentRecord | null {
	const severity = highestSeverity(alertSeverities);
	return severity === incident.severity ? null : { ...incident, severity };
}

/**
 * One of the incident's alerts resolved: the incident resolves when none of them fires any more,
 * by `timeout` when the timeout closed that alert, otherwise by `alerts`. Null: still firing.
 */
export function resolveWhenQuiet(
	incident: IncidentRecord,
	stillFiring: boolean,
	closedAlert: Pick<Alert, "resolved_by">,
	now: number,
): IncidentRecord | null {
	if (stillFiring || incident.status === "resolved") return null;
	return {
		...incident,
		status: "resolved",
		resolved_at: now,
		resolved_by: closedAlert.resolved_by === "timeout" ? "timeout" : "alerts",
	};
}

export type Acknowledgement =
	| { ok: true; incident: IncidentRecord; changed: boolean }
	| { ok: false; reason: "incident_resolved" };

/** triggered → acknowledged. Repeating it changes nothing; a resolved incident is refused. */
export function acknowledge(incident: IncidentRecord, now: number): Acknowledgement {
	if (incident.status === "resolved") return { ok: false, reason: "incident_resolved" };
	if (incident.status === "acknowledged") return { ok: true, incident, changed: false };
	return {
		ok: true,
		incident: { ...incident, status: "acknowledged", acknowledged_at: now },
		changed: true,
	};
}

/** A person resolves it (its firing alerts close with it). Null: already resolved. */
export function resolveByPerson(incident: IncidentRecord, now: number): IncidentRecord | null {
	if (incident.status === "resolved") return null;
	return { ...incident, status: "resolved", resolved_at: now, resolved_by: "api" };
}
