import { truncate } from "./text";

/**
 * Flashduty's title rules and templates, the language of a standard event's `title_rule`
 * (https://docs.flashcat.cloud/en/on-call/advanced/reference-variables) and of the values an alert
 * pipeline sets. A template is `[TPL]` and then text with two kinds of reference:
 *
 * - `${name}`: the label `name`; a missing label renders `<no value>`.
 * - `{{.Field}}`, `{{.Labels.name}}`, `{{index .Labels "a.b"}}`: Go-template field access over the
 *   event; a missing label renders empty. Spaces inside the braces and Go's trim markers
 *   (`{{- … -}}`) are read as Go reads them.
 *
 * A rule without `[TPL]` is Flashduty's older "simplified" rule
 * (https://docs.flashcat.cloud/zh/flashduty/customize-incident-attrs): parts split on `::` and
 * joined with ` / `, a part that is `$name` replaced by that label when the event has it and kept
 * as written when not. So a `$` inside ordinary text ("cost over $5") is never a reference, and
 * a title without a `$name` part (`Net::HTTP timeout`) is kept as written.
 *
 * The language has no conditions, loops, functions or nesting: rendering is one pass over the
 * template, linear in its length, and stops once the caller's limit is reached.
 */

/** What a template reads from the event: alertgate's words, shown as Flashduty spells them. */
export type TemplateFields = {
	title: string;
	description: string;
	/** `critical`, `warning`, `info` (or empty when the event has none, as a recovery). */
	severity: string;
	/** The severity, or `ok` for a recovery. */
	status: string;
	alert_key: string;
	labels: Record<string, string>;
};

export const TEMPLATE_PREFIX = "[TPL]";

/**
 * The longest template rendered. A title is at most 512 characters and a description 2,048, so a
 * longer template is a mistake or an attack: it is kept as written (and cut by the caller), so its
 * parse never costs more than a few thousand steps per event.
 */
export const MAX_TEMPLATE_CHARS = 4096;

const NO_VALUE = "<no value>";
const SIMPLE_SEPARATOR = "::";
const SIMPLE_JOINER = " / ";

/** The event's fields a `{{.Field}}` reads, by Flashduty's names. */
const FIELDS = {
	Title: (f: TemplateFields) => f.title,
	Description: (f: TemplateFields) => f.description,
	EventSeverity: (f: TemplateFields) => flashdutyWord(f.severity),
	EventStatus: (f: TemplateFields) => flashdutyWord(f.status),
	AlertKey: (f: TemplateFields) => f.alert_key,
} as const;
type FieldName = keyof typeof FIELDS;
const FIELD_LIST = ".Title, .Description, .EventSeverity, .EventStatus, .AlertKey, .Labels.name";

const FLASHDUTY_WORDS: Record<string, string> = {
	critical: "Critical",
	warning: "Warning",
	info: "Info",
	ok: "Ok",
};

function flashdutyWord(word: string): string {
	return Object.hasOwn(FLASHDUTY_WORDS, word) ? (FLASHDUTY_WORDS[word] ?? word) : word;
}

type Part =
	| { kind: "text"; text: string }
	| { kind: "label"; name: string; missing: string }
	| { kind: "field"; name: FieldName };

type Parsed = { ok: true; parts: Part[] } | { ok: false; problem: string };

/** A Flashduty title_rule as Flashduty renders it: `[TPL]` templates rendered, other text as Flashduty treats it. */
export function renderTitleRule(
	rule: string,
	fields: TemplateFields,
	maxChars: number = MAX_TEMPLATE_CHARS,
): string {
	if (rule.length > MAX_TEMPLATE_CHARS) return truncate(rule, maxChars);
	if (rule.startsWith(TEMPLATE_PREFIX)) {
		return renderOrKeep(rule, rule.slice(TEMPLATE_PREFIX.length), fields, maxChars);
	}
	return renderSimple(rule, fields.labels, maxChars);
}

