import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Alert } from "../src/alerts/alert";
import { migrate } from "../src/durable/migrations";
import { InhibitIndex } from "../src/durable/state/inhibit-index";
import { equalValues, type InhibitRule, inhibitor, inhibitorBy } from "../src/routing/inhibit";
import { allHold } from "../src/routing/rules";
import { alertRecord } from "./factories";
import { admin, call, createIntegration, expectError, integrationStub } from "./helpers";
import { fire } from "./incident-helpers";

/**
 * What noise reduction costs is bounded by the input and the configuration, never by their
 * product with what fires: these tests count the SQL rows and statements the object runs.
 */

type Work = { statements: number; rowsRead: () => number };

/** Counts the SQL the integration's object runs from now on (rows read once each has been read). */
async function workOf(id: string): Promise<Work> {
	const cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];
	const work: Work = {
		statements: 0,
		rowsRead: () => cursors.reduce((sum, cursor) => sum + cursor.rowsRead, 0),
	};
	await runInDurableObject(integrationStub(id), (_object, state) => {
		const sql = state.storage.sql;
		const exec = sql.exec.bind(sql);
		Object.assign(sql, {
			exec: (query: string, ...bindings: SqlStorageValue[]) => {
				work.statements++;
				const cursor = exec(query, ...bindings);
				cursors.push(cursor);
				return cursor;
			},
		});
	});
	return work;
}

/** Opens `count` targets, ten to a `grp` value, a batch of 100 at a time. */
async function fireTargets(key: string, count: number): Promise<void> {
	for (let start = 0; start < count; start += 100) {
		const events = Array.from({ length: Math.min(100, count - start) }, (_, n) => ({
			event_status: "Warning",
			alert_key: `t${start + n}`,
			title_rule: `target ${start + n}`,
			labels: { kind: "target", grp: `g${Math.floor((start + n) / 10)}` },
		}));
		const reply = await call("POST", `/push/${key}/batch`, {
			body: { events },
			headers: { "Content-Type": "application/json" },
		});
		expect(reply.status).toBe(200);
	}
}

async function inhibitedCount(id: string): Promise<number> {
	return runInDurableObject(integrationStub(id), (_object, state) =>
		Number(
			state.storage.sql
				.exec(
					"SELECT count(*) AS n FROM alerts WHERE status = 'firing' AND inhibited_by IS NOT NULL",
				)
				.one().n,
		),
	);
}

/** An integration with `targets` firing, then the README's rule shape (`equal: ["grp"]`). */
async function withTargets(targets: number) {
	const integration = await createIntegration("inhibit costs", "standard", { rate_limit: null });
	await fireTargets(integration.integration_key, targets);
	const rule = await admin("POST", "/inhibit-rules", {
		source_matchers: [{ field: "labels.kind", op: "equals", value: "source" }],
		target_matchers: [{ field: "labels.kind", op: "equals", value: "target" }],
		equal: ["grp"],
		integration_ids: [integration.id],
	});
	expect(rule.status).toBe(201);
	return { ...integration, ruleId: String(rule.body.data.id) };
}

