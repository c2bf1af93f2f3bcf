import * as z from "zod/mini";
import { type AlertChange, type AlertEvent, LIMITS, type Severity } from "../alerts/event";
import { severityFromWord } from "../alerts/severity";
import { renderTemplate, type TemplateFields, templateProblem } from "../alerts/template";
import { truncate } from "../alerts/text";
import { maxLength, minLength } from "../schema/length";
import { unknownFieldOr } from "../schema/messages";
import { RegexEngineMissing, regexEngineLoaded } from "./regex-engine";
import {
	allHold,
	Condition,
	compilePattern,
	LABEL_FIELD,
	MAX_CONDITIONS,
	MAX_MATCH_INPUT_CHARS,
	MAX_PATTERN_CHARS,
	RegexPattern,
	withinRegexBudget,
} from "./rules";

/**
 * An integration's alert pipeline (Flashduty's "alert processing",
 * https://docs.flashcat.cloud/en/on-call/integration/alert-integration/alert-pipelines): ordered
 * rules that reshape each event of a push before it reaches its alert and is routed. Every rule
 * whose conditions hold applies, in order, each seeing what the rules before it made. The schema
 * validates what PUT /api/v1/integrations/{id}/pipeline accepts, naming the rule and field at
 * fault; `applyPipeline` is the pure decision, made in the integration's object for every event.
 *
 * What an event may cost is bounded when the pipeline is saved, as routes' costs are: its regex
 * conditions and extract patterns share one RE2 budget (`withinRegexBudget`) and read at most
 * MAX_MATCH_INPUT_CHARS of a value; its templates are at most MAX_TEMPLATE_CHARS each and
 * MAX_PIPELINE_TEMPLATE_CHARS together, rendered in one pass each; a mapping is one lookup, whatever the table's size.
 */

const MAX_RULES = 50;
const MAX_EXTRACTS_PER_RULE = 10;
const MAX_MAPS_PER_RULE = 10;
/**
 * Lookups cost the same whatever a table's size; rows are bounded for what the pipeline weighs
 * where it is kept: in D1, in the routing copy every change hands the integration's object, in
 * the object's storage and in its memory. The admin API's 64 KiB body bounds the bytes.
 */
export const MAX_TABLE_ROWS = 1_000;
export const MAX_PIPELINE_ROWS = 2_000;
/** All templates of a pipeline together: rendering them is linear in their length, per event. */
export const MAX_PIPELINE_TEMPLATE_CHARS = 16_384;

const FIELDS = ["title", "description"] as const;

const From = z
	.string({ error: "is required" })
	.check(
		z.refine(
			(field) => (FIELDS as readonly string[]).includes(field) || LABEL_FIELD.test(field),
			`must be one of ${FIELDS.join(", ")} or labels.<name>`,
		),
	);

const NAME_HINT = `must be a label name of 1 to ${LIMITS.labelKey} characters`;
const LabelName = z
	.string({ error: NAME_HINT })
	.check(minLength(1, NAME_HINT), maxLength(LIMITS.labelKey, NAME_HINT));

const VALUE_HINT = `must be a string of at most ${LIMITS.labelValue} characters`;
const LabelValue = z.string({ error: VALUE_HINT }).check(maxLength(LIMITS.labelValue, VALUE_HINT));

/** An RE2 pattern whose named groups (`(?P<host>…)`) are the labels it extracts. */
const ExtractPattern = RegexPattern.check(
	z.superRefine((pattern, ctx) => {
		// Zod runs this check after RegexPattern's failed too: a pattern over the length is not compiled.
		if (pattern.length > MAX_PATTERN_CHARS || !regexEngineLoaded()) return;
		let names: string[];
		try {
			names = Object.keys(compilePattern(pattern).namedGroups());
		} catch (error) {
			if (error instanceof RegexEngineMissing) throw error;
			return; // RegexPattern says why it does not compile.
		}
		if (names.length === 0) {
			ctx.addIssue({
				code: "custom",
				message: "has no named group: name what it extracts, as in (?P<host>[a-z0-9.-]+)",
			});
		}
		const long = names.find((name) => name.length > LIMITS.labelKey);
		if (long !== undefined) {
			ctx.addIssue({
				code: "custom",
				message: `names a group ${truncate(long, 32)}… longer than a label name (${LIMITS.labelKey} characters)`,
			});
		}
	}),
);

const Template = z.string({ error: "must be a template (a string)" }).check(
	z.superRefine((template, ctx) => {
		const problem = templateProblem(template);
		if (problem !== null) ctx.addIssue({ code: "custom", message: problem });
	}),
);

