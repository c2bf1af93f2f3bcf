import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { migrate } from "../src/durable/migrations";
import { Incidents } from "../src/durable/state/incidents";
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

	it("carry incidents waiting for D1 forward when new ones start waiting by their order", async () => {
		const stub = env.INTEGRATION.getByName(crypto.randomUUID());
		const waiting = await runInDurableObject(stub, (_object, state) => {
			const { sql } = state.storage;
			migrate(sql, 20);
			// Mirrored, opened and not mirrored yet, changed since it was mirrored.
			for (const [id, version, mirrored] of [
				["mirrored", 1, 1],
				["opened", 1, 0],
				["changed", 3, 2],
			]) {
				sql.exec(
					`INSERT INTO incidents (id, channel_id, status, severity, title, alert_count, opened_at,
						version, mirrored_version) VALUES (?, 'c', 'triggered', 'critical', 't', 1, 1, ?, ?)`,
					id,
					version,
					mirrored,
				);
			}
			migrate(sql);
			const incidents = new Incidents(sql, { flush() {} });
			const { incident } = incidents.unmirrored(0, 10)[0] ?? {};
			if (incident === undefined) throw new Error("no incident to copy");
			incidents.save({ ...incident, id: "new" });
			const after = new Meta(sql).get("incidents_mirrored_seq");
			return incidents
				.unmirrored(after ?? 0, 10)
				.map(({ incident, version, mark }) => [incident.id, version, mark]);
		});
		expect(waiting).toEqual([
			["opened", 1, true],
			["changed", 3, true],
			["new", 1, false],
		]);
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
