import { isMuted, mutedBy } from "../alerts/alert";
import type { AlertEvent } from "../alerts/event";
import { heldToClock, MAX_FUTURE_SKEW_MS } from "../alerts/event-time";
import { applyEvent } from "../alerts/lifecycle";
import { acknowledge } from "../incidents/lifecycle";
import { describeKey } from "./configuration";
import {
	type ChangePush,
	type ChangeReply,
	type IngestReply,
	NO_ALERT,
	type Push,
	type PushAuth,
	type PushData,
	type Refusal,
} from "./contract";
import { countStats, countUnrouted } from "./counters";
import {
	alertClosed,
	newId,
	openIncidents,
	refreshIncidents,
	routeReleased,
	saveChange,
} from "./incident-changes";
import { afterOpened, countStateChange, isWindowIn, marksFor, tellFlapping } from "./noise";
import { pipelineEvent } from "./pipeline";
import { snsTimeRefusal } from "./sns-subscription";
import { inTransaction, type Stores } from "./state/stores";
import { watchAlertKey } from "./state/watches";
import { holdResolvedCap } from "./upkeep";

/**
 * A push inside the integration object: the key and topic checks, the rate limit, each event
 * applied to its alert (and through it to incidents), exactly once by the push's receipt, and
 * the counters written once. Nothing here awaits or reads the clock; the object passes `now`.
 */

/** The most alerts an integration holds firing: a leaked key cannot grow it without bound. */
export const MAX_FIRING_ALERTS = 10_000;

/** Thrown inside a transaction to roll back everything the push wrote, and answered as a refusal. */
class Refused extends Error {
	constructor(readonly refusal: Refusal) {
		super(refusal.reason);
	}
}

/** Thrown when the push's receipt turns out to be recorded already: see `ingestOnce`. */
class ReceiptSeen extends Error {}

/**
 * A push in one transaction. Most pushes are new, so their id is checked only by the
 * write that records their receipt. When it was recorded already, or the push was refused (which
 * a recorded receipt's replay answer overrides), the transaction is rolled back and the push runs
 * again, looking its id up first: a retry gets the first answer, a reused id its refusal.
 */
export function ingestOnce(
	ctx: DurableObjectState,
	s: Stores,
	push: Push,
	now: number,
): IngestReply {
	try {
		return inTransaction(ctx, s, () => ingest(s, push, now, false));
	} catch (error) {
		const again =
			push.receipt !== null && (error instanceof ReceiptSeen || error instanceof Refused);
		if (!again) {
			if (error instanceof Refused) return error.refusal;
			throw error;
		}
	}
	try {
		return inTransaction(ctx, s, () => ingest(s, push, now, true));
	} catch (error) {
		if (error instanceof Refused) return error.refusal;
		throw error;
	}
}

/**
 * Whether the object takes a push (or a change event) now: its key, normalized with the object's
 * current settings, then the rate limit, which takes `alerts` tokens (null: none, the second run
 * of a push whose first run took them).
 */
function admit(
	s: Stores,
	integrationId: string,
	auth: PushAuth,
	now: number,
	alerts: number | null,
): Refusal | null {
	const refusal = authorize(s, auth);
	if (refusal !== null) return refusal;
	// An old-format key's integration may never have been provisioned: D1's settings hold.
	if (auth.kind === "d1" && s.settings.replace(auth.settings)) {
		s.meta.set("settings_changed_at", now);
	}
	// After the key check: a wrong key neither spends the integration's tokens nor counts.
	const { rateLimit } = s.settings.current();
	if (rateLimit !== null && alerts !== null) {
		const taken = s.rate.take(rateLimit, now, alerts);
		if (taken.kind !== "taken") {
			countStats(s, (stats) => ({ rate_limited_count: stats.rate_limited_count + 1 }));
			return taken.kind === "wait"
				? { ok: false, reason: "rate_limited", retryAfterMs: taken.retryAfterMs }
				: { ok: false, reason: "alerts_over_burst", alerts, burst: taken.burst };
		}
	}
	if (s.meta.get("integration_id") === null) s.meta.set("integration_id", integrationId);
	return null;
}

/**
 * A change event, kept (change_events) and nothing more: it opens no alert or incident and
 * notifies no one. Admitted as a push of one alert is (key, settings, rate limit).
 */
export function recordChange(s: Stores, push: ChangePush, now: number): ChangeReply {
	const refusal = admit(s, push.integrationId, push.auth, now, 1);
	if (refusal !== null) return refusal;
	const { change } = push;
	// A sender's time ahead of the clock is taken as now, as for alert events (event-time.ts).
	const occurred_at = change.occurred_at > now + MAX_FUTURE_SKEW_MS ? now : change.occurred_at;
	const id = newId();
	s.changes.add({ ...change, occurred_at, id, received_at: now });
	return { ok: true, id };
}

