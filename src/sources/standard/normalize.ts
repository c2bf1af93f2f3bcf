import { type AlertEvent, LIMITS } from "../../alerts/event";
import { deriveAlertKey, fitAlertKey } from "../../alerts/text";
import { InvalidParameter } from "../../http/errors";
import { parseJson, parseOrThrow } from "../../http/validation";
import { StandardAlertBody } from "./schema";

/** Standard protocol body (text) → the normalized event. `receivedAt` is the default event time. */
export async function normalizeStandard(text: string, receivedAt: number): Promise<AlertEvent> {
	const body = parseOrThrow(StandardAlertBody, parseJson(text));
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
				"alert_key is required when event_status is Ok: send the key the trigger returned",
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
