import { isoOrNull } from "../alerts/alert";
import type { AlertEvent } from "../alerts/event";
import { applyOwnEvent } from "./push-intake";
import type { Stores } from "./state/stores";
import { type WatchKey, watchAlertKey } from "./state/watches";

/**
 * The alarm's side of the watches (state/watches.ts): the alert of a watch past its deadline
 * opens, through the path of a pushed event (routes, silences, maintenance windows and
 * notifications apply), as a heartbeat's does; one whose setting was turned off resolves. A push
 * resolves it (push-intake.ts `arrived`).
 */
export function checkWatches(s: Stores, now: number): boolean {
	let changed = false;
	forgetEndedWatches(s);
	for (const key of ["expect_within", "watchdog"] as const) {
		if (s.watches.isOpen(key) && s.watches.span(key) === null) {
			s.watches.mark(key, false);
			changed = applyOwnEvent(s, offEvent(key, now), now) || changed;
			continue;
		}
		const due = s.watches.dueAt(key);
		if (due === null || now < due) continue;
		s.watches.mark(key, true);
		changed = applyOwnEvent(s, quietEvent(s, key, now), now) || changed;
	}
	return changed;
}

/** "Alertmanager stopped sending", or "<type> sent nothing for <span>". */
function quietEvent(s: Stores, key: WatchKey, now: number): AlertEvent {
	const settings = s.settings.current();
	const last = isoOrNull(s.watches.lastAt(key)) ?? "never";
	const base = {
		action: "trigger" as const,
		alert_key: watchAlertKey(key),
		images: [],
		occurred_at: now,
	};
	if (key === "watchdog") {
		const alertname = settings.watchdog?.alertname ?? "Watchdog";
		const timeout = settings.watchdog?.timeout.text ?? "";
		return {
			...base,
			severity: "critical",
			title: "Alertmanager stopped sending",
			description: `No firing ${alertname} alert arrived for ${timeout}: Alertmanager, or the way from it to alertgate, may be down. Last seen: ${last}.`,
			labels: { watchdog: "missing", alertname, last_seen_at: last },
		};
	}
	const type = s.meta.get("type") ?? "integration";
	const span = settings.expectWithin?.text ?? "";
	return {
		...base,
		severity: "warning",
		title: `${type} sent nothing for ${span}`,
		description: `No push arrived for ${span} (expect_within). Last push: ${last}.`,
		labels: { expect_within: span, integration_type: type, last_push_at: last },
	};
}

function offEvent(key: WatchKey, now: number): AlertEvent {
	const title = `${key === "watchdog" ? "watchdog" : "expect_within"} turned off`;
	return {
		action: "resolve",
		alert_key: watchAlertKey(key),
		title,
		description: "",
		labels: {},
		images: [],
		occurred_at: now,
	};
}

/**
 * A watch whose alert no longer fires (a person resolved its incident, or a pipeline dropped it)
 * counts again, from the last arrival: the source may still be quiet.
 */
export function forgetEndedWatches(s: Stores): void {
	for (const key of ["expect_within", "watchdog"] as const) {
		if (s.watches.isOpen(key) && s.alerts.firing(watchAlertKey(key)) === null) {
			s.watches.mark(key, false);
		}
	}
}
