import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
	admin,
	call,
	createIntegration,
	expectError,
	getIntegration,
	integrationStub,
	listAlerts,
	push,
	runAlarm,
} from "./helpers";
import {
	channelByTitle,
	createChannel,
	fire,
	labelEquals,
	recover,
	routedIntegration,
} from "./incident-helpers";

/** Extract the host from the title, map it to a team, and put the team in the title. */
const TEAM_RULES = [
	{
		extract: [{ from: "title", pattern: "on (?P<host>[a-z0-9-]+)" }],
		map: [{ from: "host", to: "team", table: { "db-1": "databases" }, default: "platform" }],
	},
	{ set: { title: "[TPL]{{.Labels.team}}: {{.Title}}" } },
];

/** The rules as GET answers them: every field of a rule filled in. */
const stored = (rules: Record<string, unknown>[]) =>
	rules.map((rule) => ({ conditions: [], extract: [], map: [], drop: false, ...rule }));

function putPipeline(id: string, body: unknown) {
	return admin("PUT", `/integrations/${id}/pipeline`, body);
}

async function getPipeline(id: string) {
	const reply = await admin("GET", `/integrations/${id}/pipeline`);
	expect(reply.status).toBe(200);
	return reply.body.data;
}

async function withPipeline(id: string, rules: unknown[]) {
	const reply = await putPipeline(id, { rules });
	if (reply.status !== 200) throw new Error(`pipeline failed: ${JSON.stringify(reply.body)}`);
}

describe("GET and PUT /api/v1/integrations/{id}/pipeline", () => {
	it("answers no rules at first, then the rules stored, in order", async () => {
		const { id } = await createIntegration();
		expect(await getPipeline(id)).toEqual({ rules: [] });

		const reply = await putPipeline(id, { rules: TEAM_RULES });
		expect(reply.status).toBe(200);
		expect(reply.body.data).toEqual({ rules: stored(TEAM_RULES) });
		expect(await getPipeline(id)).toEqual({ rules: stored(TEAM_RULES) });

		// Replaced whole, and emptied.
		await withPipeline(id, [{ drop: true }]);
		expect(await getPipeline(id)).toEqual({ rules: stored([{ drop: true }]) });
		await withPipeline(id, []);
		expect(await getPipeline(id)).toEqual({ rules: [] });
	});

	it("answers 404 for an unknown integration, whatever the body", async () => {
		expectError(await admin("GET", "/integrations/nope/pipeline"), 404, "IntegrationNotFound");
		expectError(await putPipeline("nope", { rules: "x" }), 404, "IntegrationNotFound");
	});

	it("needs the admin token", async () => {
		const { id } = await createIntegration();
		const reply = await call("GET", `/api/v1/integrations/${id}/pipeline`);
		expect(reply.status).toBe(401);
	});

	it.each<[string, unknown, string]>([
		[
			"a bad regex",
			{ rules: [{ extract: [{ from: "title", pattern: "(?P<host>[a-z" }] }] },
			"rules[0].extract[0].pattern is not a valid RE2 pattern",
		],
		[
			"a pattern with no named group",
			{ rules: [{ drop: true }, { extract: [{ from: "title", pattern: "on (\\S+)" }] }] },
			"rules[1].extract[0].pattern has no named group",
		],
		[
			"too many rows",
			{
				rules: [
					{
						map: [
							{
								from: "host",
								to: "team",
								table: Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`h${i}`, "t"])),
							},
						],
					},
				],
			},
			"rules[0].map[0].table must have at most 1000 rows",
		],
		[
			"a bad template",
			{
				rules: [
					{ set: { labels: { a: "b" } } },
					{ drop: true, conditions: [labelEquals("env", "test")] },
					{ set: { title: "{{.Severity}}" } },
				],
			},
			"rules[2].set.title {{.Severity}} is not a field alertgate renders",
		],
		[
			"an unknown field",
			{ rules: [{ set: { title: "x" }, rename: { a: "b" } }] },
			"rules[0] has unknown field rename",
		],
		["an unknown top-level field", { rules: [], routes: [] }, "the body has unknown field routes"],
	])(
		"refuses %s with 400 naming the field, and keeps the old pipeline",
		async (_, body, message) => {
			const { id } = await createIntegration();
			await withPipeline(id, TEAM_RULES);
			const refused = await putPipeline(id, body);
			expect(expectError(refused, 400, "InvalidParameter")).toContain(message);
			expect(await getPipeline(id)).toEqual({ rules: stored(TEAM_RULES) });
		},
	);

	it("is replaced atomically: a PUT that fails half-way leaves the old pipeline", async () => {
		const { id } = await createIntegration();
		await withPipeline(id, TEAM_RULES);
		// Make D1 fail on the third rule's insert, after the delete and two inserts already ran.
		await env.DB.exec(
			"CREATE TRIGGER fail_third_pipeline_rule BEFORE INSERT ON pipeline_rules WHEN NEW.position = 2 BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
		);
		try {
			const reply = await putPipeline(id, {
				rules: [{ drop: true }, { drop: true }, { drop: true }],
			});
			expect(reply.status).toBe(503);
		} finally {
			await env.DB.exec("DROP TRIGGER fail_third_pipeline_rule;");
		}
		expect(await getPipeline(id)).toEqual({ rules: stored(TEAM_RULES) });
	});
});

