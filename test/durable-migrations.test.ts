import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { migrate } from "../src/durable/migrations";
import { Meta } from "../src/durable/state/meta";

describe("the integration object's schema migrations", () => {
	it("carry an object made by an earlier version forward: its counters read the same", async () => {
		const stub = env.INTEGRATION.getByName(crypto.randomUUID());
		const stats = await runInDurableObject(stub, (_object, state) => {
			const { sql } = state.storage;
			// An object made before the counters moved into one row: they sit in three rows.
			migrate(sql, 4);
			for (const [key, value] of [
				["event_count", "7"],
				["last_event_at", "1763701200000"],
				["unrouted_count", "2"],
				["stats_version", "9"],
				["integration_id", "legacy"],
			]) {
				sql.exec("INSERT INTO meta (key, value) VALUES (?, ?)", key, value);
			}
			sql.exec(
				"INSERT INTO deliveries (key, fingerprint, status, body, received_at) VALUES ('k', 'f', 200, '[]', 1)",
			);
			migrate(sql);
			const columns = sql.exec("SELECT name FROM pragma_table_info('deliveries')").toArray();
			expect(columns.map((c) => c.name)).not.toContain("status");
			const leftover = sql
				.exec("SELECT key FROM meta WHERE key IN ('event_count', 'stats_version')")
				.toArray();
			expect(leftover).toEqual([]);
			return new Meta(sql).get("stats");
		});
		expect(stats).toEqual({
			event_count: 7,
			last_event_at: 1763701200000,
			unrouted_count: 2,
			rate_limited_count: 0,
			// Counters added later read zero in a row written before them.
			deduplicated_count: 0,
			replayed_count: 0,
			refused_count: {},
			dropped_count: 0,
			version: 9,
		});
	});

	it("start a new object with no counters row", async () => {
		const stub = env.INTEGRATION.getByName(crypto.randomUUID());
		const stats = await runInDurableObject(stub, (_object, state) => {
			migrate(state.storage.sql);
			return new Meta(state.storage.sql).get("stats");
		});
		expect(stats).toBeNull();
	});
});
