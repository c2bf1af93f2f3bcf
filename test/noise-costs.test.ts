import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { admin, call, createIntegration, integrationStub } from "./helpers";
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
