// Plain bodies and records with valid defaults: each test overrides only the fields its case is
// about.
import type { Alert } from "../src/alerts/alert";
import type { IncidentRecord } from "../src/incidents/incident";
import type { NotificationEvent } from "../src/notify/event";

/** A standard-protocol Warning event for `alertKey`, titled after it, as pushed to `/push/{key}`. */
export function warning(alertKey: string, over: Record<string, unknown> = {}) {
	return { event_status: "Warning", title_rule: alertKey, alert_key: alertKey, ...over };
}

/** A firing, unsilenced alert with label `service=api`, opened and last seen at 0. */
export function alertRecord(over: Partial<Alert> = {}): Alert {
	return {
		id: "a1",
		alert_key: "k",
		status: "firing",
		severity: "warning",
		title: "disk full",
		description: "",
		labels: { service: "api" },
		images: [],
		event_count: 1,
		first_event_at: 0,
		last_event_at: 0,
		resolved_at: null,
		resolved_by: null,
		links: [],
		expires_at: null,
		silenced_by: null,
		inhibited_by: null,
		flapping: false,
		suppressed_by: null,
		...over,
	};
}

/** A triggered incident of one alert in channel `ch`, grouped under `service=api`, opened at 0. */
export function incidentRecord(over: Partial<IncidentRecord> = {}): IncidentRecord {
	return {
		id: "i1",
		channel_id: "ch",
		status: "triggered",
		severity: "warning",
		title: "first",
		alert_count: 1,
		group_key: '["api"]',
		opened_at: 0,
		acknowledged_at: null,
		resolved_at: null,
		resolved_by: null,
		...over,
	};
}

/** An `incident.triggered` notification; `over` replaces fields of its incident. */
export function notificationEvent(
	over: Partial<NotificationEvent["incident"]> = {},
): NotificationEvent {
	return {
		id: "evt_1",
		type: "incident.triggered",
		occurred_at: "2026-11-22T00:00:00.000Z",
		incident: {
			id: "6f1c8e4e-0000-4000-8000-000000000001",
			integration_id: "i",
			channel_id: "c",
			status: "triggered",
			severity: "warning",
			title: "t",
			alert_count: 1,
			opened_at: "2026-11-22T00:00:00.000Z",
			acknowledged_at: null,
			resolved_at: null,
			resolved_by: null,
			alerts: [],
			url: "https://alertgate.test/api/v1/incidents/x",
			...over,
		},
	};
}
