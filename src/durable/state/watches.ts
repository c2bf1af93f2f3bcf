import { OWN_ALERT_KEY_PREFIX } from "../../alerts/event";
import type { Meta, MetaValue } from "./meta";
import type { HeldSettings } from "./settings";

export type WatchKey = MetaValue<"watches_open">[number];

/**
 * What the integration expects to keep arriving: any accepted push (`expect_within`) and
 * Alertmanager's Watchdog (`watchdog`). Each watch is due its span after the last arrival (or
 * after the last settings change, before any), and has one alert, firing until the next arrival.
 *
 * A push only notes when it came (the counters' `last_event_at`, which it writes anyway, or
 * `watchdog_seen_at`); it never moves the alarm for a watch. An alarm run reckons the deadline
 * from scratch, so an alarm set for an old deadline finds the later arrival and re-arms.
 */
export class Watches {
	constructor(
		private readonly meta: Meta,
		private readonly settings: HeldSettings,
	) {}

	/** When the watch's alert opens unless something arrives first (null: off, or it is open). */
	dueAt(key: WatchKey): number | null {
		const span = this.span(key);
		if (span === null || this.isOpen(key)) return null;
		// From the last arrival; before any, from when the settings last changed. A later change
		// of other settings must not move it, or edits could keep a dead source from alerting.
		const from = this.lastAt(key) ?? this.meta.get("settings_changed_at");
		return from === null ? null : from + span;
	}

	/** The soonest deadline of any watch (null: none). */
	deadline(): number | null {
		const times = [this.dueAt("expect_within"), this.dueAt("watchdog")].filter((at) => at !== null);
		return times.length === 0 ? null : Math.min(...times);
	}

	/** The watch's span in ms (null: off). */
	span(key: WatchKey): number | null {
		const settings = this.settings.current();
		return (key === "watchdog" ? settings.watchdog?.timeout : settings.expectWithin)?.ms ?? null;
	}

	/** When it last arrived: any push, or the Watchdog. */
	lastAt(key: WatchKey): number | null {
		if (key === "watchdog") return this.meta.get("watchdog_seen_at");
		return this.meta.get("stats")?.last_event_at ?? null;
	}

	isOpen(key: WatchKey): boolean {
		return this.meta.get("watches_open")?.includes(key) ?? false;
	}

	mark(key: WatchKey, open: boolean): void {
		const others = (this.meta.get("watches_open") ?? []).filter((one) => one !== key);
		this.meta.set("watches_open", open ? [...others, key] : others);
	}
}

/** A watch's alert key, among those only the object raises. */
export function watchAlertKey(key: WatchKey): string {
	return `${OWN_ALERT_KEY_PREFIX}${key}`;
}
