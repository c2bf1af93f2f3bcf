import { describe, expect, it } from "vitest";
import { normalizeOpsgenieCreate } from "../src/sources/opsgenie/normalize";
import {
	admin,
	call,
	createIntegration,
	getIntegration,
	goldenCases,
	goldenFixture,
	listAlerts,
	push,
	type Reply,
	runAlarm,
} from "./helpers";
import { createChannel, firstIncident } from "./incident-helpers";

const cases = goldenCases("opsgenie");
/** The receive time the golden files assume (Opsgenie requests carry none). */
const RECEIVED_AT = 1_800_000_000_000;

type OpsgenieBody = { result?: string; message?: string; took: number; requestId: string };

/** One Opsgenie Alert API call: the key as `GenieKey`, unless `headers` say otherwise. */
function opsgenie(
	path: string,
	key: string | null,
	body?: unknown,
	headers: Record<string, string> = {},
) {
	return call("POST", path, {
		body: body === undefined || typeof body === "string" ? body : JSON.stringify(body),
		headers: {
			"Content-Type": "application/json",
			...(key === null ? {} : { Authorization: `GenieKey ${key}` }),
			...headers,
		},
	});
}

const create = (key: string | null, body: unknown, headers?: Record<string, string>) =>
	opsgenie("/v2/alerts", key, body, headers);

/** Close or acknowledge `identifier`; `query` is the query string, `?identifierType=alias` etc. */
const act = (action: "close" | "acknowledge", key: string, identifier: string, query = "") =>
	opsgenie(`/v2/alerts/${encodeURIComponent(identifier)}/${action}${query}`, key, {
		source: "tests",
		user: "Monitoring Script",
		note: "Action executed via Alert API",
	});

/** Opsgenie's answer: 202 "Request will be processed", the request id also in X-Request-Id. */
function expectAccepted(reply: Reply) {
	const body = reply.body as unknown as OpsgenieBody;
	if (reply.status !== 202)
		throw new Error(`expected 202, got ${reply.status} ${JSON.stringify(body)}`);
	expect(body).toEqual({
		result: "Request will be processed",
		took: expect.any(Number),
		requestId: reply.headers.get("X-Request-Id"),
	});
}

/** An Opsgenie-shaped refusal ({message, took, requestId}); returns its message. */
function expectOpsgenieError(reply: Reply, status: number): string {
	const body = reply.body as unknown as OpsgenieBody;
	if (reply.status !== status) {
		throw new Error(`expected ${status}, got ${reply.status} ${JSON.stringify(body)}`);
	}
	expect(Object.keys(body).sort()).toEqual(["message", "requestId", "took"]);
	expect(body.requestId).toBe(reply.headers.get("X-Request-Id"));
	return body.message ?? "";
}

const opsgenieIntegration = (channelId?: string) =>
	createIntegration("og", "opsgenie", {}, channelId);

const alert = (over: Record<string, unknown> = {}) => ({
	message: "disk full on db-1",
	alias: "db-1/disk",
	...over,
});

describe("golden files: each documented or recorded request → its normalized event", () => {
	it("has a golden file for all 3 creates", () => {
		expect(cases).toHaveLength(3);
	});

	it.each(cases)("%s", async (_name, text, expected) => {
		const normalized = await normalizeOpsgenieCreate(JSON.parse(text), RECEIVED_AT);
		if (!normalized.ok) throw new Error(normalized.problem);
		const { event, alias } = normalized.value;
		expect({ alias, event }).toEqual(expected);
	});
});

