import { type Alert, alertToApi, isMuted, isoOrNull } from "../alerts/alert";
import type { AlertEvent } from "../alerts/event";
import { applyEvent, closeAlert } from "../alerts/lifecycle";
import { type IncidentRecord, incidentToApi } from "../incidents/incident";
import {
	acknowledge,
	joinOrOpen,
	placements,
	refreshSeverity,
	resolveByPerson,
	resolveWhenQuiet,
} from "../incidents/lifecycle";
import { DEFAULT_RETENTION_MS } from "../integrations/settings";
import { channelsFor } from "../routing/snapshot";
import { digestsEqual } from "../security/secrets";
import type {
	Configuration,
	ConfirmationCheck,
	DescribeReply,
	IncidentDetail,
	IncidentReply,
	IngestReply,
	Provision,
	Push,
	PushAuth,
	PushData,
	Refusal,
	SubscriptionChange,
	TopicCheck,
} from "./contract";
import {
	afterClosed,
	afterOpened,
	countStateChange,
	marksFor,
	type Route,
	tellFlapping,
} from "./noise";
import { incidentChanged } from "./notifications";
import { NO_STATS, type Stats } from "./state/meta";
import type { Stores } from "./state/stores";

/**
 * What the integration object does inside one synchronous transaction: the pure cores decide,
 * the stores read and write. Nothing here awaits or reads the clock; the object passes `now`.
 */

const newId = () => crypto.randomUUID();

/** The most alerts an integration holds firing: a leaked key cannot grow it without bound. */
export const MAX_FIRING_ALERTS = 10_000;
/** Resolved alerts and incidents kept at most, whatever the retention (oldest go first). */
const MAX_RESOLVED_KEPT = 100_000;
/** Rows pruned per alarm run; more are left for the next, a second later. */
const PRUNE_BATCH = 500;

/** Thrown inside a transaction to roll back everything the push wrote, and answered as a refusal. */
class Refused extends Error {
	constructor(readonly refusal: Refusal) {
		super(refusal.reason);
	}
}

/** Thrown when the push's delivery id turns out to be recorded already: see `ingestOnce`. */
class ReceiptSeen extends Error {}

/**
 * A push in one transaction of `run`. Most deliveries are new, so their id is checked only by
 * the write that records it. When it was recorded already, or the push was refused (which a
 * recorded delivery's replay answer overrides), the transaction is rolled back and the push runs
 * again, looking its id up first: a retry gets the first answer, a reused id its refusal.
 */
export function ingestOnce(
	run: <T>(work: () => T) => T,
	s: Stores,
	push: Push,
	now: number,
): IngestReply {
	try {
		return run(() => ingest(s, push, now, false));
	} catch (error) {
		const again =
			push.receipt !== null && (error instanceof ReceiptSeen || error instanceof Refused);
		if (!again) {
			if (error instanceof Refused) return error.refusal;
			throw error;
		}
	}
	try {
		return run(() => ingest(s, push, now, true));
	} catch (error) {
		if (error instanceof Refused) return error.refusal;
		throw error;
	}
}

