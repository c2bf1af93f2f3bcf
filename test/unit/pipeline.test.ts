import { beforeAll, describe, expect, it } from "vitest";
import { type AlertEvent, LIMITS } from "../../src/alerts/event";
import { MAX_TEMPLATE_CHARS } from "../../src/alerts/template";
import {
	applyPipeline,
	MAX_PIPELINE_ROWS,
	MAX_PIPELINE_TEMPLATE_CHARS,
	MAX_TABLE_ROWS,
	Pipeline,
} from "../../src/routing/pipeline";
import { loadRegexEngine } from "../../src/routing/regex-engine";
import { MAX_MATCH_INPUT_CHARS } from "../../src/routing/rules";
import { check } from "../../src/schema/problem";

const trigger = (over: Partial<Extract<AlertEvent, { action: "trigger" }>> = {}): AlertEvent => ({
	action: "trigger",
	alert_key: "k1",
	severity: "warning",
	title: "CPU high on db-1.prod",
	description: "load 9.5",
	labels: { env: "prod", service: "orders" },
	images: [],
	occurred_at: 0,
	...over,
});

const recovery = (over: Partial<Extract<AlertEvent, { action: "resolve" }>> = {}): AlertEvent => ({
	action: "resolve",
	alert_key: "k1",
	title: "CPU back to normal on db-1.prod",
	description: "",
	labels: { env: "prod" },
	images: [],
	occurred_at: 1,
	...over,
});

/** The pipeline as the admin API would store it: parsed, so bad ones fail the test here. */
function pipeline(rules: unknown[]): Pipeline {
	return Pipeline.parse({ rules });
}

/** What a PUT of these rules is refused with (null: accepted). */
function problem(rules: unknown): string | null {
	const checked = check(Pipeline, { rules });
	return checked.ok ? null : checked.problem;
}

function run(rules: unknown[], event: AlertEvent = trigger()) {
	return applyPipeline(pipeline(rules), event);
}

/** What the pipeline left of a trigger or recovery (none: dropped). */
const titleOf = (event: AlertEvent | null) =>
	event === null || event.action === "acknowledge" ? null : event.title;
const labelsOf = (event: AlertEvent | null) =>
	event === null || event.action === "acknowledge" ? null : event.labels;

// The object loads RE2 on demand (src/routing/regex-engine.ts); these call the rules directly.
beforeAll(loadRegexEngine);

