import type { Email } from "postal-mime";
import { type AlertEvent, type Labels, LIMITS } from "../../alerts/event";
import { labelWriter } from "../../alerts/labels";
import { fitAlertKey, truncate } from "../../alerts/text";
import type { Receipt } from "../../durable/contract";
import { redactKeys, sha256Hex } from "../../security/secrets";
import { authProblem, emailRoutingResults, summary } from "./auth-results";
import { htmlToText } from "./html-text";
import type { EmailSettings } from "./settings";
import {
	bodySeverity,
	cleanSubject,
	isRecovery,
	keyTextOf,
	matchesAny,
	subjectSeverity,
} from "./subject";

/**
 * One parsed mail → the alert event it is, or why it is refused. This is the only place that
 * knows what a mail's parts mean: subject → title, key and recovery; text → description;
 * sender, chosen headers and Email Routing's verdicts → labels. Attachments are not read, only
 * counted. Each refusal is final (the sender's server bounces the mail with its reason), so each
 * says what to change. A mail that `ignore_patterns` names (an acknowledgement, a downtime) is
 * taken and is no event.
 */

export type MailRefusal = { ok: false; code: string; reason: string };
export type MailEvent = { ok: true; event: AlertEvent; receipt: Receipt | null };
export type MailIgnored = { ok: true; event: null };

/** The header a sender sets to name the alert itself, as the key a push would send. */
export const ALERT_KEY_HEADER = "x-alert-key";

const refuse = (code: string, reason: string): MailRefusal => ({ ok: false, code, reason });

const NO_VERDICT =
	"this integration takes only mail that Email Routing authenticated, and Email Routing gave this mail no verdict of its own (no Authentication-Results in its block on top of the message): it cannot be checked, and a retry would get none either; send it straight to the address, not through a forwarder, or set require_auth to none";

const header = (mail: Email, name: string) =>
	mail.headers
		.filter((h) => h.key === name)
		.map((h) => h.value.trim())
		.filter((v) => v !== "");

function senderAllowed(sender: string, allowed: readonly string[]): boolean {
	if (allowed.length === 0) return true;
	// A quoted local part may hold `@`, `;` and spaces (RFC 5321): no monitoring tool sends one,
	// and it is where crafted text hides (auth-results.ts). Never allowed by a list.
	if (sender.includes('"')) return false;
	const address = sender.toLowerCase();
	const domain = address.slice(address.lastIndexOf("@"));
	return allowed.some((entry) => {
		const wanted = entry.toLowerCase();
		return wanted.startsWith("@") ? domain === wanted : address === wanted;
	});
}

/** A delivery report or an automatic reply: mail about mail, never an alert (RFC 3464, 3834). */
function aboutMail(mail: Email): string | null {
	const type = header(mail, "content-type")[0]?.toLowerCase() ?? "";
	if (type.startsWith("multipart/report")) {
		return "this is a delivery status report (a bounce): reports about mail open no alert";
	}
	const auto = header(mail, "auto-submitted")[0]?.toLowerCase() ?? "no";
	if (auto.startsWith("auto-replied")) {
		return "this is an automatic reply (Auto-Submitted: auto-replied): replies open no alert";
	}
	return null;
}