const Extract = z.strictObject(
	{ from: From, pattern: ExtractPattern },
	{ error: unknownFieldOr("must be an object {from, pattern}") },
);

const ROWS_HINT = `must have at most ${MAX_TABLE_ROWS} rows`;
const Mapping = z.strictObject(
	{
		from: LabelName,
		to: LabelName,
		table: z
			.record(z.string({ error: VALUE_HINT }), LabelValue, {
				error: 'must be an object {"<value>": "<result>", …}',
			})
			.check(z.refine((table) => Object.keys(table).length <= MAX_TABLE_ROWS, ROWS_HINT)),
		default: z.optional(LabelValue),
	},
	{ error: unknownFieldOr("must be an object {from, to, table, default}") },
);

const SetAction = z.strictObject(
	{
		title: z.optional(Template),
		description: z.optional(Template),
		severity: z.optional(Template),
		labels: z.optional(
			z
				.record(LabelName, Template, { error: 'must be an object {"<label>": "<template>", …}' })
				.check(
					z.refine(
						(labels) => Object.keys(labels).length <= LIMITS.labelCount,
						`must set at most ${LIMITS.labelCount} labels`,
					),
				),
		),
	},
	{ error: unknownFieldOr("must be an object {title, description, severity, labels}") },
);

export const PipelineRule = z
	.strictObject(
		{
			/** Absent or empty: every event. The routes' condition language. */
			conditions: z._default(
				z
					.array(Condition, { error: "must be an array of conditions" })
					.check(maxLength(MAX_CONDITIONS, `must have at most ${MAX_CONDITIONS} conditions`)),
				[],
			),
			extract: z._default(
				z
					.array(Extract, { error: "must be an array of {from, pattern}" })
					.check(
						maxLength(MAX_EXTRACTS_PER_RULE, `must have at most ${MAX_EXTRACTS_PER_RULE} patterns`),
					),
				[],
			),
			map: z._default(
				z
					.array(Mapping, { error: "must be an array of {from, to, table, default}" })
					.check(maxLength(MAX_MAPS_PER_RULE, `must have at most ${MAX_MAPS_PER_RULE} tables`)),
				[],
			),
			set: z.optional(SetAction),
			drop: z._default(z.boolean({ error: "must be true or false" }), false),
		},
		{ error: unknownFieldOr("must be an object {conditions, extract, map, set, drop}") },
	)
	.check(
		z.refine(
			(rule) =>
				rule.extract.length > 0 || rule.map.length > 0 || rule.set !== undefined || rule.drop,
			"does nothing: give it extract, map, set or drop",
		),
	);
export type PipelineRule = z.infer<typeof PipelineRule>;

export const Pipeline = z.strictObject(
	{
		rules: z.array(PipelineRule, { error: "must be an array of rules" }).check(
			maxLength(MAX_RULES, `must have at most ${MAX_RULES} rules`),
			// An extract costs what a regex condition on the same field costs.
			withinRegexBudget((rules) =>
				rules.flatMap((rule): Condition[] => [
					...rule.conditions,
					...rule.extract.map(({ from, pattern }) => ({
						field: from,
						op: "regex" as const,
						value: pattern,
					})),
				]),
			),
			z.refine((rules) => tableRows(rules) <= MAX_PIPELINE_ROWS, {
				message: `must have at most ${MAX_PIPELINE_ROWS} mapping rows in all tables together`,
			}),
			z.superRefine((rules, ctx) => {
				const total = templateChars(rules);
				if (total > MAX_PIPELINE_TEMPLATE_CHARS) {
					ctx.addIssue({
						code: "custom",
						message: `must have at most ${MAX_PIPELINE_TEMPLATE_CHARS} template characters together (they have ${total})`,
					});
				}
			}),
		),
	},
	{ error: unknownFieldOr("must be {rules}") },
);
export type Pipeline = z.infer<typeof Pipeline>;

/** No rules: every event as it was sent. */
export const NO_PIPELINE: Pipeline = { rules: [] };

function tableRows(rules: readonly PipelineRule[]): number {
	let rows = 0;
	for (const rule of rules) for (const one of rule.map) rows += Object.keys(one.table).length;
	return rows;
}

function templateChars(rules: readonly PipelineRule[]): number {
	let chars = 0;
	for (const { set } of rules) {
		if (set === undefined) continue;
		for (const template of [set.title, set.description, set.severity]) {
			chars += template?.length ?? 0;
		}
		for (const template of Object.values(set.labels ?? {})) chars += template.length;
	}
	return chars;
}

/** What the rules read and change of an event, as it stands between two of them. */
type Shape = {
	title: string;
	description: string;
	/** Absent for a recovery: a recovery has no severity. */
	severity?: Severity;
	labels: Record<string, string>;
	readonly alert_key: string;
};

