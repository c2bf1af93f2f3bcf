import * as z from "zod/mini";
import { Severity } from "../alerts/event";
import { Retention, settingsError } from "../integrations/settings";
import { durationWithin, parseDuration } from "../schema/duration";
import { maxLength, minLength } from "../schema/length";

const DAY_MS = 86_400_000;

/**
 * Settings of a `heartbeat` integration: a ping expected every `period`, or at each time of a
 * cron `schedule` in the time zone `tz` (as Healthchecks.io offers), followed by `grace` before it
 * counts as missed. Whether the schedule parses and ever fires, and whether `tz` is a time zone,
 * is checked when the settings are saved (`checkHeartbeatSettings`), by the cron module, which
 * only a schedule loads.
 */
export const HeartbeatSettings = z
	.strictObject(
		{
			period: z.nullish(
				durationWithin(
					10_000,
					365 * DAY_MS,
					"must be a duration from 10s to 365d written with a unit (90s, 5m, 1h, 1d), or null",
				),
			),
			schedule: z.nullish(
				z
					.string({ error: 'must be a cron expression such as "0 3 * * *", or null' })
					.check(maxLength(100, "must be at most 100 characters")),
			),
			tz: z._default(
				z
					.string({ error: 'must be an IANA time zone such as "Europe/Berlin"' })
					.check(
						minLength(1, 'must be an IANA time zone such as "Europe/Berlin"'),
						maxLength(64, "must be at most 64 characters"),
					),
				"UTC",
			),
			grace: z._default(
				durationWithin(
					5_000,
					365 * DAY_MS,
					"must be a duration from 5s to 365d written with a unit (30s, 5m, 1h)",
				),
				"1h",
			),
			severity: z._default(Severity, "critical"),
			/** A run announced by `/start` that sends no success or failure within this opens. */
			max_runtime: z.nullish(
				durationWithin(
					5_000,
					365 * DAY_MS,
					"must be a duration from 5s to 365d written with a unit (30s, 5m, 1h), or null",
				),
			),
			retention: Retention,
		},
		{ error: settingsError },
	)
	.check(
		z.refine((settings) => !(settings.period != null && settings.schedule != null), {
			message:
				"takes a period or a schedule, not both: set the other to null (period: a ping every so often; schedule: a cron expression)",
			path: ["schedule"],
		}),
		z.refine((settings) => settings.period != null || settings.schedule != null, {
			message:
				'needs a period (a ping every so often, e.g. "1h") or a schedule (a cron expression such as "0 3 * * *")',
			path: ["period"],
		}),
	);
export type HeartbeatSettings = z.infer<typeof HeartbeatSettings>;

/** What the integration's object acts on, in milliseconds. */
export type HeartbeatPlan = {
	periodMs: number | null;
	schedule: string | null;
	tz: string;
	graceMs: number;
	maxRuntimeMs: number | null;
	severity: Severity;
};

/** The settings as the object acts on them; null when they are not a heartbeat's. */
export function heartbeatPlanOf(settings: unknown): HeartbeatPlan | null {
	const parsed = HeartbeatSettings.safeParse(settings);
	if (!parsed.success) return null;
	const s = parsed.data;
	return {
		periodMs: s.period == null ? null : parseDuration(s.period),
		schedule: s.schedule ?? null,
		tz: s.tz,
		graceMs: parseDuration(s.grace) ?? 3_600_000,
		maxRuntimeMs: s.max_runtime == null ? null : parseDuration(s.max_runtime),
		severity: s.severity,
	};
}
