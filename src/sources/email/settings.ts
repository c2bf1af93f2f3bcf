import * as z from "zod/mini";
import { Severity } from "../../alerts/event";
import { settingsError, sharedSettings } from "../../integrations/settings";
import { RegexPattern } from "../../routing/rules";
import { maxLength } from "../../schema/length";

/**
 * Settings of an `email` integration. Patterns are RE2 (bounded like a route's regex) and run on
 * the subject as the sender wrote it, after its encoded words are decoded. Their defaults are
 * written against the monitoring tools' own mails (test/fixtures/email): Nagios, Icinga 2 and
 * Zabbix. A setting is checked when saved, so RE2 must be loaded where these are parsed (the
 * admin API loads it; the mail's module loads it before it reads them).
 */

const MAX_PATTERNS = 20;
const MAX_LABEL_HEADERS = 20;
const MAX_ALLOWED_SENDERS = 100;

const Patterns = (fallback: string[]) => {
	const hint = `must be a list of at most ${MAX_PATTERNS} RE2 patterns`;
	return z._default(
		z.array(RegexPattern, { error: hint }).check(maxLength(MAX_PATTERNS, hint)),
		fallback,
	);
};

/** Leading reply and forward prefixes (English, German, Nordic, Dutch, French) and ticket numbers. */
export const DEFAULT_STRIP_PATTERNS = [
	"^(?:\\s*(?i:re|fwd?|aw|sv|wg|tr)\\s*:)+\\s*",
	"\\s*\\[(?:#|[A-Z][A-Z0-9]*-)[0-9]+\\]",
];

/**
 * What says a mail is a recovery, where the tools write it: Nagios's and Icinga's `RECOVERY`
 * notification type; their `OK` and `UP` states, which end the subject ("… is OK **", "… is
 * UP!"); Zabbix's "Resolved: …", "Resolved in 5m 3s: …" (6.0) and "OK: …" (before 3.0), which
 * begin it. Words as the tools write them (capitals), so that "Ok, looks up" in a person's
 * subject resolves nothing; whole tokens only (subject.ts), so `UP-LINK` and `OK-DB01` are names,
 * not states. A problem pattern's match overrides them all.
 */
export const DEFAULT_RESOLVE_PATTERNS = [
	"\\bRECOVERY\\b",
	"^(?:Resolved|RESOLVED|OK)(?: in(?: [0-9]+[a-zA-Z]+)+)?:",
	"\\b(?:OK|UP)[ *!.]*$",
];

/**
 * What says a mail is a problem, and the words of a problem's subject that its recovery's
 * subject does not have. A subject that matches one is never a recovery, whatever else it says;
 * the matches are removed (with the resolve patterns') when the alert key is taken from the
 * subject, so that "** PROBLEM Host Alert: web-1 is DOWN **" and "** RECOVERY Host Alert: web-1
 * is UP **" name one alert, and a Zabbix "Updated problem in 5m 3s: …" (when it is not ignored)
 * names its problem's alert, not one per age.
 */
export const DEFAULT_PROBLEM_PATTERNS = [
	"\\bPROBLEM\\b",
	"^(?:Problem|Updated problem(?: in(?: [0-9]+[a-zA-Z]+)+)?):",
	"\\b(?:DOWN|UNREACHABLE|CRITICAL|WARNING|UNKNOWN)\\b",
];

/**
 * Notifications that change no state: Nagios's and Icinga 2's acknowledgement, downtime,
 * flapping and custom notification types, and Zabbix's "Updated problem" (an operator's update
 * or acknowledgement). Such a mail is taken and applied to nothing: as a problem it would open an
 * alert no recovery ever names (the acknowledgement of an incident paging again).
 */
export const DEFAULT_IGNORE_PATTERNS = [
	"\\b(?:ACKNOWLEDGEMENT|DOWNTIME(?:START|END|CANCELLED|REMOVED)|FLAPPING(?:START|STOP|END|DISABLED)|CUSTOM)\\b",
	"^Updated problem\\b",
];

const HEADER_NAME = /^[!-9;-~]{1,64}$/;

/**
 * Headers that hold the mail's recipients, and so the integration's address, which is its key:
 * copied to a label, the key would be stored in plain text, shown and sent in notifications.
 * (Label values are masked anyway; refusing them says so when the setting is saved.)
 */
const RECIPIENT_HEADERS = [
	"to",
	"cc",
	"bcc",
	"delivered-to",
	"x-original-to",
	"envelope-to",
	"x-envelope-to",
	"x-forwarded-to",
	"resent-to",
	"resent-cc",
	"received",
];
const SENDER = /^[^@\s]{0,64}@[^@\s]{1,253}$/;

export const RequireAuth = z.enum(["none", "dkim", "spf", "dkim_and_spf"], {
	error: "must be none, dkim, spf or dkim_and_spf",
});
export type RequireAuth = z.infer<typeof RequireAuth>;

export const EmailSettings = z.strictObject(
	{
		strip_patterns: Patterns(DEFAULT_STRIP_PATTERNS),
		resolve_patterns: Patterns(DEFAULT_RESOLVE_PATTERNS),
		problem_patterns: Patterns(DEFAULT_PROBLEM_PATTERNS),
		ignore_patterns: Patterns(DEFAULT_IGNORE_PATTERNS),
		/** Headers copied to labels as `email.<lowercase name>`. */
		label_headers: z._default(
			z
				.array(
					z.string().check(
						z.regex(HEADER_NAME, "must be header names (printable, no colon, 64 at most)"),
						z.refine(
							(name) => !RECIPIENT_HEADERS.includes(name.toLowerCase()),
							"must not name a header that holds the recipient (To, Cc, Bcc, Delivered-To, X-Original-To, Envelope-To, Received, …): the address is the integration's key",
						),
					),
					{ error: "must be a list of header names" },
				)
				.check(maxLength(MAX_LABEL_HEADERS, `must name at most ${MAX_LABEL_HEADERS} headers`)),
			[],
		),
		/** Envelope senders taken (`ops@example.com`, or `@example.com` for a domain); empty: any. */
		allowed_senders: z._default(
			z
				.array(
					z
						.string()
						.check(
							z.regex(SENDER, "must be addresses (nagios@example.com) or domains (@example.com)"),
						),
					{ error: "must be a list of addresses or @domains" },
				)
				.check(maxLength(MAX_ALLOWED_SENDERS, `must hold at most ${MAX_ALLOWED_SENDERS} senders`)),
			[],
		),
		/** What Email Routing must have verified (its Authentication-Results) for a mail to be taken. */
		require_auth: z._default(RequireAuth, "none"),
		/** The severity of a problem whose subject and body name none. */
		severity: z._default(Severity, "critical"),
		...sharedSettings(null),
	},
	{ error: settingsError },
);
export type EmailSettings = z.infer<typeof EmailSettings>;
