import { type Alert, isMuted } from "../alerts/alert";
import { countChange } from "../integrations/flapping";
import { equalValues, inhibitorBy } from "../routing/inhibit";
import { allHold } from "../routing/rules";
import {
	nextSilenceChange,
	type SilenceRule,
	silenceActive,
	silenceMatches,
} from "../routing/silence";
import { channelsFor, type RoutingSnapshot } from "../routing/snapshot";
import { flappingStarted } from "./notifications";
import { SWEEP_START } from "./state/flaps";
import type { Stores } from "./state/stores";

/**
 * Noise reduction inside the integration object: what mutes an alert (a silence, an inhibit
 * rule, flapping, its sender's suppression), and what happens when that changes. A muted alert is stored, deduplicated and
 * listed as any other, but opens or joins no incident and so notifies nobody; when nothing mutes
 * it any more while it still fires, it is routed as if it had just opened. Recoveries are never
 * muted: an `Ok` resolves a muted alert like any other. Everything here runs inside the object's
 * transaction and takes the time from the caller. What nothing mutes any more is returned, never
 * routed here: the caller routes it into incidents (incident-changes.ts).
 */

export type Marks = Pick<Alert, "silenced_by" | "inhibited_by" | "flapping">;

/**
 * What mutes `alert` at `now` (whether its key flaps is the caller's to say). Its inhibiting
 * source is looked up in the inhibit index: this costs the same however many alerts fire.
 */
export function marksFor(
	s: Stores,
	alert: Alert,
	now: number,
	flapping: boolean,
	active: readonly SilenceRule[] = activeSilences(s, now),
): Marks {
	const routing = s.routing.current();
	let silenced_by: string | null = null;
	if (active.length > 0) {
		let channels: string[] | undefined;
		const channelsOf = () => {
			channels ??= channelsFor(alert, routing);
			return channels;
		};
		const silence = active.find((one) => silenceMatches(one, alert, channelsOf));
		silenced_by = silence?.id ?? null;
	}
	const inhibited_by =
		routing.inhibit_rules.length === 0
			? null
			: inhibitorBy(alert, routing.inhibit_rules, (rule, equal, targetIsSource) =>
					s.inhibitIndex.sourceFor(rule, equal, alert.id, targetIsSource),
				);
	return { silenced_by, inhibited_by, flapping };
}

/** Whether a silence id names one of the object's maintenance windows (a scheduled silence). */
export const isWindowIn = (s: Stores) => (silenceId: string) =>
	s.routing.current().silences.some((one) => one.id === silenceId && one.schedule !== null);

/** The silences muting at `now` (a window's time-zone arithmetic is done once per call). */
export function activeSilences(s: Stores, now: number): SilenceRule[] {
	return s.routing.current().silences.filter((one) => silenceActive(one, now));
}

/** A key's state change counted: whether it flaps now, and what to tell when it just began. */
export type Counted = { flapping: boolean; began: FlappingNews | null };
type FlappingNews = { alert_key: string; changes: number; window_ms: number };

const STEADY: Counted = { flapping: false, began: null };

/** Counts a state change (an opening or a recovery) of `alertKey` that its source sent. */
export function countStateChange(s: Stores, alertKey: string, now: number): Counted {
	const { flapping } = s.settings.current();
	if (flapping === null) return STEADY;
	const held = s.flaps.get(alertKey);
	const counted = countChange(held?.changes ?? [], now, flapping);
	const flaps = held?.flapping === true || counted.reached;
	s.flaps.put(alertKey, {
		changes: counted.times,
		flapping: flaps,
		quiet_at: now + flapping.windowMs,
	});
	if (!flaps || held?.flapping === true) return { flapping: flaps, began: null };
	return {
		flapping: true,
		began: { alert_key: alertKey, changes: counted.times.length, window_ms: flapping.windowMs },
	};
}

/** A key began to flap: the incidents it was last in say so, once. */
export function tellFlapping(s: Stores, news: FlappingNews, now: number): void {
	for (const incident of s.incidents.latestWithKey(news.alert_key)) {
		flappingStarted(s, incident, news, now);
	}
}

/** Whether the key is flapping now. */
export function keyFlaps(s: Stores, alertKey: string): boolean {
	return s.flaps.get(alertKey)?.flapping === true;
}

/**
 * Looks again at what mutes each of these alerts, and returns the released ones: those nothing
 * mutes any more and that are in no open incident (they were muted when they opened), to be
 * routed as if they had just opened. One that becomes muted keeps the incidents it is in: a
 * silence mutes what opens, and marks what fires.
 */
