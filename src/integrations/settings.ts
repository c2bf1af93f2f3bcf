import * as z from "zod/mini";
import { durationWithin, parseDuration } from "../schema/duration";
import { unknownFieldOr } from "../schema/messages";

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

/** The retention of any integration's settings, in ms (settings stored before it: the default). */
export function retentionMs(settings: { retention?: unknown }): number {
	const ms = typeof settings.retention === "string" ? parseDuration(settings.retention) : null;
	return ms ?? DEFAULT_RETENTION_MS;
}

/** The auto-resolve timeout of any integration's settings, in ms (null: off). */
export function autoResolveAfterMs(settings: { auto_resolve_after: string | null }): number | null {
	return settings.auto_resolve_after === null ? null : parseDuration(settings.auto_resolve_after);
}

/** The `error` option of every settings object: unknown names are settings this type lacks. */
export const settingsError = unknownFieldOr(
	"must be an object",
	(keys) => `has no setting ${keys} for this integration type`,
);

/**
 * Settings as stored and sent between worker and object: scalars, flat objects (the rate limit)
 * and lists of flat objects (CloudWatch's severity rules). Each type's own schema (`SOURCES`) gives them
 * meaning; this shape is deliberately not recursive, so RPC types stay shallow.
 */
const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const Flat = z.record(z.string(), Scalar);
export const Settings = z.record(z.string(), z.union([Scalar, Flat, z.array(Flat)]));
export type Settings = z.infer<typeof Settings>;
