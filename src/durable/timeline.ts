import type { Alert } from "../alerts/alert";
import type { IncidentRecord } from "../incidents/incident";
import { type Actor, actor, type TimelineDetail } from "../incidents/timeline";
import type { Attempt } from "../notify/send";
import type { Target } from "../notify/target";
import type { OutboxRow } from "./state/outbox";
import type { Stores } from "./state/stores";

/**
 * What goes into an incident's timeline, decided where the change happens and written in its
 * transaction (so an entry exists exactly when its change committed).
 */

/**
 * What a new incident's "triggered" entry says: the alert that opened it and its severity then.
 * Saved with the incident (`Incidents.save`), whose row holds its timeline's first entry.
 */
export const openingEntry = (incident: IncidentRecord, alert: Alert): TimelineDetail => ({
	alert_key: alert.alert_key,
	severity: incident.severity,
});

/** Why an incident changed, when the caller knows more than the two records say. */
export type Cause = {
	/** The alert that opened or joined it. */
	alert?: Alert;
	/** The person (and the way) that acknowledged or resolved it. */
	by?: Actor;
};

/** An incident opened (`before` null) or changed. */
export function recordIncidentChange(
	s: Stores,
	before: IncidentRecord | null,
	after: IncidentRecord,
	now: number,
	cause: Cause,
): void {
	if (before === null) {
		// Its "triggered" entry is its row's (`openingEntry`, saved with it).
		s.timeline.opened(after.id);
		return;
	}
	const add = s.timeline.add.bind(s.timeline, after.id, now);
	const alertKey = cause.alert === undefined ? {} : { alert_key: cause.alert.alert_key };
	if (after.alert_count > before.alert_count) {
		add("alert_added", { ...alertKey, alert_count: after.alert_count });
	}
	if (after.severity !== before.severity) add("severity_changed", { severity: after.severity });
	if (before.status === after.status) return;
	if (after.status === "acknowledged") add("acknowledged", { by: cause.by ?? actor("api") });
	if (after.status === "resolved") {
		const by =
			after.resolved_by === "api"
				? (cause.by ?? actor("api"))
				: actor(after.resolved_by ?? "alerts");
		add("resolved", { by });
	}
}

/** A target's escalation fired: its first notice after a delay (repeat 0), or a repeat. */
export function recordEscalation(
	s: Stores,
	incidentId: string,
	target: Target,
	repeat: number,
	now: number,
): void {
	s.timeline.add(incidentId, now, "escalated", { ...targetOf(target), repeat });
}

/** One attempt to deliver a notification, and what came of it, on an incident still kept. */
export function recordAttempt(
	s: Stores,
	row: OutboxRow,
	target: Target,
	attempt: Attempt,
	failedForGood: boolean,
	now: number,
): void {
	const outcome =
		attempt.outcome === "delivered" ? "delivered" : failedForGood ? "failed" : "retry";
	s.timeline.add(row.incident_id, now, "notified", {
		...targetOf(target),
		event: row.event.type,
		attempt: row.attempts,
		outcome,
		status: attempt.status,
		...(outcome === "delivered" ? {} : { error: attempt.detail }),
	});
}

const targetOf = (target: Target) => ({
	target_id: target.id,
	target_name: target.name,
	target_type: target.type,
});
