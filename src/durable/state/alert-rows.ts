import * as z from "zod/mini";
import { Alert } from "../../alerts/alert";
import { Image, Labels, Link } from "../../alerts/event";
import { jsonText } from "../../schema/json";
import { type HeldValue, heldInsert } from "./write-behind";

/** How an alert is a row of `alerts`: its stored shape, its columns, and what a change touches. */

/** An alert as `alerts` stores it: labels, images and links as JSON text. */
export const StoredAlert = z.extend(Alert, {
	labels: jsonText(Labels),
	images: jsonText(z.array(Image)),
	links: jsonText(z.array(Link)),
	flapping: z.codec(z.number(), z.boolean(), {
		decode: (flag) => flag === 1,
		encode: (flag) => (flag ? 1 : 0),
	}),
});
/** Whether `after` differs from `before` in its counters only. */
export function onlyCounted(before: Alert, after: Alert): boolean {
	return (
		before.status === after.status &&
		before.severity === after.severity &&
		before.title === after.title &&
		before.description === after.description &&
		before.expires_at === after.expires_at &&
		before.resolved_at === after.resolved_at &&
		before.silenced_by === after.silenced_by &&
		before.inhibited_by === after.inhibited_by &&
		before.flapping === after.flapping &&
		before.suppressed_by === after.suppressed_by &&
		sameRecord(before.labels, after.labels) &&
		sameJson(before.images, after.images) &&
		sameJson(before.links, after.links)
	);
}

function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
	if (a === b) return true;
	const keys = Object.keys(a);
	return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

function sameJson(a: unknown[], b: unknown[]): boolean {
	return a === b || (a.length === b.length && JSON.stringify(a) === JSON.stringify(b));
}

/** A new alert's row (or a full rewrite of one not known to exist), held until the push ends. */
export const UPSERT_ALERT = heldInsert(
	`alerts (id, alert_key, first_event_at, status, severity, title, description, labels, images,
		links, event_count, last_event_at, resolved_at, resolved_by, expires_at, silenced_by,
		inhibited_by, flapping, suppressed_by, last_received_at)`,
	20,
	{
		tail: `ON CONFLICT (id) DO UPDATE SET status = excluded.status, severity = excluded.severity,
			title = excluded.title, description = excluded.description, labels = excluded.labels,
			images = excluded.images, links = excluded.links, event_count = excluded.event_count,
			last_event_at = excluded.last_event_at, resolved_at = excluded.resolved_at,
			resolved_by = excluded.resolved_by, expires_at = excluded.expires_at,
			silenced_by = excluded.silenced_by, inhibited_by = excluded.inhibited_by,
			flapping = excluded.flapping, suppressed_by = excluded.suppressed_by,
			last_received_at = coalesce(excluded.last_received_at, alerts.last_received_at)`,
	},
);

/**
 * The columns an event can change, in the order the alert store's update and UPSERT_ALERT (after
 * the id, the key and the first event time) bind them.
 */
export function changingColumns(alert: Alert, receivedAt: number | undefined): HeldValue[] {
	return [
		alert.status,
		alert.severity,
		alert.title,
		alert.description,
		JSON.stringify(alert.labels),
		JSON.stringify(alert.images),
		JSON.stringify(alert.links),
		alert.event_count,
		alert.last_event_at,
		alert.resolved_at,
		alert.resolved_by,
		alert.expires_at,
		alert.silenced_by,
		alert.inhibited_by,
		alert.flapping ? 1 : 0,
		alert.suppressed_by,
		receivedAt ?? null,
	];
}
