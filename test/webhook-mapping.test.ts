import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LIMITS } from "../src/alerts/event";
import { deriveAlertKey } from "../src/alerts/text";
import { MAX_ALERTS_PER_PUSH } from "../src/sources/ingest";
import {
	compileMapping,
	evaluateMapping,
	MAX_EVALUATION_DEPTH,
	MAX_EVALUATION_STEPS,
	MAX_EXPRESSION_CHARS,
	MAX_PAD_WIDTH,
} from "../src/sources/webhook/mapping";
import type { Mapping } from "../src/sources/webhook/settings";

const NOW = 1_767_225_600_000;

function compiled(mapping: Mapping) {
	const result = compileMapping(mapping);
	if (!result.ok) throw new Error(result.problem);
	return result.value;
}

/** The events a body becomes, failing the test on a problem. */
async function events(mapping: Mapping, body: unknown) {
	const result = await evaluateMapping(compiled(mapping), body, NOW);
	if (!result.ok) throw new Error(result.problem);
	return result.value;
}

/** The problem a body meets. */
async function refusal(mapping: Mapping, body: unknown) {
	const result = await evaluateMapping(compiled(mapping), body, NOW);
	if (result.ok) throw new Error(`no problem: ${JSON.stringify(result.value)}`);
	return result.problem;
}

describe("compileMapping", () => {
	it("names the field an expression does not parse in, with JSONata's message and position", () => {
		expect(compileMapping({ title: "name &" })).toEqual({
			ok: false,
			problem: expect.stringMatching(
				/^settings\.mapping\.title does not parse: .+ at position \d+/,
			),
		});
		expect(compileMapping({ labels: "{" }, "mapping")).toMatchObject({
			ok: false,
			problem: expect.stringMatching(/^mapping\.labels does not parse/),
		});
	});

	it("refuses an expression longer than its limit, and an empty one", () => {
		const long = `"${"a".repeat(MAX_EXPRESSION_CHARS)}"`;
		expect(compileMapping({ title: long })).toEqual({
			ok: false,
			problem: `settings.mapping.title has ${long.length} characters; an expression has at most ${MAX_EXPRESSION_CHARS}`,
		});
		expect(compileMapping({ title: `"${"a".repeat(MAX_EXPRESSION_CHARS - 2)}"` }).ok).toBe(true);
		expect(compileMapping({ status: " " })).toEqual({
			ok: false,
			problem: "settings.mapping.status is empty; leave it out instead",
		});
	});
});

