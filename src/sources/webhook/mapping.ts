import jsonata from "jsonata";
import { type AlertChange, type Labels, LIMITS, type Link } from "../../alerts/event";
import { labelWriter } from "../../alerts/labels";
import { severityFromWord } from "../../alerts/severity";
import { deriveAlertKey, fitAlertKey, truncate } from "../../alerts/text";
import { type Checked, problem } from "../../schema/problem";
import { addLink, parseDateTime } from "../fields";
import { MAX_ALERTS_PER_PUSH } from "../ingest";
import { chargedRegexEngine, Re2RegexEngine, unsupportedPattern } from "./regex";
import { Mapping } from "./settings";

/**
 * The `webhook` integration's mapping: JSONata expressions (https://docs.jsonata.org) that turn
 * any JSON body into alerts. `alerts` splits the body into items (absent: the body is the one
 * item); every other field is evaluated with the item as `$` and the whole body as `$body`.
 *
 * `status` gives `firing` or `resolved` (any case) and nothing else: a sender's own words
 * (`ok`, `triggered`, `success`) are the expression's to translate, so the vocabulary stays one.
 * `severity` is read by the one severity vocabulary; absent or a word it does not know, the alert
 * is a warning, as an Alertmanager alert without `labels.severity` is.
 */

/** The most characters one expression may have: a mapping is configuration, not a program. */
export const MAX_EXPRESSION_CHARS = 4_096;

/**
 * The most evaluation steps (entries into JSONata's evaluator, plus the items of every array it
 * makes) one push may take over all its fields and items. A step took 1–2 µs in workerd's tests,
 * so a push spends at most about 0.1–0.2 s of CPU here; a real mapping takes a few steps a field
 * (about 30 an alert for five fields), which leaves room for the 1,000 alerts a push may carry.
 * Time cannot bound it: a Worker's clock only moves on I/O, and evaluation does none.
 */
export const MAX_EVALUATION_STEPS = 100_000;

/**
 * The deepest JSONata's evaluator may nest. Real expressions nest a few dozen levels; a recursive
 * function that is not tail-recursive nests about ten a call, and would otherwise run until the
 * isolate's stack overflows. JSONata counts it itself (its `stack` option, error D1011).
 */
export const MAX_EVALUATION_DEPTH = 200;

type Field = keyof Mapping;

const FIELDS = Object.keys(Mapping.def.shape) as Field[];

const EXPRESSIONS: unique symbol = Symbol("expressions");

/** A mapping whose expressions parsed, ready for any number of pushes. */
export type CompiledMapping = {
	readonly [EXPRESSIONS]: Partial<Record<Field, jsonata.Expression>>;
	readonly at: string;
};

/** The per-push count of steps, found by the evaluator's hook under a name no expression can write. */
const BUDGET = "alertgate budget";
type Budget = { steps: number; regexEngine: RegExpConstructor };

/**
 * Characters of a string the evaluator makes that cost one step: strings grow by concatenation
 * and `$join` in few steps (`$reduce([1..26], function($a){$a & $a}, "x")` is 2^26 characters in
 * 140), so a made string is charged by its length too.
 */
const CHARS_PER_STEP = 64;

/** The widest `$pad`: one call would otherwise make a string of any length in one step. */
export const MAX_PAD_WIDTH = 10_000;

/** How much of JSONata's own error message an answer quotes (it may quote the body's values). */
const MAX_MESSAGE_CHARS = 200;

/** Thrown by the hooks; the evaluator passes it through untouched. */
class TooMuchWork extends Error {}

/*
 * JSONata calls these around every evaluation step (jsonata.js `evaluate`). It looks them up by
 * these symbols, which its types, naming only strings, leave out.
 */
const ENTRY_HOOK = Symbol.for("jsonata.__evaluate_entry") as unknown as string;
const EXIT_HOOK = Symbol.for("jsonata.__evaluate_exit") as unknown as string;

function spend(environment: jsonata.Environment, steps: number): void {
	const budget: Budget | undefined = environment.lookup(BUDGET);
	if (budget === undefined) return;
	charge(budget, steps);
}

function charge(budget: Budget, steps: number): void {
	budget.steps += steps;
	if (budget.steps > MAX_EVALUATION_STEPS) throw new TooMuchWork();
}

