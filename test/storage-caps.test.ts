import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_RECEIPT_BYTES, MAX_RECEIPTS } from "../src/durable/state/receipts";
import { MAX_RESOLVED_KEPT } from "../src/durable/upkeep";
import { call, createIntegration, integrationStub } from "./helpers";

const event = (key: string, status = "Warning") => ({
	event_status: status,
	title_rule: key,
	// Long keys, as a sender may send them: a record need not repeat them.
	alert_key: `${key}-${"k".repeat(200)}`,
	labels: { service: "api" },
});

/** One number from the integration object's SQLite. */
function count(id: string, query: string): Promise<number> {
	return runInDurableObject(integrationStub(id), (_o, state) =>
		Number(state.storage.sql.exec(query).one().n),
	);
}

describe("idempotency records hold what a replay needs", () => {
	it("stores a 100-event batch's results compactly, and a retry is answered exactly as the first time", async () => {
		const { id, integration_key } = await createIntegration();
		const body = { events: Array.from({ length: 100 }, (_, i) => event(`e${i}`)) };
		const headers = { "Idempotency-Key": "big-batch" };
		const path = `/push/${integration_key}/batch`;
		const first = await call("POST", path, { body, headers });
		expect(first.status).toBe(200);
		// An alert id and an incident id (36 each) and four letters a result, where the full
		// results took about 360 B each.
		const stored = await count(id, "SELECT length(body) AS n FROM deliveries");
		expect(stored).toBeLessThan(100 * 82);
		const retry = await call("POST", path, { body, headers });
		expect(retry.headers.get("Idempotent-Replayed")).toBe("true");
		expect(retry.body.data).toEqual(first.body.data);
	});
});

describe("idempotency records are capped by size as well as by count", () => {
	it(`holds them to ${MAX_RECEIPT_BYTES / 1024 / 1024} MiB, forgetting the oldest first, when the alarm runs`, async () => {
		const { id, integration_key } = await createIntegration();
		// 70 records of 1 MiB each, written straight in: more than the cap by size, far under by count.
		await runInDurableObject(integrationStub(id), (_o, state) => {
			state.storage.sql.exec(
				`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 70)
				 INSERT INTO deliveries (key, fingerprint, body, received_at)
				 SELECT 'big-' || i, 'f', hex(zeroblob(524288)), ? + i FROM n`,
				Date.now() - 60_000,
			);
		});
		await call("POST", `/push/${integration_key}`, {
			body: event("after"),
			headers: { "Idempotency-Key": "newest" },
		});
		await runDurableObjectAlarm(integrationStub(id));
		const bytes = await count(
			id,
			"SELECT sum(2 * length(key) + length(fingerprint) + length(body)) AS n FROM deliveries",
		);
		expect(bytes).toBeLessThanOrEqual(MAX_RECEIPT_BYTES);
		expect(bytes).toBeGreaterThan(MAX_RECEIPT_BYTES - 2 * 1048576);
		expect(await count(id, "SELECT count(*) AS n FROM deliveries WHERE key = 'big-1'")).toBe(0);
		expect(
			await count(id, "SELECT count(*) AS n FROM deliveries WHERE key = 'idempotency:newest'"),
		).toBe(1);
	});

	it(`holds them to ${MAX_RECEIPTS} by count, with the totals the alarm keeps`, async () => {
		const { id, integration_key } = await createIntegration();
		await runInDurableObject(integrationStub(id), (_o, state) => {
			state.storage.sql.exec(
				`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
				 INSERT INTO deliveries (key, fingerprint, body, received_at)
				 SELECT 'r-' || i, 'f', '{"results":[]}', ? + i FROM n`,
				MAX_RECEIPTS + 10,
				Date.now() - 600_000,
			);
		});
		// Any push sets the alarm (its counters are mirrored to D1).
		await call("POST", `/push/${integration_key}`, { body: event("after") });
		await runDurableObjectAlarm(integrationStub(id));
		expect(await count(id, "SELECT count(*) AS n FROM deliveries")).toBe(MAX_RECEIPTS);
		expect(await count(id, "SELECT rows AS n FROM receipt_totals")).toBe(MAX_RECEIPTS);
	});
});

describe("the resolved-alert cap holds during a flood", () => {
	it(`prunes the oldest in the push that passes ${MAX_RESOLVED_KEPT}, without waiting for the alarm`, async () => {
		const { id, integration_key } = await createIntegration();
		// The cap reached, written straight in (pushing 100,000 alerts is slow).
		await runInDurableObject(integrationStub(id), (_o, state) => {
			state.storage.sql.exec(
				`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
				 INSERT INTO alerts (id, alert_key, status, severity, title, description, labels, images,
					event_count, first_event_at, last_event_at, resolved_at, resolved_by, last_received_at)
				 SELECT 'old-' || i, 'old-' || i, 'resolved', 'info', 't', '', '{}', '[]', 1, ?2, ?2, ?2,
					'event', ?2 FROM n`,
				MAX_RESOLVED_KEPT,
				Date.now() - 60_000,
			);
		});
		// A flood: 50 alerts open and resolve in one batch, with no alarm run between.
		const keys = Array.from({ length: 50 }, (_, i) => `flood-${i}`);
		const reply = await call("POST", `/push/${integration_key}/batch`, {
			body: {
				events: [...keys.map((key) => event(key)), ...keys.map((key) => event(key, "Ok"))],
			},
		});
		expect(reply.status).toBe(200);
		const resolved = "SELECT count(*) AS n FROM alerts WHERE status = 'resolved'";
		expect(await count(id, resolved)).toBe(MAX_RESOLVED_KEPT);
		// The oldest went; the flood's own alerts (their incidents hold them) stayed.
		expect(await count(id, "SELECT count(*) AS n FROM alerts WHERE id = 'old-1'")).toBe(0);
		expect(await count(id, "SELECT count(*) AS n FROM alerts WHERE alert_key LIKE 'flood-%'")).toBe(
			50,
		);
	});
});
