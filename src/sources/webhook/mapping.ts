import jsonata from "jsonata";
import type { AlertChange } from "../../alerts/event";
import { truncate } from "../../alerts/text";
import { type Checked, problem } from "../../schema/problem";
import { MAX_ALERTS_PER_PUSH } from "../ingest";
import { chargedRegexEngine, Re2RegexEngine, unsupportedPattern } from "./regex";
import { Mapping } from "./settings";
import { isRecord, shown, toEvent } from "./values";

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
