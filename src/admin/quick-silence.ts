import type { ApiAlert } from "../alerts/alert";
import { truncate } from "../alerts/text";
import type { SilenceRow } from "../db/noise";
import { InvalidParameter } from "../http/errors";
import { check } from "../schema/problem";
import type { AdminRequest } from "./objects";
import { CreateSilence, createSilence } from "./silences";

/** How long "silence this alert" (the dashboard's button, a notification's link) mutes it. */
export const QUICK_SILENCE_MS = 60 * 60_000;

/**
 * Silences one alert for QUICK_SILENCE_MS from `now`: a silence on its key, in its integration
 * only, made as the API makes one, saying who asked.
 */
export async function silenceAlert(
	c: AdminRequest,
	integrationId: string,
	alert: Pick<ApiAlert, "alert_key" | "title">,
	createdBy: "dashboard" | "action link",
	now: number,
): Promise<SilenceRow> {
	const via = createdBy === "dashboard" ? "the dashboard" : "a notification's action link";
	const body = check(CreateSilence, {
		matchers: [{ field: "alert_key", op: "equals", value: alert.alert_key }],
		ends_at: new Date(now + QUICK_SILENCE_MS).toISOString(),
		comment: truncate(`silenced for 1 hour from ${via}: ${alert.title}`, 1000),
		created_by: createdBy,
		integration_ids: [integrationId],
	});
	if (!body.ok) throw new InvalidParameter(body.problem);
	return createSilence(c, body.value, now);
}
