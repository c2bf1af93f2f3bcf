import type { IngestReply } from "../durable/contract";
import { HttpError } from "../http/errors";
import { refusalError } from "../http/refusals";
import { readIntegrationKey, redactKeys, sha256Hex } from "../security/secrets";
import { keyFromRecipient, MAX_EMAIL_BYTES } from "../sources/email/address";
import { type PushTarget, SettingsChanged } from "../sources/ingest";
import { addressedIntegration, pushedIntegration, remember } from "./lookup";

/**
 * The worker's `email()` handler: Email Routing hands it each mail sent to an address it routes
 * here. What needs no state is done here, as for a push: the recipient's key (a malformed one
 * wakes no Durable Object), the size, and the integration, found as a push finds it (its
 * object, no D1). The MIME parser, RE2 and the mapping load only now (sources/email/receive.ts).
 *
 * A mail that can never be taken is refused with `setReject(reason)`, which Email Routing turns
 * into a permanent SMTP failure: the sending server bounces it with the reason. A failure a retry
 * can cure (the object unreachable, a rate limit, a settings change racing the mail) is thrown,
 * which Email Routing answers with a temporary failure: the sending server tries again later,
 * and the Message-ID (the push's receipt) makes the retry count once. No reason names the key.
 */
export async function handleEmail(message: ForwardableEmailMessage, env: Env): Promise<void> {
	const key = keyFromRecipient(message.to);
	const shape = key === null ? null : readIntegrationKey(key);
	if (key === null || shape?.kind !== "addressed") {
		return refuse(env, message, null, "UnknownAddress", NO_SUCH_ADDRESS);
	}
	if (message.rawSize > MAX_EMAIL_BYTES) {
		return refuse(env, message, null, "MessageTooLarge", tooLarge(message.rawSize));
	}
	const keyHash = await sha256Hex(key);
	let target: PushTarget;
	try {
		target = await addressedIntegration(env, shape.integrationId, keyHash, null);
	} catch (error) {
		if (!(error instanceof HttpError) || retryable(error)) throw error;
		return refuse(env, message, null, "UnknownAddress", NO_SUCH_ADDRESS);
	}
	if (target.type !== "email") {
		return refuse(env, message, target.id, "WrongIntegrationType", NO_SUCH_ADDRESS);
	}

	const intake = await import("../sources/email/receive");
	const raw = await intake.readRaw(message.raw);
	if (raw === null) return refuse(env, message, target.id, "MessageTooLarge", tooLarge(null));
	let mail = await intake.mailEvent(raw, message.from, target);
	if (!mail.ok) return refuse(env, message, target.id, mail.code, mail.reason);
	if (mail.event === null) return ignored(target.id, message);
	let reply: IngestReply;
	try {
		reply = await intake.applyMail(env, target, mail);
	} catch (error) {
		if (!(error instanceof SettingsChanged)) throw error;
		// An admin change landed between the worker's copy and this mail: once more with the
		// object's settings. A second change in between throws (the sender retries).
		remember(target.id, keyHash, error.config);
		target = pushedIntegration(target.id, keyHash, error.config, null);
		mail = await intake.mailEvent(raw, message.from, target);
		if (!mail.ok) return refuse(env, message, target.id, mail.code, mail.reason);
		if (mail.event === null) return ignored(target.id, message);
		reply = await intake.applyMail(env, target, mail);
	}
	if (reply.ok) return;
	// The key was rotated or the integration deleted since this isolate last asked.
	if (reply.reason === "unknown_key" || reply.reason === "integration_deleted") {
		return refuse(env, message, null, "UnknownAddress", NO_SUCH_ADDRESS);
	}
	const refused = refusalError(reply);
	if (retryable(refused)) throw new Error(`the mail is refused for now (${refused.code}): retry`);
	return refuse(env, message, target.id, refused.code, refused.message);
}

const NO_SUCH_ADDRESS = "no alertgate email integration has this address";

const tooLarge = (size: number | null) =>
	`the message is ${size === null ? "more than" : `${size} bytes, over`} ${MAX_EMAIL_BYTES} bytes, the most an alertgate address takes`;

/** What a later delivery of the same mail may get through: a rate limit, a race, an outage. */
const retryable = (error: HttpError) => error.status === 429 || error.status >= 500;

/**
 * A mail `ignore_patterns` names (an acknowledgement, a downtime): taken, so the sender's server
 * does not bounce it, and applied to nothing. One log line, as for a refusal; no counter exists
 * for it, and the object is not woken to keep one.
 */
function ignored(integrationId: string, message: ForwardableEmailMessage): void {
	console.log(
		JSON.stringify({
			event: "email_ignored",
			integration_id: integrationId,
			size: message.rawSize,
		}),
	);
}

/**
 * Rejects the mail with its reason, logs one line (never the key, the sender or the content),
 * and counts the refusal on the integration when the mail reached one.
 */
async function refuse(
	env: Env,
	message: ForwardableEmailMessage,
	integrationId: string | null,
	code: string,
	reason: string,
): Promise<void> {
	message.setReject(redactKeys(reason));
	console.log(
		JSON.stringify({
			event: "email_refused",
			integration_id: integrationId,
			code,
			size: message.rawSize,
		}),
	);
	if (integrationId === null) return;
	try {
		await env.INTEGRATION.getByName(integrationId).countRefusal(code);
	} catch {
		// The refusal stands; only its counter is lost.
	}
}
