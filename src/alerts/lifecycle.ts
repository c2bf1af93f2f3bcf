import type { Alert } from "./alert";
import { type AlertChange, type Labels, LIMITS } from "./event";

/**
 * What one event does to the alerts of its key. Pure: the Durable Object reads the firing alert
 * (if any), calls this, and writes what comes back, all inside one synchronous transaction.
 */
export type Outcome =
	| { result: "opened"; alert: Alert }
	| { result: "updated"; alert: Alert }
	| { result: "resolved"; alert: Alert }
	/** An Ok for a key with nothing firing, or a state the integration ignores: changes nothing. */
	| { result: "ignored"; alert: null }
	/** An ordered event older than (or as old as) the last one applied for its key. */
	| { result: "stale"; alert: null };

/**
 * `lastStateAt` is when the newest ordered event applied for this key happened (null if none);
 * only ordered events are compared with it.
 */
export function applyEvent(
	firing: Alert | null,
	event: AlertChange,
	newId: () => string,
	lastStateAt: number | null = null,
): Outcome {
	if (event.ordered && lastStateAt !== null && event.occurred_at <= lastStateAt) {
		return { result: "stale", alert: null };
	}
	if (event.action === "resolve") {
		if (firing === null) return { result: "ignored", alert: null };
		return {
			result: "resolved",
			alert: {
				...firing,
				status: "resolved",
				// A recovery only fills in labels the alert lacks (Flashduty's rule): it must not
				// rewrite what the trigger said about the problem.
				labels: mergeLabels(firing.labels, event.labels, { overwrite: false }),
				event_count: firing.event_count + 1,
				last_event_at: Math.max(firing.last_event_at, event.occurred_at),
				resolved_at: Math.max(firing.first_event_at, event.occurred_at),
				resolved_by: "event",
			},
		};
	}

	if (firing === null) {
		return {
			result: "opened",
			alert: {
				id: newId(),
				alert_key: event.alert_key,
				status: "firing",
				severity: event.severity,
				title: event.title,
				description: event.description,
				labels: event.labels,
				images: event.images,
				links: event.links ?? [],
				event_count: 1,
				first_event_at: event.occurred_at,
				last_event_at: event.occurred_at,
				resolved_at: null,
				resolved_by: null,
				expires_at: event.expires_at ?? null,
				silenced_by: null,
				inhibited_by: null,
				flapping: false,
				suppressed_by: event.suppressed_by ?? null,
			},
		};
	}

	return {
		result: "updated",
		alert: {
			...firing,
			severity: event.severity,
			title: event.title,
			description: event.description,
			labels: mergeLabels(firing.labels, event.labels),
			images: event.images.length > 0 ? event.images : firing.images,
			links: event.links !== undefined && event.links.length > 0 ? event.links : firing.links,
			event_count: firing.event_count + 1,
			last_event_at: Math.max(firing.last_event_at, event.occurred_at),
			// Each event says anew how long the alert lasts without another (none: for good).
			expires_at: event.expires_at ?? null,
			// And whether its sender holds back its actions now.
			suppressed_by: event.suppressed_by ?? null,
		},
	};
}

/**
 * Adds `overlay`'s labels to `base`: on a shared name the overlay wins unless `overwrite` is off.
 * The base's labels are kept first, so the label limit drops only new names.
 */
export function mergeLabels(base: Labels, overlay: Labels, { overwrite = true } = {}): Labels {
	const merged: Labels = { ...base };
	let count = Object.keys(merged).length;
	for (const [name, value] of Object.entries(overlay)) {
		if (Object.hasOwn(merged, name)) {
			if (overwrite) merged[name] = value;
		} else if (count < LIMITS.labelCount) {
			merged[name] = value;
			count++;
		}
	}
	return merged;
}

/**
 * A firing alert closed without a recovery event: by a timeout (`auto_resolve_after`, or its
 * `expires_at` passing), or by a person (API). `at` is when it ended.
 */
export function closeAlert(firing: Alert, at: number, by: "timeout" | "api"): Alert {
	return { ...firing, status: "resolved", resolved_at: at, resolved_by: by };
}