/** A pipeline template: always rendered as a template, with or without the `[TPL]` prefix. */
export function renderTemplate(
	template: string,
	fields: TemplateFields,
	maxChars: number = MAX_TEMPLATE_CHARS,
): string {
	if (template.length > MAX_TEMPLATE_CHARS) return truncate(template, maxChars);
	return renderOrKeep(template, withoutPrefix(template), fields, maxChars, parsedOnce);
}

/**
 * A pipeline's templates are the integration's configuration, rendered for every event: each is
 * parsed once per isolate (bounded, since configurations change). A sender's `title_rule` is not
 * kept: it changes with every push.
 */
const PARSED = new Map<string, Parsed>();
const MAX_PARSED = 1_024;

function parsedOnce(body: string): Parsed {
	let parsed = PARSED.get(body);
	if (parsed === undefined) {
		parsed = parse(body);
		if (PARSED.size >= MAX_PARSED) PARSED.clear();
		PARSED.set(body, parsed);
	}
	return parsed;
}

/** Why a template cannot render (an unclosed `{{`, an unknown field such as `{{.Foo}}`), for refusing it when saved; null: it renders. */
export function templateProblem(template: string): string | null {
	if (template.length > MAX_TEMPLATE_CHARS) {
		return `is ${template.length} characters long; a template is at most ${MAX_TEMPLATE_CHARS}`;
	}
	const parsed = parse(withoutPrefix(template));
	return parsed.ok ? null : parsed.problem;
}

function withoutPrefix(template: string): string {
	return template.startsWith(TEMPLATE_PREFIX) ? template.slice(TEMPLATE_PREFIX.length) : template;
}

/**
 * A template that cannot render is kept as it was sent, prefix included: Flashduty promises a
 * reference that fails never stops the alert, and the sender sees what to fix in the title.
 */
function renderOrKeep(
	sent: string,
	body: string,
	fields: TemplateFields,
	maxChars: number,
	parseBody: (body: string) => Parsed = parse,
) {
	const parsed = parseBody(body);
	if (!parsed.ok) return truncate(sent, maxChars);
	let out = "";
	for (const part of parsed.parts) {
		if (out.length >= maxChars) break;
		if (part.kind === "text") out += part.text;
		else if (part.kind === "field") out += FIELDS[part.name](fields);
		else out += labelOf(fields.labels, part.name) ?? part.missing;
	}
	return truncate(out, maxChars);
}

function renderSimple(rule: string, labels: Record<string, string>, maxChars: number): string {
	const parts = rule.split(SIMPLE_SEPARATOR);
	// Only a rule with a `$name` part is a rule: a title that merely holds `::` (`Net::HTTP
	// timeout`, a C++ or Ruby name) is kept as written.
	if (!parts.some((part) => part.startsWith("$"))) return truncate(rule, maxChars);
	let out = "";
	for (const [index, part] of parts.entries()) {
		if (out.length >= maxChars) break;
		if (index > 0) out += SIMPLE_JOINER;
		const value = part.startsWith("$") ? labelOf(labels, part.slice(1)) : undefined;
		out += value ?? part;
	}
	return truncate(out, maxChars);
}

/** Own keys only: a label named `constructor` is not Object.prototype's. */
function labelOf(labels: Record<string, string>, name: string): string | undefined {
	return Object.hasOwn(labels, name) ? labels[name] : undefined;
}

