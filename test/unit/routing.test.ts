import { beforeAll, describe, expect, it } from "vitest";
import { loadRegexEngine } from "../../src/routing/regex-engine";
import {
	type Condition,
	conditionHolds,
	MAX_MATCH_INPUT_CHARS,
	type Routable,
	Routes,
	routeAlert,
} from "../../src/routing/rules";

const alert: Routable = {
	severity: "critical",
	title: "RDS CPU high",
	description: "cpu at 97%",
	labels: { source: "aws.cloudwatch", namespace: "AWS/RDS", team: "db", empty: "" },
};

// The object loads RE2 on demand (src/routing/regex-engine.ts); these call the rules directly.
beforeAll(loadRegexEngine);

describe("conditionHolds: every operator", () => {
	it.each<[Condition, boolean]>([
		[{ field: "severity", op: "equals", value: "critical" }, true],
		[{ field: "severity", op: "equals", value: "Critical" }, false],
		[{ field: "labels.team", op: "not_equals", value: "web" }, true],
		[{ field: "labels.missing", op: "not_equals", value: "web" }, true],
		[{ field: "labels.missing", op: "equals", value: "" }, false],
		[{ field: "labels.empty", op: "equals", value: "" }, true],
		[{ field: "labels.namespace", op: "in", value: ["AWS/EC2", "AWS/RDS"] }, true],
		[{ field: "labels.namespace", op: "in", value: ["AWS/EC2"] }, false],
		[{ field: "labels.missing", op: "in", value: ["x"] }, false],
		[{ field: "labels.namespace", op: "not_in", value: ["AWS/EC2"] }, true],
		[{ field: "labels.missing", op: "not_in", value: ["x"] }, true],
		[{ field: "title", op: "regex", value: "CPU\\s+high$" }, true],
		[{ field: "title", op: "regex", value: "^cpu" }, false],
		[{ field: "title", op: "regex", value: "(?i)^rds cpu" }, true],
		[{ field: "labels.missing", op: "regex", value: ".*" }, false],
		[{ field: "title", op: "wildcard", value: "rds *" }, true],
		[{ field: "title", op: "wildcard", value: "*memory*" }, false],
		[{ field: "labels.team", op: "exists" }, true],
		[{ field: "labels.missing", op: "exists" }, false],
		[{ field: "source", op: "equals", value: "aws.cloudwatch" }, true],
		[{ field: "description", op: "regex", value: "\\d+%" }, true],
	])("%j → %s", (condition, expected) => {
		expect(conditionHolds(condition, alert)).toBe(expected);
	});

	it("reads alert_key where the alert has one, and matches nothing where it has none", () => {
		const keyed = { ...alert, alert_key: "rds-cpu:db-1" };
		expect(conditionHolds({ field: "alert_key", op: "equals", value: "rds-cpu:db-1" }, keyed)).toBe(
			true,
		);
		expect(conditionHolds({ field: "alert_key", op: "equals", value: "rds-cpu" }, keyed)).toBe(
			false,
		);
		expect(conditionHolds({ field: "alert_key", op: "exists" }, alert)).toBe(false);
	});
});

describe("routeAlert", () => {
	const routes = (over: Record<string, unknown>): Routes => Routes.parse({ rules: [], ...over });
	const rule = (channel: string, conditions: unknown[], more: Record<string, unknown> = {}) => ({
		conditions,
		channel_ids: [channel],
		...more,
	});

	it("stops at the first matching rule", () => {
		const r = routes({
			rules: [rule("db", [{ field: "labels.team", op: "equals", value: "db" }]), rule("all", [])],
		});
		expect(routeAlert(alert, r)).toEqual(["db"]);
	});

	it("goes on past a matching rule with continue, without repeating channels", () => {
		const r = routes({
			rules: [
				rule("db", [{ field: "labels.team", op: "equals", value: "db" }], { continue: true }),
				rule("pager", [{ field: "severity", op: "equals", value: "critical" }], {
					channel_ids: ["pager", "db"],
				}),
				rule("never", []),
			],
		});
		expect(routeAlert(alert, r)).toEqual(["db", "pager"]);
	});

	it("requires all conditions of a rule", () => {
		const r = routes({
			rules: [
				rule("x", [
					{ field: "labels.team", op: "equals", value: "db" },
					{ field: "severity", op: "equals", value: "info" },
				]),
			],
		});
		expect(routeAlert(alert, r)).toEqual([]);
	});

	it("uses the default only when no rule matched", () => {
		const noMatch = routes({
			rules: [rule("web", [{ field: "labels.team", op: "equals", value: "web" }])],
			default_channel_id: "fallback",
		});
		expect(routeAlert(alert, noMatch)).toEqual(["fallback"]);
		const matched = routes({ rules: [rule("db", [])], default_channel_id: "fallback" });
		expect(routeAlert(alert, matched)).toEqual(["db"]);
	});

	it("routes nowhere when nothing matches and there is no default (unrouted)", () => {
		expect(routeAlert(alert, routes({}))).toEqual([]);
	});
});

