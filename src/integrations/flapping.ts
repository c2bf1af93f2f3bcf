import * as z from "zod/mini";
import { durationWithin, parseDuration } from "../schema/duration";

/**
 * Flapping: an alert key that changes state (opens or resolves) at least `changes` times within
 * `window` is flapping. Its alerts are marked `flapping: true`, the incident it was last in is
 * told once, and its next openings are held quiet (no incident, no notification) until the key
 * has gone `window` without a change. The default is Flashduty's: 4 changes in 60 minutes.
 */
export const DEFAULT_FLAPPING = { changes: 4, window: "60m" };

export const FlappingSetting = z._default(
	z.nullable(
		z.strictObject(
			{
				changes: z
					.number({ error: "must be a number of state changes" })
					.check(
						z.int("must be a whole number"),
						z.minimum(2, "must be at least 2"),
						z.maximum(100, "must be at most 100"),
					),
				window: durationWithin(
					60_000,
					86_400_000,
					"must be a duration from 1m to 24h written with a unit (30m, 1h)",
				),
			},
			{ error: "must be {changes, window}, or null to turn flapping detection off" },
		),
	),
	DEFAULT_FLAPPING,
);

export type Flapping = { changes: number; windowMs: number };

/**
 * An integration's flapping detection, from any type's settings (absent: the default; null: off).
 * A value today's schema refuses, stored by an older version, turns detection off.
 */
export function flappingOf(settings: { flapping?: unknown }): Flapping | null {
	const parsed = FlappingSetting.safeParse(settings.flapping);
	if (!parsed.success || parsed.data === null) return null;
	const windowMs = parseDuration(parsed.data.window);
	return windowMs === null ? null : { changes: parsed.data.changes, windowMs };
}

/**
 * A key's state-change times after one more change at `now`: those inside the window, at most
 * `changes` of them, and whether that many fell inside it.
 */
export function countChange(
	times: readonly number[],
	now: number,
	flapping: Flapping,
): { times: number[]; reached: boolean } {
	const kept = [...times.filter((at) => at > now - flapping.windowMs), now].slice(
		-flapping.changes,
	);
	return { times: kept, reached: kept.length >= flapping.changes };
}
