import { isoOrNull } from "../alerts/alert";
import type { AlertEvent } from "../alerts/event";
import { LIMITS, OWN_ALERT_KEY_PREFIX } from "../alerts/event";
import { truncate } from "../alerts/text";
import {
	applyPing,
	checkDeadline,
	deadlineOf,
	type HeartbeatState,
	type PingOutcome,
	pause,
	reschedule,
	resume,
	statusAt,
} from "../heartbeat/lifecycle";
import type { NextFire } from "../heartbeat/schedule";
import type { HeartbeatPlan } from "../heartbeat/settings";
import type { HeartbeatView, PingSignal, PingView } from "./contract";
import { applyOwnEvent } from "./push-intake";
import type { Stores } from "./state/stores";

/**
 * A heartbeat integration inside its object: each ping recorded and applied to the heartbeat's
 * state (lifecycle.ts), the alarm's look at the deadline, pause and resume. The one alert a
 * heartbeat has (key `heartbeat`) opens and resolves through the same path as a pushed event's,
 * so the pipeline, routes, silences, maintenance windows and notifications apply unchanged.
 * Pings do not move the intake counters: a routine ping leaves D1 nothing to mirror.
 */

export const HEARTBEAT_ALERT_KEY = `${OWN_ALERT_KEY_PREFIX}heartbeat`;

/** A ping applied; true when its alert opened, changed or resolved (D1's list is behind). */
export function recordPing(s: Stores, signal: PingSignal, next: NextFire, now: number): boolean {
	const state = s.heartbeat.state();
	const plan = s.heartbeat.currentPlan();
	if (state === null || plan === null) return false;
	const outcome = applyPing(state, { kind: signal.kind, exitStatus: signal.exitStatus }, next, now);
	s.heartbeat.record({
		at: now,
		kind: signal.kind,
		exit_status: signal.exitStatus,
		run_ms: outcome.runMs,
		method: signal.method,
		body: signal.body,
	});
	return settle(s, plan, outcome, now, signal.exitStatus);
}

/** The alarm's look at the clock: opens the alert of a heartbeat past its deadline. */
export function checkHeartbeat(s: Stores, now: number): void {
	const state = s.heartbeat.state();
	const plan = s.heartbeat.currentPlan();
	if (state === null || plan === null) return;
	const outcome = checkDeadline(state, plan, now);
	if (outcome !== null) settle(s, plan, outcome, now, null);
}

/** Pause (a firing alert resolves) or resume (nothing is due until a period from now). */
export function setPaused(s: Stores, paused: boolean, next: NextFire, now: number): boolean {
	const state = s.heartbeat.state();
	const plan = s.heartbeat.currentPlan();
	if (state === null || plan === null) return false;
	if (paused) return settle(s, plan, pause(state), now, null);
	s.heartbeat.save(resume(state, next, now));
	return false;
}

/** New settings: the next success is due by the new period or schedule. */
export function rescheduleHeartbeat(s: Stores, next: NextFire): void {
	const state = s.heartbeat.state();
	if (state !== null) s.heartbeat.save(reschedule(state, next));
}

export function heartbeatView(s: Stores, now: number): HeartbeatView | null {
	const state = s.heartbeat.state();
	const plan = s.heartbeat.currentPlan();
	if (state === null || plan === null) return null;
	const deadline = deadlineOf(state, plan);
	return {
		status: statusAt(state, plan, now),
		down_reason: state.down,
		last_ping_at: isoOrNull(state.last_ping_at),
		last_ping_kind: state.last_ping_kind,
		last_success_at: isoOrNull(state.last_success_at),
		started_at: isoOrNull(state.started_at),
		next_due_at: state.paused || state.down !== null ? null : isoOrNull(state.due_at),
		down_at: isoOrNull(deadline),
	};
}

export function pingViews(s: Stores, limit: number): PingView[] {
	return s.heartbeat.list(limit).map(({ seq: _seq, at, ...rest }) => ({
		at: isoOrNull(at) ?? "",
		...rest,
	}));
}

/** Writes the new state and applies its alert change; true when the alert changed. */
function settle(
	s: Stores,
	plan: HeartbeatPlan,
	outcome: PingOutcome,
	now: number,
	exitStatus: number | null,
): boolean {
	s.heartbeat.save(outcome.state);
	if (outcome.alert === null) return false;
	const event =
		outcome.alert === "open"
			? downEvent(s, outcome.state, plan, now, exitStatus)
			: upEvent(outcome.state, now);
	return applyOwnEvent(s, event, now);
}

/** The alert of a heartbeat gone down: why, the last ping's time, and what the script printed. */
function downEvent(
	s: Stores,
	state: HeartbeatState,
	plan: HeartbeatPlan,
	now: number,
	exitStatus: number | null,
): AlertEvent {
	const reason = state.down ?? "missed";
	const lastSuccess = isoOrNull(state.last_success_at) ?? "never";
	const title =
		reason === "failed"
			? exitStatus === null
				? "Heartbeat failed: the job signalled a failure"
				: `Heartbeat failed: the job exited with status ${exitStatus}`
			: reason === "max_runtime"
				? `Heartbeat overran: a run started and did not finish within ${Math.round((plan.maxRuntimeMs ?? 0) / 1000)}s`
				: `Heartbeat missed: no ping since ${isoOrNull(state.last_ping_at) ?? "it was created"}`;
	const output = s.heartbeat.lastOutput();
	const lines = [
		`Last ping: ${state.last_ping_kind ?? "none"} at ${isoOrNull(state.last_ping_at) ?? "never"}.`,
		`Last success: ${lastSuccess}.`,
		output === "" ? "" : `Output of the last run:\n${output}`,
	];
	const labels: Record<string, string> = {
		heartbeat: "down",
		reason,
		last_ping_at: isoOrNull(state.last_ping_at) ?? "never",
		last_success_at: lastSuccess,
	};
	if (exitStatus !== null) labels.exit_status = String(exitStatus);
	return {
		action: "trigger",
		alert_key: HEARTBEAT_ALERT_KEY,
		severity: plan.severity,
		title: truncate(title, LIMITS.title),
		description: truncate(lines.filter((line) => line !== "").join("\n"), LIMITS.description),
		labels,
		images: [],
		occurred_at: now,
	};
}

function upEvent(state: HeartbeatState, now: number): AlertEvent {
	return {
		action: "resolve",
		alert_key: HEARTBEAT_ALERT_KEY,
		title: "Heartbeat back",
		description: "",
		labels: { last_success_at: isoOrNull(state.last_success_at) ?? "never" },
		images: [],
		occurred_at: now,
	};
}
