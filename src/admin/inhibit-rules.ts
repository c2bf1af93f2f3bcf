import * as z from "zod/mini";
import { Iso, iso } from "../alerts/alert";
import {
	allInhibitRules,
	deleteInhibitRule,
	fillCosts,
	findInhibitRule,
	getInhibitRule,
	type InhibitRuleRow,
	inhibitRuleCost,
	insertInhibitRule,
	listInhibitRules,
	liveCost,
	MAX_INHIBIT_RULES,
	updateInhibitRule,
} from "../db/noise";
import { endpoint } from "../http/endpoint";
import { Conflict, InvalidParameter, NotFound } from "../http/errors";
import { Deleted, Page } from "../http/views";
import { Matchers } from "../routing/matchers";
import { Condition, matchingCost } from "../routing/rules";
import { DOCS } from "../schema/docs";
import { unknownFieldOr } from "../schema/messages";
import { definedOnly } from "./channels";
import { ADMIN, CreatedPageQuery, Description, LabelNames, newestFirst, READ } from "./fields";
import { applied, Ids, MAX_DEPLOYMENT_PROGRAM, PATCH_TO_APPLY, requireScope } from "./scope";

/**
 * Inhibit rules: while an alert matching a rule's source matchers fires, alerts matching its
 * target matchers (with the same `equal` labels) are muted. D1 holds them; each change reaches
 * the routing snapshot of every integration it applies to before the API answers.
 */

const RuleFields = {
	source_matchers: Matchers,
	target_matchers: Matchers,
	equal: LabelNames(20),
	comment: Description,
	integration_ids: Ids("integration", 100),
};

export const CreateInhibitRule = z.strictObject(
	{
		...RuleFields,
		equal: z._default(RuleFields.equal, []),
		comment: z._default(RuleFields.comment, ""),
		integration_ids: z._default(RuleFields.integration_ids, []),
	},
	{ error: unknownFieldOr("must be a JSON object") },
);

export const UpdateInhibitRule = z.partial(
	z.strictObject(RuleFields, { error: unknownFieldOr("must be a JSON object") }),
);

export const InhibitRuleView =
	DOCS &&
	z.object({
		id: z.string(),
		source_matchers: z.array(Condition),
		target_matchers: z.array(Condition),
		equal: z.array(z.string()),
		comment: z.string(),
		integration_ids: z.array(z.string()),
		created_at: Iso,
		updated_at: Iso,
	});
export type InhibitRuleView = z.output<typeof InhibitRuleView>;

const ONE = {
	status: 200,
	data: DOCS && InhibitRuleView,
	description: DOCS && "The rule.",
} as const;
const NOT_FOUND = { 404: DOCS && "No inhibit rule has this id" };