describe("applyPipeline: each action", () => {
	it("extract: each named group that matched becomes a label", () => {
		const out = run([
			{
				extract: [
					{ from: "title", pattern: "on (?P<host>[a-z0-9-]+)\\.(?P<zone>[a-z]+)" },
					{ from: "description", pattern: "load (?P<load>[0-9.]+)(?P<unit>%)?" },
					{ from: "labels.service", pattern: "^(?P<app>ord)" },
					{ from: "labels.missing", pattern: "(?P<never>.*)" },
					{ from: "title", pattern: "(?P<nomatch>memory)" },
				],
			},
		]);
		expect(out).toMatchObject({
			labels: {
				env: "prod",
				service: "orders",
				host: "db-1",
				zone: "prod",
				load: "9.5",
				app: "ord",
			},
		});
		// An optional group that took part in no match sets nothing, nor does a missing field.
		expect(Object.keys(labelsOf(out) ?? {})).not.toContain("unit");
		expect(Object.keys(labelsOf(out) ?? {})).not.toContain("never");
	});

	it("extract reads at most MAX_MATCH_INPUT_CHARS of a value, as routes do", () => {
		const title = `${"x".repeat(MAX_MATCH_INPUT_CHARS)}host=tail`;
		const rules = [{ extract: [{ from: "title", pattern: "host=(?P<host>\\w+)" }] }];
		expect(run(rules, trigger({ title }))).toMatchObject({ labels: { env: "prod" } });
		expect(run(rules, trigger({ title: "host=web" }))).toMatchObject({ labels: { host: "web" } });
		expect(labelsOf(run(rules, trigger({ title })))?.host).toBeUndefined();
	});

	it("map: a table row, else the default, into the target label", () => {
		const rules = [
			{
				map: [
					{ from: "service", to: "team", table: { orders: "shop", search: "discovery" } },
					{ from: "env", to: "tier", table: { staging: "2" }, default: "1" },
					{ from: "missing", to: "fallback", table: { x: "y" }, default: "none" },
					{ from: "missing", to: "nothing", table: { x: "y" } },
				],
			},
		];
		const out = run(rules);
		expect(out).toMatchObject({ labels: { team: "shop", tier: "1", fallback: "none" } });
		expect(labelsOf(out)).not.toHaveProperty("nothing");
	});

	it("map looks up own rows only: a value named like an Object.prototype key is no row", () => {
		const out = run(
			[{ map: [{ from: "service", to: "team", table: { orders: "shop" }, default: "none" }] }],
			trigger({ labels: { service: "constructor" } }),
		);
		expect(out).toMatchObject({ labels: { team: "none" } });
	});

	it("set: title, description, severity and labels from templates", () => {
		const out = run([
			{
				set: {
					title: "[TPL]{{.Labels.env}}: {{.Title}} ({{.EventSeverity}})",
					// biome-ignore lint/suspicious/noTemplateCurlyInString: a Flashduty `${label}` reference.
					description: "${service} at {{.AlertKey}}: {{.Description}}",
					severity: "{{.Labels.env}}",
					labels: { summary: "{{.Labels.service}}/{{.Labels.env}}", env: "" },
				},
			},
		]);
		expect(out).toEqual(
			trigger({
				title: "prod: CPU high on db-1.prod (Warning)",
				description: "orders at k1: load 9.5",
				// "prod" is no severity word: the severity stays.
				severity: "warning",
				// A label that renders empty is removed.
				labels: { service: "orders", summary: "orders/prod" },
			}),
		);
	});

	it("set severity: the result is read by the one vocabulary", () => {
		const severity = (template: string, labels: Record<string, string> = {}) => {
			const out = run([{ set: { severity: template } }], trigger({ labels }));
			return out?.action === "trigger" ? out.severity : null;
		};
		expect(severity("critical")).toBe("critical");
		expect(severity("P3")).toBe("warning");
		expect(severity("{{.Labels.level}}", { level: "Sev 1" })).toBe("critical");
		expect(severity("informational")).toBe("info");
		// Unknown or empty: kept.
		expect(severity("urgent-ish")).toBe("warning");
		expect(severity("{{.Labels.level}}")).toBe("warning");
	});

	it("set title: an empty result keeps the title; results are cut to the event's limits", () => {
		expect(run([{ set: { title: "{{.Labels.missing}}" } }])).toMatchObject({
			title: "CPU high on db-1.prod",
		});
		const long = "y".repeat(3000);
		const out = run(
			[{ set: { title: "{{.Description}}", description: "{{.Description}}{{.Description}}" } }],
			trigger({ description: long.slice(0, LIMITS.description) }),
		);
		expect(titleOf(out)).toHaveLength(LIMITS.title);
		expect(out).toMatchObject({ description: long.slice(0, LIMITS.description) });
		const labels = run(
			[{ set: { labels: { big: "{{.Description}}{{.Description}}" } } }],
			trigger({ description: long.slice(0, LIMITS.description) }),
		);
		expect(labelsOf(labels)?.big).toHaveLength(LIMITS.labelValue);
	});

	it("a new label past the label count is left out; a label already there still changes", () => {
		const labels = Object.fromEntries(
			Array.from({ length: LIMITS.labelCount }, (_, i) => [`l${i}`, "v"]),
		);
		const out = run([{ set: { labels: { extra: "x", l0: "changed" } } }], trigger({ labels }));
		expect(Object.keys(labelsOf(out) ?? {})).toHaveLength(LIMITS.labelCount);
		expect(out).toMatchObject({ labels: { l0: "changed" } });
		expect(labelsOf(out)).not.toHaveProperty("extra");
	});

	it("drop: the event is dropped", () => {
		expect(run([{ drop: true }])).toBeNull();
		expect(
			run([{ conditions: [{ field: "labels.env", op: "equals", value: "test" }], drop: true }]),
		).not.toBeNull();
	});

	it("conditions read the alert key", () => {
		const rules = (key: string) => [
			{ conditions: [{ field: "alert_key", op: "equals", value: key }], drop: true },
		];
		expect(run(rules("k1"))).toBeNull();
		expect(run(rules("k2"))).not.toBeNull();
	});
});

