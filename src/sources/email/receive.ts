import type { Context } from "hono";
import PostalMime, { type Email } from "postal-mime";
import { OWN_ALERT_KEY_PREFIX } from "../../alerts/event";
import type { IngestReply } from "../../durable/contract";
import type { AppEnv } from "../../http/app-env";
import { HttpError } from "../../http/errors";
import { loadRegexEngine } from "../../routing/regex-engine";
import { ingestPush, type PushTarget, SettingsChanged, settingsReader } from "../ingest";
import { MAX_EMAIL_BYTES } from "./address";
import { type MailEvent, type MailIgnored, type MailRefusal, normalizeMail } from "./normalize";
import { EmailSettings } from "./settings";

/**
 * The mail's own module, loaded by the first mail (and by a preview), never by a push: the MIME
 * parser (postal-mime), RE2 for the settings' patterns, and the mapping. The worker's `email()`
 * handler (push/email.ts) has found the integration and checked the size before it loads this.
 */

const readSettings = settingsReader(EmailSettings);

/**
 * Bounds on what one mail may make the parser build, far above any alert mail and far below what
 * would strain an isolate (postal-mime's own defaults allow 10,000 parts and 2 MiB of headers).
 */
const PARSER_LIMITS = {
	maxNestingDepth: 32,
	maxHeadersSize: 256 * 1024,
	maxPartCount: 500,
	maxRfc822NestingDepth: 2,
	maxForwardedAddresses: 500,
} as const;

/** The raw message, or null when it is longer than MAX_EMAIL_BYTES (whatever rawSize said). */
export async function readRaw(raw: ReadableStream<Uint8Array>): Promise<Uint8Array | null> {
	const chunks: Uint8Array[] = [];
	let size = 0;
	const reader = raw.getReader();
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		size += value.byteLength;
		if (size > MAX_EMAIL_BYTES) {
			await reader.cancel();
			return null;
		}
		chunks.push(value);
	}
	const bytes = new Uint8Array(size);
	let at = 0;
	for (const chunk of chunks) {
		bytes.set(chunk, at);
		at += chunk.byteLength;
	}
	return bytes;
}

async function parse(raw: Uint8Array | string): Promise<Email | MailRefusal> {
	try {
		return await PostalMime.parse(raw, PARSER_LIMITS);
	} catch (error) {
		// postal-mime's codes (EMAXPARTCOUNT, …) say which bound a mail passed; nothing of the mail.
		const code = typeof error === "object" && error !== null && "code" in error ? error.code : "";
		return {
			ok: false,
			code: "Unparseable",
			reason: `the message could not be read as MIME${typeof code === "string" && code !== "" ? ` (${code})` : ""}`,
		};
	}
}

/** The mail's alert event under the integration's current settings, or why it is refused. */
export async function mailEvent(
	raw: Uint8Array | string,
	envelopeSender: string,
	target: PushTarget,
): Promise<MailEvent | MailIgnored | MailRefusal> {
	await loadRegexEngine();
	const mail = await parse(raw);
	if ("ok" in mail) return mail;
	const normalized = await normalizeMail(mail, envelopeSender, readSettings(target), Date.now());
	if (normalized.ok && normalized.event?.alert_key.startsWith(OWN_ALERT_KEY_PREFIX)) {
		return {
			ok: false,
			code: "InvalidParameter",
			reason: `X-Alert-Key must not start with ${OWN_ALERT_KEY_PREFIX}: those are the alerts alertgate raises itself`,
		};
	}
	return normalized;
}

/**
 * Hands the mail's event to the integration's object, as a push's is handed. The object's
 * settings moved on since the worker read them: `SettingsChanged`, for the caller to normalize
 * again.
 */
export async function applyMail(
	env: Env,
	target: PushTarget,
	mail: MailEvent,
): Promise<IngestReply> {
	const reply = await env.INTEGRATION.getByName(target.id).ingest({
		events: [mail.event],
		receipt: mail.receipt,
		integrationId: target.id,
		auth: target.auth,
	});
	if (!reply.ok && reply.reason === "settings_changed") throw new SettingsChanged(reply.config);
	return reply;
}

/**
 * The preview endpoint's body for an email integration: a raw message. The envelope sender, which
 * a preview has none of, is taken from the From header; Email Routing's verdicts are those the
 * message carries. A refusal is the 422 the mail's reason is.
 */
export async function previewMail(
	c: Context<AppEnv>,
	target: PushTarget,
	text: string,
): Promise<Response> {
	const from = await parse(text);
	const sender =
		"ok" in from || !from.from || !("address" in from.from) ? "" : (from.from.address ?? "");
	const mail = await mailEvent(text, sender, target);
	if (!mail.ok) throw new HttpError(422, mail.code, mail.reason);
	// Throws Previewed: what the object would make of it (of an ignored mail: no alert).
	const events = mail.event === null ? [] : [mail.event];
	await ingestPush(c, target, { events, receipt: mail.event === null ? null : mail.receipt });
	throw new Error("a preview is never applied");
}
