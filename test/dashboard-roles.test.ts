import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_SESSIONS_PER_TOKEN } from "../src/db/sessions";
import { makeToken } from "./access-helpers";
import { csrfOf, page } from "./dashboard-helpers";
import { admin, createIntegration, push, runAlarm } from "./helpers";
import { createChannel } from "./incident-helpers";

/** The dashboard signed in with API tokens: what each role is offered, and refused anyway. */

async function signInWith(token: string) {
	const reply = await page("POST", "/dashboard/login", { form: { token } });
	return { reply, cookie: reply.setCookie?.split(";")[0] ?? "" };
}

async function openIncident() {
	const integration = await createIntegration("dashboard roles");
	await push(integration.integration_key, {
		event_status: "Critical",
		title_rule: "roles",
		alert_key: "roles",
	});
	await runAlarm(integration.id);
	return (await admin("GET", `/incidents?integration_id=${integration.id}`)).body.data.incidents[0]
		.id as string;
}

describe("dashboard roles", () => {
	it("keeps at most MAX_SESSIONS_PER_TOKEN sessions per token, so one token cannot sign others out", async () => {
		const read = await makeToken({ role: "read", name: "looping viewer" });
		const first = await signInWith(read.token);
		expect((await page("GET", "/dashboard", { cookie: first.cookie })).status).toBe(200);
		for (let i = 0; i < MAX_SESSIONS_PER_TOKEN; i++) await signInWith(read.token);
		const kept = await env.DB.prepare(
			"SELECT COUNT(*) AS n FROM dashboard_sessions WHERE token_id = ?",
		)
			.bind(read.id)
			.first<{ n: number }>();
		expect(kept?.n).toBe(MAX_SESSIONS_PER_TOKEN);
		// Its own oldest session ended; nobody else's did.
		expect((await page("GET", "/dashboard", { cookie: first.cookie })).status).toBe(303);
	});

	it("signs a read token into a read-only dashboard: no action shown, and a forged POST refused 403", async () => {
		const read = await makeToken({ role: "read", name: "viewer" });
		const { reply, cookie } = await signInWith(read.token);
		expect(reply.status).toBe(303);
		const id = await openIncident();
		const detail = await page("GET", `/dashboard/incidents/${id}`, { cookie });
		expect(detail.html).toContain("Signed in as viewer (read)");
		expect(detail.html).not.toContain(">Acknowledge</button>");
		expect(detail.html).not.toContain("Silence this alert");
		const csrf = csrfOf(detail.html);
		expect(csrf).not.toBe("");
		const refused = await page("POST", `/dashboard/incidents/${id}/acknowledge`, {
			cookie,
			form: { csrf },
		});
		expect(refused.status).toBe(403);
		expect(refused.html).toContain("this needs the write role; the token has read");
		expect((await admin("GET", `/incidents/${id}`)).body.data.status).toBe("triggered");
	});

	it("offers a write token the actions, which work", async () => {
		const write = await makeToken({ role: "write", name: "responder" });
		const { cookie } = await signInWith(write.token);
		const id = await openIncident();
		const detail = await page("GET", `/dashboard/incidents/${id}`, { cookie });
		expect(detail.html).toContain(">Acknowledge</button>");
		const done = await page("POST", `/dashboard/incidents/${id}/acknowledge`, {
			cookie,
			form: { csrf: csrfOf(detail.html) },
		});
		expect(done.status).toBe(303);
		expect((await admin("GET", `/incidents/${id}`)).body.data.status).toBe("acknowledged");
	});

	it("refuses tokens limited to channels, and ends a session when its token is revoked", async () => {
		const channel = await createChannel({ name: "dash-limit" });
		const limited = await makeToken({ role: "admin", channel_ids: [channel.id] });
		const refused = await signInWith(limited.token);
		expect(refused.reply.status).toBe(403);
		expect(refused.cookie).toBe("");
		const read = await makeToken({ role: "read" });
		const { cookie } = await signInWith(read.token);
		expect((await page("GET", "/dashboard/integrations", { cookie })).status).toBe(200);
		await admin("DELETE", `/tokens/${read.id}`);
		const after = await page("GET", "/dashboard/integrations", { cookie });
		expect(after.status).toBe(303);
		expect(after.location).toContain("/dashboard/login");
	});
});
