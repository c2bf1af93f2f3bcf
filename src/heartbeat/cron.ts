import { Cron } from "croner";
import { type Checked, problem } from "../schema/problem";

/**
 * Cron schedules, through croner (https://github.com/hexagon/croner): five fields as
 * Healthchecks.io takes them (a sixth for seconds is allowed), evaluated in an IANA time zone, so
 * a 09:00 job stays at 09:00 local time across a change of daylight saving time. This module is
 * loaded only where a schedule is evaluated: pushes never load it.
 */

/** The time after `after` at which the schedule fires next (null: never again). */
export type NextFire = (after: number) => number | null;

/** Compiled once per isolate: every ping of a heartbeat evaluates the same schedule. */
const compiled = new Map<string, NextFire>();
const MAX_COMPILED = 1_000;

export function cronSchedule(pattern: string, tz: string): Checked<NextFire> {
	const cacheKey = `${tz} ${pattern}`;
	const known = compiled.get(cacheKey);
	if (known !== undefined) return { ok: true, value: known };
	let cron: Cron;
	try {
		cron = new Cron(pattern, { timezone: tz });
	} catch (error) {
		return problem(
			`settings.schedule is not a cron expression alertgate can read (${messageOf(error)}): five fields, minute hour day-of-month month day-of-week, such as "0 3 * * *"`,
		);
	}
	let first: Date | null;
	try {
		first = cron.nextRun(new Date(0));
	} catch {
		return problem(`settings.tz "${tz}" is not an IANA time zone (such as "Europe/Berlin")`);
	}
	// Healthchecks.io refuses an expression that never fires (30 February) the same way.
	if (first === null || cron.nextRun() === null) {
		return problem(`settings.schedule "${pattern}" never fires: no date matches it`);
	}
	const next: NextFire = (after) => cron.nextRun(new Date(after))?.getTime() ?? null;
	if (compiled.size >= MAX_COMPILED) compiled.clear();
	compiled.set(cacheKey, next);
	return { ok: true, value: next };
}

/** croner's reason, without the pattern repeated (it can be long) and without a stack. */
function messageOf(error: unknown): string {
	const text = error instanceof Error ? error.message : String(error);
	return text.replace(/^CronPattern:\s*/, "").slice(0, 200);
}