export const inhibitRuleEndpoints = [
	endpoint({
		method: "post",
		path: "/api/v1/inhibit-rules",
		...ADMIN,
		scope: "unscoped",
		audit: "inhibit_rule.create",
		summary: DOCS && "Create an inhibit rule",
		body: {
			schema: CreateInhibitRule,
			example: DOCS && {
				source_matchers: [{ field: "labels.alertname", op: "equals", value: "NodeDown" }],
				target_matchers: [{ field: "severity", op: "in", value: ["warning", "info"] }],
				equal: ["instance"],
				comment: "a down node explains its other alerts",
			},
		},
		answer: { ...ONE, status: 201 },
		refusals: { 409: DOCS && "The deployment holds the most inhibit rules it can (100)" },
		handler: async (c, { body }) => {
			const now = Date.now();
			const row = await checkedRule(c.env.DB, {
				id: crypto.randomUUID(),
				...(await body()),
				created_at: now,
				updated_at: now,
			});
			const written = await insertInhibitRule(c.env.DB, row, MAX_DEPLOYMENT_PROGRAM);
			if (written === "cost") throw await overBudget(c.env.DB, row);
			if (written === "limit") {
				throw new Conflict(
					"InhibitRuleLimitReached",
					`this deployment already has ${MAX_INHIBIT_RULES} inhibit rules, the most it holds: delete unused ones first`,
				);
			}
			await applied(
				c,
				[row.integration_ids],
				`inhibit rule ${row.id}`,
				PATCH_TO_APPLY("inhibit-rules", row.id),
			);
			return ruleToApi(row);
		},
	}),
	endpoint({
		method: "get",
		path: "/api/v1/inhibit-rules",
		...READ,
		scope: "unscoped",
		summary: DOCS && "List inhibit rules, newest first",
		query: CreatedPageQuery,
		answer: {
			status: 200,
			data: DOCS && Page("inhibit_rules", InhibitRuleView),
			description: DOCS && "A page of rules.",
		},
		handler: async (c, { query }) => {
			const { page, next_cursor } = await newestFirst(query, (range) =>
				listInhibitRules(c.env.DB, range),
			);
			return { inhibit_rules: page.map(ruleToApi), next_cursor };
		},
	}),
	endpoint({
		method: "get",
		path: "/api/v1/inhibit-rules/{id}",
		...READ,
		scope: "unscoped",
		summary: DOCS && "One inhibit rule",
		answer: ONE,
		refusals: NOT_FOUND,
		handler: async (c, { params }) => ruleToApi(await requireRule(c.env.DB, params.id)),
	}),
	endpoint({
		method: "patch",
		path: "/api/v1/inhibit-rules/{id}",
		...ADMIN,
		scope: "unscoped",
		audit: "inhibit_rule.update",
		summary: DOCS && "Change an inhibit rule",
		body: { schema: UpdateInhibitRule, example: DOCS && { equal: ["instance", "cluster"] } },
		answer: { ...ONE, description: DOCS && "The changed rule." },
		refusals: NOT_FOUND,
		handler: async (c, { params, body }) => {
			const rule = await requireRule(c.env.DB, params.id);
			const change = await body();
			const row = await checkedRule(
				c.env.DB,
				{ ...rule, ...definedOnly(change), updated_at: Date.now() },
				rule.id,
			);
			if (!(await updateInhibitRule(c.env.DB, row, MAX_DEPLOYMENT_PROGRAM))) {
				throw await overBudget(c.env.DB, row, rule);
			}
			await applied(
				c,
				[rule.integration_ids, row.integration_ids],
				"the change",
				"repeat the PATCH",
			);
			return ruleToApi(row);
		},
	}),
	endpoint({
		method: "delete",
		path: "/api/v1/inhibit-rules/{id}",
		...ADMIN,
		scope: "unscoped",
		audit: "inhibit_rule.delete",
		summary: DOCS && "Delete an inhibit rule",
		answer: { status: 200, data: DOCS && Deleted, description: DOCS && "Deleted." },
		refusals: NOT_FOUND,
		handler: async (c, { params }) => {
			// A rule deleted before is found again, so repeating a DELETE whose news did not reach
			// every integration tells them again.
			const found = await findInhibitRule(c.env.DB, params.id);
			if (found === null) throw ruleNotFound(params.id);
			await deleteInhibitRule(c.env.DB, found.row.id, Date.now());
			await applied(c, [found.row.integration_ids], "the deletion", "repeat the DELETE");
			return { id: found.row.id, deleted: true as const };
		},
	}),
];

async function checkedRule(db: D1Database, row: InhibitRuleRow, exclude?: string) {
	await requireScope(db, row.integration_ids, []);
	// Checked here for a message naming the cost; the write checks again in its own statement.
	await fillCosts(db, "inhibit_rules");
	const others = (await allInhibitRules(db))
		.filter((one) => one.id !== exclude)
		.flatMap((one) => [...one.source_matchers, ...one.target_matchers]);
	const cost = matchingCost([...others, ...row.source_matchers, ...row.target_matchers]);
	if (cost > MAX_DEPLOYMENT_PROGRAM) throw costRefusal(cost);
	return row;
}

/** A write its statement refused for the budget (another write took it meanwhile). */
async function overBudget(db: D1Database, row: InhibitRuleRow, before?: InhibitRuleRow) {
	const live = await liveCost(db, "inhibit_rules");
	const own = before === undefined ? 0 : inhibitRuleCost(before);
	return costRefusal(live.cost - own + inhibitRuleCost(row));
}

function costRefusal(cost: number) {
	return new InvalidParameter(
		`matchers cost too much with the other inhibit rules: their regex and wildcard matchers cost ${cost} RE2 instructions, at most ${MAX_DEPLOYMENT_PROGRAM}`,
	);
}

async function requireRule(db: D1Database, id: string): Promise<InhibitRuleRow> {
	const rule = await getInhibitRule(db, id);
	if (rule === null) throw ruleNotFound(id);
	return rule;
}

function ruleNotFound(id: string) {
	return new NotFound("InhibitRuleNotFound", `no inhibit rule has id ${JSON.stringify(id)}`);
}

export function ruleToApi(row: InhibitRuleRow): InhibitRuleView {
	return { ...row, created_at: iso(row.created_at), updated_at: iso(row.updated_at) };
}
