import * as z from "zod/mini";
import { FlappingSetting } from "../../integrations/flapping";
import { RateLimitSetting } from "../../integrations/rate-limit";
import { AutoResolveAfter, Retention, settingsError } from "../../integrations/settings";
import { durationWithin, parseDuration } from "../../schema/duration";

/** Alertmanager's own default `resolve_timeout`. */
const DEFAULT_RESOLVE_TIMEOUT = "5m";

/**
 * Settings of an `alertmanager` integration: Alertmanager webhooks and Grafana contact points at
 * its push URL, and Prometheus at its Alertmanager API v2 (`…/api/v2/alerts`).
 */
export const AlertmanagerSettings = z.strictObject(
	{
		/**
		 * How long an alert posted to the API without an `endsAt` fires unless posted again
		 * (Alertmanager's `resolve_timeout`). Prometheus always sends an `endsAt`.
		 */
		resolve_timeout: z._default(
			durationWithin(
				60_000,
				86_400_000,
				"must be a duration from 1m to 24h written with a unit (5m, 1h)",
			),
			DEFAULT_RESOLVE_TIMEOUT,
		),
		auto_resolve_after: AutoResolveAfter(null),
		rate_limit: RateLimitSetting,
		retention: Retention,
		flapping: FlappingSetting,
	},
	{ error: settingsError },
);

export function resolveTimeoutMs(settings: { resolve_timeout: string }): number {
	return parseDuration(settings.resolve_timeout) ?? 5 * 60_000;
}
