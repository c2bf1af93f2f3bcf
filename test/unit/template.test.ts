// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Flashduty's `${label}` references are what these tests are about.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
	MAX_TEMPLATE_CHARS,
	renderTemplate,
	renderTitleRule,
	type TemplateFields,
	templateProblem,
} from "../../src/alerts/template";

function fields(over: Partial<TemplateFields> = {}): TemplateFields {
	return {
		title: "",
		description: "",
		severity: "warning",
		status: "warning",
		alert_key: "",
		labels: {},
		...over,
	};
}

const both = { resource: "127.0.0.1", check: "cpu idle low" };
const one = { resource: "127.0.0.1" };

describe("renderTitleRule: Flashduty's documented examples", () => {
	it.each([
		["[TPL]${resource} / ${check}", both, "127.0.0.1 / cpu idle low"],
		["[TPL]${resource} / ${check}", one, "127.0.0.1 / <no value>"],
		["[TPL]${resource} / Host Down", one, "127.0.0.1 / Host Down"],
		["[TPL]{{.Labels.resource}} / {{.Labels.check}}", both, "127.0.0.1 / cpu idle low"],
		["[TPL]{{.Labels.resource}} / {{.Labels.check}}", one, "127.0.0.1 / "],
		["$resource::$check", both, "127.0.0.1 / cpu idle low"],
		["$resource::$check", one, "127.0.0.1 / $check"],
		["$resource::Host Down", one, "127.0.0.1 / Host Down"],
	])("%s with %j → %s", (rule, labels, title) => {
		expect(renderTitleRule(rule, fields({ labels }))).toBe(title);
	});

	it("renders the event's fields as Flashduty spells them", () => {
		const event = fields({
			title: "sent title",
			description: "disk at 95%",
			severity: "critical",
			status: "critical",
			alert_key: "disk-db-1",
		});
		expect(
			renderTitleRule(
				"[TPL]{{.EventSeverity}}/{{.EventStatus}}: {{.Title}} ({{.Description}}) {{.AlertKey}}",
				event,
			),
		).toBe("Critical/Critical: sent title (disk at 95%) disk-db-1");
		expect(renderTitleRule("[TPL]{{.EventStatus}}", fields({ severity: "", status: "ok" }))).toBe(
			"Ok",
		);
	});

	it("reads actions as Go does: spaces, trim markers, index for dotted names, quoted braces", () => {
		const labels = { "k8s.pod": "api-7", host: "db-1", "a}}b": "odd" };
		const event = fields({ labels });
		expect(renderTitleRule("[TPL]{{ .Labels.host }}", event)).toBe("db-1");
		expect(renderTitleRule('[TPL]{{index .Labels "k8s.pod"}}', event)).toBe("api-7");
		expect(renderTitleRule("[TPL]{{ index .Labels `k8s.pod` }}", event)).toBe("api-7");
		expect(renderTitleRule('[TPL]{{index .Labels "a}}b"}}!', event)).toBe("odd!");
		expect(renderTitleRule('[TPL]{{index .Labels "nope"}}.', event)).toBe(".");
		expect(renderTitleRule("[TPL]a   {{- .Labels.host -}}   b", event)).toBe("adb-1b");
	});

	it("keeps a literal $ in ordinary titles, with and without [TPL]", () => {
		const event = fields({ labels: { "5": "five", resource: "db-1" } });
		expect(renderTitleRule("cost over $5", event)).toBe("cost over $5");
		expect(renderTitleRule("$100 budget spent", event)).toBe("$100 budget spent");
		expect(renderTitleRule("[TPL]cost over $5 on {{.Labels.resource}}", event)).toBe(
			"cost over $5 on db-1",
		);
		expect(renderTitleRule("[TPL]unclosed ${resource", event)).toBe("unclosed ${resource");
		// A whole `::` part naming a label is a reference, as Flashduty's simplified rule says.
		expect(renderTitleRule("price::$5", event)).toBe("price / five");
	});

	it("joins `::` parts with ` / ` in a rule with a `$name` part; keeps `::` in a title without one and in a template", () => {
		expect(renderTitleRule("Net::HTTP timeout", fields())).toBe("Net::HTTP timeout");
		expect(renderTitleRule("Net::HTTP::$env", fields({ labels: { env: "prod" } }))).toBe(
			"Net / HTTP / prod",
		);
		expect(renderTitleRule("[TPL]Net::HTTP timeout", fields())).toBe("Net::HTTP timeout");
	});

	it("reads own labels only", () => {
		expect(renderTitleRule("[TPL]${constructor}|{{.Labels.toString}}", fields())).toBe(
			"<no value>|",
		);
		expect(renderTitleRule("$constructor::$__proto__", fields())).toBe("$constructor / $__proto__");
	});

	it("keeps a template that cannot render as it was sent", () => {
		expect(renderTitleRule("[TPL]{{.Foo}} down", fields())).toBe("[TPL]{{.Foo}} down");
		expect(renderTitleRule("[TPL]{{.Labels.host", fields())).toBe("[TPL]{{.Labels.host");
	});

	it("cuts the output at the caller's limit and keeps an over-long rule as written", () => {
		const labels = { big: "x".repeat(2048) };
		expect(renderTitleRule(`[TPL]${"${big}".repeat(100)}`, fields({ labels }), 512)).toHaveLength(
			512,
		);
		const long = `[TPL]${"{{.Labels.big}}".repeat(400)}`;
		expect(long.length).toBeGreaterThan(MAX_TEMPLATE_CHARS);
		expect(renderTitleRule(long, fields({ labels }), 512)).toBe(long.slice(0, 512));
	});
});

