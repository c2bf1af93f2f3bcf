import * as z from "zod/mini";
import type { Severity } from "../alerts/event";
import { truncate } from "../alerts/text";
import { wildcardMatch } from "../alerts/wildcard";
import { maxLength, minLength } from "../schema/length";
import { unknownFieldOr } from "../schema/messages";
import { compilePattern, RegexEngineMissing, regexEngineLoaded } from "./regex-engine";

export { compilePattern };

/**
 * Routes of a shared integration: ordered rules of conditions on the normalized alert. The schema
 * validates what PUT /api/v1/integrations/{id}/routes accepts, naming the rule and condition at
 * fault; `routeAlert` is the pure decision, made once when an alert opens.
 */

const OPERATORS = ["equals", "not_equals", "in", "not_in", "regex", "wildcard", "exists"] as const;
const FIELDS = ["severity", "title", "description", "source", "alert_key"] as const;
/** `labels.<name>`: a condition's (or a pipeline's extract's) reference to one label. */
export const LABEL_FIELD = /^labels\.[^\s]{1,128}$/;

const MAX_RULES = 100;
export const MAX_CONDITIONS = 20;
const MAX_CHANNELS_PER_RULE = 20;
const MAX_LIST_VALUES = 100;
const MAX_VALUE_CHARS = 2048;
/**
 * Patterns are run by RE2 (re2js), which matches in time linear in the input, so no pattern can
 * backtrack catastrophically. The constant is the compiled program's size: about 30 ns per
 * instruction and input character here. A 249-character pattern of nested repeats compiles to
 * 40,000 instructions and took seconds on one title, inside the object's transaction. So each
 * pattern is held to MAX_PROGRAM_SIZE instructions, a rule set to MAX_RULESET_PROGRAM, and
 * matching reads at most MAX_MATCH_INPUT_CHARS of a value: about 35 ms of matching per new alert
 * in the worst case, checked when routes are saved. Wildcards share the budget (`wildcardCost`).
 */
export const MAX_PATTERN_CHARS = 256;
export const MAX_PROGRAM_SIZE = 200;
export const MAX_RULESET_PROGRAM = 1_000;
export const MAX_MATCH_INPUT_CHARS = 1024;

const Field = z
	.string({ error: "is required" })
	.check(
		z.refine(
			(field) => (FIELDS as readonly string[]).includes(field) || LABEL_FIELD.test(field),
			`must be one of ${FIELDS.join(", ")} or labels.<name>`,
		),
	);

const Text = (op: string) => {
	const hint = `must be a string of at most ${MAX_VALUE_CHARS} characters for ${op}`;
	return z.string({ error: hint }).check(maxLength(MAX_VALUE_CHARS, hint));
};

const PATTERN_HINT = `must be a pattern of 1 to ${MAX_PATTERN_CHARS} characters`;
const Pattern = z
	.string({ error: PATTERN_HINT })
	.check(minLength(1, PATTERN_HINT), maxLength(MAX_PATTERN_CHARS, PATTERN_HINT));

/** An RE2 pattern that compiles, to at most MAX_PROGRAM_SIZE instructions (a regex condition's, a pipeline's extract's). */
export const RegexPattern = Pattern.check(
	z.superRefine((pattern, ctx) => {
		if (!regexEngineLoaded()) return; // decoding what was checked when saved
		const size = programSize(pattern);
		if (typeof size === "string") {
			ctx.addIssue({ code: "custom", message: `is not a valid RE2 pattern (${size})` });
		} else if (size > MAX_PROGRAM_SIZE) {
			ctx.addIssue({
				code: "custom",
				message: `is too costly: it compiles to ${size} RE2 instructions, at most ${MAX_PROGRAM_SIZE} (use smaller repeat counts or fewer alternatives)`,
			});
		}
	}),
);

const List = (op: string) => {
	const hint = `must be a list of 1 to ${MAX_LIST_VALUES} strings for ${op}`;
	const item = `must be a list of strings of at most ${MAX_VALUE_CHARS} characters`;
	return z
		.array(z.string({ error: item }).check(maxLength(MAX_VALUE_CHARS, item)), { error: hint })
		.check(minLength(1, hint), maxLength(MAX_LIST_VALUES, hint));
};

const CONDITION_SHAPE = "must be an object {field, op, value}";
const variant = <Shape extends Record<string, z.ZodMiniType>>(shape: Shape) =>
	z.strictObject({ field: Field, ...shape }, { error: unknownFieldOr(CONDITION_SHAPE) });

/** One condition, discriminated by its operator: each operator says what its value must be. */
export const Condition = z.discriminatedUnion(
	"op",
	[
		variant({ op: z.literal("equals"), value: Text("equals") }),
		variant({ op: z.literal("not_equals"), value: Text("not_equals") }),
		variant({ op: z.literal("in"), value: List("in") }),
		variant({ op: z.literal("not_in"), value: List("not_in") }),
		variant({ op: z.literal("regex"), value: RegexPattern }),
		variant({ op: z.literal("wildcard"), value: Pattern }),
		variant({
			op: z.literal("exists"),
			value: z.optional(z.undefined({ error: "must be left out for exists" })),
		}),
	],
	{
		error: (issue) =>
			issue.code === "invalid_union" ? `must be one of ${OPERATORS.join(", ")}` : CONDITION_SHAPE,
	},
);
export type Condition = z.infer<typeof Condition>;