/** The integration's config, when `keyHash` is its key's. Refusing writes nothing. */
export function describeKey(s: Stores, keyHash: string): DescribeReply {
	const held = s.meta.get("key_hash");
	const type = s.meta.get("type");
	const settings = s.meta.get("settings");
	if (held === null || type === null || settings === null || !digestsEqual(held, keyHash)) {
		return { ok: false, reason: "unknown_key" };
	}
	return {
		ok: true,
		config: { type, settings, settingsVersion: s.meta.get("settings_version") ?? 0 },
	};
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

/** Stores what a push needs without D1; a new key replaces the old at once. */
export function provision(s: Stores, p: Provision): void {
	s.meta.set("integration_id", p.integrationId);
	s.meta.set("key_hash", p.keyHash);
	s.meta.set("type", p.type);
	configure(s, p);
	s.routing.replace(p.routing);
}

export function configure(s: Stores, c: Configuration): void {
	s.meta.set("settings", c.settings);
	s.meta.increment("settings_version");
	s.meta.set("auto_resolve_after_ms", c.autoResolveAfterMs);
	s.meta.set("retention_ms", c.retentionMs);
	if (c.routing !== undefined) s.routing.replace(c.routing);
}

/**
 * A push: the topic check, then each event in order, exactly once by delivery id. `lookUpFirst`
 * (the second run of `ingestOnce`) looks the id up before anything is applied, and takes no
 * rate-limit token: the first run took it.
 */
function ingest(s: Stores, push: Push, now: number, lookUpFirst: boolean): IngestReply {
	const refusal = authorize(s, push.auth);
	if (refusal !== null) return refusal;
	// After the key check: a wrong key neither spends the integration's tokens nor counts.
	const retryAfterMs =
		push.rateLimit === null || lookUpFirst ? null : s.rate.take(push.rateLimit, now);
	if (retryAfterMs !== null) {
		countStats(s, (stats) => ({ rate_limited_count: stats.rate_limited_count + 1 }));
		return { ok: false, reason: "rate_limited", retryAfterMs };
	}
	if (s.meta.get("integration_id") === null) s.meta.set("integration_id", push.integrationId);
	s.meta.set("auto_resolve_after_ms", push.autoResolveAfterMs);
	s.meta.set("retention_ms", push.retentionMs);
	if (push.topic !== undefined) {
		const refusal =
			snsTimeRefusal(push.topic.sentAt, now) ??
			s.subscription.accept(push.topic, "notification", now);
		if (refusal !== null) return refusal;
	}
	if (push.receipt !== null && lookUpFirst) {
		const seen = s.receipts.lookup(push.receipt);
		if (seen.kind === "key_reused") return { ok: false, reason: "idempotency_key_reused" };
		if (seen.kind === "replay") {
			// An applied message's arrival is the counters' `last_event_at`; a replay's is kept apart.
			if (push.topic !== undefined) s.subscription.received(now);
			countStats(s, (stats) => ({ replayed_count: stats.replayed_count + 1 }));
			return { ok: true, data: seen.data, replayed: true };
		}
	}
	const tally = { unrouted: 0 };
	const data = push.events.map((event) => applyAlertEvent(s, event, now, tally));
	const deduplicated = data.filter((one) => one.result === "updated").length;
	// One write of the counters for the whole push.
	countStats(s, (stats) => ({
		event_count: stats.event_count + 1,
		// When the push arrived, not when its events happened: it shows the source is wired.
		last_event_at: now,
		unrouted_count: stats.unrouted_count + tally.unrouted,
		deduplicated_count: stats.deduplicated_count + deduplicated,
	}));
	if (push.receipt !== null && !s.receipts.record(push.receipt, data, now)) {
		throw new ReceiptSeen();
	}
	return { ok: true, data, replayed: false };
}

function applyAlertEvent(
	s: Stores,
	event: AlertEvent,
	now: number,
	tally: { unrouted: number },
): PushData {
	if (event.action === "acknowledge") return acknowledgeAlert(s, event.alert_key, now);
	const firing = s.alerts.firing(event.alert_key);
	const lastStateAt = event.ordered ? s.alerts.lastStateAt(event.alert_key) : null;
	const outcome = applyEvent(firing, event, newId, lastStateAt);
	if (outcome.result === "opened" && s.alerts.firingCount() >= MAX_FIRING_ALERTS) {
		throw new Refused({ ok: false, reason: "too_many_open_alerts", limit: MAX_FIRING_ALERTS });
	}
	const route = (alert: Alert) => routeReleased(s, now, () => tally.unrouted++)(alert);
	let alert = outcome.alert;
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
		if (!isMuted(opened)) route(opened);
		afterOpened(s, opened, now, route);
		alert = opened;
	} else if (outcome.result === "resolved") {
		// A recovery is never muted: the alert and its quiet incidents resolve.
		const closed = changed?.began ? { ...outcome.alert, flapping: true } : outcome.alert;
		s.alerts.save(closed, now, "closed");
		resolveQuietIncidents(s, closed, now);
		afterClosed(s, closed, now, route);
		alert = closed;
	} else if (outcome.alert !== null) {
		s.alerts.save(outcome.alert, now);
		if (outcome.result === "updated" && outcome.alert.severity !== firing?.severity) {
			refreshIncidents(s, outcome.alert, now);
		}
	}
	if (changed?.began) tellFlapping(s, changed.began, now);
	if (event.ordered && outcome.result !== "stale") {
		s.alerts.recordStateAt(event.alert_key, event.occurred_at);
	}
	return {
		alert_key: event.alert_key,
		alert_id: alert?.id ?? null,
		alert_status: alert?.status ?? null,
		result: outcome.result,
	};
}

