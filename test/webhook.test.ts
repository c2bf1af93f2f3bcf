import { describe, expect, it, vi } from "vitest";
import { PRESETS, type PresetName } from "../src/sources/webhook/presets";
import {
	admin,
	createIntegration,
	expectError,
	getIntegration,
	goldenCases,
	listAlerts,
	push,
	settingsRefusal,
} from "./helpers";

/**
 * The `webhook` integration type through the worker: settings checked when saved, any JSON body
 * mapped into alerts by a preset or JSONata expressions, refusals that name the mapping's field.
 */

const cases = goldenCases("webhook");
const presets = Object.keys(PRESETS) as PresetName[];
const presetOf = (file: string) => presets.find((name) => file.startsWith(`${name}-`));

/** What a golden event would show in a preview (a recovery's severity is its alert's). */
function previewed(event: {
	action: string;
	alert_key: string;
	title: string;
	severity?: string;
	description: string;
	labels: Record<string, string>;
}) {
	return {
		alert_key: event.alert_key,
		status: event.action === "trigger" ? "firing" : "resolved",
		// Nothing fires in a fresh integration: a trigger opens, a recovery changes nothing.
		result: event.action === "trigger" ? "opened" : "ignored",
		title: event.title,
		severity: event.action === "trigger" ? event.severity : null,
		description: event.description,
		labels: event.labels,
		channels: [],
		silenced_by: null,
		suppressed_by: null,
	};
}

describe("webhook presets through the worker", () => {
	it.each(cases)("%s previews as its golden events", async (file, text, expected) => {
		const preset = presetOf(file);
		const integration = await createIntegration(`preset ${preset}`, "webhook", { preset });
		const reply = await admin("POST", `/integrations/${integration.id}/preview`, text);
		expect(reply.status).toBe(200);
		expect(reply.body.data).toEqual({ alerts: expected.map(previewed), dropped: 0 });
	});

	it.each(cases)("%s pushes and stores its alerts", async (file, text, expected) => {
		const preset = presetOf(file);
		const integration = await createIntegration(`preset ${preset}`, "webhook", { preset });
		const reply = await push(integration.integration_key, text);
		expect(reply.status).toBe(200);
		const fired = expected.filter((event: { action: string }) => event.action === "trigger");
		expect(reply.body.data.results.map((one: { result: string }) => one.result)).toEqual(
			expected.map((event: { action: string }) =>
				event.action === "trigger" ? "opened" : "ignored",
			),
		);
		const { alerts } = await listAlerts(integration.id);
		expect(alerts.map((alert: { alert_key: string }) => alert.alert_key).sort()).toEqual(
			fired.map((event: { alert_key: string }) => event.alert_key).sort(),
		);
	});

	it("resolves what fired: GitHub's failed run, then its successful one", async () => {
		const integration = await createIntegration("ci", "webhook", {
			preset: "github_workflow_run",
		});
		const failure = cases.find(([file]) => file === "github_workflow_run-failure.json");
		const success = cases.find(([file]) => file === "github_workflow_run-success.json");
		if (failure === undefined || success === undefined) throw new Error("fixtures missing");
		expect((await push(integration.integration_key, failure[1])).body.data.results).toEqual([
			expect.objectContaining({ result: "opened", alert_status: "firing" }),
		]);
		expect((await push(integration.integration_key, success[1])).body.data.results).toEqual([
			expect.objectContaining({ result: "resolved", alert_status: "resolved" }),
		]);
	});
});

