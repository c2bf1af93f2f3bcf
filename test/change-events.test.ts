import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { IntegrationDurableObject } from "../src/durable/integration-object";
import { CHANGE_RETENTION_MS, MAX_CHANGES_KEPT } from "../src/durable/state/changes";
import { forgetIntegrations } from "../src/push/lookup";
import { generateRoutingKey, sha256Hex } from "../src/security/secrets";
import { normalizeChange } from "../src/sources/pagerduty/change";
import { page, signIn } from "./dashboard-helpers";
import {
	admin,
	call,
	createIntegration,
	getIntegration,
	giveAddressedKey,
	goldenCases,
	goldenFixture,
	integrationStub,
	listAlerts,
	moveClock,
	type Reply,
	runAlarm,
} from "./helpers";
import { createChannel, incidentsOf } from "./incident-helpers";

/** The receive time the golden files assume for events that carry none. */
const RECEIVED_AT = 1_800_000_000_000;
const MINUTE = 60_000;

const cases = goldenCases("pagerduty").filter(([name]) => name.startsWith("change-"));

afterEach(() => forgetIntegrations());

function changeEnqueue(body: unknown) {
	return call("POST", "/v2/change/enqueue", {
		body: typeof body === "string" ? body : JSON.stringify(body),
		headers: { "Content-Type": "application/json" },
	});
}

function enqueue(body: unknown) {
	return call("POST", "/v2/enqueue", {
		body: JSON.stringify(body),
		headers: { "Content-Type": "application/json" },
	});
}

const change = (routing_key: string, payload: Record<string, unknown> = {}, over = {}) => ({
	routing_key,
	payload: { summary: "deployed api v2", source: "ci", ...payload },
	...over,
});

const trigger = (routing_key: string, dedup_key: string) => ({
	routing_key,
	event_action: "trigger",
	dedup_key,
	payload: { summary: `${dedup_key} is down`, source: "db-1", severity: "critical" },
});

/** A PagerDuty-shaped refusal; returns its errors. */
function pagerDutyErrors(reply: Reply, status = 400, kind = "invalid event"): string[] {
	const body = reply.body as unknown as { status: string; errors: string[] };
	if (reply.status !== status || body.status !== kind) {
		throw new Error(`expected ${status} ${kind}, got ${reply.status} ${JSON.stringify(body)}`);
	}
	return body.errors;
}

async function listChanges(id: string, query = "") {
	const reply = await admin("GET", `/integrations/${id}/changes${query}`);
	if (reply.status !== 200) throw new Error(`list failed: ${JSON.stringify(reply.body)}`);
	return reply.body.data as {
		changes: { id: string; summary: string; timestamp: string; [field: string]: unknown }[];
		next_cursor: string | null;
	};
}

describe("golden files: each documented or sent change event → the change kept", () => {
	it("has a golden file for PagerDuty's documented example and go-pagerduty's body", () => {
		expect(cases.map(([name]) => name).sort()).toEqual([
			"change-docs.json",
			"change-go-pagerduty.json",
		]);
	});

	it.each(cases)("%s", (_name, text, expected) => {
		const normalized = normalizeChange(JSON.parse(text), RECEIVED_AT);
		if (!normalized.ok) throw new Error(normalized.problem);
		expect(normalized.value).toEqual(expected);
	});
});

