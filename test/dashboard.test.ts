import { describe, expect, it } from "vitest";
import { csrfOf, page, signIn } from "./dashboard-helpers";
import { ADMIN_TOKEN, admin, createIntegration, push, runAlarm } from "./helpers";

describe("dashboard", () => {
	it("signs in with the admin token into an HttpOnly, Secure, SameSite=Strict cookie that is not the token", async () => {
		const wrong = await page("POST", "/dashboard/login", { form: { token: "not-the-token" } });
		expect(wrong.status).toBe(401);
		expect(wrong.setCookie).toBeNull();
		expect(wrong.html).toContain("That is neither the admin token nor a valid API token.");

		const right = await page("POST", "/dashboard/login", { form: { token: ADMIN_TOKEN } });
		expect(right).toMatchObject({ status: 303, location: "/dashboard" });
		expect(right.setCookie).toMatch(/^alertgate_session=[\w-]+;/);
		for (const attribute of ["HttpOnly", "Secure", "SameSite=Strict", "Path=/dashboard"]) {
			expect(right.setCookie).toContain(attribute);
		}
		expect(right.setCookie).not.toContain(ADMIN_TOKEN);
	});

	it("sends whoever is not signed in to the sign-in page", async () => {
		expect(await page("GET", "/dashboard")).toMatchObject({
			status: 303,
			location: "/dashboard/login",
		});
		// A page under it is returned to after signing in (incident-links.test.ts).
		for (const path of ["/dashboard/integrations", "/dashboard/incidents/x"]) {
			const reply = await page("GET", path);
			expect(reply).toMatchObject({ status: 303, location: `/dashboard/login?next=${path}` });
		}
		const forged = await page("GET", "/dashboard", { cookie: "alertgate_session=forged" });
		expect(forged.location).toBe("/dashboard/login");
	});

	it("shows open incidents, an incident's alerts, and acknowledges with a CSRF-checked form", async () => {
		const cookie = await signIn();
		const { id, integration_key } = await createIntegration("dashboard source");
		await push(integration_key, {
			event_status: "Critical",
			title_rule: "<script>alert(1)</script> disk full",
			alert_key: "disk",
			labels: { host: "db-1" },
		});
		await runAlarm(id);
		const list = await page("GET", "/dashboard", { cookie });
		expect(list.status).toBe(200);
		expect(list.html).toMatch(
			/<td class="channel" data-th="Channel"><span class="muted">unrouted</,
		);
		// Text from a push is escaped, never markup.
		expect(list.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt; disk full");
		expect(list.html).not.toContain("<script>alert(1)</script>");
		const incidentId = /href="\/dashboard\/incidents\/([^"]+)"/.exec(list.html)?.[1];
		expect(incidentId).toBeDefined();

		const detail = await page("GET", `/dashboard/incidents/${incidentId}`, { cookie });
		expect(detail.html).toContain('<strong id="status">triggered</strong>');
		expect(detail.html).toContain("host=db-1");
		expect(detail.html).toContain("dashboard source");
		const csrf = csrfOf(detail.html);
		expect(csrf).not.toBe("");

		const path = `/dashboard/incidents/${incidentId}/acknowledge`;
		// Without the form's token, or from another origin: refused, nothing changes.
		expect((await page("POST", path, { cookie, form: {} })).status).toBe(403);
		expect(
			(await page("POST", path, { cookie, form: { csrf }, origin: "https://evil.example" })).status,
		).toBe(403);
		expect((await admin("GET", `/incidents/${incidentId}`)).body.data.status).toBe("triggered");

		const done = await page("POST", path, { cookie, form: { csrf } });
		expect(done).toMatchObject({ status: 303, location: `/dashboard/incidents/${incidentId}` });
		expect((await admin("GET", `/incidents/${incidentId}`)).body.data.status).toBe("acknowledged");
		const after = await page("GET", `/dashboard/incidents/${incidentId}`, { cookie });
		expect(after.html).toContain('<strong id="status">acknowledged</strong>');
		// The timeline, in the API and on the page, says it was the dashboard.
		const timeline = (await admin("GET", `/incidents/${incidentId}/timeline`)).body.data.entries;
		expect(timeline.map((e: { type: string }) => e.type)).toEqual(["triggered", "acknowledged"]);
		expect(timeline[1].by).toEqual({ via: "dashboard", name: "admin token" });
		const section = after.html.slice(after.html.indexOf('<section id="timeline">'));
		expect(section).toMatch(
			/<li class="timeline-triggered">.*Triggered by alert disk \(critical\)\./,
		);
		expect(section).toMatch(
			/<li class="timeline-acknowledged">.*Acknowledged by admin token in the dashboard\./,
		);
	});

	it("lists integrations with what shows they are wired", async () => {
		const cookie = await signIn();
		const quiet = await createIntegration("never pushed");
		const busy = await createIntegration("pushing");
		const event = { event_status: "Info", title_rule: "x", alert_key: "x" };
		await push(busy.integration_key, event);
		await push(busy.integration_key, event);
		await push(busy.integration_key, { event_status: "Loud" });
		await runAlarm(busy.id);
		const reply = await page("GET", "/dashboard/integrations", { cookie });
		const rowOf = (integrationId: string) =>
			new RegExp(`<tr data-integration="${integrationId}">(.*?)</tr>`).exec(reply.html)?.[1] ?? "";
		expect(rowOf(quiet.id)).toContain("never: not wired yet");
		// Last push, pushes, deduplicated, unrouted, dropped, rate-limited, then refusals by code.
		expect(rowOf(busy.id)).toMatch(
			/<td><time [^>]+>\d+s ago<\/time><\/td><td>2<\/td><td>1<\/td><td>1<\/td><td>0<\/td><td>0<\/td><td class="refused" title="InvalidParameter: 1">1/,
		);
	});

	it("shows muted alerts on their integration's page, and the silences", async () => {
		const cookie = await signIn();
		const { id, integration_key } = await createIntegration("muted");
		const made = await admin("POST", "/silences", {
			matchers: [{ field: "labels.service", op: "equals", value: "db" }],
			ends_at: new Date(Date.now() + 3_600_000).toISOString(),
			comment: "failover drill",
			created_by: "ana",
			integration_ids: [id],
		});
		expect(made.status).toBe(201);
		const fire = (key: string, service: string) =>
			push(integration_key, {
				event_status: "Warning",
				title_rule: key,
				alert_key: key,
				labels: { service },
			});
		await fire("db-down", "db");
		await fire("api-slow", "api");
		const integrationPage = await page("GET", `/dashboard/integrations/${id}`, { cookie });
		expect(integrationPage.status).toBe(200);
		const rowOf = (key: string) =>
			new RegExp(`<tr data-alert="${key}">(.*?)</tr>`).exec(integrationPage.html)?.[1] ?? "";
		expect(rowOf("db-down")).toContain(`title="silence ${made.body.data.id}">silenced</span>`);
		expect(rowOf("api-slow")).not.toContain("silenced");
		expect(integrationPage.html).toContain("2 firing alerts shown, 1 muted");
		const silences = await page("GET", "/dashboard/silences", { cookie });
		expect(silences.html).toMatch(
			new RegExp(
				`<tr data-silence="${made.body.data.id}"><td>active</td><td>failover drill.*labels.service equals db`,
			),
		);
		expect((await page("GET", "/dashboard/integrations/nope", { cookie })).status).toBe(404);
		await admin("DELETE", `/silences/${made.body.data.id}`);
	});

	it("previews a pasted body on the integration's page: its alerts and channels, nothing stored", async () => {
		const cookie = await signIn();
		const channel = await admin("POST", "/channels", { name: "database team" });
		const integration = await createIntegration("previewed");
		await admin("PUT", `/integrations/${integration.id}/routes`, {
			rules: [
				{
					conditions: [{ field: "labels.team", op: "equals", value: "db" }],
					channel_ids: [channel.body.data.id],
				},
			],
			default_channel_id: null,
		});
		const path = `/dashboard/integrations/${integration.id}`;
		const csrf = csrfOf((await page("GET", path, { cookie })).html);
		const body = JSON.stringify({
			event_status: "Critical",
			title_rule: "replica <lag> on db-2",
			alert_key: "lag-db-2",
			labels: { team: "db" },
		});
		const shown = await page("POST", `${path}/preview`, { cookie, form: { csrf, body } });
		expect(shown.status).toBe(200);
		expect(shown.html).toContain('data-preview="lag-db-2"');
		// Escaped, as every pushed text is.
		expect(shown.html).toContain("replica &lt;lag&gt; on db-2");
		expect(shown.html).toContain(
			`<a href="/dashboard/channels/${channel.body.data.id}">database team</a>`,
		);
		// The body stays in the form, to change and try again.
		expect(shown.html).toContain("lag-db-2&quot;");

		const refused = await page("POST", `${path}/preview`, {
			cookie,
			form: { csrf, body: JSON.stringify({ title_rule: "no status" }) },
		});
		expect(refused.html).toContain("A push of this body would be refused: 400 InvalidParameter");
		expect(refused.html).toContain("event_status");

		const forged = await page("POST", `${path}/preview`, { cookie, form: { csrf: "x", body } });
		expect(forged.status).toBe(403);
		expect((await admin("GET", `/integrations/${integration.id}/alerts`)).body.data.alerts).toEqual(
			[],
		);
	});

	it("signs out: the cookie is cleared", async () => {
		const cookie = await signIn();
		const home = await page("GET", "/dashboard", { cookie });
		const out = await page("POST", "/dashboard/logout", {
			cookie,
			form: { csrf: csrfOf(home.html) },
		});
		expect(out).toMatchObject({ status: 303, location: "/dashboard/login" });
		expect(out.setCookie).toMatch(/^alertgate_session=;/);
		expect(out.setCookie).toContain("Max-Age=0");
	});
});
