import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { admin, call, createIntegration, expectError, runAlarm } from "./helpers";
import {
	channelByTitle,
	createChannel,
	fire,
	incidentsOf,
	labelEquals,
	routedIntegration,
} from "./incident-helpers";

describe("channels", () => {
	it("are created, listed, read, changed and deleted", async () => {
		const created = await admin("POST", "/channels", {
			name: "  Database team ",
			description: "RDS and Aurora",
			group_by: ["cluster"],
			group_window: "30m",
		});
		expect(created.status).toBe(201);
		const channel = created.body.data;
		expect(channel).toMatchObject({
			name: "Database team",
			description: "RDS and Aurora",
			group_by: ["cluster"],
			group_window: "30m",
		});
		expect(
			(await admin("GET", "/channels")).body.data.channels.map((c: { id: string }) => c.id),
		).toContain(channel.id);
		expect((await admin("GET", `/channels/${channel.id}`)).body.data.name).toBe("Database team");

		const patched = await admin("PATCH", `/channels/${channel.id}`, {
			group_window: null,
			name: "DB",
		});
		expect(patched.body.data).toMatchObject({
			name: "DB",
			group_by: ["cluster"],
			group_window: null,
		});

		expect((await admin("DELETE", `/channels/${channel.id}`)).body.data).toEqual({
			id: channel.id,
			deleted: true,
		});
		expectError(await admin("GET", `/channels/${channel.id}`), 404, "ChannelNotFound");
	});

	it.each([
		[{}, "name is required"],
		[{ name: "x", group_by: "cluster" }, "group_by must be a list of label names"],
		[
			{ name: "x", group_by: Array.from({ length: 11 }, (_, i) => `l${i}`) },
			"group_by must have at most 10 label names",
		],
		[{ name: "x", group_window: "5s" }, "group_window must be a duration from 1m to 30d"],
		[{ name: "x", colour: "red" }, "unknown field colour"],
	])("rejects %j", async (body, message) => {
		expect(expectError(await admin("POST", "/channels", body), 400, "InvalidParameter")).toContain(
			message,
		);
	});

	it("cannot be deleted while an integration or a route points to it (409 naming them)", async () => {
		const owned = await createChannel({ name: "owned" });
		const routed = await createChannel({ name: "routed" });
		const fallback = await createChannel({ name: "fallback" });
		const privateOne = await createIntegration("p", "standard", {}, owned.id);
		const shared = await routedIntegration({
			rules: [{ conditions: [], channel_ids: [routed.id] }],
			default_channel_id: fallback.id,
		});

		const ownedRefusal = await admin("DELETE", `/channels/${owned.id}`);
		expect(expectError(ownedRefusal, 409, "ChannelInUse")).toContain(privateOne.id);
		expect(
			expectError(await admin("DELETE", `/channels/${routed.id}`), 409, "ChannelInUse"),
		).toContain(shared.id);
		expect(
			expectError(await admin("DELETE", `/channels/${fallback.id}`), 409, "ChannelInUse"),
		).toContain(shared.id);

		// Freed, they can go.
		await admin("PATCH", `/integrations/${privateOne.id}`, { channel_id: null });
		await admin("PUT", `/integrations/${shared.id}/routes`, {
			rules: [],
			default_channel_id: null,
		});
		for (const id of [owned.id, routed.id, fallback.id]) {
			expect((await admin("DELETE", `/channels/${id}`)).status).toBe(200);
		}
	});

	it("are behind the admin token like every admin route", async () => {
		for (const path of ["/api/v1/channels", "/api/v1/incidents"]) {
			expectError(await call("GET", path), 401, "Unauthorized");
		}
	});
});

describe("private and shared integrations", () => {
	it("sends every alert of a private integration to its channel, ignoring routes", async () => {
		const channel = await createChannel();
		const created = await createIntegration("p", "standard", {}, channel.id);
		expect(created.channel_id).toBe(channel.id);
		await fire(created.integration_key, "a");
		await runAlarm(created.id);
		expect(await incidentsOf(created.id)).toEqual([
			expect.objectContaining({ channel_id: channel.id }),
		]);
		const refusal = await admin("PUT", `/integrations/${created.id}/routes`, { rules: [] });
		expect(expectError(refusal, 409, "IntegrationIsPrivate")).toContain("channel_id to null");
	});

	it("refuses an unknown channel_id", async () => {
		const reply = await admin("POST", "/integrations", {
			name: "p",
			type: "standard",
			channel_id: "nope",
		});
		expect(expectError(reply, 400, "InvalidParameter")).toContain(
			"channel_id names no channel: nope",
		);
	});

	it("follows a PATCH that makes a shared integration private, from the next alert on", async () => {
		const channel = await createChannel();
		const { id, integration_key } = await createIntegration();
		await fire(integration_key, "before");
		await admin("PATCH", `/integrations/${id}`, { channel_id: channel.id });
		await fire(integration_key, "after");
		await runAlarm(id);
		expect(await channelByTitle(id)).toEqual({ before: null, after: channel.id });
	});
});