describe("a push through the pipeline", () => {
	it("rewrites the title and routes by the label it extracted and mapped", async () => {
		const [databases, platform] = [await createChannel(), await createChannel()];
		const { id, integration_key } = await routedIntegration({
			rules: [{ conditions: [labelEquals("team", "databases")], channel_ids: [databases.id] }],
			default_channel_id: platform.id,
		});
		await withPipeline(id, TEAM_RULES);

		const opened = await fire(integration_key, "cpu", { title_rule: "CPU high on db-1" });
		expect(opened.body.data).toMatchObject({ alert_key: "cpu", result: "opened" });
		await fire(integration_key, "disk", { title_rule: "disk full on web-7" });
		await runAlarm(id);
		expect(await channelByTitle(id)).toEqual({
			"databases: CPU high on db-1": databases.id,
			"platform: disk full on web-7": platform.id,
		});
		const [alert] = (await listAlerts(id, "?status=firing")).alerts.filter(
			(one) => one.alert_key === "cpu",
		);
		expect(alert).toMatchObject({
			title: "databases: CPU high on db-1",
			labels: { host: "db-1", team: "databases" },
		});

		// The alert key is the sender's: the recovery finds the alert the pipeline reshaped.
		expect((await recover(integration_key, "cpu")).body.data).toMatchObject({
			alert_key: "cpu",
			result: "resolved",
		});
	});

	it("sets the severity from a word of the one vocabulary", async () => {
		const { id, integration_key } = await createIntegration();
		await withPipeline(id, [
			{
				conditions: [{ field: "labels.service", op: "equals", value: "payment" }],
				set: { severity: "{{.Labels.priority}}" },
			},
		]);
		await fire(integration_key, "pay", { labels: { service: "payment", priority: "P1" } });
		await fire(integration_key, "shop", { labels: { service: "shop", priority: "P1" } });
		await fire(integration_key, "odd", { labels: { service: "payment", priority: "someday" } });
		const byKey = Object.fromEntries((await listAlerts(id)).alerts.map((a) => [a.alert_key, a]));
		expect(byKey.pay?.severity).toBe("critical");
		// Not matched by the conditions, and a word the vocabulary does not know: kept.
		expect(byKey.shop?.severity).toBe("warning");
		expect(byKey.odd?.severity).toBe("warning");
	});

	it("drops a trigger, answers and counts it, and never drops its recovery", async () => {
		const { id, integration_key } = await createIntegration();
		const firing = await fire(integration_key, "noisy", { labels: { env: "test" } });
		expect(firing.body.data).toMatchObject({ result: "opened" });
		await withPipeline(id, [{ conditions: [labelEquals("env", "test")], drop: true }]);

		const dropped = await fire(integration_key, "noisy", { labels: { env: "test" } });
		expect(dropped.status).toBe(200);
		expect(dropped.body.data).toEqual({
			alert_key: "noisy",
			alert_id: null,
			alert_status: null,
			result: "dropped",
			incident_id: null,
			muted_by: null,
		});
		const another = await fire(integration_key, "other", { labels: { env: "test" } });
		expect(another.body.data).toMatchObject({ result: "dropped" });
		expect((await listAlerts(id)).alerts.map((a) => [a.alert_key, a.event_count])).toEqual([
			["noisy", 1],
		]);

		// The recovery of the alert that opened before the rule still resolves it.
		const recovered = await push(integration_key, {
			event_status: "Ok",
			alert_key: "noisy",
			labels: { env: "test" },
		});
		expect(recovered.body.data).toMatchObject({ alert_key: "noisy", result: "resolved" });

		const { intake } = await getIntegration(id);
		expect(intake).toMatchObject({ accepted_count: 4, dropped_count: 2 });
		// The D1 list mirrors it.
		await runAlarm(id);
		const { results } = await env.DB.prepare("SELECT dropped_count FROM integrations WHERE id = ?")
			.bind(id)
			.all();
		expect(results).toEqual([{ dropped_count: 2 }]);
	});

	it("answers a retried delivery of a dropped event from its record", async () => {
		const { id, integration_key } = await createIntegration();
		await withPipeline(id, [{ drop: true }]);
		const headers = { "Idempotency-Key": "drop-once" };
		const first = await push(
			integration_key,
			{ event_status: "Warning", alert_key: "x", title_rule: "x" },
			headers,
		);
		const again = await push(
			integration_key,
			{ event_status: "Warning", alert_key: "x", title_rule: "x" },
			headers,
		);
		expect(again.body.data).toEqual(first.body.data);
		expect(again.body.data).toMatchObject({ result: "dropped" });
		expect((await getIntegration(id)).intake).toMatchObject({
			dropped_count: 1,
			replayed_count: 1,
		});
	});

	it("applies to a private integration too, and from the next push after a change", async () => {
		const channel = await createChannel();
		const { id, integration_key } = await createIntegration("private", "standard", {}, channel.id);
		await fire(integration_key, "a");
		await withPipeline(id, [{ set: { labels: { stage: "reshaped" } } }]);
		await fire(integration_key, "b");
		const byKey = Object.fromEntries((await listAlerts(id)).alerts.map((a) => [a.alert_key, a]));
		expect(byKey.a?.labels).not.toHaveProperty("stage");
		expect(byKey.b?.labels).toMatchObject({ stage: "reshaped" });
	});

	it("is held by the integration's object: it survives eviction, and a push reads no D1 for it", async () => {
		const { id, integration_key } = await createIntegration();
		await withPipeline(id, TEAM_RULES);
		await evictDurableObject(integrationStub(id));
		// D1 changed behind the object's back is not read by a push.
		await env.DB.prepare("DELETE FROM pipeline_rules WHERE integration_id = ?").bind(id).run();
		await fire(integration_key, "cpu", { title_rule: "CPU high on db-1" });
		expect((await listAlerts(id)).alerts[0]).toMatchObject({
			title: "databases: CPU high on db-1",
			labels: { team: "databases" },
		});
	});
});
