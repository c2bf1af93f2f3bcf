import { describe, expect, it } from "vitest";
import { labelsFingerprint } from "../src/sources/alertmanager/fingerprint";
import { normalizeWebhookAlerts } from "../src/sources/alertmanager/normalize";
import { AlertmanagerWebhook } from "../src/sources/alertmanager/schema";
import {
	admin,
	call,
	createIntegration,
	expectError,
	goldenCases,
	goldenFixture,
	listAlerts,
	moveClock,
	push,
	runAlarm,
} from "./helpers";

const cases = goldenCases("alertmanager");
const fixture = (name: string) => goldenFixture("alertmanager", name);
const RECEIVED_AT = 1_800_000_000_000;

async function alertmanagerIntegration(settings: Record<string, unknown> = {}) {
	return createIntegration("alertmanager", "alertmanager", settings);
}

/** What Prometheus posts to an Alertmanager's API v2. */
function postAlerts(path: string, alerts: unknown, headers: Record<string, string> = {}) {
	return call("POST", `${path}/api/v2/alerts`, {
		body: JSON.stringify(alerts),
		headers: { "Content-Type": "application/json", ...headers },
	});
}

const diskFull = {
	alertname: "DiskFull",
	instance: "db-1:9100",
	job: "node",
	severity: "critical",
};
const iso = (ms: number) => new Date(ms).toISOString();

describe("the fingerprint", () => {
	it("is the one a real Alertmanager 0.25 computed for the recorded alert", () => {
		expect(labelsFingerprint(diskFull)).toBe("8c77d5865e910658");
	});

	it("does not depend on the order labels come in", () => {
		const reversed = Object.fromEntries(Object.entries(diskFull).reverse());
		expect(labelsFingerprint(reversed)).toBe(labelsFingerprint(diskFull));
		expect(labelsFingerprint({ ...diskFull, job: "node2" })).not.toBe("8c77d5865e910658");
	});
});

describe("golden files: each recorded or documented webhook → its normalized events", () => {
	it("has a golden file for all 3 webhooks", () => {
		expect(cases).toHaveLength(3);
	});

	it.each(cases)("%s", async (_name, text, expected) => {
		const { alerts } = AlertmanagerWebhook.parse(JSON.parse(text));
		expect(await normalizeWebhookAlerts(alerts, RECEIVED_AT)).toEqual({
			ok: true,
			value: expected,
		});
	});
});