describe("routes", () => {
	it("are stored in order and read back", async () => {
		const [a, b] = [await createChannel(), await createChannel()];
		const routes = {
			rules: [
				{
					conditions: [labelEquals("team", "db")],
					channel_ids: [a.id],
					continue: true,
				},
				{
					conditions: [{ field: "severity", op: "in", value: ["critical"] }],
					channel_ids: [b.id],
					continue: false,
				},
			],
			default_channel_id: b.id,
		};
		const { id } = await routedIntegration(routes);
		expect((await admin("GET", `/integrations/${id}/routes`)).body.data).toEqual(routes);
	});

	it("refuses unknown channels naming the rule, and keeps the old list", async () => {
		const channel = await createChannel();
		const good = { rules: [{ conditions: [], channel_ids: [channel.id] }] };
		const { id } = await routedIntegration(good);
		const reply = await admin("PUT", `/integrations/${id}/routes`, {
			rules: [
				{ conditions: [], channel_ids: [channel.id] },
				{ conditions: [], channel_ids: ["ghost"] },
			],
			default_channel_id: "ghost2",
		});
		expect(expectError(reply, 400, "InvalidParameter")).toContain(
			"rules[1].channel_ids, default_channel_id names no channel: ghost, ghost2",
		);
		expect((await admin("GET", `/integrations/${id}/routes`)).body.data.rules).toHaveLength(1);
	});

	it("names the rule and condition of an invalid condition", async () => {
		const channel = await createChannel();
		const { id } = await createIntegration();
		const reply = await admin("PUT", `/integrations/${id}/routes`, {
			rules: [
				{ conditions: [], channel_ids: [channel.id] },
				{
					conditions: [{ field: "title", op: "regex", value: "(?<=x)y" }],
					channel_ids: [channel.id],
				},
			],
		});
		expect(expectError(reply, 400, "InvalidParameter")).toContain(
			"rules[1].conditions[0].value is not a valid RE2 pattern",
		);
	});

	it("refuses patterns whose matching would cost too much, naming the condition or the rule set", async () => {
		const channel = await createChannel();
		const { id } = await createIntegration();
		// 249 characters that RE2 accepts, and that took seconds per new alert once saved.
		const costly = `(?is)${"(?:.?){1000}".repeat(20)}\\x01`;
		expect(costly.length).toBe(249);
		const one = await admin("PUT", `/integrations/${id}/routes`, {
			rules: [
				{ conditions: [{ field: "title", op: "regex", value: costly }], channel_ids: [channel.id] },
			],
		});
		expect(expectError(one, 400, "InvalidParameter")).toMatch(
			/^rules\[0\]\.conditions\[0\]\.value is too costly: it compiles to \d+ RE2 instructions, at most 200/,
		);
		// Each under the per-pattern bound, together over the rule set's.
		const medium = { field: "labels.host", op: "regex", value: "(?:.?){90}x" };
		const many = await admin("PUT", `/integrations/${id}/routes`, {
			rules: Array.from({ length: 6 }, () => ({ conditions: [medium], channel_ids: [channel.id] })),
		});
		expect(expectError(many, 400, "InvalidParameter")).toMatch(
			/^rules cost too much together: their regex and wildcard conditions cost \d+ RE2 instructions, at most 1000/,
		);
		expect((await admin("GET", `/integrations/${id}/routes`)).body.data.rules).toEqual([]);
		const fits = await admin("PUT", `/integrations/${id}/routes`, {
			rules: Array.from({ length: 4 }, () => ({ conditions: [medium], channel_ids: [channel.id] })),
		});
		expect(fits.status).toBe(200);
	});

	it("are replaced atomically: a PUT that fails half-way leaves the old list", async () => {
		const channel = await createChannel();
		const old = {
			rules: [
				{
					conditions: [{ field: "title", op: "equals", value: "old-1" }],
					channel_ids: [channel.id],
				},
				{
					conditions: [{ field: "title", op: "equals", value: "old-2" }],
					channel_ids: [channel.id],
				},
			],
		};
		const { id } = await routedIntegration(old);
		// Make D1 fail on the third rule's insert, after the delete and two inserts already ran.
		await env.DB.exec(
			"CREATE TRIGGER fail_third_rule BEFORE INSERT ON routes WHEN NEW.position = 2 BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
		);
		try {
			const reply = await admin("PUT", `/integrations/${id}/routes`, {
				rules: ["n1", "n2", "n3"].map((value) => ({
					conditions: [{ field: "title", op: "equals", value }],
					channel_ids: [channel.id],
				})),
			});
			expect(reply.status).toBe(503);
		} finally {
			await env.DB.exec("DROP TRIGGER fail_third_rule;");
		}
		expect((await admin("GET", `/integrations/${id}/routes`)).body.data).toEqual({
			...old,
			rules: old.rules.map((rule) => ({ ...rule, continue: false })),
			default_channel_id: null,
		});
	});
});
