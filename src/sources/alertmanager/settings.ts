import * as z from "zod/mini";
import { settingsError, sharedSettings } from "../../integrations/settings";
import { durationWithin, parseDuration } from "../../schema/duration";
import { maxLength, minLength } from "../../schema/length";
import { unknownFieldOr } from "../../schema/messages";

/** Alertmanager's own default `resolve_timeout`. */
const DEFAULT_RESOLVE_TIMEOUT = "5m";

/**
 * The always-firing alert (kube-prometheus's `Watchdog`) taken as a heartbeat: each arrival
 * re-arms a deadline `timeout` ahead, and its absence past it opens "Alertmanager stopped
 * sending" (durable/watches.ts). Never stored as an alert itself.
 */
export const WatchdogSetting = z._default(
	z.nullable(
		z.strictObject(
			{
				alertname: z._default(
					z
						.string({ error: "must be the alert's name" })
						.check(
							minLength(1, "must be the alert's name"),
							maxLength(200, "must be at most 200 characters"),
						),
					"Watchdog",
				),
				timeout: durationWithin(
					60_000,
					7 * 86_400_000,
					"must be a duration from 1m to 7d written with a unit (10m, 1h)",
				),
			},
			{ error: unknownFieldOr('must be {"alertname": "Watchdog", "timeout": "10m"}, or null') },
		),
	),
	null,
);

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
		watchdog: WatchdogSetting,
		...sharedSettings(null),
	},
	{ error: settingsError },
);

export function resolveTimeoutMs(settings: { resolve_timeout: string }): number {
	return parseDuration(settings.resolve_timeout) ?? 5 * 60_000;
}