describe("the webhook receiver (Alertmanager webhook_configs, Grafana's webhook contact point)", () => {
	it("opens the recorded alert and resolves it with the recorded resolve", async () => {
		const { id, integration_key } = await alertmanagerIntegration();
		const opened = await push(integration_key, fixture("alertmanager-0.25-firing.json"));
		expect(opened.status).toBe(200);
		expect(opened.body.data.results).toEqual([
			expect.objectContaining({ alert_key: "8c77d5865e910658", result: "opened" }),
		]);
		// Alertmanager repeats a group's notification: the same alert, updated.
		const repeated = await push(integration_key, fixture("alertmanager-0.25-firing.json"));
		expect(repeated.body.data.results[0].result).toBe("updated");
		const resolved = await push(integration_key, fixture("alertmanager-0.25-resolved.json"));
		expect(resolved.body.data.results[0].result).toBe("resolved");
		const again = await push(integration_key, fixture("alertmanager-0.25-resolved.json"));
		expect(again.body.data.results[0].result).toBe("ignored");
		const { alerts } = await listAlerts(id);
		expect(alerts).toHaveLength(1);
		expect(alerts[0]).toMatchObject({
			status: "resolved",
			severity: "critical",
			title: "Disk almost full on db-1",
			resolved_at: "2026-11-22T06:32:44.000Z",
			links: [
				{
					href: "http://prometheus.example.com:9090/graph?g0.expr=disk_free%3C0.03",
					text: "Source",
				},
				{ href: "https://runbooks.example.com/disk", text: "Runbook" },
			],
		});
	});

	it("opens one alert per alert of Grafana's documented payload", async () => {
		const { id, integration_key } = await alertmanagerIntegration();
		const reply = await push(integration_key, fixture("grafana-webhook.json"));
		expect(reply.status).toBe(200);
		const keys = (await listAlerts(id)).alerts.map((a) => a.alert_key).sort();
		expect(keys).toEqual(["bc97ff14869b13e3", "c6eadffa33fcdf37"]);
	});

	it.each([
		["Authorization: Bearer (http_config.authorization)", (key: string) => `Bearer ${key}`],
		[
			"Basic auth (http_config.basic_auth)",
			(key: string) => `Basic ${btoa(`alertmanager:${key}`)}`,
		],
	])("takes the key as %s at /push", async (_how, authorization) => {
		const { id, integration_key } = await alertmanagerIntegration();
		const reply = await call("POST", "/push", {
			body: fixture("alertmanager-0.25-firing.json"),
			headers: {
				"Content-Type": "application/json",
				Authorization: authorization(integration_key),
			},
		});
		expect(reply.status).toBe(200);
		expect((await listAlerts(id)).alerts).toHaveLength(1);
	});

	it("maps labels.severity to the severity, warning when absent or unknown", async () => {
		const { id, integration_key } = await alertmanagerIntegration();
		const alert = (severity: string | undefined) => ({
			status: "firing",
			labels: { alertname: `a-${severity}`, ...(severity ? { severity } : {}) },
		});
		const given = ["CRITICAL", "error", "page", "warning", "info", "none", "bogus", undefined];
		await push(integration_key, { alerts: given.map(alert) });
		const bySeverity = Object.fromEntries(
			(await listAlerts(id)).alerts.map((a) => [a.labels.alertname, a.severity]),
		);
		expect(bySeverity).toEqual({
			"a-CRITICAL": "critical",
			"a-error": "critical",
			"a-page": "critical",
			"a-warning": "warning",
			"a-info": "info",
			"a-none": "info",
			"a-bogus": "warning",
			"a-undefined": "warning",
		});
	});

	it("refuses an invalid alert naming it, and stores none of the webhook's alerts", async () => {
		const { id, integration_key } = await alertmanagerIntegration();
		const body = {
			alerts: [
				{ status: "firing", labels: { alertname: "ok" } },
				{ status: "pending", labels: { alertname: "bad" } },
			],
		};
		const message = expectError(await push(integration_key, body), 400, "InvalidParameter");
		expect(message).toBe("alerts[1].status must be firing or resolved");
		expect((await listAlerts(id)).alerts).toHaveLength(0);
	});

	it("points a Prometheus alert list posted to the push URL at /api/v2/alerts", async () => {
		const { integration_key } = await alertmanagerIntegration();
		const message = expectError(
			await push(integration_key, [{ labels: diskFull }]),
			400,
			"InvalidParameter",
		);
		expect(message).toContain("/api/v2/alerts");
	});

	it("answers 503, which Alertmanager retries, when over the rate limit", async () => {
		// Counted in alerts: one left after the first webhook, and Grafana's carries two.
		const { id, integration_key } = await alertmanagerIntegration({
			rate_limit: { per_second: 1, burst: 2 },
		});
		expect((await push(integration_key, fixture("alertmanager-0.25-firing.json"))).status).toBe(
			200,
		);
		const limited = await push(integration_key, fixture("grafana-webhook.json"));
		expectError(limited, 503, "RateLimited");
		expect(limited.headers.get("Retry-After")).toBeTruthy();
		expect((await listAlerts(id)).alerts).toHaveLength(1);
	});
});

