/**
 * Target secrets out of what a receiver answered. A receiver may echo what it was sent (Slack's
 * `404 Cannot POST /services/T…/B…/<token>`, a proxy's error page quoting the URL), and that text
 * becomes a delivery's `last_error`, the test endpoint's `detail` and the `notification_failed`
 * log line. So every part of a target URL that may be a credential (each path segment, query
 * value and fragment: Slack's token, Teams' `sig=`, a webhook's `?token=`) and every secret the
 * target holds are masked, in every spelling a receiver could echo them in: as sent, decoded,
 * percent-encoded (upper or lower case, whole or per byte), double-encoded, form-encoded, and
 * JSON-escaped.
 */

/** What takes the place of a secret, and of the whole URL. */
export const MASK = "••••";
const URL_MASK = "<target url>";

/**
 * URL parts shorter than this (decoded) are no secret: nothing that short protects anything, and
 * masking them would eat the ordinary words of the answer.
 */
const MIN_URL_SECRET_CHARS = 6;
/** No spelling shorter than this is masked, for the same reason (a secret's is never that short). */
const MIN_SPELLING_CHARS = 4;
/** Path words of the services' URLs, kept so that an echoed path still reads. */
const URL_WORDS = new Set([
	"services",
	"webhook",
	"webhooks",
	"incoming",
	"workflows",
	"triggers",
	"manual",
	"invoke",
	"powerautomate",
	"automations",
	"direct",
	"enqueue",
	"alerts",
	"notify",
	"notifications",
]);
/** A secret's kind prefix (a signing secret, a signature's version): its body is secret too. */
const SECRET_PREFIXES = ["whsec_", "v1,"];

export type TargetSecrets = {
	/** The URL the notification was sent to. */
	url: string;
	/** The signing secrets, routing key and signature headers: masked whole, whatever their length. */
	secrets: readonly string[];
};

/**
 * `text` with no spelling of `target`'s URL or secrets left in it. `cut` says the text is the
 * start of a longer answer: a secret cut in two by the end leaves its first part there, which is
 * masked as well.
 */
export function maskTargetSecrets(text: string, target: TargetSecrets, cut = false): string {
	const replacements = replacementsFor(target);
	const forms = [...replacements.keys()];
	// Usually nothing is echoed: the one pass below runs over the spellings that are there.
	const present = forms.filter((form) => text.includes(form)).sort((a, b) => b.length - a.length);
	// One left-to-right pass, the longest spelling first at each place: no later pass can find a
	// secret that an earlier mask formed with the text beside it.
	const masked =
		present.length === 0
			? text
			: text.replace(
					new RegExp(present.map(escapeRegExp).join("|"), "g"),
					(found) => replacements.get(found) ?? MASK,
				);
	return cut ? maskCutEnd(masked, forms) : masked;
}

/** Every spelling of a target's URL and secrets, with its mask. */
function replacementsFor(target: TargetSecrets): Map<string, string> {
	const replacements = new Map<string, string>();
	for (const form of remembered(`url ${target.url}`, () => urlSpellings(target.url))) {
		replacements.set(form, URL_MASK);
	}
	for (const part of secretParts(target)) {
		for (const form of remembered(`part ${part}`, () => spellings(part))) {
			if (!replacements.has(form)) replacements.set(form, MASK);
		}
	}
	return replacements;
}

/**
 * Spellings worked out once per URL and secret an isolate sends with: every attempt's answer is
 * masked, and working them out cost more than masking a short answer. A signature differs per
 * attempt and passes through; the bound keeps that from growing.
 */
function remembered(id: string, spell: () => Set<string>): Set<string> {
	const known = spelled.get(id);
	if (known !== undefined) return known;
	const forms = spell();
	if (spelled.size >= MAX_SPELLED) spelled.clear();
	spelled.set(id, forms);
	return forms;
}
const spelled = new Map<string, Set<string>>();
const MAX_SPELLED = 512;

