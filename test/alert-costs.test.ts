import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Usage } from "../src/durable/state/meter";
import {
	admin,
	alarmAt,
	call,
	createIntegration,
	integrationStub,
	runAlarm,
	statementsOf,
} from "./helpers";
import { createChannel } from "./incident-helpers";
import { notifiedIntegration, received, receivedBodies, unique, webhook } from "./notify-helpers";

/**
 * What a new alert costs in the units Cloudflare bills: the integration object's SQLite rows
 * written, and D1 rows written by the mirror. The object counts them itself (state/meter.ts),
 * from what the platform reports on every cursor and D1 result.
 */

function batch(key: string, keys: readonly string[]) {
	return call("POST", `/push/${key}/batch`, {
		headers: { "Content-Type": "application/json" },
		body: {
			events: keys.map((alert_key) => ({
				event_status: "Critical",
				title_rule: "queue depth high",
				alert_key,
				labels: { queue: "orders" },
			})),
		},
	});
}

/** A shared standard integration without a rate limit, routed to a channel without targets. */
async function unlimitedIntegration() {
	const channel = await createChannel();
	const integration = await createIntegration("costs", "standard", { rate_limit: null });
	const routes = { rules: [], default_channel_id: channel.id };
	expect((await admin("PUT", `/integrations/${integration.id}/routes`, routes)).status).toBe(200);
	return integration;
}

const keys = (prefix: string, count: number, from = 0) =>
	Array.from({ length: count }, (_, i) => `${prefix}-${from + i}`);

/** Runs the alarm until it sets none (or `limit` runs); answers how many ran. */
async function alarmsUntilIdle(id: string, limit = 20): Promise<number> {
	let runs = 0;
	while (runs < limit && (await runAlarm(id))) runs++;
	return runs;
}

async function mirroredCount(id: string): Promise<number> {
	const row = await env.DB.prepare("SELECT count(*) AS n FROM incidents WHERE integration_id = ?")
		.bind(id)
		.first<{ n: number }>();
	return row?.n ?? 0;
}

const delta = (after: Usage, before: Usage, per: number) =>
	Object.fromEntries(
		Object.entries(after).map(([name, value]) => [
			name,
			(value - before[name as keyof Usage]) / per,
		]),
	) as Usage;