function parse(body: string): Parsed {
	const parts: Part[] = [];
	let text = "";
	let at = 0;
	// Each opener's next position, searched for again only once `at` passed it: one pass in all.
	let dollar = -2;
	let brace = -2;
	while (at < body.length) {
		if (dollar !== -1 && dollar < at) dollar = body.indexOf("${", at);
		if (brace !== -1 && brace < at) brace = body.indexOf("{{", at);
		const next = nearest(dollar, brace);
		if (next === -1) {
			text += body.slice(at);
			break;
		}
		text += body.slice(at, next);
		if (next === dollar) {
			const close = body.indexOf("}", next + 2);
			// An unclosed `${` is text, as in Flashduty's examples a `$` outside a reference is.
			if (close === -1) {
				text += body.slice(next);
				break;
			}
			pushText(parts, text);
			text = "";
			parts.push({ kind: "label", name: body.slice(next + 2, close), missing: NO_VALUE });
			at = close + 1;
			continue;
		}
		const end = actionEnd(body, next + 2);
		if (end === -1) {
			return { ok: false, problem: `has an unclosed {{ at character ${next + 1}` };
		}
		let inner = body.slice(next + 2, end);
		// Go's trim markers: `{{- ` eats the spaces before the action, ` -}}` those after it.
		if (/^-\s/.test(inner)) {
			text = text.trimEnd();
			inner = inner.slice(1);
		}
		let trimAfter = false;
		if (/\s-$/.test(inner)) {
			trimAfter = true;
			inner = inner.slice(0, -1);
		}
		const action = parseAction(inner.trim());
		if (typeof action === "string") return { ok: false, problem: action };
		pushText(parts, text);
		text = "";
		parts.push(action);
		at = end + 2;
		if (trimAfter) {
			while (at < body.length && /\s/.test(body.charAt(at))) at++;
		}
	}
	pushText(parts, text);
	return { ok: true, parts };
}

function nearest(a: number, b: number): number {
	if (a === -1) return b;
	if (b === -1) return a;
	return Math.min(a, b);
}

function pushText(parts: Part[], text: string) {
	if (text !== "") parts.push({ kind: "text", text });
}

/** Where an action's `}}` is, skipping quoted strings as Go's lexer does; -1: none. */
function actionEnd(body: string, from: number): number {
	let at = from;
	while (at < body.length) {
		const char = body.charAt(at);
		if (char === "}" && body.charAt(at + 1) === "}") return at;
		if (char === '"') {
			at++;
			while (at < body.length && body.charAt(at) !== '"') at += body.charAt(at) === "\\" ? 2 : 1;
		} else if (char === "`") {
			at = body.indexOf("`", at + 1);
			if (at === -1) return -1;
		}
		at++;
	}
	return -1;
}

const IDENTIFIER = /^[\p{L}_][\p{L}\p{Nd}_]*$/u;
const INDEX_LABELS = /^index\s+\.Labels\s+("(?:[^"\\]|\\.)*"|`[^`]*`)$/;

/** One action's inside → what it renders, or what is wrong with it. */
function parseAction(action: string): Part | string {
	const index = INDEX_LABELS.exec(action);
	if (index?.[1] !== undefined) {
		const quoted = index[1];
		const name = quoted.startsWith("`") ? quoted.slice(1, -1) : unquote(quoted);
		return name === null
			? `{{${action}}}: the label name is not a valid Go string`
			: { kind: "label", name, missing: "" };
	}
	if (action.startsWith(".Labels.")) {
		const name = action.slice(".Labels.".length);
		if (IDENTIFIER.test(name)) return { kind: "label", name, missing: "" };
		return `{{${action}}}: a label name with dots, dashes or spaces is read with {{index .Labels "${name}"}}`;
	}
	if (action.startsWith(".")) {
		const name = action.slice(1);
		if (isField(name)) return { kind: "field", name };
		return `{{${action}}} is not a field alertgate renders; use ${FIELD_LIST}`;
	}
	return `{{${action}}} is not a reference alertgate renders; use ${FIELD_LIST} or index .Labels "name"`;
}

function isField(name: string): name is FieldName {
	return Object.hasOwn(FIELDS, name);
}

/** A Go double-quoted string's value (the escapes label names need); null: malformed. */
function unquote(quoted: string): string | null {
	let out = "";
	for (let at = 1; at < quoted.length - 1; at++) {
		const char = quoted.charAt(at);
		if (char !== "\\") {
			out += char;
			continue;
		}
		const escaped = quoted.charAt(++at);
		if (escaped === '"' || escaped === "\\") out += escaped;
		else if (escaped === "n") out += "\n";
		else if (escaped === "t") out += "\t";
		else return null;
	}
	return out;
}
