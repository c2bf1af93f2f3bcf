import { type Alert, isMuted } from "../alerts/alert";
import type { IncidentRecord } from "../incidents/incident";
import { buildEvent, MAX_EVENT_ALERTS, type NotificationEvent, newEventId } from "../notify/event";
import { RETRY_WINDOW_MS, retryDelay } from "../notify/retry";
import type { Attempt } from "../notify/send";
import {
	delayMs,
	type EventType,
	meetsMinimum,
	nextRepeatAt,
	repeatEveryMs,
	type Target,
} from "../notify/target";
import type { RetryReply } from "./contract";
import type { OutboxRow } from "./state/outbox";
import type { Stores } from "./state/stores";
import { type Cause, recordAttempt, recordEscalation, recordIncidentChange } from "./timeline";

/**
 * Which targets hear of an incident change, escalations, and the outbox's sending rules. The
 * parts that touch storage run inside the object's transactions and never await; `send` is the
 * one part that does, between a `claim` and a `settle`.
 */

/** Notifications sent per alarm run (Workers bound subrequests per invocation)… */
const SEND_BATCH = 20;
/** …and per target, so one slow or dead target cannot take the whole run. */
const SEND_PER_TARGET = 5;
/** Escalations fired per alarm run; more wait for the next run, a moment later. */
const ESCALATION_BATCH = 100;
/**
 * A claimed notification is due again this much later, so a crash between sending and settling
 * retries it (at least once). A settled attempt replaces it with the real next time.
 */
const CLAIM_LEASE_MS = 60_000;

/** Alert counts at which an incident warns of a storm (`incident.storm`), once each. */
export const STORM_THRESHOLDS = [10, 100, 1_000] as const;

/**
 * An incident changed (or opened: `before` null). Called after the change and its alert links
 * are written, in the same transaction: what it queues and records commits or rolls back with
 * the change.
 */
export function incidentChanged(
	s: Stores,
	before: IncidentRecord | null,
	after: IncidentRecord,
	now: number,
	cause: Cause = {},
): void {
	recordIncidentChange(s, before, after, now, cause);
	if (after.channel_id === null) return;
	const targets = s.routing.current().targets[after.channel_id] ?? [];
	if (targets.length === 0) return;
	const tell = (type: EventType, to: readonly Target[]) => enqueue(s, after, type, to, now);
	/** Targets told of the incident that subscribe to `type`: every later event goes to them. */
	const toldOf = (type: EventType) => toldAndSubscribed(s, after, targets, type);

	if (before === null) {
		// A new incident holds the one alert that opened it: nothing to read back.
		const alerts = cause.alert === undefined ? undefined : [cause.alert];
		for (const target of targets)
			if (meetsMinimum(target, after.severity)) notice(s, after, target, now, alerts);
		return;
	}
	if (before.status !== after.status && after.status !== "triggered") {
		s.outbox.stopEscalations(after.id);
		const type = after.status === "resolved" ? "incident.resolved" : "incident.acknowledged";
		tell(type, toldOf(type));
		return;
	}
	if (after.status === "resolved") return;
	if (after.alert_count > before.alert_count) {
		tell("incident.alert_added", toldOf("incident.alert_added"));
		// Once per threshold: an incident's alert count only grows, so each is crossed once.
		for (const threshold of STORM_THRESHOLDS) {
			if (before.alert_count >= threshold || after.alert_count < threshold) continue;
			enqueue(s, after, "incident.storm", toldOf("incident.storm"), now, {
				stormThreshold: threshold,
			});
			s.timeline.add(after.id, now, "storm", { threshold, alert_count: after.alert_count });
		}
	}
	// A higher severity reaches targets whose minimum the incident did not meet before (while
	// nobody has acknowledged it).
	if (after.status === "triggered" && after.severity !== before.severity) {
		for (const target of targets) {
			if (
				meetsMinimum(target, after.severity) &&
				s.outbox.targetState(after.id, target.id) === null
			) {
				notice(s, after, target, now);
			}
		}
	}
}

/**
 * An alert key started flapping: the incident it was last in tells the targets that heard of
 * that incident (and subscribe to `incident.flapping`) once, open or resolved.
 */