describe("POST /v2/change/enqueue", () => {
	it("keeps PagerDuty's documented change event, answers as PagerDuty does, and opens nothing", async () => {
		const channel = await createChannel();
		const { id, integration_key } = await createIntegration("pd", "pagerduty", {}, channel.id);
		const body = {
			...JSON.parse(goldenFixture("pagerduty", "change-docs.json")),
			routing_key: integration_key,
		};
		const reply = await changeEnqueue(body);
		expect(reply.status).toBe(202);
		expect(reply.body).toEqual({ status: "success", message: "Change event processed" });

		const { changes, next_cursor } = await listChanges(id);
		expect(next_cursor).toBeNull();
		expect(changes).toEqual([
			{
				id: expect.any(String),
				summary: "Build Success: Increase snapshot create timeout to 30 seconds",
				source: "acme-build-pipeline-tool-default-i-9999",
				timestamp: "2020-07-17T08:42:58.315Z",
				received_at: expect.any(String),
				custom_details: { build_state: "passed", build_number: "2", run_time: "1236s" },
				links: [{ href: "https://acme.pagerduty.dev/build/2", text: "View more details in Acme!" }],
			},
		]);
		expect((await listAlerts(id)).alerts).toEqual([]);
		await runAlarm(id);
		expect(await incidentsOf(id)).toEqual([]);
		expect((await getIntegration(id)).event_count).toBe(0);
	});

	it("takes go-pagerduty's body, and keeps only http(s) links", async () => {
		const { id, integration_key } = await createIntegration("pd", "pagerduty");
		const body = JSON.parse(goldenFixture("pagerduty", "change-go-pagerduty.json"));
		body.routing_key = integration_key;
		body.links.push({ href: "javascript:alert(1)", text: "no" });
		expect((await changeEnqueue(body)).status).toBe(202);
		const [kept] = (await listChanges(id)).changes;
		expect(kept?.links).toEqual([
			{ href: "https://acme.pagerduty.dev/build/2", text: "View more details in Acme!" },
			{ href: "https://acme2.pagerduty.dev/build/2", text: "View more details in Acme2!" },
		]);
	});

	it("takes an addressed key made by an earlier version", async () => {
		const { id } = await createIntegration("pd", "pagerduty");
		const old = await giveAddressedKey(id);
		expect((await changeEnqueue(change(old))).status).toBe(202);
		expect((await listChanges(id)).changes).toHaveLength(1);
	});

	it.each([
		[
			"no summary",
			(key: string) => ({ routing_key: key, payload: { source: "ci" } }),
			"payload.summary",
		],
		[
			"a blank summary",
			(key: string) => change(key, { summary: "  " }),
			"payload.summary must not be blank",
		],
		["no payload", (key: string) => ({ routing_key: key }), "payload is required"],
		[
			"a timestamp that is not a date-time",
			(key: string) => change(key, { timestamp: "2026-04-31T10:00:00Z" }),
			"payload.timestamp must be an ISO 8601 date-time",
		],
		[
			"custom_details over 16 KiB as JSON",
			(key: string) => change(key, { custom_details: { log: "x".repeat(17_000) } }),
			"payload.custom_details must be at most 16384 characters",
		],
		[
			"links that are not a list",
			(key: string) => change(key, {}, { links: "x" }),
			"links must be an array",
		],
	])("refuses %s with 400 naming the field, and keeps nothing", async (_case, body, message) => {
		const { id, integration_key } = await createIntegration("pd", "pagerduty");
		const errors = pagerDutyErrors(await changeEnqueue(body(integration_key)));
		expect(errors.join(" ")).toContain(message);
		expect((await listChanges(id)).changes).toEqual([]);
	});

	it("refuses a body that is not JSON, no routing key, unknown keys and other types' keys", async () => {
		const errors = pagerDutyErrors(await changeEnqueue("{not json"), 400, "Unrecognized object");
		expect(errors).toEqual(["JSON parse error"]);
		const none = pagerDutyErrors(await changeEnqueue({ payload: { summary: "x" } }));
		expect(none[0]).toContain("routing_key is required");
		for (const unknown of [
			generateRoutingKey(),
			`agk_${"A".repeat(22)}${"B".repeat(43)}`,
			"nope",
		]) {
			const refused = pagerDutyErrors(await changeEnqueue(change(unknown)));
			expect(refused[0]).toContain("routing_key matches no integration");
		}
		const standard = await createIntegration();
		const wrong = pagerDutyErrors(await changeEnqueue(change(standard.integration_key)));
		expect(wrong[0]).toContain("/v2/change/enqueue takes the keys of pagerduty integrations");
		expect(wrong[0]).not.toContain(standard.integration_key);
		expect((await listChanges(standard.id)).changes).toEqual([]);
	});

	it("answers 429 over the rate limit, shared with alert events, and keeps nothing", async () => {
		const { id, integration_key } = await createIntegration("pd", "pagerduty");
		await admin("PATCH", `/integrations/${id}`, {
			settings: { rate_limit: { per_second: 1, burst: 1 } },
		});
		expect((await changeEnqueue(change(integration_key))).status).toBe(202);
		const limited = await changeEnqueue(change(integration_key, { summary: "second" }));
		pagerDutyErrors(limited, 429, "throttle exceeded");
		expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
		pagerDutyErrors(await enqueue(trigger(integration_key, "a")), 429, "throttle exceeded");
		expect((await listChanges(id)).changes.map((kept) => kept.summary)).toEqual([
			"deployed api v2",
		]);
		expect((await getIntegration(id)).intake.rate_limited_count).toBe(2);
	});
});

