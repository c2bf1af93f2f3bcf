import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_CHANNELS } from "../src/db/channels";
import { MAX_INTEGRATIONS } from "../src/db/integrations";
import { MAX_FIRING_ALERTS } from "../src/durable/push-intake";
import { Alerts } from "../src/durable/state/alerts";
import { envelope, pushEvent } from "./eventbridge-helpers";
import { warning } from "./factories";
import {
	admin,
	alarmAt,
	createIntegration,
	expectError,
	integrationStub,
	listAlerts,
	moveClock,
	push,
	runAlarm,
	settingsRefusal,
} from "./helpers";
import { createChannel, fire, incidentsOf, recover } from "./incident-helpers";

const DAY = 86_400_000;

describe("resolved history is kept for the retention, then pruned with the D1 mirror in step", () => {
	it("forgets resolved alerts and incidents past settings.retention, keeps what still fires", async () => {
		const { id, integration_key } = await createIntegration("short memory", "standard", {
			retention: "7d",
		});
		await fire(integration_key, "old");
		await recover(integration_key, "old");
		await fire(integration_key, "still-firing");
		await runAlarm(id);
		expect(await incidentsOf(id)).toHaveLength(2);

		await moveClock(id, 6 * DAY);
		await runAlarm(id);
		expect((await listAlerts(id)).alerts).toHaveLength(2);

		await moveClock(id, 2 * DAY);
		await runAlarm(id);
		const kept = (await listAlerts(id)).alerts;
		expect(kept.map((alert) => alert.alert_key)).toEqual(["still-firing"]);
		const listed = await incidentsOf(id);
		expect(listed.map((incident) => incident.title)).toEqual(["still-firing"]);
		// The pruned key's ordering memory went too; the key opens afresh.
		expect((await fire(integration_key, "old")).body.data.result).toBe("opened");
	});

	it("schedules its own alarm for when the oldest history passes the retention", async () => {
		const { id, integration_key } = await createIntegration();
		await fire(integration_key, "a");
		await recover(integration_key, "a");
		await runAlarm(id);
		const due = await alarmAt(id);
		expect(due).toBeGreaterThan(Date.now() + 29 * DAY);
		expect(due).toBeLessThan(Date.now() + 31 * DAY);
	});

	it("keeps an old resolved alert while an open incident still holds it", async () => {
		const channel = await createChannel({ group_by: ["service"] });
		const { id, integration_key } = await createIntegration(
			"grouped",
			"standard",
			{ retention: "1d" },
			channel.id,
		);
		await fire(integration_key, "a", { labels: { service: "api" } });
		await fire(integration_key, "b", { labels: { service: "api" } });
		await recover(integration_key, "a");
		await moveClock(id, 2 * DAY);
		await runAlarm(id);
		expect((await listAlerts(id)).alerts.map((alert) => alert.alert_key).sort()).toEqual([
			"a",
			"b",
		]);
	});

	it("prunes past a count as well as an age (the oldest first, in batches)", async () => {
		const { id, integration_key } = await createIntegration();
		for (const key of ["k1", "k2", "k3", "k4"]) {
			await push(integration_key, warning(key));
			await push(integration_key, { event_status: "Ok", alert_key: key });
		}
		// Their incidents first (they hold the alerts), then the alerts, keeping the newest two.
		const pruned = await runInDurableObject(integrationStub(id), (_o, state) => {
			state.storage.sql.exec("DELETE FROM incident_alerts");
			return new Alerts(state.storage.sql).pruneResolved(0, 2, 500);
		});
		expect(pruned).toBe(2);
		expect((await listAlerts(id)).alerts.map((alert) => alert.alert_key)).toEqual(["k4", "k3"]);
	});

	it.each([["12h"], ["400d"], ["forever"], [null]])("refuses retention %j", async (retention) => {
		expect(await settingsRefusal("standard", { retention })).toContain(
			"settings.retention must be a duration from 1d to 365d",
		);
	});
});

/** `count` firing alerts written straight into an integration's object (pushing 10,000 is slow). */
function fillFiring(id: string, count: number) {
	return runInDurableObject(integrationStub(id), (_o, state) => {
		state.storage.sql.exec(
			`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
			 INSERT INTO alerts (id, alert_key, status, severity, title, description, labels, images,
				event_count, first_event_at, last_event_at, last_received_at)
			 SELECT 'filler-' || i, 'filler-' || i, 'firing', 'info', 't', '', '{}', '[]', 1, 0, 0, 0 FROM n`,
			count,
		);
	});
}

