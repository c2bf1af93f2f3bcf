import * as z from "zod/mini";
import type { NextFire } from "./cron";
import type { HeartbeatPlan } from "./settings";

/**
 * A heartbeat's state and what each ping, each check of the clock and each admin action does to
 * it. Pure: the integration's object reads the state, calls these with `now`, and writes what
 * comes back (with the alert it opens or resolves) in one transaction.
 *
 * new ──success──► up ──due passes──► late ──grace passes──► down ──success──► up
 *                   ▲                                          ▲
 *                   └──────────── success ◄── fail, exit 1–255, or a start past max_runtime
 * Any state ──pause──► paused ──resume──► new (never pinged) or up (due a period from now)
 */

/** What a ping says: a run ended well, started, ended badly, or only a log line. */
export const PingKind = z.enum(["success", "start", "fail", "log"]);
export type PingKind = z.infer<typeof PingKind>;

/** Why a heartbeat is down: a failure signalled, no success in time, a run that overran. */
export const DownReason = z.enum(["failed", "missed", "max_runtime"]);
export type DownReason = z.infer<typeof DownReason>;

export const HeartbeatState = z.object({
	paused: z.boolean(),
	last_ping_at: z.nullable(z.number()),
	last_ping_kind: z.nullable(PingKind),
	last_success_at: z.nullable(z.number()),
	/** A run announced by `/start` and not ended yet. */
	started_at: z.nullable(z.number()),
	/** Set while down: its alert is firing. */
	down: z.nullable(DownReason),
	/** When the next success is due (null: never pinged, or the schedule never fires again). */
	due_at: z.nullable(z.number()),
});
export type HeartbeatState = z.infer<typeof HeartbeatState>;

export const HeartbeatStatus = z.enum(["new", "up", "late", "down", "paused"]);
export type HeartbeatStatus = z.infer<typeof HeartbeatStatus>;

export const NEW_HEARTBEAT: HeartbeatState = {
	paused: false,
	last_ping_at: null,
	last_ping_kind: null,
	last_success_at: null,
	started_at: null,
	down: null,
	due_at: null,
};

/** What a change does to the heartbeat's alert: open (or update) it, resolve it, or nothing. */
export type AlertChange = "open" | "resolve" | null;

export type Ping = { kind: PingKind; exitStatus: number | null };

export type PingOutcome = {
	state: HeartbeatState;
	alert: AlertChange;
	/** A run's time, from its `/start` to this success or failure (null: no run was open). */
	runMs: number | null;
};

export function statusAt(state: HeartbeatState, plan: HeartbeatPlan, now: number): HeartbeatStatus {
	if (state.paused) return "paused";
	if (state.down !== null) return "down";
	if (state.due_at === null) return state.last_success_at === null ? "new" : "up";
	if (now < state.due_at) return "up";
	return now < state.due_at + plan.graceMs ? "late" : "down";
}

/** When the heartbeat goes down unless a ping comes first (null: it cannot, now). */
export function deadlineOf(state: HeartbeatState, plan: HeartbeatPlan): number | null {
	if (state.paused || state.down !== null) return null;
	const missed = state.due_at === null ? null : state.due_at + plan.graceMs;
	const overran =
		state.started_at === null || plan.maxRuntimeMs === null
			? null
			: state.started_at + plan.maxRuntimeMs;
	if (missed === null || overran === null) return missed ?? overran;
	return Math.min(missed, overran);
}

/** One ping. A paused heartbeat records it and changes nothing else; so does a log line. */
export function applyPing(
	state: HeartbeatState,
	ping: Ping,
	next: NextFire,
	now: number,
): PingOutcome {
	if (ping.kind === "log") return { state, alert: null, runMs: null };
	const seen = { ...state, last_ping_at: now, last_ping_kind: ping.kind };
	if (state.paused) return { state: seen, alert: null, runMs: null };
	if (ping.kind === "start")
		return { state: { ...seen, started_at: now }, alert: null, runMs: null };
	const runMs = state.started_at === null ? null : now - state.started_at;
	const ended = { ...seen, started_at: null, due_at: next(now) };
	if (ping.kind === "fail") {
		// Open, or update the firing alert with this run's output.
		return { state: { ...ended, down: "failed" }, alert: "open", runMs };
	}
	const resolved = state.down !== null;
	return {
		state: { ...ended, last_success_at: now, down: null },
		alert: resolved ? "resolve" : null,
		runMs,
	};
}

/** The alarm's look at the clock: a run past `max_runtime`, or no success by due plus grace. */
export function checkDeadline(
	state: HeartbeatState,
	plan: HeartbeatPlan,
	now: number,
): PingOutcome | null {
	const deadline = deadlineOf(state, plan);
	if (deadline === null || now < deadline) return null;
	const overran =
		state.started_at !== null &&
		plan.maxRuntimeMs !== null &&
		now >= state.started_at + plan.maxRuntimeMs;
	const down: DownReason = overran ? "max_runtime" : "missed";
	return { state: { ...state, down, started_at: null }, alert: "open", runMs: null };
}

/** Paused: nothing is due, and a firing alert resolves (no one waits for a paused job). */
export function pause(state: HeartbeatState): PingOutcome {
	const alert = state.down === null ? null : "resolve";
	return {
		state: { ...state, paused: true, started_at: null, down: null, due_at: null },
		alert,
		runMs: null,
	};
}

/** Watched again: new when it never succeeded, else due a period (or the next time) from now. */
export function resume(state: HeartbeatState, next: NextFire, now: number): HeartbeatState {
	if (!state.paused) return state;
	const due_at = state.last_success_at === null ? null : next(now);
	return { ...state, paused: false, due_at };
}

/** New settings: the next success is due by the new period or schedule, from the last one. */
export function reschedule(state: HeartbeatState, next: NextFire): HeartbeatState {
	if (state.paused || state.down !== null || state.last_success_at === null) return state;
	return { ...state, due_at: next(state.last_success_at) };
}