describe("route validation names the rule and condition", () => {
	const problem = (body: unknown) => {
		const parsed = Routes.safeParse(body);
		if (parsed.success) return null;
		const issue = parsed.error.issues[0];
		return `${issue?.path.join(".")} ${issue?.message}`;
	};
	const withCondition = (condition: unknown) => ({
		rules: [
			{ conditions: [], channel_ids: ["a"] },
			{ conditions: [{ field: "title", op: "exists" }, condition], channel_ids: ["a"] },
		],
	});

	it.each([
		[
			{ field: "host", op: "equals", value: "x" },
			"rules.1.conditions.1.field must be one of severity, title, description, source, alert_key or labels.<name>",
		],
		[{ field: "title", op: "like", value: "x" }, "rules.1.conditions.1.op must be one of equals"],
		[{ field: "title", op: "equals" }, "rules.1.conditions.1.value must be a string"],
		[
			{ field: "title", op: "in", value: "x" },
			"rules.1.conditions.1.value must be a list of 1 to 100 strings",
		],
		[
			{ field: "title", op: "exists", value: "x" },
			"rules.1.conditions.1.value must be left out for exists",
		],
		[
			{ field: "title", op: "regex", value: "(unclosed" },
			"rules.1.conditions.1.value is not a valid RE2 pattern",
		],
		[
			{ field: "title", op: "regex", value: "(a)\\1" },
			"rules.1.conditions.1.value is not a valid RE2 pattern",
		],
		[
			{ field: "title", op: "regex", value: "x".repeat(257) },
			"rules.1.conditions.1.value must be a pattern of 1 to 256 characters",
		],
		[
			{ field: "title", op: "wildcard", value: "" },
			"rules.1.conditions.1.value must be a pattern of 1 to 256 characters",
		],
		[
			{ field: "title", op: "equals", value: "x", extra: 1 },
			"rules.1.conditions.1 has unknown field extra",
		],
	])("%j", (condition, message) => {
		expect(problem(withCondition(condition))).toContain(message);
	});

	it("requires channels on every rule and caps the number of rules", () => {
		expect(problem({ rules: [{ conditions: [], channel_ids: [] }] })).toContain(
			"rules.0.channel_ids must name at least one channel",
		);
		expect(
			problem({
				rules: Array.from({ length: 101 }, () => ({ conditions: [], channel_ids: ["a"] })),
			}),
		).toContain("rules must have at most 100 rules");
	});
});

describe("the regex guard", () => {
	it("matches a catastrophic-backtracking pattern in linear time (RE2), on bounded input", () => {
		const evil: Condition = { field: "title", op: "regex", value: "^(a+)+$" };
		// Within the input bound, and the worst case for a backtracking engine: about 2^4000 steps
		// for JavaScript's RegExp, which would not return in the lifetime of the test run.
		const title = `${"a".repeat(MAX_MATCH_INPUT_CHARS - 1)}!`;
		expect(conditionHolds(evil, { ...alert, title })).toBe(false);
		expect(conditionHolds(evil, { ...alert, title: "a".repeat(MAX_MATCH_INPUT_CHARS) })).toBe(true);
		// Input is cut to MAX_MATCH_INPUT_CHARS: a pattern anchored beyond it cannot match.
		const long = { ...alert, title: `${"x".repeat(MAX_MATCH_INPUT_CHARS)}tail` };
		expect(conditionHolds({ field: "title", op: "regex", value: "tail$" }, long)).toBe(false);
		expect(conditionHolds({ field: "title", op: "regex", value: "^x+$" }, long)).toBe(true);
	});
});