/**
 * Every step: one step spent, and this evaluation's regular expressions charged to its push
 * (JSONata makes them with the engine it holds on its root frame, `base`, one frame per
 * `evaluate` call, so each push's frame gets an engine that charges that push).
 */
function enter(environment: jsonata.Environment): void {
	const budget: Budget | undefined = environment.lookup(BUDGET);
	if (budget === undefined) return;
	const root = (environment as { base?: { RegexEngine?: unknown } }).base;
	if (root !== undefined && root.RegexEngine !== budget.regexEngine) {
		root.RegexEngine = budget.regexEngine;
	}
	charge(budget, 1);
}

/** `$pad` as JSONata's, up to MAX_PAD_WIDTH characters. */
function boundedPad(text: string | undefined, width: number, padding?: string): string | undefined {
	if (text === undefined) return undefined;
	if (!Number.isFinite(width) || Math.abs(width) > MAX_PAD_WIDTH) {
		throw new Error(`$pad takes a width of at most ${MAX_PAD_WIDTH}`);
	}
	const fill = [...(padding === undefined || padding === "" ? " " : padding)];
	const length = [...text].length;
	const missing = Math.abs(Math.trunc(width)) - length;
	if (missing <= 0) return text;
	const filler = Array.from({ length: missing }, (_, i) => fill[i % fill.length]).join("");
	return width > 0 ? text + filler : filler + text;
}

/** Parses every expression; a problem names the field (`settings.mapping.title does not parse: …`). */
export function compileMapping(
	mapping: Mapping,
	at = "settings.mapping",
): Checked<CompiledMapping> {
	const expressions: Partial<Record<Field, jsonata.Expression>> = {};
	for (const field of FIELDS) {
		const source = mapping[field];
		if (source === undefined) continue;
		if (source.length > MAX_EXPRESSION_CHARS) {
			return problem(
				`${at}.${field} has ${source.length} characters; an expression has at most ${MAX_EXPRESSION_CHARS}`,
			);
		}
		if (source.trim() === "") return problem(`${at}.${field} is empty; leave it out instead`);
		let expression: jsonata.Expression;
		try {
			expression = jsonata(source, {
				stack: MAX_EVALUATION_DEPTH,
				RegexEngine: Re2RegexEngine as unknown as RegExpConstructor,
			});
		} catch (error) {
			return problem(`${at}.${field} does not parse: ${jsonataMessage(error)}`);
		}
		const unsupported = unsupportedPattern(expression.ast());
		if (unsupported !== null) return problem(`${at}.${field}: ${unsupported}`);
		expression.assign(ENTRY_HOOK, (_expr: unknown, _input: unknown, env: jsonata.Environment) =>
			enter(env),
		);
		// An array is as much work as its items (`$count([1..9999999])` is three steps otherwise),
		// a string as its length.
		expression.assign(
			EXIT_HOOK,
			(_expr: unknown, _input: unknown, env: jsonata.Environment, result: unknown) => {
				if (Array.isArray(result)) spend(env, result.length);
				else if (typeof result === "string") spend(env, Math.floor(result.length / CHARS_PER_STEP));
			},
		);
		expression.registerFunction("pad", boundedPad, "<s-ns?:s>");
		expressions[field] = expression;
	}
	return { ok: true, value: { [EXPRESSIONS]: expressions, at } };
}

/** The alerts a body becomes, or the problem that says which mapping field failed and why. */
export async function evaluateMapping(
	compiled: CompiledMapping,
	body: unknown,
	receivedAt: number,
): Promise<Checked<AlertChange[]>> {
	try {
		return await evaluateAll(compiled, body, receivedAt);
	} catch (error) {
		// Whatever JSONata or a body can make fail (a value nested past the stack) is the
		// mapping's to fix, never a 500 that the sender would retry.
		const name = error instanceof Error ? error.name : "an error";
		return problem(`${compiled.at} could not be evaluated on this body (${name})`);
	}
}

