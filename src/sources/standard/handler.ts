import type { Delivery } from "../../durable/contract";
import { InvalidParameter } from "../../http/errors";
import { autoResolveAfterMs } from "../../integrations/settings";
import { sha256Hex } from "../../security/secrets";
import { deliver, type PushHandler, type PushTarget, settingsReader } from "../deliver";
import { normalizeStandard } from "./normalize";
import { StandardSettings } from "./settings";

const readSettings = settingsReader(StandardSettings);

const IDEMPOTENCY_KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;

export const handleStandardPush: PushHandler = async (c, target, text) => {
	const settings = readSettings(target);
	return deliverStandard(c, target, text, autoResolveAfterMs(settings));
};

/** The standard protocol, also reached through an EventBridge input transformer. */
export async function deliverStandard(
	c: Parameters<PushHandler>[0],
	target: PushTarget,
	text: string,
	autoResolveAfter: number | null,
) {
	const event = await normalizeStandard(text, Date.now());
	const delivery = await idempotentDelivery(c.req.header("Idempotency-Key"), text);
	return deliver(c, target, {
		events: [event],
		delivery,
		autoResolveAfterMs: autoResolveAfter,
	});
}

async function idempotentDelivery(
	header: string | undefined,
	body: string,
): Promise<Delivery | null> {
	if (header === undefined) return null;
	if (!IDEMPOTENCY_KEY_SHAPE.test(header)) {
		throw new InvalidParameter(
			"the Idempotency-Key header must be 1 to 255 printable ASCII characters",
		);
	}
	return { key: `idempotency:${header}`, fingerprint: await sha256Hex(body) };
}