const Rule = z.strictObject(
	{
		conditions: z
			.array(Condition, { error: "must be an array of conditions" })
			.check(maxLength(MAX_CONDITIONS, `must have at most ${MAX_CONDITIONS} conditions`)),
		channel_ids: z
			.array(z.string({ error: "must be channel ids" }), { error: "is required" })
			.check(
				minLength(1, "must name at least one channel"),
				maxLength(MAX_CHANNELS_PER_RULE, `must name at most ${MAX_CHANNELS_PER_RULE} channels`),
			),
		continue: z._default(z.boolean({ error: "must be true or false" }), false),
	},
	{ error: unknownFieldOr("must be an object {conditions, channel_ids, continue}") },
);

export const Routes = z.strictObject(
	{
		rules: z.array(Rule, { error: "must be an array of rules" }).check(
			maxLength(MAX_RULES, `must have at most ${MAX_RULES} rules`),
			withinRegexBudget((rules) => rules.flatMap((rule) => rule.conditions)),
		),
		default_channel_id: z._default(
			z.nullable(z.string({ error: "must be a channel id or null" })),
			null,
		),
	},
	{ error: unknownFieldOr("must be {rules, default_channel_id}") },
);
export type Routes = z.infer<typeof Routes>;

/**
 * A check that the regex and wildcard conditions of a list (of rules, of matchers) cost at most
 * MAX_RULESET_PROGRAM together (`matchingCost`).
 */
export function withinRegexBudget<T>(conditionsOf: (value: T) => readonly Condition[]) {
	return z.superRefine<T>((value, ctx) => {
		if (!regexEngineLoaded()) return; // decoding what was checked when saved
		const total = matchingCost(conditionsOf(value));
		if (total > MAX_RULESET_PROGRAM) {
			ctx.addIssue({
				code: "custom",
				message: `cost too much together: their regex and wildcard conditions cost ${total} RE2 instructions, at most ${MAX_RULESET_PROGRAM} (simplify patterns or use in or equals)`,
			});
		}
	});
}

/**
 * What the regex and wildcard conditions among `conditions` cost to match one value, in RE2
 * instructions (each about 30 ns per character of the value): a regex its compiled program, a
 * wildcard `wildcardCost`. The other operators cost a comparison and are not counted.
 */
export function matchingCost(conditions: readonly Condition[]): number {
	let total = 0;
	for (const condition of conditions) {
		if (condition.op === "wildcard") total += wildcardCost(condition.value);
		if (condition.op !== "regex") continue;
		const size = programSize(condition.value);
		total += typeof size === "number" ? size : 0;
	}
	return total;
}

/**
 * A wildcard's cost in the same unit: its matcher (alerts/wildcard.ts) does, for each character
 * of the value, a table lookup (counted as two instructions) and one 32-bit word operation per 32
 * pattern characters (counted as one each).
 */
export function wildcardCost(pattern: string): number {
	return 2 + Math.ceil(pattern.length / 32);
}

/** A pattern's compiled program size, or why it does not compile (remembered per isolate). */
function programSize(pattern: string): number | string {
	try {
		return compilePattern(pattern).programSize();
	} catch (error) {
		if (error instanceof RegexEngineMissing) throw error;
		return error instanceof Error ? error.message : "invalid";
	}
}

/** What routing looks at: the normalized alert's fields and labels. */
export type Routable = {
	/** None: a recovery, as an alert pipeline's conditions see it. */
	severity?: Severity;
	title: string;
	description: string;
	labels: Record<string, string>;
	/**
	 * Alerts and events carry it; what has none (a bare routing check) matches no condition on it.
	 * A silence on one alert's key mutes that alert alone, whatever its labels become.
	 */
	alert_key?: string;
};

/** `source` is the label every AWS source sets (`aws.cloudwatch`, `aws.guardduty`, …). */
function fieldValue(alert: Routable, field: string): string | undefined {
	if (field.startsWith("labels.")) {
		const name = field.slice("labels.".length);
		return Object.hasOwn(alert.labels, name) ? alert.labels[name] : undefined;
	}
	if (field === "source") return alert.labels.source;
	return alert[field as "severity" | "title" | "description" | "alert_key"];
}

export function conditionHolds(condition: Condition, alert: Routable): boolean {
	const value = fieldValue(alert, condition.field);
	switch (condition.op) {
		case "exists":
			return value !== undefined;
		case "equals":
			return value === condition.value;
		case "not_equals":
			return value !== condition.value;
		case "in":
			return value !== undefined && condition.value.includes(value);
		case "not_in":
			return value === undefined || !condition.value.includes(value);
		case "regex":
			return (
				value !== undefined &&
				compilePattern(condition.value).matcher(truncate(value, MAX_MATCH_INPUT_CHARS)).find()
			);
		case "wildcard":
			return (
				value !== undefined &&
				wildcardMatch(condition.value, truncate(value, MAX_MATCH_INPUT_CHARS))
			);
	}
}

/** Whether every condition holds (a rule's conditions, a silence's or inhibit rule's matchers). */
export function allHold(conditions: readonly Condition[], alert: Routable): boolean {
	return conditions.every((condition) => conditionHolds(condition, alert));
}

/**
 * Rules in order: a rule whose conditions all hold sends the alert to its channels and stops,
 * unless it says `continue`. The default channel applies only when no rule matched. An empty
 * result means unrouted (held, never dropped).
 */
export function routeAlert(alert: Routable, routes: Routes): string[] {
	const channels: string[] = [];
	let matched = false;
	for (const rule of routes.rules) {
		if (!allHold(rule.conditions, alert)) continue;
		matched = true;
		for (const id of rule.channel_ids) if (!channels.includes(id)) channels.push(id);
		if (!rule.continue) break;
	}
	if (!matched && routes.default_channel_id !== null) channels.push(routes.default_channel_id);
	return channels;
}