async function evaluateAll(
	compiled: CompiledMapping,
	body: unknown,
	receivedAt: number,
): Promise<Checked<AlertChange[]>> {
	const budget = { steps: 0 } as Budget;
	budget.regexEngine = chargedRegexEngine((steps) => charge(budget, steps));
	const expressions = compiled[EXPRESSIONS];
	const subject = (field: Field, index: number | null) =>
		`${compiled.at}.${field}${index === null ? "" : ` (alerts[${index}])`}`;
	const run = async (
		field: Field,
		item: unknown,
		index: number | null,
	): Promise<Checked<unknown>> => {
		const expression = expressions[field];
		if (expression === undefined) return { ok: true, value: undefined };
		try {
			return { ok: true, value: await expression.evaluate(item, { body, [BUDGET]: budget }) };
		} catch (error) {
			if (error instanceof TooMuchWork) {
				return problem(
					`${subject(field, index)}: evaluation stopped after ${MAX_EVALUATION_STEPS} steps (too much work); simplify the expression`,
				);
			}
			if (codeOf(error) === "D1011") {
				return problem(
					`${subject(field, index)}: evaluation stopped at depth ${MAX_EVALUATION_DEPTH} (too deep: a recursive function?); simplify the expression`,
				);
			}
			return problem(`${subject(field, index)} failed: ${jsonataMessage(error)}`);
		}
	};

	let items: unknown[] = [body];
	if (expressions.alerts !== undefined) {
		const split = await run("alerts", body, null);
		if (!split.ok) return split;
		const value = split.value;
		if (value === undefined || value === null) items = [];
		else if (Array.isArray(value)) items = value;
		else if (isRecord(value)) items = [value];
		else {
			return problem(
				`${subject("alerts", null)}: the expression gave ${shown(value)}; it must give an object or an array of them`,
			);
		}
		if (items.length > MAX_ALERTS_PER_PUSH) {
			return problem(
				`${subject("alerts", null)}: the expression gave ${items.length} alerts; one push carries at most ${MAX_ALERTS_PER_PUSH}`,
			);
		}
	}
	const split = expressions.alerts !== undefined;

	const events: AlertChange[] = [];
	for (const [position, item] of items.entries()) {
		const index = split ? position : null;
		const values: Partial<Record<Field, unknown>> = {};
		for (const field of FIELDS) {
			if (field === "alerts") continue;
			const result = await run(field, item, index);
			if (!result.ok) return result;
			values[field] = result.value;
		}
		const event = await toEvent(values, receivedAt, (field, text) =>
			problem(`${subject(field, index)}: ${text}`),
		);
		if (!event.ok) return event;
		events.push(event.value);
	}
	return { ok: true, value: events };
}

type Refuse = (field: Field, text: string) => { ok: false; problem: string };

/** What the expressions gave for one item → its event. */
async function toEvent(
	values: Partial<Record<Field, unknown>>,
	receivedAt: number,
	refuse: Refuse,
): Promise<Checked<AlertChange>> {
	const status = values.status === undefined ? "firing" : values.status;
	const word = typeof status === "string" ? status.trim().toLowerCase() : null;
	if (word !== "firing" && word !== "resolved") {
		return refuse(
			"status",
			`the expression gave ${shown(status)}; it must give firing or resolved`,
		);
	}
	const resolved = word === "resolved";

	const title = text(values.title);
	if (title === null)
		return refuse("title", `the expression gave ${shown(values.title)}; it must give text`);
	if (!resolved && title === "") {
		return refuse("title", "the expression gave no text; a firing alert needs a title");
	}
	const description = text(values.description);
	if (description === null) {
		return refuse(
			"description",
			`the expression gave ${shown(values.description)}; it must give text`,
		);
	}

	const labels = labelsOf(values.labels);
	if (labels === null) {
		return refuse("labels", `the expression gave ${shown(values.labels)}; it must give an object`);
	}
	const links = linksOf(values.links);

	const occurred_at = timeOf(values.event_time, receivedAt);
	if (occurred_at === null) {
		return refuse(
			"event_time",
			`the expression gave ${shown(values.event_time)}; it must give unix seconds, milliseconds or an ISO 8601 date-time with a time zone`,
		);
	}

	const given = values.alert_key;
	if (
		given !== undefined &&
		given !== null &&
		typeof given !== "string" &&
		typeof given !== "number"
	) {
		return refuse(
			"alert_key",
			`the expression gave ${shown(given)}; it must give text or a number`,
		);
	}
	const key = given === undefined || given === null ? "" : String(given).trim();
	// A resolution names the alert it ends; a key derived from its title would name another.
	if (resolved && key === "") {
		return refuse(
			"alert_key",
			"a resolved alert needs the key of the alert it resolves; the expression is missing or gave nothing",
		);
	}
	const truncatedTitle = truncate(title, LIMITS.title);
	const alert_key =
		key === ""
			? await deriveAlertKey(truncatedTitle, labels)
			: await fitAlertKey(key, LIMITS.alertKey);

	const common = {
		alert_key,
		title: truncatedTitle,
		description: truncate(description, LIMITS.description),
		labels,
		images: [],
		...(links.length > 0 ? { links } : {}),
		occurred_at,
	};
	if (resolved) return { ok: true, value: { action: "resolve", ...common } };
	const severity =
		typeof values.severity === "string"
			? (severityFromWord(values.severity) ?? "warning")
			: "warning";
	return { ok: true, value: { action: "trigger", severity, ...common } };
}