describe("caps", () => {
	it(`holds at most ${MAX_FIRING_ALERTS} alerts firing: a new one gets 429, updates still go through, and a batch is all or nothing`, async () => {
		const { id, integration_key } = await createIntegration("eventbridge", "aws_eventbridge");
		// Up to the cap, before the object counts.
		await fillFiring(id, MAX_FIRING_ALERTS - 2);
		await push(integration_key, warning("first"));
		// One place left: a Security Hub batch of two new findings would need two.
		const findings = (ids: string[]) =>
			envelope("aws.securityhub", "Security Hub Findings - Imported", {
				findings: ids.map((findingId) => ({
					Id: findingId,
					Title: findingId,
					Severity: { Label: "HIGH" },
					Workflow: { Status: "NEW" },
					RecordState: "ACTIVE",
				})),
			});
		const refused = await pushEvent(integration_key, findings(["f1", "f2"]));
		expectError(refused, 429, "TooManyOpenAlerts");
		expect(refused.headers.get("Retry-After")).toBe("60");
		const count = () =>
			runInDurableObject(integrationStub(id), (_o, state) =>
				Number(
					state.storage.sql.exec("SELECT count(*) AS n FROM alerts WHERE status = 'firing'").one()
						.n,
				),
			);
		expect(await count()).toBe(MAX_FIRING_ALERTS - 1);
		// Updates of firing alerts and recoveries are never refused.
		const update = await push(integration_key, {
			event_status: "Critical",
			title_rule: "first",
			alert_key: "first",
		});
		expect(update.body.data.result).toBe("updated");
		expect((await pushEvent(integration_key, findings(["f1"]))).status).toBe(200);
		expect(await count()).toBe(MAX_FIRING_ALERTS);
		expectError(
			await push(integration_key, warning("x", { title_rule: "one more" })),
			429,
			"TooManyOpenAlerts",
		);
		expect(
			(await push(integration_key, { event_status: "Ok", alert_key: "first" })).body.data.result,
		).toBe("resolved");
	});

	it("answers a retried delivery with its first answer even when the cap would refuse it now", async () => {
		const { id, integration_key } = await createIntegration();
		const headers = { "Idempotency-Key": "before-the-cap" };
		const disk = warning("disk", { title_rule: "disk full" });
		const first = await push(integration_key, disk, headers);
		expect(first.body.data.result).toBe("opened");
		await push(integration_key, { event_status: "Ok", alert_key: "disk" });
		await fillFiring(id, MAX_FIRING_ALERTS);
		// The object starts over, so it counts what it holds now.
		await evictDurableObject(integrationStub(id));
		// Applied again, the event would open a new alert over the cap; it is a retry, so it is not.
		const retry = await push(integration_key, disk, headers);
		expect(retry.status).toBe(200);
		expect(retry.headers.get("Idempotent-Replayed")).toBe("true");
		expect(retry.body.data).toEqual(first.body.data);
		// A new delivery is refused as before.
		expectError(await push(integration_key, disk), 429, "TooManyOpenAlerts");
	});

	it(`holds at most ${MAX_INTEGRATIONS} integrations and ${MAX_CHANNELS} channels`, async () => {
		const fill = (table: string, max: number) =>
			env.DB.prepare(
				table === "integrations"
					? `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
					   INSERT INTO integrations (id, name, type, key_hash, created_at)
					   SELECT 'fill-' || i, 'fill', 'standard', 'hash-' || i, 0 FROM n`
					: `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
					   INSERT INTO channels (id, name, description, group_by, created_at, updated_at)
					   SELECT 'fill-' || i, 'fill', '', '[]', 0, 0 FROM n`,
			)
				.bind(max)
				.run();
		const existing = async (table: string) =>
			Number(
				(await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>())?.n,
			);
		await fill("integrations", MAX_INTEGRATIONS - (await existing("integrations")));
		await fill("channels", MAX_CHANNELS - (await existing("channels")));
		try {
			expectError(
				await admin("POST", "/integrations", { name: "one too many", type: "standard" }),
				409,
				"IntegrationLimitReached",
			);
			expectError(
				await admin("POST", "/channels", { name: "one too many" }),
				409,
				"ChannelLimitReached",
			);
		} finally {
			await env.DB.batch([
				env.DB.prepare("DELETE FROM integrations WHERE id LIKE 'fill-%'"),
				env.DB.prepare("DELETE FROM channels WHERE id LIKE 'fill-%'"),
			]);
		}
		expect((await admin("POST", "/channels", { name: "room again" })).status).toBe(201);
	});
});