export function flappingStarted(
	s: Stores,
	incident: IncidentRecord,
	flapping: NonNullable<NotificationEvent["flapping"]>,
	now: number,
): void {
	s.timeline.add(incident.id, now, "flapping", flapping);
	if (incident.channel_id === null) return;
	const targets = s.routing.current().targets[incident.channel_id] ?? [];
	const to = toldAndSubscribed(s, incident, targets, "incident.flapping");
	enqueue(s, incident, "incident.flapping", to, now, { flapping });
}

/** Of `targets`, those told of the incident that subscribe to `type`. */
function toldAndSubscribed(
	s: Stores,
	incident: IncidentRecord,
	targets: readonly Target[],
	type: EventType,
): Target[] {
	const told = s.outbox.notifiedTargets(incident.id);
	return targets.filter((t) => told.has(t.id) && t.events.includes(type));
}

/** A target's first notice of an incident: at once, or after its delay if still unacknowledged. */
function notice(
	s: Stores,
	incident: IncidentRecord,
	target: Target,
	now: number,
	alerts?: readonly Alert[],
): void {
	const delay = delayMs(target);
	if (delay > 0) {
		s.outbox.setTargetState({
			incident_id: incident.id,
			target_id: target.id,
			notified: 0,
			escalate_at: now + delay,
			repeats_sent: 0,
		});
		return;
	}
	s.outbox.setTargetState({
		incident_id: incident.id,
		target_id: target.id,
		notified: 1,
		escalate_at: nextRepeatAt(target, 0, now),
		repeats_sent: 0,
	});
	if (target.events.includes("incident.triggered")) {
		enqueue(s, incident, "incident.triggered", [target], now, { alerts });
	}
}

/**
 * Escalations that are due: an incident still unacknowledged is told to the target (the first
 * notice after a delay, then each repeat). One acknowledged or resolved meanwhile stops here.
 */
export function escalate(s: Stores, now: number): void {
	const targets = targetsById(s);
	for (const state of s.outbox.dueEscalations(now, ESCALATION_BATCH)) {
		const incident = s.incidents.get(state.incident_id);
		const target = targets.get(state.target_id);
		if (incident === null || target === undefined || incident.status !== "triggered") {
			s.outbox.setTargetState({ ...state, escalate_at: null });
			continue;
		}
		if (quietened(s, incident)) {
			// Muted meanwhile (a silence that started, or flapping): no reminder now; look again
			// at the next one, or in a minute for a first notice still waiting.
			const every = repeatEveryMs(target) ?? MUTED_RECHECK_MS;
			s.outbox.setTargetState({ ...state, escalate_at: now + every });
			continue;
		}
		const repeat = state.notified === 1 ? state.repeats_sent + 1 : 0;
		recordEscalation(s, incident.id, target, repeat, now);
		if (target.events.includes("incident.escalated")) {
			enqueue(s, incident, "incident.escalated", [target], now, { repeat });
		}
		s.outbox.setTargetState({
			...state,
			notified: 1,
			repeats_sent: repeat,
			escalate_at: nextRepeatAt(target, repeat, now),
		});
	}
}

/** How soon an escalation held back by muted alerts looks again, when it has no repeat interval. */
const MUTED_RECHECK_MS = 60_000;

/** Whether every alert still firing in the incident is muted (it then sends no reminders). */
function quietened(s: Stores, incident: IncidentRecord): boolean {
	const firing = s.incidents.alertsOf(incident.id).filter((alert) => alert.status === "firing");
	return firing.length > 0 && firing.every(isMuted);
}

/** Every target the object knows, by id. */
function targetsById(s: Stores): Map<string, Target> {
	const all = Object.values(s.routing.current().targets).flat();
	return new Map(all.map((target) => [target.id, target]));
}

/** One event per target (each with its own id), frozen now and queued. */
function enqueue(
	s: Stores,
	incident: IncidentRecord,
	type: EventType,
	targets: readonly Target[],
	now: number,
	{
		repeat,
		stormThreshold,
		flapping,
		alerts,
	}: {
		repeat?: number;
		stormThreshold?: number;
		flapping?: NotificationEvent["flapping"];
		/** The incident's alerts when the caller has them (a new incident's one). */
		alerts?: readonly Alert[] | undefined;
	} = {},
): void {
	if (targets.length === 0 || incident.channel_id === null) return;
	const base = buildEvent({
		type,
		incident,
		integrationId: s.meta.get("integration_id") ?? "",
		alerts: alerts ?? s.incidents.alertsOf(incident.id, MAX_EVENT_ALERTS),
		baseUrl: s.routing.current().base_url ?? "",
		dashboardUrl: s.routing.current().dashboard_url ?? null,
		now,
		...(repeat === undefined ? {} : { repeat }),
		...(stormThreshold === undefined ? {} : { stormThreshold }),
		...(flapping === undefined ? {} : { flapping }),
	});
	for (const [index, target] of targets.entries()) {
		const event = index === 0 ? base : { ...base, id: newEventId() };
		s.outbox.enqueue({
			event,
			incidentId: incident.id,
			channelId: incident.channel_id,
			targetId: target.id,
			now,
			giveUpAt: now + RETRY_WINDOW_MS,
		});
	}
}

