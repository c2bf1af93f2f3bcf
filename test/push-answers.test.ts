import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Receipts } from "../src/durable/state/receipts";
import { admin, call, createIntegration, integrationStub, listAlerts, runAlarm } from "./helpers";
import {
	fire,
	incidentsOf,
	integrationWithChannel,
	labelEquals,
	recover,
} from "./incident-helpers";

/**
 * A push's answer says what became of each alert: the incident the event opened or joined, or
 * what keeps it quiet (`muted_by`), the same in a replay of an idempotent push.
 */

const HOUR = 3_600_000;

async function silence(integrationId: string, body: Record<string, unknown> = {}) {
	const reply = await admin("POST", "/silences", {
		matchers: [labelEquals("muted", "yes")],
		integration_ids: [integrationId],
		comment: "push answers",
		created_by: "test",
		ends_at: new Date(Date.now() + HOUR).toISOString(),
		...body,
	});
	expect(reply.status).toBe(201);
	return reply.body.data.id as string;
}

const answerOf = async (reply: Promise<{ status: number; body: { data?: unknown } }>) => {
	const { status, body } = await reply;
	expect(status).toBe(200);
	return body.data as Record<string, unknown>;
};

describe("a push's answer", () => {
	it("names the incident an alert opened, and the one the next alert of its group joined", async () => {
		const { id, integration_key } = await integrationWithChannel({ group_by: ["service"] });
		const first = await answerOf(fire(integration_key, "a", { labels: { service: "db" } }));
		await runAlarm(id);
		const [incident] = await incidentsOf(id);
		expect(first).toMatchObject({ result: "opened", incident_id: incident?.id, muted_by: null });
		const second = await answerOf(fire(integration_key, "b", { labels: { service: "db" } }));
		expect(second).toMatchObject({ result: "opened", incident_id: incident?.id, muted_by: null });
		// A repeat and a recovery place the alert in nothing.
		expect(await answerOf(fire(integration_key, "a", { labels: { service: "db" } }))).toMatchObject(
			{
				result: "updated",
				incident_id: null,
				muted_by: null,
			},
		);
		expect(await answerOf(recover(integration_key, "a"))).toMatchObject({
			result: "resolved",
			incident_id: null,
			muted_by: null,
		});
	});

	it("says a silence, a maintenance window or an inhibit rule muted it, and the API says the same", async () => {
		const { id, integration_key } = await integrationWithChannel();
		await silence(id);
		// Always in its window: every day, the whole day.
		const days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
		await silence(id, {
			matchers: [labelEquals("window", "yes")],
			ends_at: null,
			schedule: { days, start: "00:00", end: "24:00", time_zone: "UTC" },
		});
		const rule = await admin("POST", "/inhibit-rules", {
			source_matchers: [labelEquals("alertname", "NodeDown")],
			target_matchers: [labelEquals("alertname", "DiskFull")],
			equal: ["instance"],
			integration_ids: [id],
		});
		expect(rule.status).toBe(201);

		const silenced = await answerOf(fire(integration_key, "s", { labels: { muted: "yes" } }));
		expect(silenced).toMatchObject({ result: "opened", incident_id: null, muted_by: "silence" });
		const windowed = await answerOf(fire(integration_key, "w", { labels: { window: "yes" } }));
		expect(windowed).toMatchObject({ incident_id: null, muted_by: "maintenance_window" });
		await fire(integration_key, "node", { labels: { alertname: "NodeDown", instance: "a" } });
		const inhibited = await answerOf(
			fire(integration_key, "disk", { labels: { alertname: "DiskFull", instance: "a" } }),
		);
		expect(inhibited).toMatchObject({ incident_id: null, muted_by: "inhibit_rule" });
		// A repeat of a muted alert says it is still muted.
		expect(await answerOf(fire(integration_key, "s", { labels: { muted: "yes" } }))).toMatchObject({
			result: "updated",
			muted_by: "silence",
		});

		const { alerts } = await listAlerts(id, "?limit=100");
		const mutedBy = Object.fromEntries(alerts.map((alert) => [alert.alert_key, alert.muted_by]));
		expect(mutedBy).toEqual({
			s: "silence",
			w: "maintenance_window",
			node: null,
			disk: "inhibit_rule",
		});
		await admin("DELETE", `/inhibit-rules/${rule.body.data.id}`);
	});

	it("says flapping kept an alert quiet", async () => {
		const { id, integration_key } = await integrationWithChannel();
		for (let round = 0; round < 2; round++) {
			await fire(integration_key, "flappy");
			await runAlarm(id);
			await recover(integration_key, "flappy");
			await runAlarm(id);
		}
		expect(await answerOf(fire(integration_key, "flappy"))).toMatchObject({
			result: "opened",
			incident_id: null,
			muted_by: "flapping",
		});
	});

	it("is the same when an idempotent push is replayed, for each alert of a batch", async () => {
		const { id, integration_key } = await integrationWithChannel();
		await silence(id);
		const batch = [
			{ event_status: "Warning", alert_key: "routed", title_rule: "routed" },
			{
				event_status: "Warning",
				alert_key: "quiet",
				title_rule: "quiet",
				labels: { muted: "yes" },
			},
		];
		const headers = { "Idempotency-Key": `answers-${crypto.randomUUID()}` };
		const send = () =>
			call("POST", `/push/${integration_key}/batch`, {
				body: { events: batch },
				headers: { "Content-Type": "application/json", ...headers },
			});
		const first = await send();
		expect(first.status).toBe(200);
		const results = (first.body.data as { results: Record<string, unknown>[] }).results;
		expect(results).toMatchObject([
			{ result: "opened", muted_by: null, incident_id: expect.any(String) },
			{ result: "opened", muted_by: "silence", incident_id: null },
		]);
		const again = await send();
		expect(again.status).toBe(200);
		expect(again.body.data).toEqual(first.body.data);
		expect(again.headers.get("Idempotent-Replayed")).toBe("true");
	});

	it("is answered from a record written before these fields, with them null", async () => {
		const { id } = await createIntegration();
		const replayed = await runInDurableObject(integrationStub(id), (_object, state) => {
			const alertId = crypto.randomUUID();
			const insert =
				"INSERT INTO deliveries (key, fingerprint, body, received_at) VALUES (?, ?, ?, ?)";
			state.storage.sql.exec(
				insert,
				"compact",
				"f",
				JSON.stringify({ results: [`of${alertId}`] }),
				0,
			);
			const full = [
				{ alert_key: "k", alert_id: alertId, alert_status: "firing", result: "opened" },
			];
			state.storage.sql.exec(insert, "full", "f", JSON.stringify(full), 0);
			const receipts = new Receipts(state.storage.sql);
			return [
				alertId,
				receipts.lookup({ key: "compact", fingerprint: "f" }, ["k"]),
				receipts.lookup({ key: "full", fingerprint: "f" }, ["k"]),
			] as const;
		});
		const [alertId, ...lookups] = replayed;
		for (const lookup of lookups) {
			expect(lookup).toEqual({
				kind: "replay",
				data: [
					{
						alert_key: "k",
						alert_id: alertId,
						alert_status: "firing",
						result: "opened",
						incident_id: null,
						muted_by: null,
					},
				],
			});
		}
	});
});