describe("POST /v2/alerts (Create Alert)", () => {
	it("takes Opsgenie's documented request and answers as Opsgenie does", async () => {
		const { id, integration_key } = await opsgenieIntegration();
		const [, text, expected] = cases.find(([name]) => name === "docs-create.json") ?? [];
		expectAccepted(await create(integration_key, text));
		const [stored] = (await listAlerts(id)).alerts;
		expect(stored).toMatchObject({
			alert_key: "Life is too short for no alias",
			status: "firing",
			severity: "critical",
			title: expected.event.title,
			description: "Every alert needs a description",
			labels: {
				entity: "An example entity",
				tags: "OverwriteQuietHours,Critical",
				key1: "value1",
				key2: "value2",
			},
		});
	});

	it("reads P1 and P2 as critical, P3 (the default) as warning, P4 and P5 as info", async () => {
		const { id, integration_key } = await opsgenieIntegration();
		for (const priority of ["P1", "P2", "P3", "P4", "P5"]) {
			expectAccepted(await create(integration_key, alert({ alias: priority, priority })));
		}
		expectAccepted(await create(integration_key, alert({ alias: "none" })));
		const severities = Object.fromEntries(
			(await listAlerts(id)).alerts.map((a) => [a.alert_key, a.severity]),
		);
		expect(severities).toEqual({
			P1: "critical",
			P2: "critical",
			P3: "warning",
			P4: "info",
			P5: "info",
			none: "warning",
		});
	});

	it("puts tags in one label and details under their own names, never over source or entity", async () => {
		const { id, integration_key } = await opsgenieIntegration();
		const body = alert({
			tags: ["db", "", "disk"],
			details: { service: "postgres", source: "from details", replicas: 3, on: true },
			source: "nagios",
			entity: "db-1",
		});
		expectAccepted(await create(integration_key, body));
		expect((await listAlerts(id)).alerts[0]?.labels).toEqual({
			source: "nagios",
			entity: "db-1",
			tags: "db,disk",
			service: "postgres",
			replicas: "3",
			on: "true",
		});
	});

	it("derives an alias when none is given, so a retried create updates the same alert", async () => {
		const { id, integration_key } = await opsgenieIntegration();
		const body = { message: "backup failed", entity: "db-1" };
		expectAccepted(await create(integration_key, body));
		expectAccepted(await create(integration_key, body));
		const { alerts } = await listAlerts(id);
		expect(alerts).toHaveLength(1);
		expect(alerts[0]?.alert_key).toMatch(/^[0-9a-f]{32}$/);
		expect(alerts[0]?.event_count).toBe(2);
	});

	it("keeps a repeated create with the same alias as one alert, as Opsgenie's deduplication does", async () => {
		const { id, integration_key } = await opsgenieIntegration();
		expectAccepted(await create(integration_key, alert()));
		expectAccepted(await create(integration_key, alert({ message: "disk still full" })));
		const { alerts } = await listAlerts(id);
		expect(alerts).toHaveLength(1);
		expect(alerts[0]).toMatchObject({ event_count: 2, title: "disk still full" });
	});

	it("takes the key in X-Integration-Key, Bearer or ?integration_key=, and a create at the push URL", async () => {
		const { id, integration_key } = await opsgenieIntegration();
		expectAccepted(
			await create(null, alert({ alias: "header" }), { "X-Integration-Key": integration_key }),
		);
		expectAccepted(
			await create(null, alert({ alias: "bearer" }), {
				Authorization: `Bearer ${integration_key}`,
			}),
		);
		expectAccepted(
			await opsgenie(`/v2/alerts?integration_key=${integration_key}`, null, alert({ alias: "q" })),
		);
		expectAccepted(await push(integration_key, alert({ alias: "push-url" })));
		const keys = (await listAlerts(id)).alerts.map((a) => a.alert_key).sort();
		expect(keys).toEqual(["bearer", "header", "push-url", "q"]);
	});
});

describe("POST /v2/alerts/{identifier}/close and /acknowledge", () => {
	it("acknowledges the alert's incidents, then closes it, by alias; a repeat changes nothing", async () => {
		const channel = await createChannel();
		const { id, integration_key } = await opsgenieIntegration(channel.id);
		expectAccepted(await create(integration_key, alert()));
		expectAccepted(await act("acknowledge", integration_key, "db-1/disk", "?identifierType=alias"));
		await runAlarm(id);
		expect(await firstIncident(`?integration_id=${id}`)).toMatchObject({
			status: "acknowledged",
		});
		expectAccepted(await act("close", integration_key, "db-1/disk", "?identifierType=alias"));
		expectAccepted(await act("close", integration_key, "db-1/disk", "?identifierType=alias"));
		await runAlarm(id);
		expect(await firstIncident(`?integration_id=${id}`)).toMatchObject({ status: "resolved" });
		const { alerts } = await listAlerts(id);
		expect(alerts).toHaveLength(1);
		expect(alerts[0]).toMatchObject({ status: "resolved", resolved_by: "event", event_count: 2 });
	});

	it("reads an id (Opsgenie's default identifierType) or a tiny id as the alias", async () => {
		const channel = await createChannel();
		const { id, integration_key } = await opsgenieIntegration(channel.id);
		expectAccepted(await create(integration_key, alert({ alias: "a" })));
		expectAccepted(await create(integration_key, alert({ alias: "b" })));
		expectAccepted(await act("acknowledge", integration_key, "a"));
		expectAccepted(await act("close", integration_key, "a", "?identifierType=id"));
		expectAccepted(await act("close", integration_key, "b", "?identifierType=tiny"));
		const statuses = Object.fromEntries(
			(await listAlerts(id)).alerts.map((a) => [a.alert_key, a.status]),
		);
		expect(statuses).toEqual({ a: "resolved", b: "resolved" });
	});

	it("takes a close without a body, and closes an alias longer than an alert key", async () => {
		const { id, integration_key } = await opsgenieIntegration();
		const long = "k".repeat(400);
		expectAccepted(await create(integration_key, alert({ alias: long })));
		expectAccepted(
			await opsgenie(`/v2/alerts/${long}/close?identifierType=alias`, integration_key),
		);
		expect((await listAlerts(id)).alerts[0]).toMatchObject({ status: "resolved" });
	});

	it("answers 202 and changes nothing for an alias with nothing firing", async () => {
		const { id, integration_key } = await opsgenieIntegration();
		expectAccepted(await act("close", integration_key, "nothing", "?identifierType=alias"));
		expectAccepted(await act("acknowledge", integration_key, "nothing"));
		expect((await listAlerts(id)).alerts).toHaveLength(0);
	});

	it("takes what a real Alertmanager's Opsgenie receiver sends, create then close", async () => {
		const { id, integration_key } = await opsgenieIntegration();
		const body = goldenFixture("opsgenie", "alertmanager-0.25-create.json");
		const { alias } = JSON.parse(body);
		expectAccepted(await create(integration_key, body));
		expectAccepted(
			await opsgenie(`/v2/alerts/${alias}/close?identifierType=alias`, integration_key, {
				source: "http://vm:19093/#/alerts?receiver=og",
			}),
		);
		expect((await listAlerts(id)).alerts).toEqual([
			expect.objectContaining({
				alert_key: alias,
				title: "[FIRING:1] DiskFull (db-1:9100 node critical)",
				severity: "warning",
				status: "resolved",
			}),
		]);
	});
});

