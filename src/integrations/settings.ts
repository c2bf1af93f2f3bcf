import * as z from "zod/mini";
import { durationWithin, parseDuration } from "../schema/duration";
import { unknownFieldOr } from "../schema/messages";
import { type Flapping, FlappingSetting, flappingOf } from "./flapping";
import { DEFAULT_RATE_LIMIT, type RateLimit, RateLimitSetting } from "./rate-limit";

/**
 * Settings fields that every integration type shares. Each type's own schema lives with its
 * source (its folder's settings.ts) and the registry puts them together.
 */

/** Flashduty's ceiling for auto-resolve timeouts; PagerDuty's is similar. */
const MAX_AUTO_RESOLVE_MS = 30 * 86_400_000;
const MIN_AUTO_RESOLVE_MS = 30_000;

/**
 * How long a firing alert may go without a new event before it resolves by itself
 * (`resolved_by: "timeout"`): for sources that never send a recovery. Null is off.
 */
export const AutoResolveAfter = (fallback: string | null) =>
	z._default(
		z.nullable(
			durationWithin(
				MIN_AUTO_RESOLVE_MS,
				MAX_AUTO_RESOLVE_MS,
				"must be a duration from 30s to 30d written with a unit (90s, 30m, 4h, 7d), or null",
			),
		),
		fallback,
	);

/**
 * How long resolved alerts and incidents are kept before the object prunes them (with the D1
 * mirror in step). The default keeps a month of history, as the peers' free tiers do.
 */
export const Retention = z._default(
	durationWithin(
		86_400_000,
		365 * 86_400_000,
		"must be a duration from 1d to 365d written with a unit (7d, 30d, 90d)",
	),
	"30d",
);

export const DEFAULT_RETENTION_MS = 30 * 86_400_000;

/**
 * How long the integration may go without an accepted push before an alert says it went quiet
 * (durable/watches.ts); null is off. Not a heartbeat's: its period says the same, per ping.
 */
export const ExpectWithin = z._default(
	z.nullable(
		durationWithin(
			60_000,
			MAX_AUTO_RESOLVE_MS,
			"must be a duration from 1m to 30d written with a unit (30m, 4h, 7d), or null",
		),
	),
	null,
);

/**
 * The settings every alert source takes, one meaning each: how long a quiet alert stays firing
 * (its default is the source's), the rate limit, how long history is kept, how soon silence is
 * news, and flapping.
 */
export const sharedSettings = (autoResolveAfter: string | null) => ({
	auto_resolve_after: AutoResolveAfter(autoResolveAfter),
	rate_limit: RateLimitSetting,
	retention: Retention,
	expect_within: ExpectWithin,
	flapping: FlappingSetting,
});

/** A duration setting as the object acts on it: in ms, and as written (for the alert's words). */
export type Span = { ms: number; text: string };

/**
 * What an integration's Durable Object acts on, from any type's settings: parsed once when the
 * settings change and held typed, so a push carries none of it.
 */
export type IntakeSettings = {
	/** `auto_resolve_after` in ms (null: off). */
	autoResolveAfterMs: number | null;
	/** `retention` in ms: how long resolved history is kept. */
	retentionMs: number;
	/** `rate_limit` (null: none). */
	rateLimit: RateLimit | null;
	flapping: Flapping | null;
	/** An SNS integration's `topic_arn`: the only topic it accepts (null: the first seen pins). */
	topicArn: string | null;
	/** `expect_within` (null: off). */
	expectWithin: Span | null;
	/** An `alertmanager` integration's `watchdog` (null: off). */
	watchdog: { alertname: string; timeout: Span } | null;
};

/**
 * The fields the object reads, with their defaults where stored settings predate them (or their
 * type has none). A value today's schema refuses (stored by an older version) reads as its
 * default rather than failing every push.
 */
export function intakeSettingsOf(settings: Settings): IntakeSettings {
	const timeout = orDefault(AutoResolveAfter(null), settings.auto_resolve_after, null);
	return {
		autoResolveAfterMs: timeout === null ? null : parseDuration(timeout),
		retentionMs:
			parseDuration(orDefault(Retention, settings.retention, "30d")) ?? DEFAULT_RETENTION_MS,
		rateLimit: orDefault(RateLimitSetting, settings.rate_limit, DEFAULT_RATE_LIMIT),
		flapping: flappingOf(settings),
		topicArn: orDefault(z.nullable(z.string()), settings.topic_arn ?? null, null),
		expectWithin: spanOf(orDefault(ExpectWithin, settings.expect_within, null)),
		watchdog: watchdogOf(settings.watchdog),
	};
}

function spanOf(text: string | null | undefined): Span | null {
	const ms = text == null ? null : parseDuration(text);
	return ms === null || text == null ? null : { ms, text };
}

/** Checked by the alertmanager source when saved; read here as stored. */
function watchdogOf(value: unknown): IntakeSettings["watchdog"] {
	const watchdog = orDefault(
		z.nullable(z.object({ alertname: z.string(), timeout: z.string() })),
		value ?? null,
		null,
	);
	const timeout = spanOf(watchdog?.timeout);
	return watchdog === null || timeout === null ? null : { alertname: watchdog.alertname, timeout };
}

/**
 * A stored field read with today's schema, or `fallback` when the schema refuses it. (Not
 * `z.catch`, which brings zod's whole util module into the bundle.)
 */
function orDefault<S extends z.ZodMiniType>(
	schema: S,
	value: unknown,
	fallback: z.output<S>,
): z.output<S> {
	const parsed = schema.safeParse(value);
	return parsed.success ? parsed.data : fallback;
}

/** The `error` option of every settings object: unknown names are settings this type lacks. */
export const settingsError = unknownFieldOr(
	"must be an object",
	(keys) => `has no setting ${keys} for this integration type`,
);

/**
 * Settings as stored and sent between worker and object: scalars, flat objects (the rate limit)
 * lists of flat objects (CloudWatch's severity rules) and lists of strings (an email
 * integration's patterns). Each type's own schema gives them meaning; this shape is deliberately
 * not recursive, so RPC types stay shallow.
 */
const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const Flat = z.record(z.string(), Scalar);
export const Settings = z.record(
	z.string(),
	z.union([Scalar, Flat, z.array(Flat), z.array(z.string())]),
);
export type Settings = z.infer<typeof Settings>;
