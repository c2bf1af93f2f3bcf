import type { Context } from "hono";
import { createSilence, type SilenceView } from "../admin/silences";
import type { ApiAlert } from "../alerts/alert";
import type { AppEnv } from "../http/app-env";
import type { Condition } from "../routing/rules";

/** How long "silence this alert" mutes it. */
export const QUICK_SILENCE_MS = 60 * 60_000;

/** A silence holds at most 20 matchers: the title and 19 labels. */
const MAX_LABEL_MATCHERS = 19;

/**
 * What "this alert" is to a silence: its title and its labels, each by equality, as
 * Alertmanager's "silence" button fills in every label of the alert. In its own integration only.
 */
export function alertMatchers(alert: Pick<ApiAlert, "title" | "labels">): Condition[] {
	const labels = Object.entries(alert.labels)
		.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
		.slice(0, MAX_LABEL_MATCHERS)
		.map(([name, value]): Condition => ({ field: `labels.${name}`, op: "equals", value }));
	return [{ field: "title", op: "equals", value: alert.title }, ...labels];
}

/** Silences `alert` of `integrationId` for QUICK_SILENCE_MS from `now`, saying who asked. */
export function silenceAlert(
	c: Context<AppEnv>,
	integrationId: string,
	alert: Pick<ApiAlert, "title" | "labels">,
	who: { createdBy: string; comment: string },
	now: number,
): Promise<SilenceView> {
	return createSilence(
		c,
		{
			matchers: alertMatchers(alert),
			starts_at: now,
			ends_at: now + QUICK_SILENCE_MS,
			schedule: null,
			comment: who.comment,
			created_by: who.createdBy,
			integration_ids: [integrationId],
			channel_ids: [],
		},
		now,
	);
}