/** The secrets, and each part of the URL that may be one. */
function secretParts({ url, secrets }: TargetSecrets): Set<string> {
	const parts = new Set<string>();
	for (const secret of secrets) {
		// A signature header holds one signature per secret, space-separated.
		for (const value of new Set([secret, ...secret.split(" ")])) {
			parts.add(value);
			const prefix = SECRET_PREFIXES.find((p) => value.startsWith(p));
			if (prefix !== undefined) parts.add(value.slice(prefix.length));
		}
	}
	const parsed = URL.parse(url);
	if (parsed === null) return parts;
	const fromUrl = [
		...parsed.pathname.split("/"),
		...parsed.search
			.slice(1)
			.split("&")
			.map((pair) => pair.slice(pair.indexOf("=") + 1)),
		parsed.hash.slice(1),
	];
	for (const part of fromUrl) {
		const plain = decode(part);
		if (plain.length >= MIN_URL_SECRET_CHARS && !URL_WORDS.has(plain.toLowerCase())) {
			parts.add(part);
		}
	}
	return parts;
}

/**
 * The whole URL as given and as the URL parser writes it, plain or percent-encoded (a redirect
 * page quoting it): labelled, since it says which target. Any other spelling of it is masked
 * part by part, each part in all of its own.
 */
function urlSpellings(url: string): Set<string> {
	const forms = new Set<string>();
	for (const whole of new Set([url, URL.parse(url)?.href ?? url])) {
		const encoded = encode(encodeURIComponent, whole);
		for (const form of [whole, encoded, lowerHex(encoded)]) forms.add(form);
	}
	return forms;
}

/** Every spelling of `value` (as written in a URL, or plain) a receiver might echo. */
function spellings(value: string): Set<string> {
	const decoded = decode(value);
	const formDecoded = decode(value.replaceAll("+", " "));
	const forms = new Set<string>();
	for (const plain of new Set([value, decoded, formDecoded])) {
		const encoded = encode(encodeURIComponent, plain);
		const json = JSON.stringify(plain).slice(1, -1);
		const perByte = percentEveryByte(plain);
		for (const form of [
			plain,
			encoded,
			encoded.replaceAll("%20", "+"),
			encode(encodeURI, plain),
			encode(encodeURIComponent, encoded),
			perByte,
			perByte.toLowerCase(),
			json,
			json.replaceAll("/", "\\/"),
		]) {
			forms.add(form);
			if (form.includes("%") && form !== perByte) forms.add(lowerHex(form));
			// The excerpt's white space is collapsed before it is masked.
			if (/\s/.test(form)) forms.add(form.replace(/\s+/g, " ").trim());
		}
	}
	for (const form of forms) if (form.length < MIN_SPELLING_CHARS) forms.delete(form);
	return forms;
}

/** `%2F` and `%2f` are the same byte; receivers write either. */
const lowerHex = (text: string) => text.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase());

const utf8 = new TextEncoder();
const HEX = Array.from(
	{ length: 256 },
	(_, byte) => `%${byte.toString(16).toUpperCase().padStart(2, "0")}`,
);

function percentEveryByte(text: string): string {
	let out = "";
	for (const byte of utf8.encode(text)) {
		out += HEX[byte];
	}
	return out;
}

/** An encoder's output, or the text as it is where it cannot be encoded (a lone surrogate). */
function encode(encoder: (text: string) => string, text: string): string {
	try {
		return encoder(text);
	} catch {
		return text;
	}
}

function decode(text: string): string {
	try {
		return decodeURIComponent(text);
	} catch {
		return text;
	}
}

function escapeRegExp(text: string): string {
	return text.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
}

/** `text` with its end masked where the end is the start of a secret's spelling. */
function maskCutEnd(text: string, forms: readonly string[]): string {
	let from = text.length;
	for (const form of forms) {
		// Start places from the furthest back a cut spelling can begin, so the longest is found.
		for (let i = Math.max(0, text.length - form.length + 1); i < from; i++) {
			if (text.charCodeAt(i) === form.charCodeAt(0) && form.startsWith(text.slice(i))) {
				from = i;
				break;
			}
		}
	}
	return from === text.length ? text : text.slice(0, from) + MASK;
}