/**
 * Routes an alert that opens unmuted, or that nothing mutes any more: into incidents as it would
 * have been when it opened (`unrouted` counts one that no channel takes).
 */
export function routeReleased(s: Stores, now: number, unrouted?: () => void): Route {
	return (alert) => {
		if (openIncidents(s, alert, now)) return;
		if (unrouted !== undefined) unrouted();
		else countStats(s, (stats) => ({ unrouted_count: stats.unrouted_count + 1 }));
	};
}

/**
 * PagerDuty's `acknowledge`: the open incidents of the key's firing alert are acknowledged (and
 * notify as a person's acknowledgement does). With nothing firing it changes nothing, as in
 * PagerDuty.
 */
function acknowledgeAlert(s: Stores, alertKey: string, now: number): PushData {
	const firing = s.alerts.firing(alertKey);
	if (firing === null) {
		return { alert_key: alertKey, alert_id: null, alert_status: null, result: "ignored" };
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
	};
}

/**
 * Counts a push refused after its key was checked (the worker tells the object: most refusals,
 * such as a body that fails validation, never reach it). A deleted integration counts nothing.
 */
export function countRefusal(s: Stores, code: string): void {
	if (s.meta.isDeleted()) return;
	countStats(s, (stats) => ({
		refused_count: { ...stats.refused_count, [code]: (stats.refused_count[code] ?? 0) + 1 },
	}));
}

/** What an integration's intake has done: the API's `intake` counters. */
export function intakeCounters(s: Stores) {
	const stats = s.meta.get("stats") ?? NO_STATS;
	return {
		accepted_count: stats.event_count,
		deduplicated_count: stats.deduplicated_count,
		replayed_count: stats.replayed_count,
		rate_limited_count: stats.rate_limited_count,
		refused_count: stats.refused_count,
		unrouted_count: stats.unrouted_count,
		last_event_at: isoOrNull(stats.last_event_at),
	};
}

/** Changes counters and moves their version, which tells the mirror D1 is behind. */
function countStats(s: Stores, change: (stats: Stats) => Partial<Stats>): void {
	const stats = s.meta.get("stats") ?? NO_STATS;
	s.meta.set("stats", { ...stats, ...change(stats), version: stats.version + 1 });
}

/**
 * Routing is decided once, when the alert opens. In each channel it joins an open incident of
 * its group or opens one; with no channel it opens an unrouted incident. False: unrouted.
 */
function openIncidents(s: Stores, alert: Alert, now: number): boolean {
	const routing = s.routing.current();
	const channels = channelsFor(alert, routing);
	for (const place of placements(alert, channels, routing.grouping)) {
		const candidate =
			place.channel_id === null || place.group_key === null
				? null
				: s.incidents.newestOpenInGroup(place.channel_id, place.group_key);
		const incident = joinOrOpen(alert, place, candidate, now, newId);
		s.incidents.save(incident);
		s.incidents.link(incident.id, alert.id);
		incidentChanged(s, candidate?.id === incident.id ? candidate : null, incident, now);
	}
	return channels.length > 0;
}

/** An alert's severity changed: its open incidents take the highest of their alerts'. */
function refreshIncidents(s: Stores, alert: Alert, now: number): void {
	for (const incident of s.incidents.openWith(alert.id)) {
		const changed = refreshSeverity(incident, s.incidents.alertSeverities(incident.id));
		if (changed !== null) saveChange(s, incident, changed, now);
	}
}

