import * as z from "zod/mini";
import { type Alert, AlertStatus, iso, isoOrNull } from "../alerts/alert";
import { Labels, Severity } from "../alerts/event";
import { timeOrderedId } from "../ids";
import { Incident, type IncidentRecord } from "../incidents/incident";
import { ActionLinks } from "./action-links";
import { EventType } from "./target";

/**
 * The JSON event a notification carries, the same for every target type (Slack, Teams and
 * PagerDuty render it their way; a webhook gets it as is). It is frozen when the change happens
 * and stored in the outbox, so a retry sends exactly what the first attempt sent.
 */

/** Alerts listed in one event; `alert_count` still counts them all. */
export const MAX_EVENT_ALERTS = 20;

const EventAlert = z.object({
	id: z.string(),
	alert_key: z.string(),
	status: AlertStatus,
	severity: Severity,
	title: z.string(),
	labels: Labels,
});

export const NotificationEvent = z.object({
	/** Unique per event and target, the same on every retry: receivers drop duplicates by it. */
	id: z.string(),
	/** `test` only from `POST /api/v1/channels/{id}/test`. */
	type: z.union([EventType, z.literal("test")]),
	occurred_at: z.string(),
	/** The incident as the API shows it (times in ISO 8601), with its first alerts and a link. */
	incident: z.extend(
		z.omit(Incident, {
			opened_at: true,
			acknowledged_at: true,
			resolved_at: true,
		}),
		{
			opened_at: z.string(),
			acknowledged_at: z.nullable(z.string()),
			resolved_at: z.nullable(z.string()),
			alerts: z.array(EventAlert),
			/**
			 * Where a person opens the incident: its dashboard page under PUBLIC_URL, or, when
			 * PUBLIC_URL is not set, the same as `api_url`.
			 */
			url: z.string(),
			/** The incident in alertgate's API (GET needs the admin token); events stored before it: none. */
			api_url: z.optional(z.string()),
		},
	),
	/** Escalations: 0 for the first notice after the delay, then 1, 2, … for repeats. */
	escalation: z.optional(z.object({ repeat: z.number() })),
	/** `incident.storm`: the alert count the incident just reached (10, 100 or 1,000). */
	storm: z.optional(z.object({ threshold: z.number() })),
	/**
	 * `incident.flapping`: the alert key that changes state too often, how many changes it made
	 * within the window (ms); its next openings are held quiet until it is stable that long.
	 */
	flapping: z.optional(
		z.object({ alert_key: z.string(), changes: z.number(), window_ms: z.number() }),
	),
	/**
	 * The incident's dashboard page and signed action links (src/actions/links.ts), added as the
	 * notification is sent; never stored with it.
	 */
	links: z.optional(ActionLinks),
});
export type NotificationEvent = z.infer<typeof NotificationEvent>;

/** `evt_` and the 32 hex digits of a UUID that grows with time (src/ids.ts): each keys a queued row. */
export const newEventId = () => `evt_${timeOrderedId().replaceAll("-", "")}`;

export function buildEvent(input: {
	type: NotificationEvent["type"];
	incident: IncidentRecord;
	integrationId: string;
	alerts: readonly Alert[];
	baseUrl: string;
	/** PUBLIC_URL's origin, or null: then `url` is the API's. */
	dashboardUrl: string | null;
	now: number;
	repeat?: number;
	stormThreshold?: number;
	flapping?: NotificationEvent["flapping"];
}): NotificationEvent {
	const { incident } = input;
	const apiUrl = `${input.baseUrl}/api/v1/incidents/${incident.id}`;
	return {
		id: newEventId(),
		type: input.type,
		occurred_at: iso(input.now),
		incident: {
			id: incident.id,
			integration_id: input.integrationId,
			channel_id: incident.channel_id,
			status: incident.status,
			severity: incident.severity,
			title: incident.title,
			alert_count: incident.alert_count,
			opened_at: iso(incident.opened_at),
			acknowledged_at: isoOrNull(incident.acknowledged_at),
			resolved_at: isoOrNull(incident.resolved_at),
			resolved_by: incident.resolved_by,
			alerts: input.alerts.slice(0, MAX_EVENT_ALERTS).map((alert) => ({
				id: alert.id,
				alert_key: alert.alert_key,
				status: alert.status,
				severity: alert.severity,
				title: alert.title,
				labels: alert.labels,
			})),
			url:
				input.dashboardUrl === null
					? apiUrl
					: `${input.dashboardUrl}/dashboard/incidents/${encodeURIComponent(incident.id)}`,
			api_url: apiUrl,
		},
		...(input.repeat === undefined ? {} : { escalation: { repeat: input.repeat } }),
		...(input.stormThreshold === undefined ? {} : { storm: { threshold: input.stormThreshold } }),
		...(input.flapping === undefined ? {} : { flapping: input.flapping }),
	};
}