describe("applyPipeline: order and conditions", () => {
	it("applies every rule whose conditions hold, in order, each seeing the ones before", () => {
		const out = run([
			{ extract: [{ from: "title", pattern: "on (?P<host>[a-z0-9-]+)" }] },
			{ map: [{ from: "host", to: "team", table: { "db-1": "databases" } }] },
			// Sees the team the map set: conditions read the event as it stands.
			{
				conditions: [{ field: "labels.team", op: "equals", value: "databases" }],
				set: { title: "[TPL]{{.Labels.team}}: {{.Title}}" },
			},
			{
				conditions: [{ field: "labels.team", op: "equals", value: "web" }],
				set: { title: "never" },
			},
			{ set: { title: "[TPL]{{.Title}}!" } },
		]);
		expect(out).toMatchObject({ title: "databases: CPU high on db-1.prod!" });
	});

	it("within a rule: extract, then map, then set, then drop", () => {
		const out = run([
			{
				extract: [{ from: "title", pattern: "on (?P<host>[a-z0-9-]+)" }],
				map: [{ from: "host", to: "team", table: { "db-1": "databases" } }],
				set: { title: "{{.Labels.team}}", labels: { team: "[TPL]{{.Labels.team}}-x" } },
			},
		]);
		expect(out).toMatchObject({ title: "databases", labels: { team: "databases-x" } });
		expect(
			run([{ set: { title: "changed" }, drop: true }, { set: { title: "never" } }]),
		).toBeNull();
	});

	it("set renders every field against the event as it stood before the set", () => {
		const out = run([{ set: { title: "new", description: "{{.Title}}" } }]);
		expect(out).toMatchObject({ title: "new", description: "CPU high on db-1.prod" });
	});

	it("conditions are the routes' language: operators, severity, source, regex, wildcard", () => {
		const holds = (...conditions: unknown[]) =>
			titleOf(run([{ conditions, set: { title: "hit" } }])) === "hit";
		expect(holds({ field: "severity", op: "equals", value: "warning" })).toBe(true);
		expect(holds({ field: "severity", op: "equals", value: "critical" })).toBe(false);
		expect(
			holds(
				{ field: "title", op: "regex", value: "db-\\d" },
				{ field: "labels.env", op: "in", value: ["prod"] },
			),
		).toBe(true);
		expect(holds({ field: "title", op: "wildcard", value: "cpu*" })).toBe(true);
		expect(holds({ field: "labels.team", op: "exists" })).toBe(false);
	});

	it("leaves the alert key, and the event it was given, untouched", () => {
		const event = trigger();
		const before = structuredClone(event);
		const out = run(
			[
				{
					extract: [{ from: "title", pattern: "(?P<host>db-1)" }],
					set: { title: "x", labels: { env: "" } },
				},
			],
			event,
		);
		expect(event).toEqual(before);
		expect(out?.alert_key).toBe("k1");
		expect(applyPipeline({ rules: [] }, event)).toBe(event);
	});
});

describe("applyPipeline: drop, recoveries and acknowledgements", () => {
	const rules = [
		{
			extract: [{ from: "title", pattern: "on (?P<host>[a-z0-9-]+)" }],
			set: { severity: "critical", title: "[TPL]{{.EventStatus}} {{.Title}}" },
		},
		{ conditions: [{ field: "labels.env", op: "equals", value: "prod" }], drop: true },
	];

	it("never drops a recovery, and reshapes it (no severity: it has none)", () => {
		expect(run(rules)).toBeNull();
		expect(run(rules, recovery())).toEqual(
			recovery({
				title: "Ok CPU back to normal on db-1.prod",
				labels: { env: "prod", host: "db-1" },
			}),
		);
	});

	it("a recovery's severity is missing for conditions, as a missing label is", () => {
		const out = run(
			[
				{
					conditions: [{ field: "severity", op: "not_equals", value: "critical" }],
					set: { labels: { seen: "{{.EventSeverity}}|{{.EventStatus}}" } },
				},
			],
			recovery(),
		);
		expect(out).toMatchObject({ labels: { seen: "|Ok" } });
	});

	it("passes an acknowledgement through untouched", () => {
		const ack: AlertEvent = { action: "acknowledge", alert_key: "k1", occurred_at: 0 };
		expect(run([{ drop: true }], ack)).toBe(ack);
	});
});