describe("keys, answered in Opsgenie's shape", () => {
	it("refuses a missing key with 403 naming GenieKey", async () => {
		const message = expectOpsgenieError(await create(null, alert()), 403);
		expect(message).toContain("Authorization: GenieKey");
	});

	it("refuses an unknown or malformed key with 403, never 401", async () => {
		const unknown = `agk_${"A".repeat(22)}${"B".repeat(43)}`;
		expectOpsgenieError(await create(unknown, alert()), 403);
		expectOpsgenieError(await create("eb243592-faa2-4ba2-a551q-1afdf565c889", alert()), 403);
		expectOpsgenieError(await act("close", unknown, "x"), 403);
	});

	it("refuses another type's key with 403, without echoing it, and stores nothing", async () => {
		const standard = await createIntegration();
		const message = expectOpsgenieError(await create(standard.integration_key, alert()), 403);
		expect(message).toContain("takes the keys of opsgenie integrations");
		expect(message).not.toContain(standard.integration_key);
		const pagerDuty = await createIntegration("pd", "pagerduty");
		expectOpsgenieError(await act("close", pagerDuty.integration_key, "x"), 403);
		expect((await listAlerts(standard.id)).alerts).toHaveLength(0);
	});
});

describe("validation errors in Opsgenie's shape", () => {
	it("answers a body that is not JSON with 400", async () => {
		const { integration_key } = await opsgenieIntegration();
		expect(expectOpsgenieError(await create(integration_key, "{not json"), 400)).toContain(
			"not valid JSON",
		);
	});

	it.each([
		["no message", { alias: "a" }, "message is required"],
		["a blank message", { message: "  " }, "message must not be blank"],
		["an unknown priority", alert({ priority: "P6" }), "priority must be P1, P2, P3, P4 or P5"],
		["tags as a string", alert({ tags: "db,disk" }), "tags must be an array of strings"],
		["details as a list", alert({ details: ["a"] }), "details must be an object"],
		["a list", [alert()], "the body must be a JSON object"],
	])("refuses %s with 422 naming the field, and stores nothing", async (_case, body, expected) => {
		const { id, integration_key } = await opsgenieIntegration();
		expect(expectOpsgenieError(await create(integration_key, body), 422)).toContain(expected);
		expect((await listAlerts(id)).alerts).toHaveLength(0);
		expect((await getIntegration(id)).intake.refused_count).toEqual({ InvalidParameter: 1 });
	});

	it("refuses an unknown identifierType and a close body that is not an object with 422", async () => {
		const { integration_key } = await opsgenieIntegration();
		const type = await act("close", integration_key, "a", "?identifierType=name");
		expect(expectOpsgenieError(type, 422)).toContain("identifierType must be id, alias or tiny");
		const body = await opsgenie("/v2/alerts/a/close", integration_key, "[1]");
		expect(expectOpsgenieError(body, 422)).toContain("the body must be a JSON object");
	});

	it("answers 429 with Retry-After when rate limited, and the alert is not stored", async () => {
		const { id, integration_key } = await opsgenieIntegration();
		await admin("PATCH", `/integrations/${id}`, {
			settings: { rate_limit: { per_second: 1, burst: 1 } },
		});
		expectAccepted(await create(integration_key, alert({ alias: "a" })));
		const limited = await create(integration_key, alert({ alias: "b" }));
		expectOpsgenieError(limited, 429);
		expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
		expect((await listAlerts(id)).alerts.map((a) => a.alert_key)).toEqual(["a"]);
	});
});

describe("POST /api/v1/integrations/{id}/preview", () => {
	it("shows what a create would become, refuses a bad one in Opsgenie's shape, stores nothing", async () => {
		const { id } = await opsgenieIntegration();
		const shown = await admin(
			"POST",
			`/integrations/${id}/preview`,
			JSON.parse(goldenFixture("opsgenie", "docs-create.json")),
		);
		expect(shown.status).toBe(200);
		expect(shown.body.data.alerts).toEqual([
			expect.objectContaining({
				alert_key: "Life is too short for no alias",
				status: "firing",
				severity: "critical",
			}),
		]);
		const refused = await admin("POST", `/integrations/${id}/preview`, { priority: "P1" });
		expect(expectOpsgenieError(refused, 422)).toContain("message is required");
		expect((await listAlerts(id)).alerts).toHaveLength(0);
	});
});