describe("GET /api/v1/integrations/{id}/changes", () => {
	it("lists newest first (by when they happened) with a cursor, each once", async () => {
		const { id, integration_key } = await createIntegration("pd", "pagerduty");
		const base = Date.now() - 60 * MINUTE;
		// Sent out of order: the list follows their timestamps.
		for (const minute of [3, 1, 4, 0, 2]) {
			const at = new Date(base + minute * MINUTE).toISOString();
			const reply = await changeEnqueue(
				change(integration_key, { summary: `m${minute}`, timestamp: at }),
			);
			expect(reply.status).toBe(202);
		}
		const seen: string[] = [];
		let query = "?limit=2";
		for (;;) {
			const { changes, next_cursor } = await listChanges(id, query);
			seen.push(...changes.map((kept) => kept.summary));
			if (next_cursor === null) break;
			query = `?limit=2&cursor=${next_cursor}`;
		}
		expect(seen).toEqual(["m4", "m3", "m2", "m1", "m0"]);
		const bad = await admin("GET", `/integrations/${id}/changes?cursor=nope`);
		expect(bad.status).toBe(400);
		const missing = await admin("GET", `/integrations/${crypto.randomUUID()}/changes`);
		expect(missing.status).toBe(404);
	});

	it(`keeps the latest ${MAX_CHANGES_KEPT} and none older than 30 days`, async () => {
		const { id, integration_key } = await createIntegration("pd", "pagerduty");
		await admin("PATCH", `/integrations/${id}`, { settings: { rate_limit: null } });
		const keyHash = await sha256Hex(integration_key);
		const count = (state: DurableObjectState) =>
			state.storage.sql.exec("SELECT count(*) AS n FROM change_events").one().n;
		await runInDurableObject(
			integrationStub(id),
			async (object: IntegrationDurableObject, state) => {
				const described = object.describe(keyHash);
				if (!described.ok) throw new Error("the key is not the object's");
				const auth = {
					kind: "key" as const,
					keyHash,
					settingsVersion: described.config.settingsVersion,
				};
				const now = object.clock();
				for (let n = 0; n < MAX_CHANGES_KEPT + 5; n++) {
					const kept = await object.recordChange({
						integrationId: id,
						auth,
						change: {
							summary: `c${n}`,
							source: null,
							occurred_at: now - MINUTE + n,
							custom_details: null,
							links: [],
						},
					});
					expect(kept.ok).toBe(true);
				}
				expect(count(state)).toBe(MAX_CHANGES_KEPT);
			},
		);
		const { changes } = await listChanges(id, "?limit=100");
		expect(changes[0]?.summary).toBe(`c${MAX_CHANGES_KEPT + 4}`);
		const oldest = await runInDurableObject(integrationStub(id), (_object, state) =>
			state.storage.sql.exec("SELECT summary FROM change_events ORDER BY seq LIMIT 1").one(),
		);
		expect(oldest.summary).toBe("c5");

		await moveClock(id, CHANGE_RETENTION_MS + MINUTE);
		expect((await listChanges(id)).changes).toEqual([]);
		// The alarm forgets them when it runs (here for an alert's mirror).
		expect((await enqueue(trigger(integration_key, "a"))).status).toBe(202);
		expect(await runAlarm(id)).toBe(true);
		await runInDurableObject(integrationStub(id), (_object, state) => {
			expect(count(state)).toBe(0);
		});
	});
});

describe("changes beside incidents", () => {
	it("shows a change on an incident opened 10 minutes later, not on one opened 2 hours later, and on the dashboard", async () => {
		const channel = await createChannel();
		const { id, integration_key } = await createIntegration("pd", "pagerduty", {}, channel.id);
		const body = change(
			integration_key,
			{ summary: "deployed <b>api</b> v2" },
			{
				links: [
					{ href: "https://ci.example.com/runs/7?a=1&b=2", text: "run <7>" },
					{ href: "ftp://ci.example.com/x", text: "dropped" },
				],
			},
		);
		expect((await changeEnqueue(body)).status).toBe(202);

		await moveClock(id, 10 * MINUTE);
		expect((await enqueue(trigger(integration_key, "soon"))).status).toBe(202);
		await moveClock(id, 2 * 60 * MINUTE);
		expect((await enqueue(trigger(integration_key, "later"))).status).toBe(202);
		await runAlarm(id);
		const byTitle = Object.fromEntries((await incidentsOf(id)).map((one) => [one.title, one.id]));
		const soon = await admin("GET", `/incidents/${byTitle["soon is down"]}`);
		expect(soon.body.data.recent_changes).toEqual([
			expect.objectContaining({
				summary: "deployed <b>api</b> v2",
				links: [{ href: "https://ci.example.com/runs/7?a=1&b=2", text: "run <7>" }],
			}),
		]);
		const later = await admin("GET", `/incidents/${byTitle["later is down"]}`);
		expect(later.body.data.recent_changes).toEqual([]);
		// Acknowledging answers the incident the same way.
		const acknowledged = await admin("POST", `/incidents/${byTitle["soon is down"]}/acknowledge`);
		expect(acknowledged.body.data.recent_changes).toHaveLength(1);

		const cookie = await signIn();
		const html = (await page("GET", `/dashboard/incidents/${byTitle["soon is down"]}`, { cookie }))
			.html;
		expect(html).toContain("Recent changes");
		expect(html).toContain("deployed &lt;b&gt;api&lt;/b&gt; v2");
		expect(html).not.toContain("<b>api</b>");
		expect(html).toContain('href="https://ci.example.com/runs/7?a=1&amp;b=2"');
		expect(html).toContain("run &lt;7&gt;");
		expect(html).not.toContain("ftp://");
		const none = (await page("GET", `/dashboard/incidents/${byTitle["later is down"]}`, { cookie }))
			.html;
		expect(none).toContain("No change events in the hour before it opened.");
	});
});
