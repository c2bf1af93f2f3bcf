import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { recordAudit } from "../src/audit/record";
import { AUDIT_RETENTION_MS, MAX_AUDIT_ROWS } from "../src/db/audit";
import { signAction } from "../src/notify/action-links";
import { redactKeys } from "../src/security/secrets";
import { makeToken, withToken } from "./access-helpers";
import { csrfOf, page, signIn } from "./dashboard-helpers";
import { ADMIN_TOKEN, admin, BASE, createIntegration, push, runAlarm } from "./helpers";
import { createChannel } from "./incident-helpers";

/** The audit log: one entry per change, whoever made it and however, secrets masked. */

type Entry = {
	id: string;
	actor: { kind: string; name: string };
	via: string;
	action: string;
	resource_type: string;
	resource_id: string | null;
	changes: Record<string, { before: unknown; after: unknown }>;
	request_id: string | null;
};

async function entries(query: string): Promise<Entry[]> {
	const reply = await admin("GET", `/audit?${query}`);
	if (reply.status !== 200) throw new Error(JSON.stringify(reply.body));
	return reply.body.data.entries;
}
const entriesOf = (resourceId: string) => entries(`resource_id=${resourceId}`);

async function incidentIn(integration: { id: string; integration_key: string }, key: string) {
	await push(integration.integration_key, {
		event_status: "Critical",
		title_rule: key,
		alert_key: key,
	});
	await runAlarm(integration.id);
	return (await admin("GET", `/incidents?integration_id=${integration.id}`)).body.data.incidents[0]
		.id as string;
}

