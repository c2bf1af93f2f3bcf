import { describe, expect, it } from "vitest";
import { IncidentPage, webUrl } from "../src/dashboard/incident-page";
import type { IncidentDetail } from "../src/durable/contract";
import { csrfOf, page, signIn } from "./dashboard-helpers";
import { alertRecord } from "./factories";
import { admin, createIntegration, moveClock, push, runAlarm } from "./helpers";
import { createChannel, fire, integrationWithChannel, recover } from "./incident-helpers";
import { createTarget } from "./notify-helpers";

/** The titles of the incidents a list page shows, in order. */
const titlesOf = (html: string) =>
	[
		...html.matchAll(
			/<tr data-incident="[^"]+"><td>.*?<a href="\/dashboard\/incidents\/[^"]+">([^<]*)<\/a>/g,
		),
	].map((match) => match[1]);

/** The next page's address as the browser reads it from the page (null: none). */
const nextOf = (html: string) =>
	/<a href="([^"]+)" rel="next">/.exec(html)?.[1]?.replaceAll("&amp;", "&") ?? null;

describe("dashboard: the incident list", () => {
	it("lists open ones by default, resolved and all when asked, filtered by severity, channel and time, a page at a time", async () => {
		const cookie = await signIn();
		const { channel, id, integration_key } = await integrationWithChannel({ name: "payments" });
		await fire(integration_key, "old-critical", { event_status: "Critical" });
		await moveClock(id, 7_200_000);
		await fire(integration_key, "new-warning");
		await fire(integration_key, "new-resolved", { event_status: "Critical" });
		await recover(integration_key, "new-resolved");
		await runAlarm(id);
		const list = async (query: string) => {
			const reply = await page("GET", `/dashboard/incidents?channel_id=${channel.id}${query}`, {
				cookie,
			});
			expect(reply.status).toBe(200);
			return reply.html;
		};

		expect(titlesOf(await list(""))).toEqual(["new-warning", "old-critical"]);
		expect(titlesOf(await list("&status=resolved"))).toEqual(["new-resolved"]);
		expect(titlesOf(await list("&status=all"))).toEqual([
			"new-resolved",
			"new-warning",
			"old-critical",
		]);
		expect(titlesOf(await list("&status=all&severity=critical"))).toEqual([
			"new-resolved",
			"old-critical",
		]);
		// The channel is named and links to its page; the filter shows what was chosen.
		const open = await list("");
		expect(open).toContain(`<a href="/dashboard/channels/${channel.id}">payments</a>`);
		expect(open).toContain(`<option value="${channel.id}" selected="">payments</option>`);

		// datetime-local fields carry no offset: read as UTC, shown back to the second.
		const all = (await admin("GET", `/incidents?channel_id=${channel.id}`)).body.data.incidents;
		const oldest = all.find((one: { title: string }) => one.title === "old-critical");
		const middle = new Date(Date.parse(oldest.opened_at) + 3_600_000).toISOString();
		const minute = middle.slice(0, 16);
		expect(titlesOf(await list(`&status=all&opened_before=${minute}`))).toEqual(["old-critical"]);
		const since = await list(`&status=all&opened_since=${minute}`);
		expect(titlesOf(since)).toEqual(["new-resolved", "new-warning"]);
		expect(since).toContain(`name="opened_since" value="${minute}:00"`);
		// A time with an offset, as a shared link or the API has it, is taken too.
		expect(titlesOf(await list(`&status=all&opened_before=${middle}`))).toEqual(["old-critical"]);

		// Paged: two, then the third through the next link, which keeps the filters.
		const first = await list("&status=all&limit=2");
		expect(titlesOf(first)).toEqual(["new-resolved", "new-warning"]);
		const next = nextOf(first);
		expect(next).toMatch(/^\/dashboard\/incidents\?.*cursor=/);
		const second = await page("GET", next ?? "", { cookie });
		expect(titlesOf(second.html)).toEqual(["old-critical"]);
		expect(nextOf(second.html)).toBeNull();
		expect(second.html).toContain(">Newest</a>");
	});

	it("lists unrouted incidents apart, and says what is wrong with a filter", async () => {
		const cookie = await signIn();
		const { id, integration_key } = await createIntegration("unrouted source");
		await fire(integration_key, "nowhere");
		await runAlarm(id);
		const unrouted = await page(
			"GET",
			`/dashboard/incidents?channel_id=unrouted&integration_id=${id}`,
			{ cookie },
		);
		expect(titlesOf(unrouted.html)).toEqual(["nowhere"]);
		expect(unrouted.html).toContain(`<a href="/dashboard/integrations/${id}">unrouted source</a>`);
		const bad = await page("GET", "/dashboard/incidents?severity=high", { cookie });
		expect(bad.status).toBe(400);
		expect(bad.html).toContain("severity must be critical, warning or info");
		expect(titlesOf(bad.html)).toEqual([]);
	});
});

