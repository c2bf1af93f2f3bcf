import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { migrate } from "../src/durable/migrations";
import { Alerts } from "../src/durable/state/alerts";
import { prunable } from "../src/durable/state/history";
import { Incidents } from "../src/durable/state/incidents";
import { Meta } from "../src/durable/state/meta";
import { Timeline } from "../src/durable/state/timeline";
import { WriteBehind } from "../src/durable/state/write-behind";
import { incidentRecord } from "./factories";
import { heldThenWritten } from "./helpers";

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
			const found = () => {
				const { chunks } = incidents.unmirrored(
					new Meta(sql).get("incidents_mirrored_seq") ?? 0,
					10,
					10,
				);
				return chunks.flatMap((chunk) => ({
					rows: JSON.parse(chunk.rows).map((row: unknown[]) => [row[0], row.at(-1)]),
					marks: JSON.parse(chunk.marks),
				}));
			};
			const before = found();
			const incident = incidents.get("opened");
			if (incident === null) throw new Error("no incident to copy");
			incidents.save({ ...incident, id: "new" });
			return { before, after: found() };
		});
		// Those waiting before come as they were (the mark starts past them), both to be marked; a
		// new incident comes by the order incidents opened, with nothing to mark.
		const pairs = [
			["opened", 1],
			["changed", 3],
		];
		const carried = { rows: pairs, marks: pairs };
		expect(waiting).toEqual({
			before: [carried],
			after: [carried, { rows: [["new", 1]], marks: [] }],
		});
	});

	it("carry incidents' alerts and keys' flapping records into tables without a rowid", async () => {
		const stub = env.INTEGRATION.getByName(crypto.randomUUID());
		const carried = await runInDurableObject(stub, (_object, state) => {
			const { sql } = state.storage;
			migrate(sql, 21);
			sql.exec("INSERT INTO incident_alerts (incident_id, alert_id) VALUES ('i', 'a'), ('i', 'b')");
			sql.exec(
				`INSERT INTO key_flaps (alert_key, changes, flapping, quiet_at)
				 VALUES ('k', '[1,2,3]', 1, 9), ('l', '[4]', 0, 5)`,
			);
			migrate(sql);
			return {
				links: sql.exec("SELECT * FROM incident_alerts ORDER BY alert_id").toArray(),
				flaps: sql.exec("SELECT * FROM key_flaps ORDER BY alert_key").toArray(),
				flapping: sql
					.exec("SELECT alert_key FROM key_flaps INDEXED BY key_flaps_flapping WHERE flapping = 1")
					.toArray(),
				tables: sql
					.exec(
						`SELECT name, wr FROM pragma_table_list
						 WHERE name IN ('incident_alerts', 'key_flaps') ORDER BY name`,
					)
					.toArray(),
			};
		});
		expect(carried).toEqual({
			links: [
				{ incident_id: "i", alert_id: "a" },
				{ incident_id: "i", alert_id: "b" },
			],
			flaps: [
				{ alert_key: "k", changes: "[1,2,3]", flapping: 1, quiet_at: 9 },
				{ alert_key: "l", changes: "[4]", flapping: 0, quiet_at: 5 },
			],
			flapping: [{ alert_key: "k" }],
			tables: [
				{ name: "incident_alerts", wr: 1 },
				{ name: "key_flaps", wr: 1 },
			],
		});
	});

	it("keep resolved alerts in order for pruning without an index of every alert", async () => {
		const stub = env.INTEGRATION.getByName(crypto.randomUUID());
		const after = await runInDurableObject(stub, (_object, state) => {
			const { sql } = state.storage;
			migrate(sql, 22);
			for (const [id, status, resolvedAt] of [
				["old", "resolved", 10],
				["firing", "firing", null],
				["newer", "resolved", 20],
				["newest", "resolved", 30],
			]) {
				sql.exec(
					`INSERT INTO alerts (id, alert_key, status, severity, title, description, labels, images,
						event_count, first_event_at, last_event_at, resolved_at)
					 VALUES (?, ?, ?, 'critical', 't', '', '{}', '[]', 1, 1, 1, ?)`,
					id,
					id,
					status,
					resolvedAt,
				);
			}
			migrate(sql);
			return {
				indexes: sql
					.exec(
						"SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'alerts' AND sql IS NOT NULL ORDER BY name",
					)
					.toArray()
					.map((row) => row.name),
				// Past the newest two kept, resolved before nothing: only the count prunes.
				prunable: prunable(sql, "alerts", { cutoff: 0, keep: 2, limit: 10 }),
			};
		});
		expect(after.indexes).toContain("alerts_resolved_by_seq");
		expect(after.indexes).not.toContain("alerts_by_status");
		expect(after.prunable).toEqual(["old"]);
	});

	it("carry what each target was told of an incident into a table without a rowid", async () => {
		const stub = env.INTEGRATION.getByName(crypto.randomUUID());
		const carried = await runInDurableObject(stub, (_object, state) => {
			const { sql } = state.storage;
			migrate(sql, 23);
			sql.exec(
				`INSERT INTO incident_targets (incident_id, target_id, notified, escalate_at, repeats_sent,
					slack_channel, slack_ts)
				 VALUES ('i', 'slack', 1, NULL, 0, 'C1', '17.1'), ('i', 'pager', 0, 50, 2, NULL, NULL)`,
			);
			migrate(sql);
			return {
				rows: sql.exec("SELECT * FROM incident_targets ORDER BY target_id").toArray(),
				due: sql
					.exec(
						"SELECT target_id FROM incident_targets INDEXED BY incident_targets_due WHERE escalate_at <= 50",
					)
					.toArray(),
				table: sql.exec("SELECT wr FROM pragma_table_list WHERE name = 'incident_targets'").one(),
			};
		});
		expect(carried).toEqual({
			rows: [
				{
					incident_id: "i",
					target_id: "pager",
					notified: 0,
					escalate_at: 50,
					repeats_sent: 2,
					slack_channel: null,
					slack_ts: null,
				},
				{
					incident_id: "i",
					target_id: "slack",
					notified: 1,
					escalate_at: null,
					repeats_sent: 0,
					slack_channel: "C1",
					slack_ts: "17.1",
				},
			],
			due: [{ target_id: "pager" }],
			table: { wr: 1 },
		});
	});

	it("carry timelines into a table keyed by incident: entries keep their numbers, new ones follow", async () => {
		const stub = env.INTEGRATION.getByName(crypto.randomUUID());
		const carried = await runInDurableObject(stub, (_object, state) => {
			const { sql } = state.storage;
			migrate(sql, 24);
			// Numbered across incidents, as before: 1 and 3 are one incident's, 2 the other's.
			sql.exec(
				`INSERT INTO incident_timeline (incident_id, at, type, detail)
				 VALUES ('one', 10, 'triggered', '{}'), ('two', 20, 'triggered', '{}'),
					('one', 30, 'alert_added', '{"alert_count":2}')`,
			);
			sql.exec("INSERT INTO incident_timeline_counts (incident_id, entries) VALUES ('one', 1)");
			migrate(sql);
			const behind = new WriteBehind(sql);
			const timeline = new Timeline(sql, behind);
			timeline.add("one", 40, "severity_changed", { severity: "critical" });
			// Held and written together: a new incident's entries, numbered by the object that opened
			// it, beside entries of incidents that have some, each numbered after its own last.
			const incidents = new Incidents(sql, { flush: () => {} }, behind);
			heldThenWritten(behind, () => {
				// Opened now: its row holds its opening entry.
				incidents.save(incidentRecord({ id: "three", opened_at: 45 }), { alert_key: "k" });
				timeline.opened("three");
				timeline.add("two", 50, "resolved", {});
				timeline.add("three", 55, "acknowledged", {});
				timeline.add("one", 60, "storm", { threshold: 10, alert_count: 10 });
			});
			const seqs = (id: string, after?: number) =>
				timeline.page(id, { after, limit: 10 }).map((entry) => [entry.seq, entry.at]);
			return {
				one: seqs("one"),
				oneAfterCursor: seqs("one", 3),
				two: seqs("two"),
				three: seqs("three"),
				openings: sql.exec("SELECT id, opening FROM incidents").toArray(),
				counts: sql.exec("SELECT incident_id, entries FROM incident_timeline_counts").toArray(),
				tables: sql
					.exec(
						"SELECT name, wr FROM pragma_table_list WHERE name LIKE 'incident_timeline%' ORDER BY name",
					)
					.toArray(),
			};
		});
		expect(carried).toEqual({
			one: [
				[1, 10],
				[3, 30],
				[4, 40],
				[5, 60],
			],
			oneAfterCursor: [
				[4, 40],
				[5, 60],
			],
			two: [
				[2, 20],
				[3, 50],
			],
			three: [
				[1, 45],
				[2, 55],
			],
			// The incidents opened before (no rows here) keep their openings in the table.
			openings: [{ id: "three", opening: '{"alert_key":"k"}' }],
			counts: [{ incident_id: "one", entries: 3 }],
			tables: [
				{ name: "incident_timeline", wr: 1 },
				{ name: "incident_timeline_counts", wr: 1 },
			],
		});
	});

	it("drop the index of firing alerts by receipt, made again when alerts time out", async () => {
		const stub = env.INTEGRATION.getByName(crypto.randomUUID());
		const seen = await runInDurableObject(stub, (_object, state) => {
			const { sql } = state.storage;
			const indexed = () =>
				sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'alerts_firing_by_receipt'").toArray()
					.length === 1;
			migrate(sql, 25);
			const before = indexed();
			migrate(sql);
			const migrated = indexed();
			const alerts = new Alerts(sql);
			// An upgraded object whose alerts time out: the alarm's first question makes it.
			const quiet = alerts.quietSince(Date.now());
			return { before, migrated, quiet: quiet.length, after: indexed() };
		});
		expect(seen).toEqual({ before: true, migrated: false, quiet: 0, after: true });
	});

	it("index open incidents by group only when they have one; a new alert still finds its group", async () => {
		const stub = env.INTEGRATION.getByName(crypto.randomUUID());
		const seen = await runInDurableObject(stub, (_object, state) => {
			const { sql } = state.storage;
			migrate(sql, 26);
			for (const [id, group, status, openedAt] of [
				["older", "g", "triggered", 1],
				["newer", "g", "acknowledged", 2],
				["closed", "g", "resolved", 3],
				["alone", null, "triggered", 4],
			]) {
				sql.exec(
					`INSERT INTO incidents (id, channel_id, status, severity, title, alert_count, group_key,
						opened_at, version) VALUES (?, 'c', ?, 'critical', 't', 1, ?, ?, 1)`,
					id,
					status,
					group,
					openedAt,
				);
			}
			migrate(sql);
			const indexes = sql
				.exec(
					"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'incidents' AND name LIKE 'incidents_open%'",
				)
				.toArray();
			const incidents = new Incidents(sql, { flush() {} });
			return {
				indexes: indexes.map((row) => row.name),
				grouped: indexes.every((row) => String(row.sql).includes("group_key IS NOT NULL")),
				joins: incidents.newestOpenInGroup("c", "g")?.id,
				elsewhere: incidents.newestOpenInGroup("c", "other")?.id ?? null,
			};
		});
		expect(seen).toEqual({
			indexes: ["incidents_open_grouped"],
			grouped: true,
			joins: "newer",
			elsewhere: null,
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