/** Whether the object takes a push: its key, normalized with the object's current settings. */
function authorize(s: Stores, auth: PushAuth): Refusal | null {
	if (auth.kind === "d1")
		return s.meta.isDeleted() ? { ok: false, reason: "integration_deleted" } : null;
	const held = describeKey(s, auth.keyHash);
	if (!held.ok) return held;
	return held.config.settingsVersion === auth.settingsVersion
		? null
		: { ok: false, reason: "settings_changed", config: held.config };
}

/**
 * A push: the topic check, then each event in order, exactly once by receipt. `lookUpFirst` (the
 * second run of `ingestOnce`) looks the receipt up before anything is applied, and takes no
 * rate-limit token: the first run took it.
 */
function ingest(s: Stores, push: Push, now: number, lookUpFirst: boolean): IngestReply {
	// Counted in alerts: a batch or webhook costs its events, all or none (a push of none, 1).
	const alerts = lookUpFirst ? null : Math.max(1, push.events.length);
	const refusal = admit(s, push.integrationId, push.auth, now, alerts);
	if (refusal !== null) return refusal;
	const { topicArn } = s.settings.current();
	if (push.topic !== undefined) {
		const refusal =
			snsTimeRefusal(push.topic.sentAt, now) ??
			s.subscription.accept(push.topic, topicArn, "notification", now);
		if (refusal !== null) return refusal;
	}
	if (push.receipt !== null && lookUpFirst) {
		const seen = s.receipts.lookup(
			push.receipt,
			push.events.map((event) => event.alert_key),
		);
		if (seen.kind === "key_reused") return { ok: false, reason: "idempotency_key_reused" };
		if (seen.kind === "replay") {
			// An applied message's arrival is the counters' `last_event_at`; a replay's is kept apart.
			if (push.topic !== undefined) s.subscription.received(now);
			countStats(s, (stats) => ({ replayed_count: stats.replayed_count + 1 }));
			return { ok: true, data: seen.data, replayed: true };
		}
	}
	if (s.settings.current().expectWithin !== null || push.watchdog === true) {
		arrived(s, push.watchdog === true, now);
	}
	const tally = { unrouted: 0, dropped: 0 };
	// The alert pipeline reshapes (or drops) each event before it reaches its alert.
	const shaped = push.events.map((sent) => ({ sent, event: pipelineEvent(s, sent) }));
	prefetch(
		s,
		shaped.flatMap(({ event }) => (event === null ? [] : [event.alert_key])),
	);
	const data = shaped.map(({ sent, event }): PushData => {
		if (event !== null) return applyAlertEvent(s, event, now, tally);
		tally.dropped++;
		return { ...NO_ALERT, alert_key: sent.alert_key, result: "dropped" };
	});
	const deduplicated = data.filter((one) => one.result === "updated").length;
	holdResolvedCap(s, now, data.filter((one) => one.result === "resolved").length);
	// One write of the counters for the whole push.
	countStats(s, (stats) => ({
		event_count: stats.event_count + 1,
		// When the push arrived, not when its events happened: it shows the source is wired.
		last_event_at: now,
		unrouted_count: stats.unrouted_count + tally.unrouted,
		dropped_count: stats.dropped_count + tally.dropped,
		deduplicated_count: stats.deduplicated_count + deduplicated,
	}));
	if (push.receipt !== null && !s.receipts.record(push.receipt, data, now)) {
		throw new ReceiptSeen();
	}
	return { ok: true, data, replayed: false };
}

/**
 * What a push's events will ask of storage key by key, read for all its keys at once: each
 * key's firing alert, and its recent state changes when flapping is watched. A batch of new
 * alerts then reads nothing one key at a time.
 */
function prefetch(s: Stores, alertKeys: readonly string[]): void {
	if (alertKeys.length < 2) return;
	s.alerts.prefetch(alertKeys);
	if (s.settings.current().flapping === null) return;
	// Only a key that opens (none of its alerts fires) changes state: a repeat reads no record.
	s.flaps.prefetch(alertKeys.filter((key) => s.alerts.known(key) === null));
}

/**
 * One event applied to its alert; `tally` counts the alerts no channel took. A time the sender
 * dates ahead of the clock is taken as now (event-time.ts), on every source alike.
 */
