import { beforeAll, describe, expect, it } from "vitest";
import { makeToken, withToken } from "./access-helpers";
import { admin, createIntegration, expectError, push, runAlarm } from "./helpers";
import { createChannel } from "./incident-helpers";

/**
 * A token limited to channel A against channel B's things: lists leave them out, single reads
 * and writes answer 404 as for nothing, and shared things need a token without a limit.
 */

type Side = { channel: string; integration: string; incident: string; silence: string };
let a: Side;
let b: Side;
let reader: string;
let writer: string;
let limitedAdmin: string;

async function side(name: string): Promise<Side> {
	const channel = (await createChannel({ name })).id;
	const made = await createIntegration(`${name} source`, "standard", {}, channel);
	await push(made.integration_key, {
		event_status: "Critical",
		title_rule: `${name} down`,
		alert_key: name,
	});
	await runAlarm(made.id);
	const listed = await admin("GET", `/incidents?integration_id=${made.id}`);
	const incident = listed.body.data.incidents[0].id as string;
	const silence = await admin("POST", "/silences", {
		matchers: [{ field: "alert_key", op: "equals", value: "other" }],
		ends_at: new Date(Date.now() + 3_600_000).toISOString(),
		comment: name,
		created_by: "test",
		channel_ids: [channel],
	});
	return { channel, integration: made.id, incident, silence: silence.body.data.id };
}

beforeAll(async () => {
	a = await side("limit-a");
	b = await side("limit-b");
	reader = (await makeToken({ role: "read", channel_ids: [a.channel] })).token;
	writer = (await makeToken({ role: "write", channel_ids: [a.channel] })).token;
	limitedAdmin = (await makeToken({ role: "admin", channel_ids: [a.channel] })).token;
});

const ids = (reply: { body: { data?: Record<string, { id: string }[]> } }, field: string) =>
	(reply.body.data?.[field] ?? []).map((one) => one.id);

describe("a token limited to channels", () => {
	it("lists only its channels' channels, integrations, incidents and silences", async () => {
		for (const [path, field, own, other] of [
			["/channels", "channels", a.channel, b.channel],
			["/integrations", "integrations", a.integration, b.integration],
			["/incidents", "incidents", a.incident, b.incident],
			["/silences", "silences", a.silence, b.silence],
		] as const) {
			const listed = ids(await withToken(reader, "GET", path), field);
			expect(listed, path).toContain(own);
			expect(listed, path).not.toContain(other);
			// The root sees both: the filter is the token's, not the data's.
			expect(ids(await admin("GET", path), field), path).toContain(other);
		}
	});

	it("reads its own things and gets 404 for another channel's, as for nothing", async () => {
		for (const [own, other, code] of [
			[`/channels/${a.channel}`, `/channels/${b.channel}`, "ChannelNotFound"],
			[`/channels/${a.channel}/targets`, `/channels/${b.channel}/targets`, "ChannelNotFound"],
			[`/integrations/${a.integration}`, `/integrations/${b.integration}`, "IntegrationNotFound"],
			[
				`/integrations/${a.integration}/alerts`,
				`/integrations/${b.integration}/alerts`,
				"IntegrationNotFound",
			],
			[`/incidents/${a.incident}`, `/incidents/${b.incident}`, "IncidentNotFound"],
			[
				`/incidents/${a.incident}/timeline`,
				`/incidents/${b.incident}/timeline`,
				"IncidentNotFound",
			],
			[`/silences/${a.silence}`, `/silences/${b.silence}`, "SilenceNotFound"],
			[
				`/incidents?channel_id=${a.channel}`,
				`/incidents?channel_id=${b.channel}`,
				"ChannelNotFound",
			],
		] as const) {
			expect((await withToken(reader, "GET", own)).status, own).toBe(200);
			const refused = await withToken(reader, "GET", other);
			expect(refused.status, other).toBe(404);
			expect(refused.body.error?.code, other).toBe(code);
		}
	});

	it("acts on its own incidents and silences only", async () => {
		const foreign = await withToken(writer, "POST", `/incidents/${b.incident}/acknowledge`);
		expect(foreign.status).toBe(404);
		expect((await admin("GET", `/incidents/${b.incident}`)).body.data.status).toBe("triggered");
		const own = await withToken(writer, "POST", `/incidents/${a.incident}/acknowledge`);
		expect(own.status).toBe(200);
		expect(own.body.data.status).toBe("acknowledged");
		expect((await withToken(writer, "DELETE", `/silences/${b.silence}`)).status).toBe(404);
		expect(
			(await withToken(writer, "PATCH", `/silences/${a.silence}`, { comment: "mine" })).status,
		).toBe(200);
		// Nor can it move its own silence to another channel.
		const moved = await withToken(writer, "PATCH", `/silences/${a.silence}`, {
			channel_ids: [b.channel],
		});
		expect(expectError(moved, 400, "InvalidParameter")).toContain("channel_ids names no channel");
	});

	it("makes silences limited to its channels, and no unlimited one", async () => {
		const body = (scope: Record<string, unknown>) => ({
			matchers: [{ field: "alert_key", op: "equals", value: "deploy" }],
			ends_at: new Date(Date.now() + 600_000).toISOString(),
			comment: "deploy",
			created_by: "ci",
			...scope,
		});
		expect(
			(await withToken(writer, "POST", "/silences", body({ channel_ids: [a.channel] }))).status,
		).toBe(201);
		expect(
			(await withToken(writer, "POST", "/silences", body({ integration_ids: [a.integration] })))
				.status,
		).toBe(201);
		expect(
			expectError(await withToken(writer, "POST", "/silences", body({})), 400, "InvalidParameter"),
		).toContain("channel_ids or integration_ids");
		const foreign = await withToken(
			writer,
			"POST",
			"/silences",
			body({ integration_ids: [b.integration] }),
		);
		expect(expectError(foreign, 400, "InvalidParameter")).toBe(
			`integration_ids names no integration: ${b.integration}`,
		);
		// Another channel's id and one that exists nowhere are named alike: whether the first
		// exists is not told, in a create or its preview.
		for (const path of ["/silences", "/silences/preview"]) {
			const mixed = await withToken(
				writer,
				"POST",
				path,
				body({ channel_ids: [b.channel, "nope"] }),
			);
			expect(expectError(mixed, 400, "InvalidParameter")).toBe(
				`channel_ids names no channel: ${b.channel}, nope`,
			);
		}
	});

	it("needs a token without a limit for shared things, even with the admin role", async () => {
		for (const [method, path] of [
			["GET", "/inhibit-rules"],
			["GET", "/tokens"],
			["GET", "/audit"],
			["POST", "/channels"],
			["PUT", `/integrations/${a.integration}/routes`],
		] as const) {
			const refused = await withToken(
				limitedAdmin,
				method,
				path,
				method === "GET" ? undefined : {},
			);
			expect(expectError(refused, 403, "Forbidden"), path).toContain("without a channel limit");
		}
		// Its own channel's targets it may manage; another's are nothing to it.
		expect((await withToken(limitedAdmin, "GET", `/channels/${a.channel}/targets`)).status).toBe(
			200,
		);
		expect(
			(await withToken(limitedAdmin, "POST", `/channels/${b.channel}/targets`, {})).status,
		).toBe(404);
	});
});