describe("what a new alert costs", () => {
	it("a new alert and its incident: 8 SQLite rows written, 5 in D1; a repeat 1", async () => {
		const { id, integration_key } = await unlimitedIntegration();
		await batch(integration_key, keys("warm", 100));
		await alarmsUntilIdle(id);
		const stub = integrationStub(id);
		const start = await stub.usage();
		expect((await batch(integration_key, keys("new", 100))).status).toBe(200);
		const pushed = await stub.usage();
		// The alert with its two indexes (3: no index by receipt while auto_resolve_after is off),
		// its incident with its id's index (2: a new one waits for D1 by its place in the order
		// incidents opened, not in incidents_unmirrored, and an ungrouped one is in no index of
		// open groups; its row holds its timeline's first entry), their link with its index by
		// alert (2: no rowid) and the key's flapping record (1: no rowid, and no index by time);
		// what a statement writes once (the counters, the autoincrement sequences) is shared by the
		// batch.
		expect(delta(pushed, start, 100).rows_written).toBeLessThanOrEqual(8.1);
		expect(delta(pushed, start, 100).rows_read).toBeLessThanOrEqual(9.1);
		expect(pushed.d1_rows_written).toBe(start.d1_rows_written);

		expect(await alarmsUntilIdle(id)).toBe(1);
		const mirrored = delta(await stub.usage(), pushed, 100);
		// D1: the incident (no rowid: one row with its id) and its four listing indexes; the
		// integration's counters once.
		expect(mirrored.d1_rows_written).toBeLessThanOrEqual(5.1);
		// Marking what D1 took: one row for the run (how far it reached), nothing per incident.
		expect(mirrored.rows_written).toBeLessThanOrEqual(0.1);

		const before = await stub.usage();
		expect((await batch(integration_key, keys("new", 100))).status).toBe(200);
		const repeated = delta(await stub.usage(), before, 100);
		// Each alert's counters, and no index moves; nothing read one by one.
		expect(repeated.rows_written).toBeLessThanOrEqual(1.1);
		expect(repeated.rows_read).toBeLessThanOrEqual(5.1);
	});

	it("a repeat moves its alert in the index by receipt only while auto_resolve_after is on", async () => {
		const { id, integration_key } = await unlimitedIntegration();
		const stub = integrationStub(id);
		const repeatCost = async () => {
			const before = await stub.usage();
			expect((await batch(integration_key, keys("r", 100))).status).toBe(200);
			return delta(await stub.usage(), before, 100).rows_written;
		};
		const receiptIndex = () =>
			runInDurableObject(stub, (_object, state) =>
				state.storage.sql
					.exec("SELECT name FROM sqlite_master WHERE name = 'alerts_firing_by_receipt'")
					.toArray(),
			);
		await batch(integration_key, keys("r", 100));
		expect(await receiptIndex()).toEqual([]);
		expect(await repeatCost()).toBeLessThanOrEqual(1.1);

		const on = { settings: { auto_resolve_after: "1h", rate_limit: null } };
		expect((await admin("PATCH", `/integrations/${id}`, on)).status).toBe(200);
		expect(await receiptIndex()).toEqual([{ name: "alerts_firing_by_receipt" }]);
		// The counters, and the alert's entry moved in the index the alarm times alerts out by.
		expect(await repeatCost()).toBeGreaterThanOrEqual(2);

		const off = { settings: { auto_resolve_after: null, rate_limit: null } };
		expect((await admin("PATCH", `/integrations/${id}`, off)).status).toBe(200);
		expect(await receiptIndex()).toEqual([]);
		expect(await repeatCost()).toBeLessThanOrEqual(1.1);
	});

	it("a batch of 100 new alerts runs a handful of statements, not some for each alert", async () => {
		const { id, integration_key } = await unlimitedIntegration();
		await batch(integration_key, keys("warm", 100));
		await alarmsUntilIdle(id);
		const statements = await statementsOf(id);
		const reply = await batch(integration_key, keys("held", 100));
		expect(reply.status).toBe(200);
		expect((reply.body.data as { results: unknown[] }).results).toHaveLength(100);
		// Two reads for all the keys (their firing alerts, their flapping records), one write for
		// each kind of row, the counters, the receipt's bookkeeping.
		expect(statements.length).toBeLessThanOrEqual(16);
		// And all of it landed: the warm-up's 100 and these, each with its incident, whose row holds
		// its timeline's first entry (the table holds none of them).
		const counts = await runInDurableObject(integrationStub(id), (_object, state) =>
			state.storage.sql
				.exec(
					`SELECT (SELECT count(*) FROM alerts WHERE status = 'firing') AS alerts,
						(SELECT count(*) FROM incidents) AS incidents,
						(SELECT count(*) FROM incident_alerts) AS links,
						(SELECT count(*) FROM incidents WHERE opening IS NOT NULL) AS entries,
						(SELECT count(*) FROM incident_timeline) AS tabled,
						(SELECT count(*) FROM key_flaps) AS flaps`,
				)
				.one(),
		);
		expect(counts).toEqual({
			alerts: 200,
			incidents: 200,
			links: 200,
			entries: 200,
			tabled: 0,
			flaps: 200,
		});
	});

	it("gives new alerts and incidents ids that grow with time, so their index entries go last", async () => {
		const { id, integration_key } = await unlimitedIntegration();
		expect((await batch(integration_key, keys("first", 50))).status).toBe(200);
		await new Promise((resolve) => setTimeout(resolve, 2));
		expect((await batch(integration_key, keys("second", 50))).status).toBe(200);
		const rows = await runInDurableObject(integrationStub(id), (_object, state) =>
			state.storage.sql
				.exec<{ alert: string; incident: string; key: string }>(
					`SELECT a.id AS alert, ia.incident_id AS incident, a.alert_key AS key
					 FROM alerts a JOIN incident_alerts ia ON ia.alert_id = a.id ORDER BY a.seq`,
				)
				.toArray(),
		);
		expect(rows).toHaveLength(100);
		const v7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
		for (const row of rows) {
			expect(row.alert).toMatch(v7);
			expect(row.incident).toMatch(v7);
		}
		// Each later batch's ids sort after every id of the one before.
		const newest = (prefix: string, column: "alert" | "incident") =>
			rows
				.filter((row) => row.key.startsWith(prefix))
				.map((row) => row[column])
				.sort();
		for (const column of ["alert", "incident"] as const) {
			const last = newest("first", column).at(-1) ?? "";
			expect(last < (newest("second", column)[0] ?? "")).toBe(true);
		}
	});

	it("mirrors a flood of 2,500 new incidents to D1 in two alarm runs, the second at once", async () => {
		const { id, integration_key } = await unlimitedIntegration();
		for (let from = 0; from < 2_500; from += 100) {
			expect((await batch(integration_key, keys("flood", 100, from))).status).toBe(200);
		}
		expect(await runAlarm(id)).toBe(true);
		expect(await mirroredCount(id)).toBe(2_000);
		expect(await alarmAt(id)).toBeLessThanOrEqual(Date.now());
		expect(await runAlarm(id)).toBe(true);
		expect(await mirroredCount(id)).toBe(2_500);
		expect(await alarmsUntilIdle(id)).toBe(0);
	});

	it("mirrors incidents opened and changed between two runs at their newest state, once", async () => {
		const { id, integration_key } = await unlimitedIntegration();
		expect((await batch(integration_key, keys("m", 3))).status).toBe(200);
		expect(await alarmsUntilIdle(id)).toBe(1);
		// Between two runs: one mirrored incident changes, one opens and changes, one only opens.
		expect((await batch(integration_key, keys("m", 2, 3))).status).toBe(200);
		const ok = (alert_key: string) => ({ event_status: "Ok", alert_key });
		const resolved = await call("POST", `/push/${integration_key}/batch`, {
			headers: { "Content-Type": "application/json" },
			body: { events: [ok("m-0"), ok("m-3")] },
		});
		expect(resolved.status).toBe(200);
		// One run takes all of it (later runs are upkeep: the resolved keys' flapping records).
		expect(await runAlarm(id)).toBe(true);
		const held = await runInDurableObject(integrationStub(id), (_object, state) =>
			state.storage.sql
				.exec<{ id: string; status: string; version: number }>(
					"SELECT id, status, version FROM incidents ORDER BY id",
				)
				.toArray(),
		);
		const { results: listed } = await env.DB.prepare(
			"SELECT id, status, version FROM incidents WHERE integration_id = ? ORDER BY id",
		)
			.bind(id)
			.all();
		expect(listed).toEqual(held);
		const waiting = await runInDurableObject(integrationStub(id), (_object, state) =>
			state.storage.sql.exec("SELECT id FROM incidents WHERE version > mirrored_version").toArray(),
		);
		expect(waiting).toEqual([]);
		expect(held.filter((incident) => incident.status === "resolved")).toHaveLength(2);
		expect(held.map((incident) => incident.version).sort()).toEqual([1, 1, 1, 2, 2]);
	});

	it("a push sends its incident's three notifications, claiming and settling them in one statement each", async () => {
		const path = unique("costs");
		const { integration_key, id } = await notifiedIntegration([
			webhook(`${path}/a`),
			webhook(`${path}/b`),
			webhook(`${path}/c`),
		]);
		const statements = await statementsOf(id);
		expect((await batch(integration_key, ["paged"])).status).toBe(200);
		await runAlarm(id); // waits for the push's sends to settle
		expect(await received(path)).toHaveLength(3);
		// The three targets were told of one change: its action links were signed once for all.
		const links = (await receivedBodies(path)).map((body) => body.links);
		expect(links[0].resolve).toMatch(/\/actions\/resolve\./);
		expect(links).toEqual([links[0], links[0], links[0]]);
		const changes = statements.filter((query) => query.startsWith("UPDATE outbox SET status"));
		// One claim, one settle: not one of each per notification.
		expect(changes).toHaveLength(2);
		// Its incident read once; its timeline's count of routine entries, known to be none when it
		// opened, written once for the three, and its three entries in one (the push's own
		// "triggered" entry apart).
		expect(
			statements.filter((query) => query.startsWith("SELECT * FROM incidents WHERE id")),
		).toHaveLength(1);
		const counts = statements.filter((query) => query.includes("INTO incident_timeline_counts"));
		expect(counts).toHaveLength(1);
		expect(counts[0]).toContain("jsonb_each");
		const inserts = statements.filter((query) => query.includes("INTO incident_timeline ("));
		expect(inserts.filter((query) => query.includes("jsonb_each"))).toHaveLength(1);
		const [incident] = (await admin("GET", `/incidents?integration_id=${id}`)).body.data.incidents;
		const entries = (await admin("GET", `/incidents/${incident.id}/timeline`)).body.data.entries;
		expect(entries.filter((entry: { type: string }) => entry.type === "notified")).toHaveLength(3);
	});

	it("a notification costs at most 16 SQLite rows written, queued to delivered, and 4 in D1", async () => {
		const path = unique("rows");
		const quiet = await unlimitedIntegration();
		const paged = await notifiedIntegration([
			webhook(`${path}/a`),
			webhook(`${path}/b`),
			webhook(`${path}/c`),
		]);
		/** What 20 new alerts (after 20 that warm up) and the alarm runs after them wrote, per alert. */
		const cost = async ({ id, integration_key }: { id: string; integration_key: string }) => {
			const stub = integrationStub(id);
			await batch(integration_key, keys("warm", 20));
			await alarmsUntilIdle(id);
			const start = await stub.usage();
			expect((await batch(integration_key, keys("paged", 20))).status).toBe(200);
			await alarmsUntilIdle(id);
			return delta(await stub.usage(), start, 20);
		};
		const without = await cost(quiet);
		const told = await cost(paged);
		expect(await received(path)).toHaveLength(3 * 40);
		// Each alert told three targets: what that added, per notification.
		const perNotification = (told.rows_written - without.rows_written) / 3;
		// The row with its five indexes, the target's state (1: no rowid), claimed and settled (the
		// row and the partial indexes it enters and leaves), its timeline entry and counter (1 each:
		// no rowid), its mirror mark.
		expect(perNotification).toBeLessThanOrEqual(16.1);
		// D1: the delivery (no rowid) and its three listing indexes, written once it was delivered.
		expect((told.d1_rows_written - without.d1_rows_written) / 3).toBeLessThanOrEqual(4.1);
	});
});