describe("renderTemplate: pipeline values", () => {
	it("renders with or without the [TPL] prefix", () => {
		const event = fields({ title: "CPU high", labels: { env: "prod" } });
		expect(renderTemplate("[{{.Labels.env}}] {{.Title}}", event)).toBe("[prod] CPU high");
		expect(renderTemplate("[TPL][{{.Labels.env}}] {{.Title}}", event)).toBe("[prod] CPU high");
		expect(renderTemplate("a::b $env ${env}", event)).toBe("a::b $env prod");
	});
});

describe("templateProblem", () => {
	it.each([
		["{{.Labels.host", "unclosed {{"],
		["ok {{.Foo}}", "{{.Foo}} is not a field"],
		["{{.Labels.k8s.pod}}", 'index .Labels "k8s.pod"'],
		["{{.Labels}}", "is not a field"],
		["{{upper .Title}}", "is not a reference"],
		['{{index .Labels "a\\q"}}', "not a valid Go string"],
		["x".repeat(MAX_TEMPLATE_CHARS + 1), `at most ${MAX_TEMPLATE_CHARS}`],
	])("%s → %s", (template, problem) => {
		expect(templateProblem(template)).toContain(problem);
	});

	it.each([
		"plain text",
		"[TPL]{{ .Title }} {{.Description}} {{.EventSeverity}} {{.EventStatus}} {{.AlertKey}}",
		'{{index .Labels "a.b"}} ${c} {{- .Labels.d -}}',
		"cost over $5 and ${unclosed",
	])("%s renders", (template) => {
		expect(templateProblem(template)).toBeNull();
	});
});

describe("rendering never throws and never exceeds the bound", () => {
	const pieces = fc.constantFrom(
		"${",
		"}",
		"{{",
		"}}",
		"{{-",
		"-}}",
		"$",
		"::",
		".Labels.",
		".Title",
		"index .Labels ",
		'"',
		"`",
		"\\",
		" ",
		"a",
		"[TPL]",
	);
	const template = fc.oneof(
		fc.string({ maxLength: 200 }),
		fc
			.array(fc.oneof(pieces, fc.string({ maxLength: 4 })), { maxLength: 80 })
			.map((parts) => parts.join("")),
	);
	const labels = fc.dictionary(
		fc.oneof(fc.constantFrom("a", "Title", "constructor", "__proto__"), fc.string()),
		fc.string({ maxLength: 3000 }),
		{ maxKeys: 5 },
	);

	it("holds for any template, labels and limit", () => {
		fc.assert(
			fc.property(template, labels, fc.integer({ min: 1, max: 600 }), (text, labels, max) => {
				const event = fields({ labels, title: "t".repeat(600), description: "d".repeat(2048) });
				for (const rendered of [
					renderTitleRule(text, event, max),
					renderTitleRule(`[TPL]${text}`, event, max),
					renderTemplate(text, event, max),
				]) {
					expect(typeof rendered).toBe("string");
					expect(rendered.length).toBeLessThanOrEqual(max);
				}
				const problem = templateProblem(text);
				expect(problem === null || typeof problem === "string").toBe(true);
			}),
			{ numRuns: 2000 },
		);
	});
});