/** A notification on its way out, with the target it goes to as the object knows it now. */
export type Claimed = { row: OutboxRow; target: Target };

/**
 * The next batch to send: due heads of their queues, at most SEND_PER_TARGET per target. Each
 * is marked attempted with a lease; a notification whose target is gone fails for good.
 */
export function claim(s: Stores, now: number): Claimed[] {
	const targets = targetsById(s);
	const claimed: Claimed[] = [];
	for (const row of s.outbox.due(now, SEND_PER_TARGET, SEND_BATCH)) {
		const target = targets.get(row.target_id);
		if (target === undefined) {
			s.outbox.update(row, {
				status: "failed",
				last_error: "the target was deleted (or its channel is no longer reachable)",
				last_attempt_at: now,
			});
			continue;
		}
		const attempted = s.outbox.update(row, {
			attempts: row.attempts + 1,
			last_attempt_at: now,
			next_attempt_at: now + CLAIM_LEASE_MS,
		});
		claimed.push({ row: attempted, target });
	}
	return claimed;
}

/** Records what each attempt came to: delivered, retried later, or failed for good. */
export function settle(
	s: Stores,
	results: readonly { claimed: Claimed; attempt: Attempt }[],
	now: number,
	random: () => number = Math.random,
): void {
	// An incident pruned while its notifications were on their way took its timeline with it.
	// Read once per incident: its targets' attempts come back together.
	const kept = new Map<string, boolean>();
	const isKept = (id: string) => {
		const known = kept.get(id);
		if (known !== undefined) return known;
		const found = s.incidents.get(id) !== null;
		kept.set(id, found);
		return found;
	};
	for (const { claimed, attempt: result } of results) {
		const { row } = claimed;
		const next = now + retryDelay(row.attempts, result.retryAfterMs, random());
		const givesUp = result.outcome === "rejected" || next > row.give_up_at;
		if (isKept(row.incident_id)) recordAttempt(s, row, claimed.target, result, givesUp, now);
		if (result.outcome === "delivered") {
			// No excerpt of the answer is kept (nor worked out) for a delivered notification.
			s.outbox.update(row, { last_status: result.status, status: "delivered", last_error: null });
			continue;
		}
		const common = { last_status: result.status, last_error: result.detail };
		if (result.outcome === "rejected") {
			s.outbox.update(row, { ...common, status: "failed" });
		} else {
			if (next > row.give_up_at) {
				const hours = Math.round((row.give_up_at - row.created_at) / 3_600_000);
				s.outbox.update(row, {
					...common,
					status: "failed",
					last_error: `gave up after ${row.attempts} attempts over ${hours}h; last: ${result.detail}`,
				});
			} else {
				s.outbox.update(row, { ...common, next_attempt_at: next });
			}
		}
	}
}

/** A failed notification is queued again, with a fresh retry window. */
export function retryNotification(s: Stores, id: string, now: number): RetryReply {
	const row = s.outbox.get(id);
	if (row === null) return { ok: false, reason: "notification_not_found", id };
	if (row.status !== "failed") return { ok: false, reason: "notification_not_failed", id };
	const notification = s.outbox.update(row, {
		status: "pending",
		attempts: 0,
		next_attempt_at: now,
		give_up_at: now + RETRY_WINDOW_MS,
	});
	return { ok: true, notification };
}

/** When the alarm has notification work next: a due notification or escalation. */
export function nextNotificationAt(s: Stores): number | null {
	const times = [s.outbox.nextDueAt(), s.outbox.nextEscalationAt()].filter((at) => at !== null);
	return times.length === 0 ? null : Math.min(...times);
}
