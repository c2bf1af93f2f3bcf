import { InvalidParameter } from "../../http/errors";
import { parseJson, parseOrThrow } from "../../http/validation";
import { wrongFormat } from "../formats";
import { ingest, type PushHandler, settingsReader } from "../ingest";
import { ingestStandard } from "../standard/handler";
import { EventBridgeEvent, looksLikeEnvelope } from "./envelope";
import { normalizeEventBridge } from "./normalize";
import { EventBridgeSettings } from "./settings";

const readSettings = settingsReader(EventBridgeSettings);

/**
 * An `aws_eventbridge` integration is an EventBridge API destination. Events are unsigned: the
 * key (checked in the push route) is the only proof of origin. EventBridge gives up after 5 s,
 * so the handler does only what must be durable before answering: one Durable Object call.
 */
export const handleEventBridgePush: PushHandler = async (c, target, text) => {
	const settings = readSettings(target);
	const body = parseJson(text);

	if (looksLikeEnvelope(body)) {
		const event = parseOrThrow(EventBridgeEvent, body);
		const events = await normalizeEventBridge(event, settings);
		// EventBridge retries an event with the same id for up to 24 hours.
		const receipt = { key: `eventbridge:${event.id}`, fingerprint: "eventbridge" };
		return ingest(c, target, { events, receipt }, (results) => ({
			event_id: event.id,
			results,
			// An event that means no alert (an alarm's configuration change) says it was ignored.
			...(results.length === 0 ? { result: "ignored" } : {}),
		}));
	}
	// An input transformer may reshape events into the standard protocol.
	if (typeof body === "object" && body !== null && "event_status" in body) {
		return ingestStandard(c, target, body, text);
	}
	throw (
		wrongFormat(body, target.type) ??
		new InvalidParameter(
			"expected an EventBridge event (source, detail-type, detail, id …) or a standard alert (event_status, title_rule); check the target's input transformer, or remove it to send the event as is",
		)
	);
};