/**
 * The event as the pipeline leaves it, or null when a rule drops it. Pure. A recovery is never
 * dropped (its alert must resolve) and an acknowledgement is passed through untouched; the alert
 * key is never changed, so a recovery still finds the alert its trigger opened. Results are cut
 * to the event's limits, as sources cut what they are sent.
 */
export function applyPipeline(pipeline: Pipeline, event: AlertEvent): AlertEvent | null {
	if (event.action === "acknowledge" || pipeline.rules.length === 0) return event;
	let shape: Shape = {
		title: event.title,
		description: event.description,
		labels: { ...event.labels },
		...(event.action === "trigger" ? { severity: event.severity } : {}),
		// Read by conditions, never written: the key finds the alert a recovery resolves.
		alert_key: event.alert_key,
	};
	for (const rule of pipeline.rules) {
		if (!allHold(rule.conditions, shape)) continue;
		for (const one of rule.extract) extract(shape, one.from, one.pattern);
		for (const one of rule.map) {
			const value = labelOf(shape.labels, one.from);
			const result =
				value !== undefined && Object.hasOwn(one.table, value) ? one.table[value] : one.default;
			if (result !== undefined) writeLabel(shape.labels, one.to, result);
		}
		if (rule.set !== undefined) shape = set(shape, rule.set, event);
		if (rule.drop && event.action === "trigger") return null;
	}
	return reshaped(event, shape);
}

function reshaped(event: AlertChange, shape: Shape): AlertChange {
	const common = { title: shape.title, description: shape.description, labels: shape.labels };
	if (event.action === "resolve") return { ...event, ...common };
	return { ...event, ...common, severity: shape.severity ?? event.severity };
}

/** Each named group that matched something becomes a label (an existing one is overwritten). */
function extract(shape: Shape, from: string, pattern: string) {
	const value = from.startsWith("labels.")
		? labelOf(shape.labels, from.slice("labels.".length))
		: shape[from as "title" | "description"];
	if (value === undefined) return;
	const matcher = compilePattern(pattern).matcher(truncate(value, MAX_MATCH_INPUT_CHARS));
	if (!matcher.find()) return;
	for (const [name, found] of Object.entries(matcher.getNamedGroups())) {
		if (found !== null && found !== "") writeLabel(shape.labels, name, found);
	}
}

/**
 * Every template of a `set` renders against the event as it stood before the `set`, so the
 * order of its fields does not matter. A title that renders empty keeps the one it had (an
 * incident is known by its title); a severity is read by the one vocabulary, and a word it does
 * not know (or an empty one) keeps the severity it had; a label that renders empty is removed.
 */
function set(shape: Shape, action: NonNullable<PipelineRule["set"]>, event: AlertChange): Shape {
	const fields = templateFields(shape, event.alert_key);
	const next: Shape = { ...shape, labels: { ...shape.labels } };
	if (action.title !== undefined) {
		const title = renderTemplate(action.title, fields, LIMITS.title);
		if (title !== "") next.title = title;
	}
	if (action.description !== undefined) {
		next.description = renderTemplate(action.description, fields, LIMITS.description);
	}
	if (action.severity !== undefined && shape.severity !== undefined) {
		const severity = severityFromWord(renderTemplate(action.severity, fields, 64));
		if (severity !== null) next.severity = severity;
	}
	for (const [name, template] of Object.entries(action.labels ?? {})) {
		writeLabel(next.labels, name, renderTemplate(template, fields, LIMITS.labelValue));
	}
	return next;
}

function templateFields(shape: Shape, alertKey: string): TemplateFields {
	return {
		title: shape.title,
		description: shape.description,
		severity: shape.severity ?? "",
		status: shape.severity ?? "ok",
		alert_key: alertKey,
		labels: shape.labels,
	};
}

/** Own keys only: a label named `constructor` is not Object.prototype's. */
function labelOf(labels: Record<string, string>, name: string): string | undefined {
	return Object.hasOwn(labels, name) ? labels[name] : undefined;
}

/**
 * Sets a label within the event's limits, as sources do: an empty value removes it, and a new
 * name past the label count is left out.
 */
function writeLabel(labels: Record<string, string>, name: string, value: string) {
	const key = truncate(name, LIMITS.labelKey);
	if (value === "") {
		Reflect.deleteProperty(labels, key);
		return;
	}
	if (!Object.hasOwn(labels, key) && Object.keys(labels).length >= LIMITS.labelCount) return;
	labels[key] = truncate(value, LIMITS.labelValue);
}