describe("inhibit rules cost what they match, not what fires", () => {
	it("a push opening a source, or a target, reads as much with 10 as with 2,000 firing targets", async () => {
		const cost = async (targets: number) => {
			const { id, integration_key } = await withTargets(targets);
			const source = await workOf(id);
			const opened = await fire(integration_key, "source", {
				labels: { kind: "source", grp: "g0" },
			});
			expect(opened.body.data.result).toBe("opened");
			const sourceCost = { statements: source.statements, rows: source.rowsRead() };
			// Its own group's ten targets are muted, whatever else fires.
			expect(await inhibitedCount(id)).toBe(10);
			const target = await workOf(id);
			await fire(integration_key, "late", { labels: { kind: "target", grp: "g0" } });
			const targetCost = { statements: target.statements, rows: target.rowsRead() };
			expect(await inhibitedCount(id)).toBe(11);
			return { sourceCost, targetCost };
		};
		const few = await cost(10);
		const many = await cost(2_000);
		// Before the index, the source read all 2,000 (and matched each against every other), the
		// target all 2,000 too: 200 times the rows of the small case.
		expect(many.sourceCost.rows).toBeLessThanOrEqual(2 * few.sourceCost.rows + 10);
		expect(many.sourceCost.statements).toBeLessThanOrEqual(few.sourceCost.statements + 5);
		expect(many.targetCost.rows).toBeLessThanOrEqual(2 * few.targetCost.rows + 10);
		expect(many.targetCost.statements).toBeLessThanOrEqual(few.targetCost.statements + 5);
	}, 120_000);

	it("follows a target's labels as they change, and frees what a resolved source muted", async () => {
		const { id, integration_key, ruleId } = await withTargets(20);
		// t15 (g1) moves to g0 while firing: it is g0's target from then on.
		await fire(integration_key, "t15", { labels: { kind: "target", grp: "g0" } });
		await fire(integration_key, "source", { labels: { kind: "source", grp: "g0" } });
		expect(await inhibitedCount(id)).toBe(11);
		const resolved = await call("POST", `/push/${integration_key}`, {
			body: { event_status: "Ok", alert_key: "source" },
			headers: { "Content-Type": "application/json" },
		});
		expect(resolved.body.data.result).toBe("resolved");
		expect(await inhibitedCount(id)).toBe(0);
		// A changed rule rebuilds the index from what fires: g1's source mutes g1's other nine.
		const patched = await admin("PATCH", `/inhibit-rules/${ruleId}`, {
			target_matchers: [{ field: "labels.kind", op: "in", value: ["target"] }],
		});
		expect(patched.status).toBe(200);
		await fire(integration_key, "source-1", { labels: { kind: "source", grp: "g1" } });
		expect(await inhibitedCount(id)).toBe(9);
	});
});

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();
/** Five patterns of 198 RE2 instructions: 990 for one silence or rule, under its own 1,000. */
const costly = [..."vwxyz"].map((c) => ({ field: "title", op: "regex", value: `${c}{195}y` }));
const BUDGET = 5_000;

async function liveCostInD1(table: "silences" | "inhibit_rules"): Promise<number> {
	const query =
		table === "silences"
			? env.DB.prepare("SELECT sum(cost) AS cost FROM silences WHERE ends_at > ?").bind(Date.now())
			: env.DB.prepare("SELECT sum(cost) AS cost FROM inhibit_rules WHERE deleted_at IS NULL");
	return Number((await query.first())?.cost ?? 0);
}

describe("cost budgets hold under concurrent writes", () => {
	it("12 concurrent silence creates of 990 RE2 instructions each never pass 5,000 together", async () => {
		const { id } = await createIntegration();
		const replies = await Promise.all(
			Array.from({ length: 12 }, () =>
				admin("POST", "/silences", {
					matchers: costly,
					ends_at: inAnHour(),
					comment: "race",
					created_by: "probe",
					integration_ids: [id],
				}),
			),
		);
		const accepted = replies.filter((reply) => reply.status === 201);
		// Every one read 0 spent before any wrote: checked apart from the write, all 12 passed.
		expect(accepted).toHaveLength(5);
		for (const refused of replies.filter((reply) => reply.status !== 201)) {
			expect(expectError(refused, 400, "InvalidParameter")).toMatch(
				/^matchers cost too much with the other silences: .* cost \d+ RE2 instructions, at most 5000$/,
			);
		}
		expect(await liveCostInD1("silences")).toBeLessThanOrEqual(BUDGET);
		for (const made of accepted) await admin("DELETE", `/silences/${made.body.data.id}`);
	});

	it("12 concurrent inhibit rule creates never pass the budget either, nor a PATCH racing them", async () => {
		const { id } = await createIntegration();
		const small = await admin("POST", "/inhibit-rules", {
			source_matchers: [{ field: "severity", op: "equals", value: "critical" }],
			target_matchers: [{ field: "severity", op: "equals", value: "info" }],
			integration_ids: [id],
		});
		const replies = await Promise.all([
			...Array.from({ length: 12 }, () =>
				admin("POST", "/inhibit-rules", {
					source_matchers: costly,
					target_matchers: [{ field: "severity", op: "equals", value: "info" }],
					integration_ids: [id],
				}),
			),
			admin("PATCH", `/inhibit-rules/${small.body.data.id}`, { source_matchers: costly }),
		]);
		const accepted = replies.filter((reply) => reply.status === 201 || reply.status === 200);
		expect(accepted).toHaveLength(5);
		expect(await liveCostInD1("inhibit_rules")).toBeLessThanOrEqual(BUDGET);
		for (const made of accepted) await admin("DELETE", `/inhibit-rules/${made.body.data.id}`);
		await admin("DELETE", `/inhibit-rules/${small.body.data.id}`);
	});

	it("count wildcards: 20 wildcards of 256 characters cost 200, so the 26th such silence is refused", async () => {
		const { id } = await createIntegration();
		const matchers = Array.from({ length: 20 }, (_, n) => ({
			field: `labels.l${n}`,
			op: "wildcard",
			value: `*${"a".repeat(254)}b`,
		}));
		const made: string[] = [];
		for (let n = 0; n < 25; n++) {
			const reply = await admin("POST", "/silences", {
				matchers,
				ends_at: inAnHour(),
				comment: "wildcards",
				created_by: "probe",
				integration_ids: [id],
			});
			expect(reply.status).toBe(201);
			made.push(reply.body.data.id);
		}
		const over = await admin("POST", "/silences", {
			matchers,
			ends_at: inAnHour(),
			comment: "one too many",
			created_by: "probe",
			integration_ids: [id],
		});
		expect(expectError(over, 400, "InvalidParameter")).toMatch(/cost 5200 RE2 instructions/);
		for (const one of made) await admin("DELETE", `/silences/${one}`);
	}, 60_000);
});