describe("Prometheus direct: the Alertmanager API v2 at <push URL>/api/v2/alerts", () => {
	it("opens a firing alert keyed by Alertmanager's fingerprint, lasting until its endsAt", async () => {
		const { id, integration_key } = await alertmanagerIntegration();
		const endsAt = Date.now() + 4 * 60_000;
		const reply = await postAlerts(`/push/${integration_key}`, [
			{
				labels: diskFull,
				annotations: { summary: "Disk almost full on db-1" },
				startsAt: iso(Date.now() - 60_000),
				endsAt: iso(endsAt),
				generatorURL: "http://prometheus:9090/graph?g0.expr=x",
			},
		]);
		expect(reply.status).toBe(200);
		const [alert] = (await listAlerts(id)).alerts;
		expect(alert).toMatchObject({
			alert_key: "8c77d5865e910658",
			status: "firing",
			severity: "critical",
			title: "Disk almost full on db-1",
			expires_at: iso(endsAt),
			links: [{ href: "http://prometheus:9090/graph?g0.expr=x", text: "Source" }],
		});
	});

	it("resolves an alert whose endsAt has passed", async () => {
		const { id, integration_key } = await alertmanagerIntegration();
		const path = `/push/${integration_key}`;
		const startsAt = iso(Date.now() - 60_000);
		await postAlerts(path, [{ labels: diskFull, startsAt, endsAt: iso(Date.now() + 60_000) }]);
		const endedAt = Date.now() - 1_000;
		await postAlerts(path, [{ labels: diskFull, startsAt, endsAt: iso(endedAt) }]);
		const [alert] = (await listAlerts(id)).alerts;
		expect(alert).toMatchObject({
			status: "resolved",
			resolved_by: "event",
			resolved_at: iso(endedAt),
		});
	});

	it("starts an alert without startsAt when it ends, as Alertmanager does (amtool --end)", async () => {
		const { id, integration_key } = await alertmanagerIntegration();
		const path = `/push/${integration_key}`;
		await postAlerts(path, [{ labels: diskFull }]);
		const endedAt = Date.now() - 1_000;
		const reply = await postAlerts(path, [{ labels: diskFull, endsAt: iso(endedAt) }]);
		expect(reply.status).toBe(200);
		const [alert] = (await listAlerts(id)).alerts;
		expect(alert).toMatchObject({ status: "resolved", resolved_by: "event" });
	});

	it("resolves a firing alert at its endsAt when Prometheus stops sending it (a real alarm)", async () => {
		const { id, integration_key } = await alertmanagerIntegration();
		const path = `/push/${integration_key}`;
		const endsAt = Date.now() + 60_000;
		await postAlerts(path, [
			{ labels: diskFull, endsAt: iso(endsAt) },
			{ labels: { ...diskFull, instance: "db-2:9100" }, endsAt: iso(endsAt) },
		]);
		// Prometheus re-sends db-2 only: its end moves on, db-1's does not.
		await postAlerts(path, [
			{ labels: { ...diskFull, instance: "db-2:9100" }, endsAt: iso(endsAt + 10 * 60_000) },
		]);
		await moveClock(id, 2 * 60_000);
		await runAlarm(id);
		const byInstance = Object.fromEntries(
			(await listAlerts(id)).alerts.map((a) => [a.labels.instance, a]),
		);
		expect(byInstance["db-1:9100"]).toMatchObject({
			status: "resolved",
			resolved_by: "timeout",
			resolved_at: iso(endsAt),
		});
		expect(byInstance["db-2:9100"]).toMatchObject({ status: "firing" });
	});

	it("gives an alert without endsAt the integration's resolve_timeout (5m by default)", async () => {
		const { id, integration_key } = await alertmanagerIntegration();
		const before = Date.now();
		await postAlerts(`/push/${integration_key}`, [{ labels: diskFull }]);
		const [alert] = (await listAlerts(id)).alerts;
		const expires = Date.parse(alert?.expires_at ?? "");
		expect(expires).toBeGreaterThanOrEqual(before + 5 * 60_000);
		expect(expires).toBeLessThanOrEqual(Date.now() + 5 * 60_000);
	});

	it.each([
		["Bearer (authorization)", (key: string) => `Bearer ${key}`],
		["Basic (basic_auth)", (key: string) => `Basic ${btoa(`prometheus:${key}`)}`],
	])("takes the key as %s with path_prefix /push", async (_how, authorization) => {
		const { id, integration_key } = await alertmanagerIntegration();
		const reply = await postAlerts("/push", [{ labels: diskFull }], {
			Authorization: authorization(integration_key),
		});
		expect(reply.status).toBe(200);
		expect((await listAlerts(id)).alerts).toHaveLength(1);
	});

	it("refuses as Alertmanager does, with the message as a JSON string", async () => {
		const { id, integration_key } = await alertmanagerIntegration();
		const path = `/push/${integration_key}`;
		const noLabels = await postAlerts(path, [{ labels: diskFull }, { annotations: {} }]);
		expect(noLabels.status).toBe(400);
		expect(noLabels.body).toBe("[1].labels is required");
		const backwards = await postAlerts(path, [
			{ labels: diskFull, startsAt: iso(Date.now()), endsAt: iso(Date.now() - 60_000) },
		]);
		expect(backwards.body).toBe("[0].endsAt must not be before startsAt");
		expect((await listAlerts(id)).alerts).toHaveLength(0);
		const unknown = await postAlerts(`/push/agk_${"A".repeat(22)}${"B".repeat(43)}`, []);
		expect(unknown.status).toBe(404);
		expect(typeof unknown.body).toBe("string");
	});

	it("refuses the key of another integration type", async () => {
		const { integration_key } = await createIntegration();
		const reply = await postAlerts(`/push/${integration_key}`, [{ labels: diskFull }]);
		expect(reply.status).toBe(400);
		expect(reply.body).toContain("takes the keys of alertmanager integrations");
	});

	it("takes a resolve_timeout setting and refuses a bad one", async () => {
		const { id } = await alertmanagerIntegration({ resolve_timeout: "1h" });
		const bad = await admin("PATCH", `/integrations/${id}`, {
			settings: { resolve_timeout: "5s" },
		});
		expect(expectError(bad, 400, "InvalidParameter")).toContain("settings.resolve_timeout");
	});
});