/** Text from a string or a number, trimmed; nothing is empty; null: neither. */
function text(value: unknown): string | null {
	if (value === undefined || value === null) return "";
	if (typeof value === "string") return value.trim();
	if (typeof value === "number" && Number.isFinite(value)) return String(value);
	return null;
}

/** An object's entries as labels, scalars as text and the rest as JSON; null: not an object. */
function labelsOf(value: unknown): Labels | null {
	const labels: Labels = {};
	if (value === undefined || value === null) return labels;
	if (!isRecord(value)) return null;
	const set = labelWriter(labels);
	for (const [name, entry] of Object.entries(value)) {
		if (typeof entry === "string" || typeof entry === "number" || typeof entry === "boolean") {
			set(name, entry);
		} else if (typeof entry === "object" && entry !== null && !isFunction(entry)) {
			set(name, jsonOf(entry));
		}
	}
	return labels;
}

/** URLs, or `{href, text}` objects, one or an array of them; what is not an http(s) URL is left out. */
function linksOf(value: unknown): Link[] {
	const links: Link[] = [];
	for (const entry of Array.isArray(value) ? value : [value]) {
		if (typeof entry === "string") addLink(links, entry);
		else if (isRecord(entry)) {
			addLink(links, entry.href, typeof entry.text === "string" ? entry.text : null);
		}
	}
	return links;
}

/** Below this a number is unix seconds, from it milliseconds (1e11 s is the year 5138). */
const MILLISECONDS_FROM = 1e11;

/** Epoch ms from unix seconds or milliseconds (a number or its digits) or an ISO 8601 date-time. */
function timeOf(value: unknown, receivedAt: number): number | null {
	if (value === undefined || value === null || value === "") return receivedAt;
	let number = typeof value === "number" ? value : Number.NaN;
	if (typeof value === "string") {
		if (!/^\d+(\.\d+)?$/.test(value.trim())) return parseDateTime(value.trim());
		number = Number(value);
	}
	if (!Number.isFinite(number) || number < 0) return null;
	return Math.round(number >= MILLISECONDS_FROM ? number : number * 1000);
}

/** JSONata's functions are objects (`_jsonata_lambda`) or JavaScript functions: not label values. */
function isFunction(value: object): boolean {
	return typeof value === "function" || "_jsonata_lambda" in value || "_jsonata_function" in value;
}

/** An object or array as a label value: its JSON, functions left out, cut to a label's length. */
function jsonOf(value: object): string {
	try {
		const json = JSON.stringify(value, (_key, inner: unknown) =>
			typeof inner === "function" ||
			(typeof inner === "object" && inner !== null && isFunction(inner))
				? undefined
				: inner,
		);
		return truncate(json ?? "", LIMITS.labelValue);
	} catch {
		// Nested past the stack, or cyclic: said so rather than failing the push.
		return "(not representable as JSON)";
	}
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A value as a message quotes it: cut short, and named by type where JSON has no spelling. */
function shown(value: unknown): string {
	if (value === undefined) return "nothing";
	if (typeof value === "function") return "a function";
	if (Array.isArray(value)) return "an array";
	if (isRecord(value)) return "an object";
	return truncate(JSON.stringify(value) ?? String(value), 80);
}

function codeOf(error: unknown): unknown {
	return isRecord(error) ? error.code : undefined;
}

/** JSONata's errors are plain objects with a code, a message and where in the expression. */
function jsonataMessage(error: unknown): string {
	if (!isRecord(error)) return String(error);
	const message = truncate(
		typeof error.message === "string" ? error.message : "an error",
		MAX_MESSAGE_CHARS,
	);
	const at = typeof error.position === "number" ? ` at position ${error.position}` : "";
	const code = typeof error.code === "string" ? ` (${error.code})` : "";
	return `${message}${at}${code}`;
}
