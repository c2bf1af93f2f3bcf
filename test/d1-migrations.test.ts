import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { incidentsQuery, type ListingQuery } from "../src/db/incidents";
import { notificationsQuery } from "../src/db/notifications";

/** The migrations whose file name starts with a version up to `version` (`0016`). */
const upTo = (version: string) =>
	env.TEST_MIGRATIONS.filter((migration) => migration.name.slice(0, 4) <= version);

describe("the D1 migrations", () => {
	it("carry the mirrored incidents and notifications into tables without a rowid, listed as before", async () => {
		const db = env.MIGRATED_DB;
		await applyD1Migrations(db, upTo("0016"));
		await db.batch([
			db.prepare(
				`INSERT INTO incidents (id, integration_id, channel_id, status, severity, title, alert_count,
					opened_at, acknowledged_at, resolved_at, resolved_by, version)
				 VALUES ('inc-1', 'int-1', 'ch-1', 'resolved', 'critical', 'Disk full', 2, 10, 11, 12, 'api', 4),
					('inc-2', 'int-1', 'ch-1', 'triggered', 'warning', 'Slow', 1, 20, NULL, NULL, NULL, 1)`,
			),
			db.prepare(
				`INSERT INTO notifications (id, integration_id, channel_id, target_id, incident_id, type,
					status, attempts, created_at, next_attempt_at, last_attempt_at, last_status, last_error,
					version)
				 VALUES ('n-1', 'int-1', 'ch-1', 't-1', 'inc-1', 'webhook', 'failed', 3, 10, NULL, 13, 500,
					'HTTP 500', 5)`,
			),
		]);
		await applyD1Migrations(db, env.TEST_MIGRATIONS);

		const incidents = await db.prepare("SELECT * FROM incidents ORDER BY id").all();
		expect(incidents.results).toEqual([
			{
				id: "inc-1",
				integration_id: "int-1",
				channel_id: "ch-1",
				status: "resolved",
				severity: "critical",
				title: "Disk full",
				alert_count: 2,
				opened_at: 10,
				acknowledged_at: 11,
				resolved_at: 12,
				resolved_by: "api",
				version: 4,
			},
			{
				id: "inc-2",
				integration_id: "int-1",
				channel_id: "ch-1",
				status: "triggered",
				severity: "warning",
				title: "Slow",
				alert_count: 1,
				opened_at: 20,
				acknowledged_at: null,
				resolved_at: null,
				resolved_by: null,
				version: 1,
			},
		]);
		const notifications = await db.prepare("SELECT * FROM notifications").all();
		expect(notifications.results).toEqual([
			{
				id: "n-1",
				integration_id: "int-1",
				channel_id: "ch-1",
				target_id: "t-1",
				incident_id: "inc-1",
				type: "webhook",
				status: "failed",
				attempts: 3,
				created_at: 10,
				next_attempt_at: null,
				last_attempt_at: 13,
				last_status: 500,
				last_error: "HTTP 500",
				version: 5,
			},
		]);
		// The listing indexes, rebuilt ascending (0018), still list the newest first.
		const listed = async ({ sql, params }: ListingQuery) =>
			(
				await db
					.prepare(sql)
					.bind(...params)
					.all<{ id: string }>()
			).results.map((row) => row.id);
		expect(await listed(incidentsQuery({ limit: 50 }))).toEqual(["inc-2", "inc-1"]);
		expect(await listed(incidentsQuery({ channel_id: "ch-1", limit: 50 }))).toEqual([
			"inc-2",
			"inc-1",
		]);
		expect(await listed(incidentsQuery({ status: "open", limit: 50 }))).toEqual(["inc-2"]);
		expect(await listed(notificationsQuery({ channel_id: "ch-1", limit: 50 }))).toEqual(["n-1"]);
		const descending = await db
			.prepare(
				`SELECT name FROM sqlite_master WHERE type = 'index'
				 AND tbl_name IN ('incidents', 'notifications') AND sql LIKE '%DESC%'`,
			)
			.all();
		expect(descending.results).toEqual([]);
		// Without a rowid, and with every listing index they had.
		const shape = await db
			.prepare(
				`SELECT m.tbl_name AS name, group_concat(m.name, ',') AS indexes
				 FROM sqlite_master m WHERE m.type = 'index' AND m.tbl_name IN ('incidents', 'notifications')
				   AND m.name NOT LIKE 'sqlite_autoindex%'
				 GROUP BY m.tbl_name ORDER BY m.tbl_name`,
			)
			.all<{ name: string; indexes: string }>();
		expect(shape.results.map(({ name, indexes }) => [name, indexes.split(",").sort()])).toEqual([
			[
				"incidents",
				[
					"incidents_by_channel",
					"incidents_by_integration",
					"incidents_by_opened",
					"incidents_open_by_time",
				],
			],
			[
				"notifications",
				["notifications_by_channel", "notifications_by_incident", "notifications_by_status"],
			],
		]);
		const rowids = await db
			.prepare(
				"SELECT sql FROM sqlite_master WHERE type = 'table' AND name IN ('incidents', 'notifications')",
			)
			.all<{ sql: string }>();
		for (const { sql } of rowids.results) expect(sql).toMatch(/WITHOUT ROWID\s*$/);
	});
});