describe("the audit log", () => {
	it("records an integration's create, update, key rotation and delete, with who, and keys masked", async () => {
		const token = await makeToken({ role: "admin", name: `deployer ${crypto.randomUUID()}` });
		const created = await withToken(token.token, "POST", "/integrations", {
			name: "audited",
			type: "standard",
		});
		const { id, integration_key } = created.body.data;
		await withToken(token.token, "PATCH", `/integrations/${id}`, { name: "audited 2" });
		await withToken(token.token, "POST", `/integrations/${id}/rotate-key`);
		await withToken(token.token, "DELETE", `/integrations/${id}`);
		const log = await entriesOf(id);
		expect(log.map((one) => one.action)).toEqual([
			"integration.delete",
			"integration.rotate_key",
			"integration.update",
			"integration.create",
		]);
		for (const one of log) {
			expect(one.actor).toEqual({ kind: "token", name: token.name });
			expect(one.via).toBe("api");
			expect(one.resource_type).toBe("integration");
			expect(one.request_id).toMatch(/^[0-9a-f]{32}$/);
		}
		const [deleted, rotated, updated, create] = log as [Entry, Entry, Entry, Entry];
		expect(create.changes.name).toEqual({ before: null, after: "audited" });
		expect(create.changes.integration_key).toEqual({ before: null, after: "••••" });
		expect(String(create.changes.push_url?.after)).toBe(`${BASE}/••••`);
		expect(Object.keys(updated.changes)).toEqual(["name"]);
		expect(updated.changes.name).toEqual({ before: "audited", after: "audited 2" });
		expect(rotated.changes.integration_key?.after).toBe("••••");
		expect(deleted.changes.name).toEqual({ before: "audited 2", after: null });
		// No key anywhere in the log.
		expect(JSON.stringify(log)).not.toContain(integration_key.slice(4, 20));
	});

	it("records acknowledge and resolve with the status before and after, from the API, the dashboard and action links", async () => {
		const integration = await createIntegration("audited incidents");
		const viaApi = await incidentIn(integration, "api");
		await admin("POST", `/incidents/${viaApi}/acknowledge`);
		const [ack] = await entriesOf(viaApi);
		expect(ack).toMatchObject({
			action: "incident.acknowledge",
			actor: { kind: "admin_token", name: "admin token" },
			resource_type: "incident",
		});
		expect(ack?.changes.status).toEqual({ before: "triggered", after: "acknowledged" });

		const cookie = await signIn();
		const detail = await page("GET", `/dashboard/incidents/${viaApi}`, { cookie });
		await page("POST", `/dashboard/incidents/${viaApi}/resolve`, {
			cookie,
			form: { csrf: csrfOf(detail.html) },
		});
		const [resolved] = await entriesOf(viaApi);
		expect(resolved).toMatchObject({ action: "incident.resolve", via: "dashboard" });
		expect(resolved?.changes.status).toEqual({ before: "acknowledged", after: "resolved" });

		const viaLink = await incidentIn(integration, "link");
		const link = await signAction(ADMIN_TOKEN, {
			action: "acknowledge",
			integrationId: integration.id,
			incidentId: viaLink,
			expiresAt: Date.now() + 3_600_000,
		});
		const pressed = await exports.default.fetch(
			new Request(`${BASE}/actions/${link}`, {
				method: "POST",
				headers: { Origin: BASE, "Sec-Fetch-Site": "same-origin" },
			}),
		);
		expect(pressed.status).toBe(200);
		const [linked] = await entriesOf(viaLink);
		expect(linked).toMatchObject({
			action: "incident.acknowledge",
			via: "action_link",
			actor: { kind: "action_link", name: "action link" },
		});
	});

	it("records silences, targets (secrets masked) and tokens (never the token)", async () => {
		const silence = await admin("POST", "/silences", {
			matchers: [{ field: "alert_key", op: "equals", value: "x" }],
			ends_at: new Date(Date.now() + 3_600_000).toISOString(),
			comment: "audit",
			created_by: "test",
		});
		const sid = silence.body.data.id;
		await admin("PATCH", `/silences/${sid}`, { comment: "audit 2" });
		await admin("DELETE", `/silences/${sid}`);
		expect((await entriesOf(sid)).map((one) => one.action)).toEqual([
			"silence.delete",
			"silence.update",
			"silence.create",
		]);

		const channel = await createChannel({ name: "audited" });
		const target = await admin("POST", `/channels/${channel.id}/targets`, {
			type: "webhook",
			name: "hook",
			url: "https://hooks.example.com/secret-path-123456?token=abcdefgh",
		});
		expect(target.status).toBe(201);
		const [made] = await entriesOf(target.body.data.id);
		expect(made?.action).toBe("target.create");
		expect(made?.changes.secret?.after).toBe("••••");
		expect(JSON.stringify(made)).not.toContain("secret-path-123456");
		expect(JSON.stringify(made)).not.toContain(target.body.data.secret);

		const token = await makeToken({ role: "read" });
		await admin("DELETE", `/tokens/${token.id}`);
		const tokenLog = await entriesOf(token.id);
		expect(tokenLog.map((one) => one.action)).toEqual(["token.revoke", "token.create"]);
		expect(tokenLog[1]?.changes.token).toEqual({ before: null, after: "••••" });
		expect(JSON.stringify(tokenLog)).not.toContain(token.token.slice(4));
	});

	it("writes nothing for reads, previews or pushes", async () => {
		const count = async () =>
			(await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_log").first<{ n: number }>())?.n;
		const integration = await createIntegration("quiet");
		const before = await count();
		await push(integration.integration_key, {
			event_status: "Warning",
			title_rule: "x",
			alert_key: "x",
		});
		await admin("GET", `/integrations/${integration.id}`);
		await admin("POST", `/integrations/${integration.id}/preview`, {
			event_status: "Warning",
			title_rule: "x",
		});
		expect(await count()).toBe(before);
		// Nor for a change that changed nothing, which would push real entries out of the log.
		const channel = (await admin("POST", "/channels", { name: "same" })).body.data;
		const made = await count();
		expect((await admin("PATCH", `/channels/${channel.id}`, {})).status).toBe(200);
		expect(await count()).toBe(made);
	});

	it("keeps at most its row cap, pruning the oldest by the write that adds one", async () => {
		// Rows as if the log were full: the cap's worth, written before this one.
		await env.DB.prepare(
			`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
			 INSERT INTO audit_log (id, at, actor_kind, actor_name, via, action, resource_type, resource_id, changes, request_id)
			 SELECT 'filler-' || i, ?, 'slack', '@filler', 'slack', 'incident.acknowledge', 'incident', 'f', '{}', NULL FROM n`,
		)
			.bind(MAX_AUDIT_ROWS, Date.now())
			.run();
		await recordAudit(env, {
			actor: { kind: "slack", name: "@cap" },
			via: "slack",
			action: "incident.resolve",
			resource_id: "cap-incident",
			before: { status: "acknowledged" },
			after: { status: "resolved" },
			request_id: null,
		});
		const total = await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_log").first<{
			n: number;
		}>();
		expect(total?.n).toBe(MAX_AUDIT_ROWS);
		expect(await entriesOf("cap-incident")).toHaveLength(1);
	});

	it("filters by actor, resource and time, and pages", async () => {
		const name = `filter ${crypto.randomUUID()}`;
		const token = await makeToken({ role: "admin", name });
		const start = new Date().toISOString();
		for (let i = 0; i < 3; i++)
			await withToken(token.token, "POST", "/channels", { name: `c${i}` });
		const mine = await entries(`actor=${encodeURIComponent(name)}&limit=2`);
		expect(mine).toHaveLength(2);
		expect(mine.every((one) => one.actor.name === name && one.action === "channel.create")).toBe(
			true,
		);
		const first = await admin("GET", `/audit?actor=${encodeURIComponent(name)}&limit=2`);
		const next = await admin(
			"GET",
			`/audit?actor=${encodeURIComponent(name)}&limit=2&cursor=${first.body.data.next_cursor}`,
		);
		expect(next.body.data.entries).toHaveLength(1);
		expect(next.body.data.next_cursor).toBeNull();
		expect(await entries(`actor=${encodeURIComponent(name)}&until=${start}`)).toEqual([]);
		expect(
			await entries(`actor=${encodeURIComponent(name)}&since=${start}&resource_type=channel`),
		).toHaveLength(3);
		expect((await admin("GET", "/audit?since=yesterday")).status).toBe(400);
	});

	it("prunes entries past the retention when it writes one", async () => {
		const old = Date.now() - AUDIT_RETENTION_MS - 60_000;
		await env.DB.prepare(
			`INSERT INTO audit_log (id, at, actor_kind, actor_name, via, action, resource_type, resource_id, changes, request_id)
			 VALUES ('ancient', ?, 'slack', '@ana', 'slack', 'incident.acknowledge', 'incident', 'i', '{}', NULL)`,
		)
			.bind(old)
			.run();
		await recordAudit(env, {
			actor: { kind: "slack", name: "@bo" },
			via: "slack",
			action: "incident.resolve",
			resource_id: "slack-incident",
			before: { status: "acknowledged" },
			after: { status: "resolved" },
			request_id: null,
		});
		const row = await env.DB.prepare("SELECT id FROM audit_log WHERE id = 'ancient'").first();
		expect(row).toBeNull();
		const [slack] = await entriesOf("slack-incident");
		expect(slack).toMatchObject({ actor: { kind: "slack", name: "@bo" }, via: "slack" });
	});

	it("masks API tokens in log text", () => {
		const token = `agt_${"a".repeat(43)}`;
		expect(redactKeys(`bad token ${token} given`)).toBe("bad token agt_… given");
	});
});