describe("the inhibit index answers as a scan of what fires does", () => {
	it("for every alert's source and every source's targets (property-based)", async () => {
		const rule = (equal: string[]): InhibitRule => ({
			id: "r",
			source_matchers: [{ field: "labels.kind", op: "in", value: ["s", "both"] }],
			target_matchers: [{ field: "labels.kind", op: "in", value: ["t", "both"] }],
			equal,
		});
		const value = fc.constantFrom("a", "b", undefined);
		const spec = fc.record({
			kind: fc.constantFrom("s", "t", "both", "none"),
			grp: value,
			env: value,
		});
		const toAlert = (one: { kind: string; grp?: string; env?: string }, n: number): Alert => {
			const labels: Record<string, string> = { kind: one.kind };
			if (one.grp !== undefined) labels.grp = one.grp;
			if (one.env !== undefined) labels.env = one.env;
			return alertRecord({ id: `id-${n}`, alert_key: `key-${n}`, title: "t", labels });
		};
		await runInDurableObject(env.INTEGRATION.getByName("inhibit-index-property"), (_o, state) => {
			const sql = state.storage.sql;
			migrate(sql);
			fc.assert(
				fc.property(
					fc.array(spec, { maxLength: 25 }),
					fc.subarray(["grp", "env"]),
					(specs, equal) => {
						sql.exec("DELETE FROM inhibit_index");
						sql.exec("DELETE FROM inhibit_index_rules");
						const alerts = specs.map(toAlert);
						const rules = [rule(equal)];
						const index = new InhibitIndex(
							sql,
							() => rules,
							() => alerts,
						);
						for (const alert of alerts) index.written(alert, true);
						for (const alert of alerts) {
							const indexed = inhibitorBy(alert, rules, (r, values, both) =>
								index.sourceFor(r, values, alert.id, both),
							);
							// Which source is named may differ; whether one inhibits may not.
							expect(indexed === null).toBe(inhibitor(alert, rules, () => alerts) === null);
							if (!allHold(rules[0]?.source_matchers ?? [], alert)) continue;
							const both = allHold(rules[0]?.target_matchers ?? [], alert);
							const targets = index.uninhibitedTargets(
								rule(equal),
								equalValues(rule(equal), alert),
								alert.id,
								both,
							);
							const scanned = alerts
								.filter((other) => other.id !== alert.id)
								.filter((other) => inhibitor(other, rules, () => [alert]) !== null)
								.map((other) => other.alert_key);
							expect(targets.sort()).toEqual(scanned.sort());
						}
					},
				),
				{ numRuns: 200 },
			);
		});
	});
});
