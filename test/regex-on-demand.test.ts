import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { IncidentReply } from "../src/durable/contract";
import type { IntegrationDurableObject } from "../src/durable/integration-object";
import { forgetCopies, type Stores } from "../src/durable/state/stores";
import { regexEngineLoaded, setRegexEngine } from "../src/routing/regex-engine";
import { admin, createIntegration, integrationStub, runAlarm } from "./helpers";
import { channelByTitle, createChannel, fire, routedIntegration } from "./incident-helpers";

/**
 * A push does not load RE2 (src/routing/regex-engine.ts). Each case saves its configuration
 * through the admin API (which loads the engine), then puts the integration's object where a
 * fresh isolate would have it: no engine, no copy of its routing in memory, and patterns never
 * compiled (each test's patterns are its own). The object must read its routing, load the engine
 * when the routing matches with it, and decide as it would have with it loaded.
 */
async function freshIsolate(integrationId: string): Promise<void> {
	setRegexEngine(undefined);
	await runInDurableObject(integrationStub(integrationId), (object: IntegrationDurableObject) => {
		forgetCopies((object as unknown as { stores: Stores }).stores);
	});
	expect(regexEngineLoaded()).toBe(false);
}

/** A pattern no other test compiles, so no per-isolate cache holds it. */
const fresh = (pattern: string) => `(?:${crypto.randomUUID().slice(0, 8)})?${pattern}`;

describe("RE2 loaded on demand", () => {
	it("routes by a regex condition, and takes a push's rate-limit tokens once", async () => {
		const [db, other] = [await createChannel(), await createChannel()];
		const integration = await createIntegration("regex", "standard", {
			rate_limit: { per_second: 1, burst: 1 },
		});
		const routes = await admin("PUT", `/integrations/${integration.id}/routes`, {
			rules: [
				{
					conditions: [{ field: "title", op: "regex", value: fresh("^db-\\d+ ") }],
					channel_ids: [db.id],
				},
			],
			default_channel_id: other.id,
		});
		expect(routes.status).toBe(200);
		await freshIsolate(integration.id);
		// Burst 1: a second charge for the same push would refuse it.
		expect(
			(await fire(integration.integration_key, "a", { title_rule: "db-42 is slow" })).status,
		).toBe(200);
		expect(regexEngineLoaded()).toBe(true);
		await runAlarm(integration.id);
		expect(await channelByTitle(integration.id)).toEqual({ "db-42 is slow": db.id });
	});

	it("answers reads of a muted alert's incident and its alerts without the engine", async () => {
		const channel = await createChannel();
		const { id, integration_key } = await routedIntegration({
			rules: [],
			default_channel_id: channel.id,
		});
		await fire(integration_key, "w", { title_rule: "web-1: disk full", labels: { host: "web-1" } });
		await runAlarm(id);
		const silence = await admin("POST", "/silences", {
			matchers: [{ field: "labels.host", op: "regex", value: fresh("^web-\\d$") }],
			comment: "deploy",
			created_by: "test",
			ends_at: new Date(Date.now() + 3_600_000).toISOString(),
			integration_ids: [id],
		});
		expect(silence.status).toBe(201);
		const [incident] = (await admin("GET", `/incidents?integration_id=${id}`)).body.data.incidents;
		await freshIsolate(id);
		const stub = integrationStub(id);
		const reply = (await stub.getIncident(incident.id)) as IncidentReply;
		expect(reply.ok && reply.incident.alerts[0]?.silenced_by).toBe(silence.body.data.id);
		await freshIsolate(id);
		const listed = await stub.listAlerts({ limit: 10 });
		expect(listed.alerts[0]?.silenced_by).toBe(silence.body.data.id);
	});

	it("applies a pipeline's extract and a silence's regex matcher to a push", async () => {
		const channel = await createChannel();
		const { id, integration_key } = await routedIntegration({
			rules: [],
			default_channel_id: channel.id,
		});
		const pipeline = await admin("PUT", `/integrations/${id}/pipeline`, {
			rules: [{ extract: [{ from: "title", pattern: fresh("^(?P<host>[a-z0-9-]+):") }] }],
		});
		expect(pipeline.status).toBe(200);
		const silence = await admin("POST", "/silences", {
			matchers: [{ field: "labels.host", op: "regex", value: fresh("^db-\\d$") }],
			comment: "deploy",
			created_by: "test",
			ends_at: new Date(Date.now() + 3_600_000).toISOString(),
			integration_ids: [id],
		});
		expect(silence.status).toBe(201);
		await freshIsolate(id);
		const reply = await fire(integration_key, "d", { title_rule: "db-1: disk full" });
		expect(reply.body.data).toMatchObject({ incident_id: null, muted_by: "silence" });
		const alerts = await admin("GET", `/integrations/${id}/alerts`);
		expect(alerts.body.data.alerts[0]).toMatchObject({
			labels: expect.objectContaining({ host: "db-1" }),
			silenced_by: silence.body.data.id,
		});
	});
});