export function applyAlertEvent(
	s: Stores,
	sent: AlertEvent,
	now: number,
	tally: { unrouted: number },
): PushData {
	const event = heldToClock(sent, now);
	if (event.action === "acknowledge") return acknowledgeAlert(s, event.alert_key, now);
	const firing = s.alerts.firing(event.alert_key);
	const lastStateAt = event.ordered ? s.keyStates.lastAt(event.alert_key) : null;
	const outcome = applyEvent(firing, event, newId, lastStateAt);
	if (outcome.result === "opened" && s.alerts.firingCount() >= MAX_FIRING_ALERTS) {
		throw new Refused({ ok: false, reason: "too_many_open_alerts", limit: MAX_FIRING_ALERTS });
	}
	let alert = outcome.alert;
	let incidentId: string | null = null;
	const changed =
		outcome.result === "opened" || outcome.result === "resolved"
			? countStateChange(s, event.alert_key, now)
			: null;
	if (outcome.result === "opened") {
		// Silences, inhibit rules and flapping decide whether it opens an incident (noise.ts).
		const opened = {
			...outcome.alert,
			...marksFor(s, outcome.alert, now, changed?.flapping ?? false),
		};
		s.alerts.save(opened, now, "opened");
		if (!isMuted(opened)) {
			const placed = openIncidents(s, opened, now);
			if (!placed.routed) tally.unrouted++;
			incidentId = placed.incidentId;
		}
		tally.unrouted += routeReleased(s, afterOpened(s, opened, now), now);
		alert = opened;
	} else if (outcome.result === "resolved") {
		// A recovery is never muted: the alert and its quiet incidents resolve.
		const closed = changed?.began ? { ...outcome.alert, flapping: true } : outcome.alert;
		s.alerts.save(closed, now, "closed");
		tally.unrouted += alertClosed(s, closed, now);
		alert = closed;
	} else if (outcome.alert !== null) {
		s.alerts.save(outcome.alert, now);
		if (outcome.result === "updated" && outcome.alert.severity !== firing?.severity) {
			refreshIncidents(s, outcome.alert, now);
		}
		// Its sender stopped holding back its actions (a composite alarm past its wait period, which
		// CloudWatch then performs): routed as if it had just opened, unless something else mutes it.
		// One that becomes suppressed keeps the incidents it is in, as under a silence.
		if (
			outcome.result === "updated" &&
			firing?.suppressed_by != null &&
			!isMuted(outcome.alert) &&
			s.incidents.openWith(outcome.alert.id).length === 0
		) {
			const placed = openIncidents(s, outcome.alert, now);
			if (!placed.routed) tally.unrouted++;
			incidentId = placed.incidentId;
		}
	}
	if (changed?.began) tellFlapping(s, changed.began, now);
	if (event.ordered && outcome.result !== "stale") {
		s.keyStates.record(event.alert_key, event.occurred_at);
	}
	return {
		alert_key: event.alert_key,
		alert_id: alert?.id ?? null,
		alert_status: alert?.status ?? null,
		result: outcome.result,
		// Only what this event decided: a repeat joins nothing, so a read is not spent on it.
		incident_id: incidentId,
		muted_by: alert?.status === "firing" ? mutedBy(alert, isWindowIn(s)) : null,
	};
}

/**
 * What an arrival ends (state/watches.ts): the `expect_within` alert on any push, the Watchdog's
 * when it came. A push only notes its time, and never moves the alarm for a watch.
 */
function arrived(s: Stores, watchdog: boolean, now: number): void {
	if (watchdog) s.meta.set("watchdog_seen_at", now);
	for (const key of ["expect_within", "watchdog"] as const) {
		if ((key === "watchdog" && !watchdog) || !s.watches.isOpen(key)) continue;
		s.watches.mark(key, false);
		const title = key === "watchdog" ? "Alertmanager sending again" : "Pushes arriving again";
		const back = { title, description: "", labels: {}, images: [], occurred_at: now };
		applyOwnEvent(s, { action: "resolve", alert_key: watchAlertKey(key), ...back }, now);
	}
}

/**
 * An alert the object raises itself (a heartbeat's, a watch's), through the pipeline and the
 * path of a pushed event, so routes, silences and notifications apply. True when it changed.
 */
export function applyOwnEvent(s: Stores, sent: AlertEvent, now: number): boolean {
	const event = pipelineEvent(s, sent);
	if (event === null) return false;
	const tally = { unrouted: 0 };
	let done: PushData;
	try {
		done = applyAlertEvent(s, event, now, tally);
	} catch (error) {
		// At the firing-alert cap the object's own alert does not open: thrown, it would fail the
		// alarm that raised it, and every retry of that alarm, with everything else it does.
		if (error instanceof Refused) return false;
		throw error;
	}
	countUnrouted(s, tally.unrouted);
	return done.result !== "ignored";
}

/**
 * PagerDuty's `acknowledge`: the open incidents of the key's firing alert are acknowledged (and
 * notify as a person's acknowledgement does). With nothing firing it changes nothing, as in
 * PagerDuty.
 */
function acknowledgeAlert(s: Stores, alertKey: string, now: number): PushData {
	const firing = s.alerts.firing(alertKey);
	if (firing === null) {
		return { ...NO_ALERT, alert_key: alertKey };
	}
	for (const incident of s.incidents.openWith(firing.id)) {
		const result = acknowledge(incident, now);
		if (result.ok && result.changed) saveChange(s, incident, result.incident, now);
	}
	return {
		alert_key: alertKey,
		alert_id: firing.id,
		alert_status: "firing",
		result: "acknowledged",
		incident_id: null,
		muted_by: null,
	};
}
