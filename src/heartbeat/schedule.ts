import { type Checked, problem } from "../schema/problem";
import type { NextFire } from "./cron";
import type { HeartbeatPlan, HeartbeatSettings } from "./settings";

/**
 * When a heartbeat's next success is due after one at `after`: a period later, or the next time
 * its cron schedule fires. The cron module is imported on demand, so only a heartbeat with a
 * schedule loads it (and a push's module does not grow).
 */
export type { NextFire };

export async function nextDueOf(plan: HeartbeatPlan): Promise<Checked<NextFire>> {
	if (plan.schedule === null) {
		const period = plan.periodMs ?? 0;
		return { ok: true, value: (after) => after + period };
	}
	const { cronSchedule } = await import("./cron");
	return cronSchedule(plan.schedule, plan.tz);
}

/** The settings' problem before they are saved (a time zone or a schedule that does not work), or null. */
export async function checkHeartbeatSettings(settings: HeartbeatSettings): Promise<string | null> {
	const zone = timeZoneProblem(settings.tz);
	if (zone !== null) return zone.problem;
	if (settings.schedule == null) return null;
	const { cronSchedule } = await import("./cron");
	const checked = cronSchedule(settings.schedule, settings.tz);
	return checked.ok ? null : checked.problem;
}

function timeZoneProblem(tz: string): { ok: false; problem: string } | null {
	try {
		new Intl.DateTimeFormat("en", { timeZone: tz });
		return null;
	} catch {
		return problem(`settings.tz "${tz}" is not an IANA time zone (such as "Europe/Berlin")`);
	}
}