export async function normalizeMail(
	mail: Email,
	envelopeSender: string,
	settings: EmailSettings,
	receivedAt: number,
): Promise<MailEvent | MailIgnored | MailRefusal> {
	if (!senderAllowed(envelopeSender, settings.allowed_senders)) {
		return refuse(
			"SenderNotAllowed",
			`the sender ${envelopeSender || "<>"} is not among this integration's allowed_senders`,
		);
	}
	const routed = emailRoutingResults(mail.headers);
	if (settings.require_auth !== "none") {
		// Rejected, not thrown for a retry: Email Routing leaves out its verdicts for whole kinds
		// of delivery (cloudflare/workerd#6740: mail forwarded by Gmail, every time), not at
		// random, so a retry would come without them too, and only after days of the sender's
		// queue would it bounce, with no reason given. A bounce now says what is missing.
		if (routed === null) return refuse("AuthenticationResultsMissing", NO_VERDICT);
		const lacking = authProblem(settings.require_auth, routed, envelopeSender);
		if (lacking !== null) return refuse("AuthenticationRequired", lacking);
	}
	const verified = routed ?? [];
	const notAlert = aboutMail(mail);
	if (notAlert !== null) return refuse("NotAnAlert", notAlert);

	// The address is the key, and a mail may quote it anywhere (a forwarded mail's To: line, a
	// header a catch-all adds): masked, before anything is cut, in the subject (so the title and
	// the key), the description and every label.
	const subject = redactKeys(mail.subject ?? "");
	const text = mail.text?.trim() ? mail.text : htmlToText(mail.html ?? "");
	if (subject.trim() === "" && text.trim() === "") {
		return refuse("EmptyMail", "the mail has no subject and no text: there is nothing to alert on");
	}
	const cleaned = cleanSubject(subject, settings.strip_patterns);
	if (matchesAny(settings.ignore_patterns, cleaned)) return { ok: true, event: null };
	const title = truncate(cleaned || "(no subject)", LIMITS.title);
	const recovery = isRecovery(cleaned, settings.resolve_patterns, settings.problem_patterns);
	const given = header(mail, ALERT_KEY_HEADER)[0];
	// From the whole cleaned subject (at most 1,024 characters), not the cut title: a problem's
	// and its recovery's prefixes differ in length, so a cut would fall at different places in
	// the name. fitAlertKey keeps a long one whole by its hash.
	const keyText =
		given ??
		(keyTextOf(cleaned, settings.resolve_patterns, settings.problem_patterns) || cleaned || title);

	const labels: Labels = {};
	const write = labelWriter(labels);
	const set = (name: string, value: string | number | undefined) =>
		write(name, typeof value === "string" ? redactKeys(value) : value);
	const from = mail.from && "address" in mail.from ? mail.from.address : undefined;
	set("email.from", from);
	set("email.envelope_from", envelopeSender);
	for (const name of settings.label_headers) {
		set(`email.${name.toLowerCase()}`, header(mail, name.toLowerCase()).join(", "));
	}
	set("email.dkim", summary(verified, "dkim"));
	set("email.spf", summary(verified, "spf"));
	set("email.dmarc", summary(verified, "dmarc"));
	if (mail.attachments.length > 0) set("email.attachments", mail.attachments.length);

	const common = {
		alert_key: await fitAlertKey(redactKeys(keyText), LIMITS.alertKey),
		title,
		description: truncate(redactKeys(text.trim()), LIMITS.description),
		labels,
		images: [],
		occurred_at: mailTime(mail, receivedAt, recovery),
		ordered: true,
	};
	const event: AlertEvent = recovery
		? { action: "resolve", ...common }
		: {
				action: "trigger",
				severity: subjectSeverity(subject) ?? bodySeverity(text) ?? settings.severity,
				...common,
			};
	return { ok: true, event, receipt: await receiptOf(mail, envelopeSender) };
}

/**
 * How far back a mail's Date header is believed: as long as a sending server keeps retrying
 * (Postfix's maximal_queue_lifetime is 5 days, exim's default retry rule gives up after 4), so a
 * retry keeps its place among the mails of its key, while a sender whose clock is far behind
 * cannot date a mail before every other (it is then ordered by when it came, less these days).
 */
export const MAX_MAIL_AGE_MS = 5 * 24 * 60 * 60 * 1000;

/**
 * When the mail says it happened: its Date header, held to MAX_MAIL_AGE_MS back (a time ahead of
 * the clock is held by the object, as every source's is: alerts/event-time.ts); when it came, if
 * it has none. The events are `ordered`, so a problem retried after its recovery came (a rate
 * limit or an outage made the sender retry, minutes to hours later) is older than the recovery
 * and changes nothing, instead of opening an alert no mail will close. A Date names a second: a
 * problem is placed at its start and a recovery at its end, so a recovery mailed in the same
 * second as its problem still closes it.
 */
function mailTime(mail: Email, receivedAt: number, recovery: boolean): number {
	const stated = Date.parse(mail.date ?? "");
	if (Number.isNaN(stated)) return receivedAt;
	const at = Math.max(stated, receivedAt - MAX_MAIL_AGE_MS);
	return recovery ? at + 999 : at;
}

/**
 * A retried delivery is the same message: applied once. The Message-ID alone does not say so:
 * scripts and appliances reuse fixed or templated ones, and a recovery answered as a replay of
 * its problem leaves the alert firing for good. So the receipt is the hash of the Message-ID
 * with what a retry keeps and another mail changes: the Date and Subject headers and the
 * envelope sender (not the raw bytes: Email Routing's own headers differ between deliveries).
 * Hashed, a long Message-ID is never cut either.
 */
async function receiptOf(mail: Email, envelopeSender: string): Promise<Receipt | null> {
	const messageId = mail.messageId?.trim();
	if (!messageId) return null;
	const date = header(mail, "date")[0] ?? "";
	const identity = JSON.stringify([messageId, date, mail.subject ?? "", envelopeSender]);
	return { key: `email:${await sha256Hex(identity)}`, fingerprint: "email" };
}