describe("validation names the rule and field", () => {
	const refused: [unknown, string][] = [
		[[{ set: { title: "{{.Foo}}" } }], "rules[0].set.title {{.Foo}} is not a field"],
		[
			[{ drop: true }, { set: { labels: { a: "{{.Labels.x" } } }],
			"rules[1].set.labels.a has an unclosed {{",
		],
		[
			[{ set: { severity: "x".repeat(MAX_TEMPLATE_CHARS + 1) } }],
			`rules[0].set.severity is ${MAX_TEMPLATE_CHARS + 1} characters long`,
		],
		[
			[{ extract: [{ from: "title", pattern: "(unclosed" }] }],
			"rules[0].extract[0].pattern is not a valid RE2 pattern",
		],
		[
			[{ extract: [{ from: "title", pattern: "on (\\w+)" }] }],
			"rules[0].extract[0].pattern has no named group",
		],
		[
			[{ extract: [{ from: "severity", pattern: "(?P<a>x)" }] }],
			"rules[0].extract[0].from must be one of title, description or labels.<name>",
		],
		[
			[{ extract: [{ from: "title", pattern: "((((((((((a{1,100}))))))))))(?P<x>b)" }] }],
			"rules[0].extract[0].pattern is too costly",
		],
		[
			[{ map: [{ from: "a", to: "", table: {} }] }],
			"rules[0].map[0].to must be a label name of 1 to 128 characters",
		],
		[
			[{ map: [{ from: "a", to: "b", table: { x: 1 } }] }],
			"rules[0].map[0].table.x must be a string",
		],
		[[{ map: [{ from: "a", to: "b", table: [] }] }], "rules[0].map[0].table must be an object"],
		[
			[{ conditions: [{ field: "title", op: "like", value: "x" }], drop: true }],
			"rules[0].conditions[0].op must be one of equals",
		],
		[[{ drop: "yes" }], "rules[0].drop must be true or false"],
		[[{ conditions: [] }], "rules[0] does nothing"],
		[[{ set: { titel: "x" } }], "rules[0].set has unknown field titel"],
		[[{ drop: true, route: "x" }], "rules[0] has unknown field route"],
		[Array.from({ length: 51 }, () => ({ drop: true })), "rules must have at most 50 rules"],
	];
	it.each(refused.map(([rules, message]) => ({ rules, message })))(
		"$message",
		({ rules, message }) => {
			expect(problem(rules)).toContain(message);
		},
	);

	it("accepts a rule of each kind", () => {
		expect(
			problem([
				{ extract: [{ from: "labels.instance", pattern: "^(?<host>[^:]+)" }] },
				{ map: [{ from: "host", to: "team", table: {}, default: "" }] },
				{ set: { labels: { x: "y" } } },
				{ conditions: [{ field: "source", op: "exists" }], drop: true },
			]),
		).toBeNull();
	});

	it("bounds table rows per table and per pipeline", () => {
		const table = (rows: number, prefix = "") =>
			Object.fromEntries(Array.from({ length: rows }, (_, i) => [`${prefix}${i}`, "t"]));
		expect(problem([{ map: [{ from: "a", to: "b", table: table(MAX_TABLE_ROWS) }] }])).toBeNull();
		expect(
			problem([{ map: [{ from: "a", to: "b", table: table(MAX_TABLE_ROWS + 1) }] }]),
		).toContain(`rules[0].map[0].table must have at most ${MAX_TABLE_ROWS} rows`);
		const full = { from: "a", to: "b", table: table(MAX_TABLE_ROWS) };
		expect(
			problem([{ map: [full, full] }, { map: [{ from: "a", to: "b", table: table(1) }] }]),
		).toContain(`rules must have at most ${MAX_PIPELINE_ROWS} mapping rows`);
	});

	it("bounds extract patterns and regex conditions together, as routes' are", () => {
		// Each compiles to 184 RE2 instructions (under 200); six of them pass the 1,000 budget.
		const medium = "(?P<x>[a-z]{90}[0-9]{90})";
		const rules = Array.from({ length: 6 }, () => ({
			extract: [{ from: "title", pattern: medium }],
		}));
		expect(problem(rules)).toContain("rules cost too much together");
		const five = rules.slice(0, 5);
		expect(problem(five)).toBeNull();
		// A regex condition counts in the same budget.
		const condition = { field: "title", op: "regex", value: "[a-z]{90}[0-9]{90}" };
		expect(problem([...five, { conditions: [condition], drop: true }])).toContain(
			"rules cost too much together",
		);
		expect(
			problem([
				{ extract: Array.from({ length: 11 }, () => ({ from: "title", pattern: "(?P<a>x)" })) },
			]),
		).toContain("rules[0].extract must have at most 10 patterns");
	});

	it("bounds the templates of a pipeline together", () => {
		const big = "x".repeat(MAX_TEMPLATE_CHARS);
		const rules = Array.from(
			{ length: MAX_PIPELINE_TEMPLATE_CHARS / MAX_TEMPLATE_CHARS + 1 },
			() => ({
				set: { description: big },
			}),
		);
		expect(problem(rules)).toContain(
			`rules must have at most ${MAX_PIPELINE_TEMPLATE_CHARS} template characters together`,
		);
		expect(problem(rules.slice(1))).toBeNull();
	});
});
