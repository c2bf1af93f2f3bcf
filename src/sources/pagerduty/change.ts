import { truncate } from "../../alerts/text";
import { CHANGE_LIMITS, type ChangeEvent } from "../../changes/change";
import { HttpError } from "../../http/errors";
import { refusalError } from "../../http/refusals";
import { parseJson, valueOrThrow } from "../../http/validation";
import { type Checked, check, problem } from "../../schema/problem";
import { integrationObject, type PushHandler, SettingsChanged } from "../ingest";
import { pagerDutyError } from "./handler";
import { eventTime } from "./normalize";
import { PagerDutyChangeEvent } from "./schema";

/**
 * A parsed change event → the change the integration's object keeps, or what is wrong with it.
 * `receivedAt` is its time when the sender gives none.
 */
export function normalizeChange(body: unknown, receivedAt: number): Checked<ChangeEvent> {
	const parsed = check(PagerDutyChangeEvent, body);
	if (!parsed.ok) return parsed;
	const { payload, links } = parsed.value;
	const occurred_at = eventTime(payload.timestamp, receivedAt);
	if (occurred_at === null) {
		return problem(
			"payload.timestamp must be an ISO 8601 date-time with a time zone (2020-07-17T08:42:58.315+0000)",
		);
	}
	const given = payload.custom_details;
	const details = given === null || given === undefined ? null : JSON.stringify(given);
	// Kept whole or refused: JSON cut short would mean nothing. With the other fields' bounds, one
	// change is at most about 75 KB (16 Ki characters of details, each up to 3 bytes, and 10
	// links), so the 1,000 kept are at most about 75 MB of the object's storage, typically far less.
	if (details !== null && details.length > CHANGE_LIMITS.detailsChars) {
		return problem(
			`payload.custom_details must be at most ${CHANGE_LIMITS.detailsChars} characters as JSON`,
		);
	}
	const source = payload.source?.trim() ?? "";
	return {
		ok: true,
		value: {
			summary: truncate(payload.summary.trim(), CHANGE_LIMITS.summary),
			source: source === "" ? null : truncate(source, CHANGE_LIMITS.source),
			occurred_at,
			custom_details: details,
			links,
		},
	};
}

/**
 * A PagerDuty change event (at /v2/change/enqueue), answered as PagerDuty answers: 202
 * `{"status": "success", "message": "Change event processed"}`. It is kept by the integration's
 * object and opens nothing. Like PagerDuty's, change events carry no delivery id: a retried one
 * is kept twice.
 */
export const handlePagerDutyChange: PushHandler = async (c, target, text) => {
	try {
		const change = valueOrThrow(normalizeChange(parseJson(text), Date.now()));
		const reply = await integrationObject(c, target).recordChange({
			integrationId: target.id,
			change,
			auth: target.auth,
		});
		if (!reply.ok) {
			if (reply.reason === "settings_changed") throw new SettingsChanged(reply.config);
			throw refusalError(reply, target.keyHeader);
		}
		return c.json({ status: "success", message: "Change event processed" }, 202);
	} catch (error) {
		if (error instanceof HttpError) return pagerDutyError(c, error);
		throw error;
	}
};