/** Writes an incident's change and queues the notifications it causes, in one transaction. */
function saveChange(s: Stores, before: IncidentRecord, after: IncidentRecord, now: number): void {
	s.incidents.save(after);
	incidentChanged(s, before, after, now);
}

/** An alert resolved: each of its open incidents resolves when none of its alerts fires. */
function resolveQuietIncidents(s: Stores, closed: Alert, now: number): void {
	for (const incident of s.incidents.openWith(closed.id)) {
		const changed = resolveWhenQuiet(
			incident,
			s.incidents.hasFiringAlert(incident.id),
			closed,
			now,
		);
		if (changed !== null) saveChange(s, incident, changed, now);
	}
}

/**
 * Resolves firing alerts that went quiet for longer than `auto_resolve_after`, and those whose
 * `expires_at` has passed (resolved as of then, as Alertmanager does).
 */
export function expireQuietAlerts(s: Stores, now: number): void {
	for (const alert of s.alerts.expiredBy(now)) {
		timeOut(s, alert, alert.expires_at ?? now, now);
	}
	const after = s.meta.get("auto_resolve_after_ms");
	if (after === null) return;
	for (const alert of s.alerts.quietSince(now - after)) timeOut(s, alert, now, now);
}

function timeOut(s: Stores, alert: Alert, at: number, now: number): void {
	const closed = closeAlert(alert, at, "timeout");
	s.alerts.save(closed, undefined, "closed");
	resolveQuietIncidents(s, closed, now);
	afterClosed(s, closed, now, routeReleased(s, now));
}

/**
 * Forgets resolved history past the retention (and past MAX_RESOLVED_KEPT), a batch at a time:
 * incidents first, which frees their alerts. True when more is left for the next run.
 */
export function pruneHistory(s: Stores, now: number): boolean {
	const cutoff = now - retention(s);
	const pruned = s.incidents.pruneResolved(cutoff, MAX_RESOLVED_KEPT, PRUNE_BATCH);
	for (const id of pruned) s.outbox.forgetIncident(id);
	const incidents = pruned.length;
	const alerts = s.alerts.pruneResolved(cutoff, MAX_RESOLVED_KEPT, PRUNE_BATCH);
	const keys = s.alerts.pruneKeyStates(cutoff, PRUNE_BATCH);
	return Math.max(incidents, alerts, keys) >= PRUNE_BATCH;
}

/** When the oldest resolved history passes the retention (null: there is none). */
export function nextPruneAt(s: Stores): number | null {
	const oldest = [s.alerts.oldestResolvedAt(), s.incidents.oldestResolvedAt()].filter(
		(at) => at !== null,
	);
	if (oldest.length === 0) return null;
	return Math.min(...oldest) + retention(s);
}

/** The integration's retention (objects provisioned before it existed: the default). */
function retention(s: Stores): number {
	return s.meta.get("retention_ms") ?? DEFAULT_RETENTION_MS;
}

/**
 * When the next firing alert times out, by `auto_resolve_after` or its own `expires_at` (null:
 * neither applies to anything firing).
 */
export function nextTimeoutAt(s: Stores): number | null {
	const after = s.meta.get("auto_resolve_after_ms");
	const oldest = s.alerts.oldestFiringReceipt();
	const quiet = after === null || oldest === null ? null : oldest + after;
	const expiry = s.alerts.nextExpiry();
	if (quiet === null || expiry === null) return quiet ?? expiry;
	return Math.min(quiet, expiry);
}

function incidentNotFound(id: string): Refusal {
	return { ok: false, reason: "incident_not_found", id };
}

/** A deleted integration's incidents are gone. */
function incidentOf(s: Stores, id: string): IncidentRecord | null {
	return s.meta.isDeleted() ? null : s.incidents.get(id);
}

export function acknowledgeIncident(s: Stores, id: string, now: number): Refusal | null {
	const incident = incidentOf(s, id);
	if (incident === null) return incidentNotFound(id);
	const result = acknowledge(incident, now);
	if (!result.ok) return { ok: false, reason: result.reason };
	if (result.changed) saveChange(s, incident, result.incident, now);
	return null;
}

