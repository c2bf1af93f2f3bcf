import * as z from "zod/mini";
import { maxLength, minLength } from "../../schema/length";
import { parseAwsTime } from "../fields";

/**
 * What an EventBridge API destination posts when the target has no input transformer
 * (AWS, "Event structure reference",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html). `resources`
 * may be missing (AWS Health retirement events).
 */
export const EventBridgeEvent = z.object({
	version: z.optional(z.string()),
	id: z.string({ error: "is required (the event id)" }).check(minLength(1), maxLength(128)),
	"detail-type": z.string({ error: "is required" }).check(minLength(1)),
	source: z.string({ error: "is required" }).check(minLength(1)),
	account: z._default(z.string({ error: "must be a string" }), ""),
	time: z._default(z.string({ error: "must be a string" }), ""),
	region: z._default(z.string({ error: "must be a string" }), ""),
	resources: z._default(z.array(z.string(), { error: "must be an array of ARNs" }), []),
	detail: z.record(z.string(), z.unknown(), { error: "must be an object" }),
});
export type EventBridgeEvent = z.infer<typeof EventBridgeEvent>;

/** Enough of the envelope's shape to tell an event from an input transformer's output. */
export function looksLikeEnvelope(body: unknown): boolean {
	return typeof body === "object" && body !== null && "detail-type" in body && "source" in body;
}

/**
 * The event's own time, or now when it has none that is a real date. EventBridge drops an event
 * answered 4xx, so a time that cannot be read is ignored, never a refusal; one far ahead is held
 * to the clock by the integration's object (MAX_FUTURE_SKEW_MS).
 */
export function eventTime(event: EventBridgeEvent): number {
	return parseAwsTime(event.time) ?? Date.now();
}

/** A time from the detail, falling back to the envelope's. */
export function timeOr(value: unknown, event: EventBridgeEvent): number {
	return (typeof value === "string" ? parseAwsTime(value) : null) ?? eventTime(event);
}

/** Parses `detail` with a source's schema; null when the event is not the shape we know. */
export function detailAs<S extends z.ZodMiniType>(
	schema: S,
	event: EventBridgeEvent,
): z.output<S> | null {
	const parsed = schema.safeParse(event.detail);
	return parsed.success ? parsed.data : null;
}
