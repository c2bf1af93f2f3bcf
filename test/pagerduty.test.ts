import { describe, expect, it } from "vitest";
import { normalizePagerDuty } from "../src/sources/pagerduty/normalize";
import {
	admin,
	call,
	createIntegration,
	goldenCases,
	goldenFixture,
	listAlerts,
	push,
	type Reply,
	runAlarm,
} from "./helpers";
import { createChannel, firstIncident } from "./incident-helpers";

/** Alert events' fixtures (change events' have their own test file). */
const cases = goldenCases("pagerduty").filter(([name]) => !name.startsWith("change-"));
/** The receive time the golden files assume for events that carry none. */
const RECEIVED_AT = 1_800_000_000_000;

function enqueue(body: unknown) {
	return call("POST", "/v2/enqueue", {
		body: typeof body === "string" ? body : JSON.stringify(body),
		headers: { "Content-Type": "application/json" },
	});
}

/** A PagerDuty-shaped refusal; returns its errors. */
function expectPagerDutyError(reply: Reply, status: number, kind = "invalid event"): string[] {
	const body = reply.body as unknown as { status: string; message: string; errors: string[] };
	if (reply.status !== status || body.status !== kind) {
		throw new Error(`expected ${status} ${kind}, got ${reply.status} ${JSON.stringify(body)}`);
	}
	expect(reply.body.request_id).toBe(reply.headers.get("X-Request-Id"));
	return body.errors;
}

function pagerDutyIntegration(channelId?: string) {
	return createIntegration("pd", "pagerduty", {}, channelId);
}

const trigger = (routing_key: string, over: Record<string, unknown> = {}) => ({
	routing_key,
	event_action: "trigger",
	payload: { summary: "disk full on db-1", source: "db-1", severity: "error" },
	...over,
});

describe("golden files: each documented or recorded event → its normalized event", () => {
	it("has a golden file for all 5 events", () => {
		expect(cases).toHaveLength(5);
	});

	it.each(cases)("%s", async (_name, text, expected) => {
		const normalized = await normalizePagerDuty(JSON.parse(text), RECEIVED_AT);
		if (!normalized.ok) throw new Error(normalized.problem);
		const { event, dedupKey } = normalized.value;
		expect({ dedup_key: dedupKey, event }).toEqual(expected);
	});
});

describe("POST /v2/enqueue", () => {
	it("takes PagerDuty's documented trigger and answers as PagerDuty does", async () => {
		const { id, integration_key } = await pagerDutyIntegration();
		const [, text, expected] = cases.find(([name]) => name === "docs-trigger.json") ?? [];
		const body = { ...JSON.parse(text ?? "{}"), routing_key: integration_key };
		const reply = await enqueue(body);
		expect(reply.status).toBe(202);
		expect(reply.body).toEqual({
			status: "success",
			message: "Event processed",
			dedup_key: "samplekeyhere",
		});
		const [alert] = (await listAlerts(id)).alerts;
		expect(alert).toMatchObject({
			alert_key: "samplekeyhere",
			status: "firing",
			severity: "info",
			title: expected.event.title,
			labels: expected.event.labels,
			images: expected.event.images,
			links: expected.event.links,
			first_event_at: "2015-07-17T08:42:58.315Z",
		});
	});

	it("generates a dedup_key when none is given, and a retried trigger updates the same alert", async () => {
		const { id, integration_key } = await pagerDutyIntegration();
		const first = await enqueue(trigger(integration_key));
		const retry = await enqueue(trigger(integration_key));
		expect(first.status).toBe(202);
		const dedupKey = (first.body as unknown as { dedup_key: string }).dedup_key;
		expect(dedupKey).toMatch(/^[0-9a-f]{32}$/);
		expect(retry.body).toEqual(first.body);
		const { alerts } = await listAlerts(id);
		expect(alerts).toHaveLength(1);
		expect(alerts[0]).toMatchObject({ alert_key: dedupKey, event_count: 2, severity: "critical" });
	});

	it("maps critical and error to critical, warning to warning, info to info", async () => {
		const { id, integration_key } = await pagerDutyIntegration();
		for (const severity of ["critical", "error", "warning", "info"]) {
			const payload = { summary: severity, source: "h", severity };
			await enqueue(trigger(integration_key, { dedup_key: severity, payload }));
		}
		const severities = Object.fromEntries(
			(await listAlerts(id)).alerts.map((a) => [a.alert_key, a.severity]),
		);
		expect(severities).toEqual({
			critical: "critical",
			error: "critical",
			warning: "warning",
			info: "info",
		});
	});

	it("acknowledges the alert's incidents, then resolves them; a repeat changes nothing", async () => {
		const channel = await createChannel();
		const { id, integration_key } = await pagerDutyIntegration(channel.id);
		await enqueue(trigger(integration_key, { dedup_key: "db-1/disk" }));
		const ack = { routing_key: integration_key, dedup_key: "db-1/disk" };
		const acknowledged = await enqueue({ ...ack, event_action: "acknowledge" });
		expect(acknowledged.status).toBe(202);
		await runAlarm(id);
		expect(await firstIncident(`?integration_id=${id}`)).toMatchObject({
			status: "acknowledged",
		});
		// More triggers while acknowledged join the same alert and incident.
		await enqueue(trigger(integration_key, { dedup_key: "db-1/disk" }));
		const resolved = await enqueue({ ...ack, event_action: "resolve" });
		expect(resolved.body).toMatchObject({ status: "success", dedup_key: "db-1/disk" });
		expect(await enqueue({ ...ack, event_action: "resolve" })).toMatchObject({ status: 202 });
		await runAlarm(id);
		const incident = await firstIncident(`?integration_id=${id}`);
		expect(incident).toMatchObject({ status: "resolved", alert_count: 1 });
		const { alerts } = await listAlerts(id);
		expect(alerts).toHaveLength(1);
		expect(alerts[0]).toMatchObject({ status: "resolved", resolved_by: "event", event_count: 3 });
	});

	it("drops an acknowledge or resolve for a key with nothing firing, as PagerDuty does", async () => {
		const { id, integration_key } = await pagerDutyIntegration();
		for (const event_action of ["acknowledge", "resolve"]) {
			const reply = await enqueue({
				routing_key: integration_key,
				dedup_key: "none",
				event_action,
			});
			expect(reply.status).toBe(202);
		}
		expect((await listAlerts(id)).alerts).toHaveLength(0);
	});

	it("takes what a real Alertmanager's PagerDuty receiver sends, trigger and resolve", async () => {
		const { id, integration_key } = await pagerDutyIntegration();
		for (const name of ["alertmanager-0.25-trigger.json", "alertmanager-0.25-resolve.json"]) {
			const text = goldenFixture("pagerduty", name);
			const reply = await enqueue(text.replace("agk_routingkey", integration_key));
			expect(reply.status).toBe(202);
		}
		const [alert] = (await listAlerts(id)).alerts;
		expect(alert).toMatchObject({
			title: "[FIRING:1] DiskFull (db-1:9100 node critical)",
			severity: "critical",
			status: "resolved",
		});
	});

	it("also takes events at the integration's push URL", async () => {
		const { id, integration_key } = await pagerDutyIntegration();
		const reply = await push(integration_key, trigger("ignored", { dedup_key: "k" }));
		expect(reply.status).toBe(202);
		expect((await listAlerts(id)).alerts[0]?.alert_key).toBe("k");
	});
});

