import * as z from "zod/mini";
import { minLength } from "../schema/length";
import { unknownFieldOr } from "../schema/messages";

/**
 * A maintenance window's weekly schedule: on each listed day, from `start` to `end` local time in
 * an IANA time zone. A window whose end is not after its start runs past midnight into the next
 * day (`22:00`–`02:00`); `24:00` ends at the next midnight. Wall-clock times follow daylight
 * saving: `02:00`–`04:00` in `Europe/Berlin` is two hours of local time on most days, one hour
 * on the day the clocks go forward and three on the day they go back.
 *
 * One rule turns a local time into an instant: the first instant at which the zone's clock reads
 * that time or later. A time the clocks skip (`02:30` when they jump from `02:00` to `03:00`, or
 * `00:00` where they jump at midnight, as in America/Santiago) is the instant of the jump, as cron
 * runs the jobs of a skipped hour when the clocks have jumped; a time the clocks show twice is its
 * first occurrence. So every window starts on its day, a start or end in a skipped hour neither
 * moves to another day nor lengthens the window, and a window wholly inside a skipped hour is
 * empty that day.
 */

export const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export type Day = (typeof DAYS)[number];

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const TIME_HINT = "must be a local time HH:MM (00:00 to 23:59)";
const END_HINT = "must be a local time HH:MM (00:00 to 24:00)";

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's formatter, or null when the runtime knows no such zone. */
function formatter(timeZone: string): Intl.DateTimeFormat | null {
	let format = formatters.get(timeZone);
	if (format === undefined) {
		try {
			format = new Intl.DateTimeFormat("en-US", {
				timeZone,
				hourCycle: "h23",
				year: "numeric",
				month: "numeric",
				day: "numeric",
				hour: "numeric",
				minute: "numeric",
				second: "numeric",
			});
		} catch {
			return null;
		}
		if (formatters.size >= 100) formatters.clear();
		formatters.set(timeZone, format);
	}
	return format;
}

export const TimeZone = z
	.string({ error: "must be an IANA time zone such as Europe/Berlin" })
	.check(
		z.refine(
			(zone) => zone.length <= 64 && formatter(zone) !== null,
			"must be an IANA time zone such as Europe/Berlin or UTC",
		),
	);

export const Schedule = z.strictObject(
	{
		days: z
			.array(z.enum(DAYS, { error: `must be days among ${DAYS.join(", ")}` }), {
				error: "must be a list of days",
			})
			.check(minLength(1, "must name at least one day")),
		start: z.string({ error: TIME_HINT }).check(z.regex(TIME, TIME_HINT)),
		end: z
			.string({ error: END_HINT })
			.check(z.refine((text) => text === "24:00" || TIME.test(text), END_HINT)),
		time_zone: TimeZone,
	},
	{ error: unknownFieldOr("must be {days, start, end, time_zone}") },
);
export type Schedule = z.infer<typeof Schedule>;

type LocalDate = { year: number; month: number; day: number };

/** The wall-clock date and time at `at` in the zone. */
function localParts(at: number, timeZone: string) {
	const parts: Record<string, number> = {};
	for (const part of (formatter(timeZone) as Intl.DateTimeFormat).formatToParts(at)) {
		if (part.type !== "literal") parts[part.type] = Number(part.value);
	}
	return {
		year: parts.year ?? 1970,
		month: parts.month ?? 1,
		day: parts.day ?? 1,
		hour: parts.hour ?? 0,
		minute: parts.minute ?? 0,
		second: parts.second ?? 0,
	};
}

/** How far the zone's wall clock is ahead of UTC at `at`, in ms. */
function offsetAt(at: number, timeZone: string): number {
	const p = localParts(at, timeZone);
	const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
	return wall - Math.floor(at / 1000) * 1000;
}

const DAY_MS = 86_400_000;

/**
 * The instant a wall-clock time happens in the zone: the first instant at which the zone's clock
 * reads `minutes` past midnight of `date` or later (a skipped time: the jump; a repeated one: its
 * first occurrence).
 */
export function zonedTime(date: LocalDate, minutes: number, timeZone: string): number {
	const wall = Date.UTC(date.year, date.month - 1, date.day, 0, minutes);
	// Every instant whose clock can read `wall` lies within 14 hours of it, so a day either side
	// holds the offsets in force before and after any change near it (no zone changes twice in
	// two days).
	const before = offsetAt(wall - DAY_MS, timeZone);
	const after = offsetAt(wall + DAY_MS, timeZone);
	const earlier = wall - Math.max(before, after);
	const later = wall - Math.min(before, after);
	if (offsetAt(earlier, timeZone) === wall - earlier) return earlier;
	if (offsetAt(later, timeZone) === wall - later) return later;
	if (before === after) return wall - offsetAt(wall, timeZone);
	// Skipped: `earlier` is before the jump and `later` after it; the jump is the first second
	// whose offset is the new one (offsets change on whole seconds).
	let lo = earlier;
	let hi = later;
	while (hi - lo > 1000) {
		const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
		if (offsetAt(mid, timeZone) === before) lo = mid;
		else hi = mid;
	}
	return hi;
}

function minutesOf(text: string): number {
	const [hours = 0, minutes = 0] = text.split(":").map(Number);
	return hours * 60 + minutes;
}

function addDays(date: LocalDate, days: number): LocalDate {
	const moved = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
	return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() };
}

function weekday(date: LocalDate): Day {
	return DAYS[new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay()] as Day;
}

/** The windows that start on the local days `from` to `to` days from `at`'s. */
function windowsAround(
	schedule: Schedule,
	at: number,
	from: number,
	to: number,
): Array<[start: number, end: number]> {
	const today = localParts(at, schedule.time_zone);
	const start = minutesOf(schedule.start);
	const end = minutesOf(schedule.end);
	const windows: Array<[number, number]> = [];
	for (let offset = from; offset <= to; offset++) {
		const day = addDays(today, offset);
		if (!schedule.days.includes(weekday(day))) continue;
		const endDay = end > start ? day : addDays(day, 1);
		windows.push([
			zonedTime(day, start, schedule.time_zone),
			zonedTime(endDay, end, schedule.time_zone),
		]);
	}
	return windows;
}

/** Whether `at` falls inside one of the schedule's windows (one started today or yesterday). */
export function inWindow(schedule: Schedule, at: number): boolean {
	return windowsAround(schedule, at, -1, 0).some(([start, end]) => start <= at && at < end);
}

/** The next instant after `at` at which a window starts or ends. */
export function nextBoundary(schedule: Schedule, at: number): number {
	let next = Number.POSITIVE_INFINITY;
	// A week on from yesterday holds the next start of any listed day.
	for (const [start, end] of windowsAround(schedule, at, -1, 8)) {
		if (start > at) next = Math.min(next, start);
		if (end > at) next = Math.min(next, end);
	}
	return next;
}
