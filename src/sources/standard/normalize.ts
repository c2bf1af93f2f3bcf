import { type AlertEvent, LIMITS } from "../../alerts/event";
import { deriveAlertKey, fitAlertKey } from "../../alerts/text";
import { InvalidParameter } from "../../http/errors";
import { parseOrThrow } from "../../http/validation";
import { StandardAlertBody } from "./schema";

/**
 * A standard protocol event → the normalized event. `receivedAt` is the default event time; `at`
 * is where the event sits in the body (`events[3]` in a batch), for messages.
 */
export async function normalizeStandard(
	input: unknown,
	receivedAt: number,
	at?: string,
): Promise<AlertEvent> {
	const body = parseOrThrow(StandardAlertBody, input, at);
	const occurred_at =
		body.event_time === null || body.event_time === undefined
			? receivedAt
			: Math.round(body.event_time * 1000);
	const common = {
		title: body.title,
		description: body.description,
		labels: body.labels,
		images: body.images,
		occurred_at,
	};
	const givenKey = body.alert_key?.trim() ?? "";

	if (body.event_status === "ok") {
		// Without a key an Ok cannot say what it closes; guessing could close the wrong alert.
		if (givenKey === "") {
			throw new InvalidParameter(
				`${at === undefined ? "" : `${at}.`}alert_key is required when event_status is Ok: send the key the trigger returned`,
			);
		}
		return {
			action: "resolve",
			alert_key: await fitAlertKey(givenKey, LIMITS.alertKey),
			...common,
		};
	}

	const alert_key =
		givenKey === ""
			? await deriveAlertKey(body.title, body.labels)
			: await fitAlertKey(givenKey, LIMITS.alertKey);
	return { action: "trigger", severity: body.event_status, alert_key, ...common };
}