describe("refusals in PagerDuty's shape", () => {
	it("answers a body that is not JSON as PagerDuty does", async () => {
		const reply = await enqueue("{not json");
		expect(expectPagerDutyError(reply, 400, "Unrecognized object")).toEqual(["JSON parse error"]);
	});

	it.each([
		["no routing_key", () => ({ event_action: "trigger" }), "routing_key is required"],
		[
			"a trigger without payload",
			(key: string) => ({ routing_key: key, event_action: "trigger" }),
			"payload is required for a trigger",
		],
		[
			"a blank summary",
			(key: string) => trigger(key, { payload: { summary: " ", source: "h", severity: "info" } }),
			"payload.summary must not be blank",
		],
		[
			"an unknown severity",
			(key: string) => trigger(key, { payload: { summary: "s", source: "h", severity: "high" } }),
			"payload.severity must be critical, error, warning or info",
		],
		[
			"an unknown event_action",
			(key: string) => ({ routing_key: key, event_action: "snooze", dedup_key: "k" }),
			"event_action must be trigger, acknowledge or resolve",
		],
		[
			"a resolve without dedup_key",
			(key: string) => ({ routing_key: key, event_action: "resolve" }),
			"dedup_key is required for resolve",
		],
		[
			"a bad timestamp",
			(key: string) =>
				trigger(key, {
					payload: { summary: "s", source: "h", severity: "info", timestamp: "yesterday" },
				}),
			"payload.timestamp must be an ISO 8601 date-time",
		],
		[
			"a dedup_key over 255 characters",
			(key: string) => trigger(key, { dedup_key: "k".repeat(256) }),
			"dedup_key must be at most 255 characters",
		],
	])("refuses %s with 400 naming the field, and stores nothing", async (_case, body, message) => {
		const { id, integration_key } = await pagerDutyIntegration();
		const errors = expectPagerDutyError(await enqueue(body(integration_key)), 400);
		expect(errors.join(" ")).toContain(message);
		expect((await listAlerts(id)).alerts).toHaveLength(0);
	});

	it("refuses an unknown routing key, and a key of another type, with 400", async () => {
		const unknown = `agk_${"A".repeat(22)}${"B".repeat(43)}`;
		const errors = expectPagerDutyError(await enqueue(trigger(unknown)), 400);
		expect(errors[0]).toContain("routing_key matches no integration");
		const standard = await createIntegration();
		const wrong = expectPagerDutyError(await enqueue(trigger(standard.integration_key)), 400);
		expect(wrong[0]).toContain("takes the keys of pagerduty integrations");
		expect(wrong[0]).not.toContain(standard.integration_key);
	});

	it("answers 429 with Retry-After when rate limited, and the event is not stored", async () => {
		const { id, integration_key } = await pagerDutyIntegration();
		await admin("PATCH", `/integrations/${id}`, {
			settings: { rate_limit: { per_second: 1, burst: 1 } },
		});
		expect((await enqueue(trigger(integration_key, { dedup_key: "a" }))).status).toBe(202);
		const limited = await enqueue(trigger(integration_key, { dedup_key: "b" }));
		expectPagerDutyError(limited, 429, "throttle exceeded");
		expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
		expect((await listAlerts(id)).alerts.map((a) => a.alert_key)).toEqual(["a"]);
	});
});
