import * as z from "zod/mini";
import type { Receipt } from "../../durable/contract";
import { InvalidParameter } from "../../http/errors";
import { parseJson, parseOrThrow, valueOrThrow } from "../../http/validation";
import { maxLength, minLength } from "../../schema/length";
import { requiredAs } from "../../schema/messages";
import { sha256Hex } from "../../security/secrets";
import { wrongFormat } from "../formats";
import { ingest, type PushHandler, type PushTarget } from "../ingest";
import { normalizeStandard } from "./normalize";

const IDEMPOTENCY_KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;

export const handleStandardPush: PushHandler = async (c, target, text) => {
	return ingestStandard(c, target, parseJson(text), text);
};

/**
 * The standard protocol, also reached through an EventBridge input transformer: `body` is the
 * parsed `text`, which the Idempotency-Key's fingerprint is taken over.
 */
export async function ingestStandard(
	c: Parameters<PushHandler>[0],
	target: PushTarget,
	body: unknown,
	text: string,
) {
	const normalized = await normalizeStandard(body, Date.now());
	// Another sender's format (an SNS subscription sent here) says which type takes it.
	if (!normalized.ok)
		throw wrongFormat(body, target.type) ?? new InvalidParameter(normalized.problem);
	const event = normalized.value;
	const receipt = await idempotencyReceipt(c.req.header("Idempotency-Key"), text);
	return ingest(c, target, {
		events: [event],
		receipt,
	});
}

/** The most events one batch carries. */
const MAX_BATCH_EVENTS = 100;

export const Batch = z.object(
	{
		events: z
			.array(z.unknown(), requiredAs("an array of standard events"))
			.check(
				minLength(1, "must hold at least one event"),
				maxLength(MAX_BATCH_EVENTS, `must hold at most ${MAX_BATCH_EVENTS} events`),
			),
	},
	{ error: 'must be a JSON object: {"events": [ …standard events… ]}' },
);

/**
 * `POST /push/{key}/batch`: up to 100 standard events, applied in order in one transaction and
 * answered with each one's result in order. One invalid event refuses the whole batch (naming its
 * index and field) before anything is written; one Idempotency-Key covers the batch.
 */
export const handleStandardBatch: PushHandler = async (c, target, text) => {
	const body = parseJson(text);
	let events: unknown[];
	try {
		({ events } = parseOrThrow(Batch, body));
	} catch (error) {
		throw wrongFormat(body, target.type) ?? error;
	}
	const receivedAt = Date.now();
	const normalized = [];
	// In order, so the first invalid event is the one named.
	for (const [index, event] of events.entries()) {
		normalized.push(valueOrThrow(await normalizeStandard(event, receivedAt, `events[${index}]`)));
	}
	const receipt = await idempotencyReceipt(c.req.header("Idempotency-Key"), text);
	return ingest(c, target, { events: normalized, receipt }, (results) => ({ results }));
};

/** The push's receipt from its Idempotency-Key header (none without one), over the body's hash. */
export async function idempotencyReceipt(
	header: string | undefined,
	body: string,
): Promise<Receipt | null> {
	if (header === undefined) return null;
	if (!IDEMPOTENCY_KEY_SHAPE.test(header)) {
		throw new InvalidParameter(
			"the Idempotency-Key header must be 1 to 255 printable ASCII characters",
		);
	}
	return { key: `idempotency:${header}`, fingerprint: await sha256Hex(body) };
}