/**
 * Resolves the incident and its firing alerts (resolved_by "api"); a later trigger for one of
 * those keys opens a new alert and incident. The alerts may sit in other channels' incidents
 * too (routes with `continue`), which then resolve when quiet.
 */
export function resolveIncident(s: Stores, id: string, now: number): Refusal | null {
	const incident = incidentOf(s, id);
	if (incident === null) return incidentNotFound(id);
	const resolved = resolveByPerson(incident, now);
	if (resolved === null) return null;
	s.incidents.save(resolved);
	for (const alert of s.incidents.alertsOf(id)) {
		if (alert.status !== "firing") continue;
		const closed = closeAlert(alert, now, "api");
		s.alerts.save(closed, undefined, "closed");
		resolveQuietIncidents(s, closed, now);
		afterClosed(s, closed, now, routeReleased(s, now));
	}
	// Told once its alerts are closed too, so the event shows them resolved.
	incidentChanged(s, incident, resolved, now);
	return null;
}

export function incidentReply(s: Stores, id: string): IncidentReply {
	const incident = incidentOf(s, id);
	return incident === null ? incidentNotFound(id) : { ok: true, incident: detail(s, incident) };
}

function detail(s: Stores, incident: IncidentRecord): IncidentDetail {
	const { group_key: _key, ...fields } = incident;
	return {
		...incidentToApi({ ...fields, integration_id: s.meta.get("integration_id") ?? "" }),
		alerts: s.incidents.alertsOf(incident.id).map(alertToApi),
	};
}

/**
 * SNS retries an HTTP/S delivery for at most an hour after publishing; a message is accepted for
 * twice that, well inside the 24 hours its MessageId is remembered (RECEIPT_TTL_MS), so a
 * captured message cannot be replayed once its id is forgotten.
 */
const SNS_MAX_AGE_MS = 2 * 3_600_000;
/** Clocks differ a little: a message may say it was published up to this much ahead. */
const SNS_CLOCK_SKEW_MS = 5 * 60_000;

function snsTimeRefusal(sentAt: number, now: number): Refusal | null {
	if (sentAt < now - SNS_MAX_AGE_MS) {
		return { ok: false, reason: "sns_message_stale", sentAt, maxAgeMs: SNS_MAX_AGE_MS };
	}
	if (sentAt > now + SNS_CLOCK_SKEW_MS) return { ok: false, reason: "sns_message_future", sentAt };
	return null;
}

/** The delivery a SubscriptionConfirmation or UnsubscribeConfirmation is remembered as. */
const snsReceipt = (messageId: string) => ({ key: `sns:${messageId}`, fingerprint: "sns" });

/**
 * Before the worker follows a SubscribeURL: the message is recent, from the accepted topic, and
 * not a replay of a confirmation already followed (a replay is answered, never fetched again).
 */
export function checkConfirmation(
	s: Stores,
	topic: TopicCheck,
	messageId: string,
	now: number,
): ConfirmationCheck {
	if (s.meta.isDeleted()) return { ok: false, reason: "integration_deleted" };
	const refusal = snsTimeRefusal(topic.sentAt, now) ?? s.subscription.allowed(topic);
	if (refusal !== null) return refusal;
	return { ok: true, replayed: s.receipts.lookup(snsReceipt(messageId)).kind !== "new" };
}

/** Only a confirmation pins; an unsubscribe must merely come from the accepted topic. */
export function recordSubscription(
	s: Stores,
	change: SubscriptionChange,
	now: number,
): Refusal | null {
	if (s.meta.isDeleted()) return { ok: false, reason: "integration_deleted" };
	const refusal =
		snsTimeRefusal(change.topic.sentAt, now) ??
		(change.kind === "confirmed"
			? s.subscription.accept(change.topic, "confirmation", now)
			: s.subscription.allowed(change.topic));
	if (refusal !== null) return refusal;
	if (change.kind === "confirmed") s.subscription.confirmed(change.subscriptionArn, now);
	else s.subscription.unsubscribed(now);
	const receipt = snsReceipt(change.messageId);
	if (s.receipts.lookup(receipt).kind === "new") s.receipts.record(receipt, [], now);
	return null;
}