function reconcile(s: Stores, alerts: readonly Alert[], now: number): Alert[] {
	// Which silences mute now is worked out once: marks change below, silences do not.
	const active = activeSilences(s, now);
	const released: Alert[] = [];
	for (const alert of alerts) {
		if (alert.status !== "firing") continue;
		const marks = marksFor(s, alert, now, keyFlaps(s, alert.alert_key), active);
		if (
			marks.silenced_by === alert.silenced_by &&
			marks.inhibited_by === alert.inhibited_by &&
			marks.flapping === alert.flapping
		) {
			continue;
		}
		const updated = { ...alert, ...marks };
		s.alerts.save(updated);
		if (marks.silenced_by !== null && marks.silenced_by !== alert.silenced_by) {
			const entry = { alert_key: alert.alert_key, silence_id: marks.silenced_by };
			for (const incident of s.incidents.openWith(alert.id)) {
				s.timeline.add(incident.id, now, "silenced", entry);
			}
		}
		if (isMuted(alert) && !isMuted(updated) && s.incidents.openWith(alert.id).length === 0) {
			released.push(updated);
		}
	}
	return released;
}

/**
 * An alert opened: if it is an inhibit rule's source, the firing targets with its `equal` values
 * that nothing inhibited yet are marked as inhibited by it, found through the inhibit index (so
 * this costs what it marks, not what fires). They keep the incidents they are in, as any alert
 * that becomes muted does, so nothing is released: the answer is always empty.
 */
export function afterOpened(s: Stores, opened: Alert, _now: number): Alert[] {
	for (const rule of s.routing.current().inhibit_rules) {
		if (!allHold(rule.source_matchers, opened)) continue;
		const sourceIsTarget = allHold(rule.target_matchers, opened);
		const equal = equalValues(rule, opened);
		for (const key of s.inhibitIndex.uninhibitedTargets(rule, equal, opened.id, sourceIsTarget)) {
			const target = s.alerts.firing(key);
			if (target === null || target.inhibited_by !== null) continue;
			s.alerts.save({ ...target, inhibited_by: opened.id });
		}
	}
	return [];
}

/** An alert closed (by its source, a timeout or a person): the alerts it inhibited are freed. */
export function afterClosed(s: Stores, closed: Alert, now: number): Alert[] {
	if (s.routing.current().inhibit_rules.length === 0) return [];
	return reconcile(s, s.alerts.inhibitedBy(closed.id), now);
}

/** The firing alerts a silence's matchers and channels would mute, whatever its times. */
export function wouldSilence(s: Stores, silence: SilenceRule, limit: number): Alert[] {
	const routing = s.routing.current();
	return s.alerts
		.allFiring()
		.filter((alert) => silenceMatches(silence, alert, () => channelsFor(alert, routing)))
		.slice(0, limit);
}

/** When a silence next starts or stops muting (null: none will). */
export function nextSilenceChangeAt(routing: RoutingSnapshot, now: number): number | null {
	let next: number | null = null;
	for (const silence of routing.silences) {
		const at = nextSilenceChange(silence, now);
		if (at !== null && (next === null || at < next)) next = at;
	}
	return next;
}

/** Flapping keys settled per alarm run; more wait for the next run. */
const SETTLE_BATCH = 500;

/**
 * The alarm's part: at a silence's start or end every firing alert is looked at again, and keys
 * stable for their window stop flapping. Returns the alerts released (a held one whose key
 * settled, or one a silence no longer mutes).
 */
export function noiseDue(s: Stores, now: number): Alert[] {
	const released: Alert[] = [];
	const due = s.meta.get("noise_due_at");
	if (due !== null && due <= now) {
		released.push(...reconcile(s, s.alerts.allFiring(), now));
		s.meta.set("noise_due_at", nextSilenceChangeAt(s.routing.current(), now));
	}
	const quiet = s.flaps.nextQuietAt();
	if (quiet !== null && quiet <= now) {
		const held = s.flaps.settle(now, SETTLE_BATCH).flatMap((key) => {
			const alert = s.alerts.firing(key);
			return alert === null ? [] : [alert];
		});
		released.push(...reconcile(s, held, now));
	}
	// Where the sweep stopped is kept, so an object woken by each alarm run (and taken out of
	// memory between them) still goes through every record.
	const after = s.meta.get("flaps_swept_to") ?? SWEEP_START;
	const { next } = s.flaps.prune(now, SETTLE_BATCH, after);
	if (next !== after) s.meta.set("flaps_swept_to", next);
	return released;
}

/** When the alarm next has noise work: a silence's start or end, or a flapping key's quiet time. */
export function nextNoiseAt(s: Stores): number | null {
	const times = [s.meta.get("noise_due_at"), s.flaps.nextQuietAt()].filter((at) => at !== null);
	return times.length === 0 ? null : Math.min(...times);
}

/**
 * The object's routing copy changed (admin API): a new or changed silence or inhibit rule
 * applies to what fires now, and the next silence change is scheduled. Null when silences and
 * rules are the same; else the alerts released.
 */
export function noiseChanged(s: Stores, before: RoutingSnapshot, now: number): Alert[] | null {
	const after = s.routing.current();
	const same =
		JSON.stringify([before.silences, before.inhibit_rules]) ===
		JSON.stringify([after.silences, after.inhibit_rules]);
	if (same) return null;
	const released = reconcile(s, s.alerts.allFiring(), now);
	s.meta.set("noise_due_at", nextSilenceChangeAt(after, now));
	return released;
}
