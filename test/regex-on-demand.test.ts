import { describe, expect, it } from "vitest";
import { regexEngine, setRegexEngine } from "../src/routing/regex-engine";
import { admin, runAlarm } from "./helpers";
import { channelByTitle, createChannel, fire, routedIntegration } from "./incident-helpers";

/**
 * A push does not load RE2 (src/routing/regex-engine.ts). Each case forgets the engine after the
 * admin API (which loads it) has saved the configuration, as a fresh isolate would have it, and
 * checks the object loads it and decides as it would have with it.
 */
const forgetEngine = () => setRegexEngine(undefined);
const engineLoaded = () => {
	try {
		regexEngine();
		return true;
	} catch {
		return false;
	}
};

describe("RE2 loaded on demand", () => {
	it("routes by a regex condition in an isolate that had not loaded it", async () => {
		const [db, other] = [await createChannel(), await createChannel()];
		const { id, integration_key } = await routedIntegration({
			rules: [
				{ conditions: [{ field: "title", op: "regex", value: "^db-\\d+ " }], channel_ids: [db.id] },
			],
			default_channel_id: other.id,
		});
		forgetEngine();
		expect(engineLoaded()).toBe(false);
		expect((await fire(integration_key, "a", { title_rule: "db-42 is slow" })).status).toBe(200);
		expect(engineLoaded()).toBe(true);
		forgetEngine();
		expect((await fire(integration_key, "b", { title_rule: "dbx is slow" })).status).toBe(200);
		await runAlarm(id);
		expect(await channelByTitle(id)).toEqual({ "db-42 is slow": db.id, "dbx is slow": other.id });
	});

	it("applies a pipeline's extract and a silence's regex matcher after the engine was forgotten", async () => {
		const channel = await createChannel();
		const { id, integration_key } = await routedIntegration({
			rules: [],
			default_channel_id: channel.id,
		});
		const pipeline = await admin("PUT", `/integrations/${id}/pipeline`, {
			rules: [{ extract: [{ from: "title", pattern: "^(?P<host>[a-z0-9-]+):" }] }],
		});
		expect(pipeline.status).toBe(200);
		const silence = await admin("POST", "/silences", {
			matchers: [{ field: "labels.host", op: "regex", value: "^web-\\d$" }],
			comment: "deploy",
			created_by: "test",
			ends_at: new Date(Date.now() + 3_600_000).toISOString(),
			integration_ids: [id],
		});
		expect(silence.status).toBe(201);
		forgetEngine();
		const reply = await fire(integration_key, "w", { title_rule: "web-1: disk full" });
		expect(reply.body.data).toMatchObject({ incident_id: null, muted_by: "silence" });
		const alerts = await admin("GET", `/integrations/${id}/alerts`);
		expect(alerts.body.data.alerts[0]).toMatchObject({
			labels: expect.objectContaining({ host: "web-1" }),
			silenced_by: silence.body.data.id,
		});
	});
});