describe("evaluateMapping", () => {
	it("makes one firing warning from the body, with defaults for what the mapping leaves out", async () => {
		const [event] = await events({ title: "name" }, { name: "Disk full" });
		expect(event).toEqual({
			action: "trigger",
			severity: "warning",
			alert_key: await deriveAlertKey("Disk full", {}),
			title: "Disk full",
			description: "",
			labels: {},
			images: [],
			occurred_at: NOW,
		});
	});

	it("reads every field", async () => {
		const mapping: Mapping = {
			alert_key: "id",
			status: "state",
			title: "summary",
			severity: "level",
			description: "details",
			labels: "tags",
			links: "urls",
			event_time: "at",
		};
		const body = {
			id: 42,
			state: "FIRING",
			summary: "  CPU high ",
			level: "SEV-1",
			details: "load 9",
			tags: { host: "web-1", count: 3, up: false, gone: null, nested: { a: [1] } },
			urls: ["https://a.example/x", { href: "http://b.example", text: "B" }, "ftp://c", 7],
			at: "2025-12-31T23:00:00+01:00",
		};
		expect(await events(mapping, body)).toEqual([
			{
				action: "trigger",
				severity: "critical",
				alert_key: "42",
				title: "CPU high",
				description: "load 9",
				labels: { host: "web-1", count: "3", up: "false", nested: '{"a":[1]}' },
				images: [],
				links: [{ href: "https://a.example/x" }, { href: "http://b.example", text: "B" }],
				occurred_at: Date.parse("2025-12-31T22:00:00Z"),
			},
		]);
	});

	it("resolves with the key, and a resolution may lack a title", async () => {
		expect(await events({ alert_key: "id", status: '"Resolved"' }, { id: "k1" })).toEqual([
			{
				action: "resolve",
				alert_key: "k1",
				title: "",
				description: "",
				labels: {},
				images: [],
				occurred_at: NOW,
			},
		]);
	});

	it("splits the body with `alerts`, reaching the envelope through $body", async () => {
		const mapping: Mapping = {
			alerts: "items",
			alert_key: "id",
			title: '$body.service & ": " & name',
			labels: '{"service": $body.service}',
		};
		const body = {
			service: "api",
			items: [
				{ id: "a", name: "one" },
				{ id: "b", name: "two" },
			],
		};
		const out = await events(mapping, body);
		expect(out.map((event) => [event.alert_key, event.title, event.labels])).toEqual([
			["a", "api: one", { service: "api" }],
			["b", "api: two", { service: "api" }],
		]);
	});

	it("makes one alert of an object, none of nothing or an empty array", async () => {
		expect(await events({ alerts: "item", title: "name" }, { item: { name: "x" } })).toHaveLength(
			1,
		);
		expect(await events({ alerts: "missing", title: "name" }, {})).toEqual([]);
		expect(await events({ alerts: "[]", title: "name" }, {})).toEqual([]);
		expect(
			await events({ alerts: 'kind = "ping" ? [] : $', title: "name" }, { kind: "ping" }),
		).toEqual([]);
		expect(await refusal({ alerts: '"text"', title: "name" }, {})).toBe(
			'settings.mapping.alerts: the expression gave "text"; it must give an object or an array of them',
		);
	});

	it(`refuses more than ${MAX_ALERTS_PER_PUSH} alerts in one body`, async () => {
		const items = Array.from({ length: MAX_ALERTS_PER_PUSH + 1 }, (_, i) => ({ n: i }));
		expect(await refusal({ alerts: "items", title: "$string(n)" }, { items })).toBe(
			`settings.mapping.alerts: the expression gave ${MAX_ALERTS_PER_PUSH + 1} alerts; one push carries at most ${MAX_ALERTS_PER_PUSH}`,
		);
	});

	it("names the field and the item of a status that is neither firing nor resolved", async () => {
		expect(await refusal({ title: "'t'", status: "s" }, { s: "ok" })).toBe(
			'settings.mapping.status: the expression gave "ok"; it must give firing or resolved',
		);
		expect(
			await refusal(
				{ alerts: "items", title: "'t'", status: "s" },
				{ items: [{ s: "firing" }, { s: 1 }] },
			),
		).toBe(
			"settings.mapping.status (alerts[1]): the expression gave 1; it must give firing or resolved",
		);
	});

	it("requires a title to fire, and a key to resolve", async () => {
		expect(await refusal({ title: "missing" }, {})).toBe(
			"settings.mapping.title: the expression gave no text; a firing alert needs a title",
		);
		expect(await refusal({ title: "t" }, { t: { a: 1 } })).toBe(
			"settings.mapping.title: the expression gave an object; it must give text",
		);
		expect((await events({ title: "t" }, { t: 12.5 }))[0]).toMatchObject({ title: "12.5" });
		expect(await refusal({ status: "'resolved'" }, {})).toMatch(
			/^settings\.mapping\.alert_key: a resolved alert needs the key of the alert it resolves/,
		);
		expect(await refusal({ status: "'resolved'", alert_key: "id" }, { id: "" })).toMatch(
			/^settings\.mapping\.alert_key: a resolved alert needs the key/,
		);
	});

	it("reads severity words through the one vocabulary, anything else as a warning", async () => {
		const severity = async (level: unknown) => {
			const [event] = await events({ title: "'t'", severity: "level" }, { level });
			return event?.action === "trigger" ? event.severity : null;
		};
		expect(await severity("Disaster")).toBe("critical");
		expect(await severity("p3")).toBe("warning");
		expect(await severity("informational")).toBe("info");
		expect(await severity("no severity")).toBe("warning");
		expect(await severity(1)).toBe("warning");
	});

	it("reads event_time as seconds, milliseconds, their digits or ISO 8601, and refuses the rest", async () => {
		const time = async (at: unknown) =>
			(await events({ title: "'t'", event_time: "at" }, { at }))[0]?.occurred_at;
		expect(await time(1_767_225_000)).toBe(1_767_225_000_000);
		expect(await time(1_767_225_000_123)).toBe(1_767_225_000_123);
		expect(await time("1767225000")).toBe(1_767_225_000_000);
		expect(await time("2026-01-01T00:00:00Z")).toBe(NOW);
		expect(await time(undefined)).toBe(NOW);
		for (const at of ["yesterday", "2026-02-30T00:00:00Z", -5, "2026-01-01 00:00:00"]) {
			expect(await refusal({ title: "'t'", event_time: "at" }, { at })).toMatch(
				/^settings\.mapping\.event_time: the expression gave .+; it must give unix seconds, milliseconds or an ISO 8601 date-time/,
			);
		}
	});

	it("refuses labels that are not an object, and keys that are neither text nor a number", async () => {
		expect(await refusal({ title: "'t'", labels: "[1]" }, {})).toBe(
			"settings.mapping.labels: the expression gave an array; it must give an object",
		);
		expect(await refusal({ title: "'t'", alert_key: "k" }, { k: [1] })).toBe(
			"settings.mapping.alert_key: the expression gave an array; it must give text or a number",
		);
	});

	it("turns JSONata's runtime errors into a problem naming the field and the item", async () => {
		expect(
			await refusal(
				{ alerts: "items", title: "'t'", description: "a + 1" },
				{ items: [{ a: "x" }] },
			),
		).toMatch(
			/^settings\.mapping\.description \(alerts\[0\]\) failed: .*must evaluate to a number.* at position \d+ \(T2001\)$/,
		);
	});

	it("cuts long text to the limits and fits long keys", async () => {
		const [event] = await events(
			{ alert_key: "k", title: "t", description: "d" },
			{ k: "k".repeat(1000), t: "t".repeat(1000), d: "d".repeat(5000) },
		);
		expect(event?.alert_key.length).toBeLessThanOrEqual(LIMITS.alertKey);
		expect(event?.alert_key).toMatch(/^k+~[0-9a-f]{64}$/);
		expect(event?.title.length).toBe(LIMITS.title);
		expect(event?.description.length).toBe(LIMITS.description);
	});

	it(`stops a runaway expression after ${MAX_EVALUATION_STEPS} steps`, async () => {
		const loop = "($f := function($n) { $n > 0 ? $f($n - 1) : 'x' }; $f(1000000))";
		expect(await refusal({ title: loop }, {})).toBe(
			`settings.mapping.title: evaluation stopped after ${MAX_EVALUATION_STEPS} steps (too much work); simplify the expression`,
		);
		// An array costs its items: one range is one step otherwise.
		expect(await refusal({ title: "$string($count([1..9999999]))" }, {})).toMatch(/too much work/);
	});

	it("counts the steps of the whole push, not of each item", async () => {
		const items = Array.from({ length: 500 }, (_, n) => ({ n }));
		const heavy = "$string($count([1..300]))";
		expect(await refusal({ alerts: "items", title: heavy }, { items })).toMatch(
			/^settings\.mapping\.title \(alerts\[\d+\]\): evaluation stopped after/,
		);
	});

	it("charges what built-ins make: a huge $pad is refused, doubled strings run out of steps", async () => {
		expect(await refusal({ title: '$pad("x", 50000000)' }, {})).toMatch(
			new RegExp(
				`^settings\\.mapping\\.title failed: \\$pad takes a width of at most ${MAX_PAD_WIDTH}`,
			),
		);
		expect((await events({ title: '$pad("ab", -5, "#")' }, {}))[0]?.title).toBe("###ab");
		expect(
			await refusal({ title: '$reduce([1..26], function($a, $i) { $a & $a }, "x")' }, {}),
		).toMatch(/evaluation stopped after \d+ steps \(too much work\)/);
	});

	it("charges regular expressions by what they scan, and refuses costly patterns when compiled", async () => {
		const costly = compileMapping({ title: "$string($contains(s, /(a|aa|aaa|b){1,300}(x|y)/))" });
		expect(costly.ok ? "compiled" : costly.problem).toMatch(
			/^settings\.mapping\.title: the pattern .+ is too costly: it compiles to \d+ RE2 instructions, at most 200/,
		);
		// The most a pattern may cost, over a 200 KB value, many times: the budget stops it.
		const scan =
			"$string($count($filter([1..100], function($i) { $contains($body.s, /(a|b|c|d|e){1,30}z/) })))";
		expect(await refusal({ title: scan }, { s: "a".repeat(200_000) })).toMatch(/too much work/);
	});

	it("turns whatever a body can make fail into a problem, never a throw", async () => {
		let deep: unknown = "x";
		for (let i = 0; i < 20_000; i++) deep = { d: deep };
		const [event] = await events({ title: "'deep'", labels: "{'tags': tags}" }, { tags: deep });
		expect(event?.labels.tags).toBe("(not representable as JSON)");
		// A function is not a label value.
		const [withFunction] = await events(
			{ title: "'f'", labels: "{'f': function($x) { $x }, 'n': 1}" },
			{},
		);
		expect(withFunction?.labels).toEqual({ n: "1" });
	});

	it("quotes at most 200 characters of JSONata's message", async () => {
		const message = await refusal({ title: "$number(v)" }, { v: `x${"y".repeat(5_000)}` });
		expect(message.length).toBeLessThan(400);
		expect(message).toMatch(/^settings\.mapping\.title failed: /);
	});

	it(`stops a recursion deeper than ${MAX_EVALUATION_DEPTH}`, async () => {
		const deep = "($f := function($n) { $n > 0 ? 1 + $f($n - 1) : 0 }; $string($f(100000)))";
		expect(await refusal({ title: deep }, {})).toBe(
			`settings.mapping.title: evaluation stopped at depth ${MAX_EVALUATION_DEPTH} (too deep: a recursive function?); simplify the expression`,
		);
	});

	it("runs regular expressions with RE2: a backtracking pattern meets a hostile body in linear time", async () => {
		const mapping = {
			title: "$replace(name, /(\\w+)-(\\d+)/, '$2 of $1')",
			labels:
				"{'evil': $string($contains(text, /(a+)+$/)), 'parts': $join($split(tags, /,\\s*/), '|')}",
		};
		// 40 a's then a b: a backtracking engine tries about 2^40 ways before it fails.
		const body = { name: "db-12", text: `${"a".repeat(40)}b`, tags: "x, y,z" };
		const [event] = await events(mapping, body);
		expect(event).toMatchObject({ title: "12 of db", labels: { evil: "false", parts: "x|y|z" } });
		// Every match, not only the first, and case-insensitive literals.
		expect(
			(await events({ title: "$join($match(t, /A(\\d)/i).groups[0], '+')" }, { t: "a1 A2 a3" }))[0]
				?.title,
		).toBe("1+2+3");
	});

	it("refuses, when it is compiled, a pattern RE2 does not take (a lookahead, a backreference)", () => {
		for (const pattern of ["/a(?=b)/", "/(a)\\1/"]) {
			const result = compileMapping({ title: `$replace(t, ${pattern}, 'x')` });
			expect(result.ok ? "compiled" : result.problem).toMatch(
				/^settings\.mapping\.title: the pattern \/.+\/ is not RE2 syntax \(.+\): RE2 has no lookarounds or backreferences$/,
			);
		}
		// Nested anywhere in the expression, as a function's argument's argument.
		const nested = compileMapping({ labels: "{'a': $string($contains($lowercase(t), /x(?!y)/))}" });
		expect(nested.ok).toBe(false);
	});

	it("is not confused by two pushes evaluated at once", async () => {
		const mapping = compiled({ title: "name" });
		const [a, b] = await Promise.all([
			evaluateMapping(mapping, { name: "a" }, NOW),
			evaluateMapping(mapping, { name: "b" }, NOW),
		]);
		expect([a, b].map((r) => (r.ok ? r.value[0]?.title : r.problem))).toEqual(["a", "b"]);
	});

	it("keeps labels within the limits whatever the object (property-based)", async () => {
		const mapping = compiled({ title: "'t'", labels: "$" });
		await fc.assert(
			fc.asyncProperty(
				fc.dictionary(fc.string({ maxLength: 200 }), fc.jsonValue(), { maxKeys: 80 }),
				async (body) => {
					const result = await evaluateMapping(mapping, body, NOW);
					if (!result.ok) return;
					for (const event of result.value) {
						const entries = Object.entries(event.labels);
						expect(entries.length).toBeLessThanOrEqual(LIMITS.labelCount);
						for (const [name, value] of entries) {
							expect(name.length).toBeLessThanOrEqual(LIMITS.labelKey);
							expect(typeof value).toBe("string");
							expect(value.length).toBeLessThanOrEqual(LIMITS.labelValue);
						}
					}
				},
			),
			{ numRuns: 100 },
		);
	});
});
