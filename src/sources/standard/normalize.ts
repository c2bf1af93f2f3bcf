import { type AlertEvent, LIMITS } from "../../alerts/event";
import { renderTitleRule } from "../../alerts/template";
import { deriveAlertKey, fitAlertKey, truncate } from "../../alerts/text";
import { type Checked, check, problem } from "../../schema/problem";
import { StandardAlertBody } from "./schema";

/**
 * A standard protocol event → the normalized event, or what is wrong with it. `receivedAt` is the default event time; `at`
 * is where the event sits in the body (`events[3]` in a batch), for messages.
 */
export async function normalizeStandard(
	input: unknown,
	receivedAt: number,
	at?: string,
): Promise<Checked<AlertEvent>> {
	const parsed = check(StandardAlertBody, input, at);
	if (!parsed.ok) return parsed;
	const body = parsed.value;
	const occurred_at =
		body.event_time === null || body.event_time === undefined
			? receivedAt
			: Math.round(body.event_time * 1000);
	const givenKey = body.alert_key?.trim() ?? "";
	const severity = body.event_status === "ok" ? "" : body.event_status;
	// Flashduty renders the rule over the event as sent: `{{.Title}}` is the `title` field, and
	// `{{.AlertKey}}` the key given (a derived key comes from the rendered title).
	const rendered =
		body.title_rule === null
			? body.title
			: renderTitleRule(
					body.title_rule,
					{
						title: body.title,
						description: body.description,
						severity,
						status: body.event_status,
						alert_key: givenKey,
						labels: body.labels,
					},
					LIMITS.title,
				);
	// A template of labels the event lacks renders empty (`[TPL]{{.Labels.host}}`): an alert titled
	// nothing pages nobody usefully, so it keeps the rule as sent, which says what is missing.
	const title =
		rendered.trim() === "" && body.title_rule !== null
			? truncate(body.title_rule, LIMITS.title)
			: rendered;
	const common = {
		title,
		description: body.description,
		labels: body.labels,
		images: body.images,
		occurred_at,
	};

	if (body.event_status === "ok") {
		// Without a key an Ok cannot say what it closes; guessing could close the wrong alert.
		if (givenKey === "") {
			return problem(
				`${at === undefined ? "" : `${at}.`}alert_key is required when event_status is Ok: send the key the trigger returned`,
			);
		}
		const alert_key = await fitAlertKey(givenKey, LIMITS.alertKey);
		return { ok: true, value: { action: "resolve", alert_key, ...common } };
	}

	const alert_key =
		givenKey === ""
			? await deriveAlertKey(title, body.labels)
			: await fitAlertKey(givenKey, LIMITS.alertKey);
	return {
		ok: true,
		value: { action: "trigger", severity: body.event_status, alert_key, ...common },
	};
}