describe("webhook mappings of one's own", () => {
	const mapping = {
		alerts: "checks[state != 'pending']",
		alert_key: "$body.service & '/' & name",
		status: "state = 'ok' ? 'resolved' : 'firing'",
		title: "name & ' is ' & state",
		severity: "level",
		labels: "{'service': $body.service, 'region': region}",
		event_time: "at",
	};
	const body = {
		service: "checkout",
		checks: [
			{ name: "latency", state: "bad", level: "P2", region: "eu", at: "2026-12-01T10:00:00Z" },
			{ name: "errors", state: "pending", level: "P1", region: "eu" },
			{ name: "disk", state: "bad", level: "minor", region: "us", at: 1_764_583_200 },
		],
	};

	it("splits one body into alerts, with the body as $body and severity words read", async () => {
		const integration = await createIntegration("own", "webhook", { mapping });
		const reply = await push(integration.integration_key, body);
		expect(reply.status).toBe(200);
		expect(reply.body.data.results.map((one: { alert_key: string }) => one.alert_key)).toEqual([
			"checkout/latency",
			"checkout/disk",
		]);
		const { alerts } = await listAlerts(integration.id);
		const latency = alerts.find(
			(alert: { alert_key: string }) => alert.alert_key === "checkout/latency",
		);
		expect(latency).toMatchObject({
			title: "latency is bad",
			severity: "critical",
			labels: { service: "checkout", region: "eu" },
			first_event_at: "2026-12-01T10:00:00.000Z",
		});
		const disk = alerts.find((alert: { alert_key: string }) => alert.alert_key === "checkout/disk");
		expect(disk).toMatchObject({ severity: "warning", first_event_at: "2025-12-01T10:00:00.000Z" });

		const recovered = { service: "checkout", checks: [{ name: "latency", state: "ok" }] };
		const closing = await push(integration.integration_key, recovered);
		expect(closing.body.data.results).toEqual([
			expect.objectContaining({ alert_key: "checkout/latency", result: "resolved" }),
		]);
	});

	it("answers a body the mapping cannot turn into an alert with 400 naming the field, storing nothing", async () => {
		const integration = await createIntegration("strict", "webhook", { mapping });
		const bad = { service: "checkout", checks: [{ name: "x", state: "bad", at: "yesterday" }] };
		const message = expectError(await push(integration.integration_key, bad), 400, "MappingFailed");
		expect(message).toContain("settings.mapping.event_time");
		const noTitle = await createIntegration("no title", "webhook", {
			mapping: { title: "missing.field", alert_key: "id" },
		});
		const untitled = expectError(
			await push(noTitle.integration_key, { id: "1" }),
			400,
			"MappingFailed",
		);
		expect(untitled).toContain("settings.mapping.title");
		expect((await listAlerts(integration.id)).alerts).toEqual([]);
		expect((await listAlerts(noTitle.id)).alerts).toEqual([]);
		expect((await getIntegration(integration.id)).event_count).toBe(0);
	});

	it("logs a refused body's field and JSONata code, never the body's values", async () => {
		const integration = await createIntegration("logged", "webhook", {
			mapping: { title: "$string($number(secret))" },
		});
		const spy = vi.spyOn(console, "log").mockImplementation(() => {});
		try {
			const reply = await push(integration.integration_key, { secret: "hunter2-in-a-body" });
			expect(expectError(reply, 400, "MappingFailed")).toContain("hunter2-in-a-body");
			const lines = spy.mock.calls.map(([line]) => String(line));
			const refused = lines.find((line) => line.includes('"push_refused"'));
			expect(refused).toContain('"reason":"settings.mapping.title failed (D3030)"');
			expect(lines.join("\n")).not.toContain("hunter2");
		} finally {
			spy.mockRestore();
		}
	});

	it("bounds evaluation: a mapping that never ends is stopped with a clear 400", async () => {
		const integration = await createIntegration("loop", "webhook", {
			mapping: {
				title: "($f := function($n) { $n = 0 ? 'done' : $f($n - 1) & '' }; $f(100000))",
			},
		});
		const message = expectError(await push(integration.integration_key, {}), 400, "MappingFailed");
		expect(message).toMatch(/settings\.mapping\.title/);
		const busy = await createIntegration("busy", "webhook", {
			mapping: { title: "$string($count([1..10000000]))" },
		});
		const work = expectError(await push(busy.integration_key, {}), 400, "MappingFailed");
		expect(work).toMatch(/settings\.mapping\.title: evaluation stopped/);
	});

	it("refuses settings it cannot use when they are saved, naming the setting", async () => {
		expect(await settingsRefusal("webhook", {})).toMatch(/needs a preset or a mapping/);
		expect(await settingsRefusal("webhook", { preset: "nagios" })).toMatch(
			/settings\.preset "nagios" is not a preset; the presets are grafana_oncall/,
		);
		expect(await settingsRefusal("webhook", { mapping: { title: "$foo(" } })).toMatch(
			/^settings\.mapping\.title does not parse: /,
		);
		expect(await settingsRefusal("webhook", { mapping: { titel: "x" } })).toMatch(
			/settings\.mapping has no field titel: the fields are alerts, alert_key/,
		);
		expect(await settingsRefusal("webhook", { mapping: { alert_key: "id" } })).toMatch(
			/settings\.mapping\.title is required/,
		);
		expect(await settingsRefusal("webhook", { mapping: { title: "x".repeat(5000) } })).toMatch(
			/settings\.mapping\.title has 5000 characters/,
		);
		expect(
			await settingsRefusal("webhook", { mapping: { title: "$replace(t, /a(?=b)/, '')" } }),
		).toMatch(/settings\.mapping\.title: the pattern \/a\(\?=b\)\/ is not RE2 syntax/);
	});

	it("keeps the settings when a change is refused, and takes a preset's fields with its own over them", async () => {
		const integration = await createIntegration("change", "webhook", { preset: "sentry" });
		const refused = await admin("PATCH", `/integrations/${integration.id}`, {
			settings: { mapping: { title: "(" } },
		});
		expectError(refused, 400, "InvalidParameter");
		expect((await getIntegration(integration.id)).settings).toMatchObject({ preset: "sentry" });
		expect((await getIntegration(integration.id)).settings.mapping).toBeUndefined();

		const changed = await admin("PATCH", `/integrations/${integration.id}`, {
			settings: { mapping: { title: "'Sentry: ' & data.issue.title" } },
		});
		expect(changed.status).toBe(200);
		const created = cases.find(([file]) => file === "sentry-issue-created.json");
		if (created === undefined) throw new Error("fixture missing");
		const preview = await admin("POST", `/integrations/${integration.id}/preview`, created[1]);
		expect(preview.body.data.alerts[0]).toMatchObject({
			alert_key: "sentry/1170820242",
			title: "Sentry: ReferenceError: blooopy is not defined",
		});
	});

	it("takes a preset or a mapping away with null, keeping one of them", async () => {
		const integration = await createIntegration("switch", "webhook", {
			preset: "sentry",
			mapping: { title: "'custom'" },
		});
		const own = await admin("PATCH", `/integrations/${integration.id}`, {
			settings: { preset: null, mapping: { title: "name", alert_key: "id" } },
		});
		expect(own.status).toBe(200);
		const previewed = await admin("POST", `/integrations/${integration.id}/preview`, {
			id: "7",
			name: "queue stuck",
		});
		expect(previewed.body.data.alerts[0]).toMatchObject({ alert_key: "7", title: "queue stuck" });
		expect(
			expectError(
				await admin("PATCH", `/integrations/${integration.id}`, { settings: { mapping: null } }),
				400,
				"InvalidParameter",
			),
		).toMatch(/needs a preset or a mapping/);
	});

	it("makes a retry with the same Idempotency-Key a replay", async () => {
		const integration = await createIntegration("retried", "webhook", { mapping });
		const headers = { "Idempotency-Key": "delivery-1" };
		await push(integration.integration_key, body, headers);
		const again = await push(integration.integration_key, body, headers);
		expect(again.headers.get("Idempotent-Replayed")).toBe("true");
		expect((await listAlerts(integration.id)).alerts).toHaveLength(2);
	});
});