describe("dashboard: an incident's page", () => {
	it("shows each alert's description, labels, links and images, escaped, with web URLs only as links", async () => {
		const cookie = await signIn();
		const channel = await createChannel({ name: "storage team" });
		const { id, integration_key } = await createIntegration("disks", "standard", {}, channel.id);
		const long = "x".repeat(300);
		await push(integration_key, {
			event_status: "Critical",
			title_rule: "disk full",
			alert_key: "disk-db-1",
			description: 'used 97%\n<img src=x onerror="alert(1)">',
			labels: { host: "db-1", long },
			images: [
				{ src: "https://graphs.example.com/disk.png?a=1&b=2", alt: "disk graph" },
				{ src: "javascript:alert(1)", alt: "evil" },
				{ src: "http://plain.example.com/x.png", alt: "plain" },
			],
		});
		await runAlarm(id);
		const [incident] = (await admin("GET", `/incidents?integration_id=${id}`)).body.data.incidents;
		const html = (await page("GET", `/dashboard/incidents/${incident.id}`, { cookie })).html;

		expect(html).toContain("used 97%\n&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
		expect(html).not.toContain("<img");
		expect(html).toContain("host=db-1");
		expect(html).toContain(`long=${long}`);
		expect(html).toContain(
			'<a href="https://graphs.example.com/disk.png?a=1&amp;b=2" rel="noopener noreferrer">Image: disk graph</a>',
		);
		expect(html).not.toMatch(/href="javascript:/i);
		expect(html).toContain('evil <span class="muted">(not an https image: javascript:alert(1))');
		expect(html).not.toContain('href="http://plain.example.com');
		expect(html).toContain(
			`<dd id="channel"><a href="/dashboard/channels/${channel.id}">storage team</a>`,
		);
		expect(html).toContain(
			`<dd id="integration"><a href="/dashboard/integrations/${id}">disks</a>`,
		);
	});

	it("renders a link as an anchor only when its URL is http(s)", async () => {
		for (const bad of [
			"javascript:alert(1)",
			" JavaScript:alert(1)",
			"data:text/html,<script>alert(1)</script>",
			"vbscript:x",
			"//evil.example.com/x",
			"https://",
		]) {
			expect(webUrl(bad), bad).toBeNull();
		}
		expect(webUrl("https://ok.example.com/a b")).toBe("https://ok.example.com/a%20b");
		expect(webUrl("http://ok.example.com/", ["https:"])).toBeNull();

		const incident: IncidentDetail = {
			id: "i1",
			integration_id: "int1",
			channel_id: null,
			status: "triggered",
			severity: "warning",
			title: "t",
			alert_count: 1,
			opened_at: new Date(0).toISOString(),
			acknowledged_at: null,
			resolved_at: null,
			resolved_by: null,
			recent_changes: [],
			alerts: [
				{
					...alertRecord({
						links: [
							{ href: "javascript:alert(1)", text: "runbook" },
							{ href: 'https://runbooks.example.com/disk?x=1&y="2"', text: "real <runbook>" },
						],
					}),
					first_event_at: new Date(0).toISOString(),
					last_event_at: new Date(0).toISOString(),
					resolved_at: null,
					expires_at: null,
					muted_by: null,
				},
			],
		};
		const html = String(
			await IncidentPage({
				incident,
				channelNames: new Map(),
				integrationNames: new Map(),
				timeline: [],
				moreTimeline: false,
				viewer: { csrf: "c", name: "admin token", role: "admin", access: false },
				now: 0,
			}),
		);
		expect(html).toContain(
			'<li class="not-link">runbook <span class="muted">(not a web link: javascript:alert(1))</span></li>',
		);
		expect(html).not.toMatch(/href="javascript:/i);
		expect(html).toContain(
			'<a href="https://runbooks.example.com/disk?x=1&amp;y=%222%22" rel="noopener noreferrer">real &lt;runbook&gt;</a>',
		);
	});

	it("silences one alert for an hour by its key, with the form's CSRF token only", async () => {
		const cookie = await signIn();
		const { id, integration_key } = await createIntegration("quiet me");
		await fire(integration_key, "noisy", { labels: { service: "api" } });
		await fire(integration_key, "other", { labels: { service: "api" } });
		await runAlarm(id);
		const listed = (await admin("GET", `/incidents?integration_id=${id}`)).body.data.incidents;
		const noisy = listed.find((one: { title: string }) => one.title === "noisy");
		const path = `/dashboard/incidents/${noisy.id}`;
		const before = await page("GET", path, { cookie });
		expect(before.html).toContain("Silence this alert for 1 hour");
		const csrf = csrfOf(before.html);
		const silences = async () =>
			(await admin("GET", "/silences?limit=100")).body.data.silences.filter(
				(one: { integration_ids: string[] }) => one.integration_ids.includes(id),
			);

		// Without the token, from another origin, or for a key this incident does not hold: nothing.
		const form = { alert_key: "noisy" };
		expect((await page("POST", `${path}/silence`, { cookie, form })).status).toBe(403);
		expect(
			(
				await page("POST", `${path}/silence`, {
					cookie,
					form: { ...form, csrf },
					origin: "https://evil.example",
				})
			).status,
		).toBe(403);
		expect(
			(await page("POST", `${path}/silence`, { cookie, form: { alert_key: "other", csrf } }))
				.status,
		).toBe(404);
		expect(await silences()).toEqual([]);

		const started = Date.now();
		const done = await page("POST", `${path}/silence`, { cookie, form: { ...form, csrf } });
		expect(done).toMatchObject({ status: 303, location: path });
		const [made, ...more] = await silences();
		expect(more).toEqual([]);
		expect(made).toMatchObject({
			matchers: [{ field: "alert_key", op: "equals", value: "noisy" }],
			integration_ids: [id],
			created_by: "dashboard",
			status: "active",
		});
		const lasts = Date.parse(made.ends_at) - started;
		expect(lasts).toBeGreaterThanOrEqual(3_600_000 - 1_000);
		expect(lasts).toBeLessThanOrEqual(3_600_000 + 5_000);

		const after = (await page("GET", path, { cookie })).html;
		expect(after).toContain(`title="silence ${made.id}">silenced</span>`);
		expect(after).not.toContain("Silence this alert for 1 hour");
		// Its key only: the other alert, with the same labels, still pages.
		const alerts = (await admin("GET", `/integrations/${id}/alerts`)).body.data.alerts;
		const silencedBy = Object.fromEntries(
			alerts.map((one: { alert_key: string; silenced_by: string | null }) => [
				one.alert_key,
				one.silenced_by,
			]),
		);
		expect(silencedBy).toEqual({ noisy: made.id, other: null });
		await admin("DELETE", `/silences/${made.id}`);
	});
});

describe("dashboard: a channel's page", () => {
	it("shows its grouping, targets without their secrets, what routes into it, and its open incidents", async () => {
		const cookie = await signIn();
		const channel = await createChannel({
			name: "databases",
			description: "the <db> team",
			group_by: ["cluster"],
			group_window: "30m",
		});
		const target = await createTarget(channel.id, {
			type: "webhook",
			name: "ops receiver",
			url: "https://hooks.example.com/alertgate/s3cr3tpath?token=abcdef123456",
		});
		const owned = await createIntegration("db metrics", "standard", {}, channel.id);
		const shared = await createIntegration("shared source");
		await admin("PUT", `/integrations/${shared.id}/routes`, {
			rules: [],
			default_channel_id: channel.id,
		});
		await fire(owned.integration_key, "replica-lag", { labels: { cluster: "a" } });
		await fire(owned.integration_key, "gone", { labels: { cluster: "b" } });
		await recover(owned.integration_key, "gone");
		await runAlarm(owned.id);

		const reply = await page("GET", `/dashboard/channels/${channel.id}`, { cookie });
		expect(reply.status).toBe(200);
		const { html } = reply;
		expect(html).toContain("<h1>databases</h1>");
		expect(html).toContain("the &lt;db&gt; team");
		expect(html).toContain(
			"alerts with the same cluster join one open incident opened less than 30m ago",
		);
		expect(html).toMatch(
			new RegExp(
				`<tr data-target="${target.id}"><td>webhook</td><td>ops receiver<div class="muted">hooks.example.com</div>`,
			),
		);
		for (const secret of ["s3cr3tpath", "abcdef123456", "whsec_", target.secret ?? "no secret"]) {
			expect(html).not.toContain(secret);
		}
		expect(html).toContain(
			`<dd id="private"><a href="/dashboard/integrations/${owned.id}">db metrics</a></dd>`,
		);
		expect(html).toContain(
			`<dd id="routed"><a href="/dashboard/integrations/${shared.id}">shared source</a></dd>`,
		);
		expect(titlesOf(html)).toEqual(["replica-lag"]);
		expect(html).toContain(`href="/dashboard/incidents?status=all&amp;channel_id=${channel.id}"`);
		expect((await page("GET", "/dashboard/channels/nope", { cookie })).status).toBe(404);
	});
});

describe("dashboard: the sign-in page and the integration's counters", () => {
	it("says where the admin token comes from in development and in production", async () => {
		const { html } = await page("GET", "/dashboard/login");
		expect(html).toContain("<code>ADMIN_TOKEN</code>");
		expect(html).toMatch(
			/In development<\/strong>: the first <code>npm run dev<\/code> writes a random one\s+to <code>.dev.vars<\/code>/,
		);
		expect(html).toMatch(
			/In production<\/strong>: the secret set with\s*<code>npx wrangler secret put ADMIN_TOKEN<\/code>/,
		);
	});

	it("shows an integration's counters on its page, its channel linked", async () => {
		const cookie = await signIn();
		const channel = await createChannel({ name: "web team" });
		const { id, integration_key } = await createIntegration("counted", "standard", {}, channel.id);
		await fire(integration_key, "a");
		await fire(integration_key, "a");
		await push(integration_key, { event_status: "Loud" });
		await runAlarm(id);
		const { html } = await page("GET", `/dashboard/integrations/${id}`, { cookie });
		const counter = (name: string) =>
			new RegExp(`<dd data-counter="${name}">([^<]*)`).exec(html)?.[1];
		expect(counter("pushes")).toBe("2");
		expect(counter("deduplicated")).toBe("1");
		expect(counter("refused")).toBe("1");
		expect(html).toContain("(InvalidParameter 1)");
		expect(html).toContain(`<a href="/dashboard/channels/${channel.id}">web team</a>`);
		expect(html).toContain(`href="/dashboard/incidents?status=all&amp;integration_id=${id}"`);
		expect(html).toContain("Preview a push");
	});
});
