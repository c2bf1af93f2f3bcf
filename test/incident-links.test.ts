import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { signInReturn } from "../src/dashboard/session";
import worker from "../src/index";
import { buildEvent } from "../src/notify/event";
import { pagerduty, teams } from "../src/notify/formats";
import { slack } from "../src/notify/slack";
import { publicUrlProblem } from "../src/notify/url";
import { page, signIn } from "./dashboard-helpers";
import { incidentRecord } from "./factories";
import { ADMIN_TOKEN, BASE, runAlarm } from "./helpers";
import { createChannel, fire } from "./incident-helpers";
import { createTarget, receivedBodies, unique, webhook } from "./notify-helpers";

const PUBLIC = "https://alerts.example.com";

/** An integration private to a channel with one webhook target, created with this PUBLIC_URL. */
async function integrationWith(publicUrl: string | undefined, path: string) {
	const { id: channelId } = await createChannel();
	await createTarget(channelId, webhook(path));
	const response = await worker.fetch(
		new Request(`${BASE}/api/v1/integrations`, {
			method: "POST",
			headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
			body: JSON.stringify({ name: "linked", type: "standard", channel_id: channelId }),
		}),
		{ ...env, PUBLIC_URL: publicUrl },
		createExecutionContext(),
	);
	expect(response.status).toBe(201);
	const { data } = (await response.json()) as { data: { id: string; integration_key: string } };
	return data;
}

async function firstEvent(publicUrl: string | undefined) {
	const path = unique("links");
	const { id, integration_key } = await integrationWith(publicUrl, path);
	await fire(integration_key, "disk-full");
	await runAlarm(id);
	const [event] = await receivedBodies(path);
	return event;
}

describe("links in notifications", () => {
	it("lead to the incident's dashboard page under PUBLIC_URL, the API's address kept apart", async () => {
		const event = await firstEvent(PUBLIC);
		const id = event.incident.id;
		expect(event.incident.url).toBe(`${PUBLIC}/dashboard/incidents/${id}`);
		expect(event.incident.api_url).toBe(`${PUBLIC}/api/v1/incidents/${id}`);
	});

	it("ignore a PUBLIC_URL that is not an origin with a log line that does not echo it", async () => {
		const warn = vi.spyOn(console, "warn");
		try {
			await firstEvent("https://alerts.example.com/secret-path");
			const lines = warn.mock.calls.map((args) => String(args[0]));
			expect(lines.some((line) => line.includes('"event":"public_url_ignored"'))).toBe(true);
			expect(lines.join("\n")).not.toContain("secret-path");
		} finally {
			warn.mockRestore();
		}
	});

	it("lead to the API, as before, without PUBLIC_URL or with one that is not an origin", async () => {
		for (const publicUrl of [
			undefined,
			"",
			"https://alerts.example.com/x",
			"http://alerts.example.com",
		]) {
			const event = await firstEvent(publicUrl);
			const api = `${BASE}/api/v1/incidents/${event.incident.id}`;
			expect(event.incident).toMatchObject({ url: api, api_url: api });
		}
	});

	it("are the dashboard's in Slack, Teams and PagerDuty bodies", () => {
		const incident = incidentRecord({ id: "inc_1" });
		const input = {
			type: "incident.triggered" as const,
			incident,
			integrationId: "int",
			alerts: [],
		};
		const linked = buildEvent({ ...input, baseUrl: PUBLIC, dashboardUrl: PUBLIC, now: 0 });
		const page = `${PUBLIC}/dashboard/incidents/inc_1`;
		expect(JSON.stringify(slack(linked))).toContain(`<${page}|open in the dashboard>`);
		expect(JSON.stringify(teams(linked))).toContain(
			JSON.stringify({ type: "Action.OpenUrl", title: "Open in the dashboard", url: page }),
		);
		expect(pagerduty("k".repeat(32), linked)).toMatchObject({
			client_url: page,
			links: [{ href: page, text: "Incident in alertgate" }],
		});
		const plain = buildEvent({ ...input, baseUrl: BASE, dashboardUrl: null, now: 0 });
		expect(JSON.stringify(slack(plain))).toContain(
			`<${BASE}/api/v1/incidents/inc_1|open in the API>`,
		);
	});

	it("come from a PUBLIC_URL that is an https origin (http only to loopback when allowed)", () => {
		const strict = { allowHttpLoopback: false };
		expect(publicUrlProblem("https://alerts.example.com", strict)).toBeNull();
		expect(publicUrlProblem("https://alerts.example.com/", strict)).toBeNull();
		expect(publicUrlProblem("https://alerts.example.com:8443", strict)).toBeNull();
		for (const bad of [
			"alerts.example.com",
			"http://alerts.example.com",
			"http://localhost:8787",
			"https://alerts.example.com/gateway",
			"https://alerts.example.com/?x=1",
			"https://alerts.example.com/?",
			"https://alerts.example.com/#top",
			"https://user:pw@alerts.example.com",
			"javascript:alert(1)",
		]) {
			expect(publicUrlProblem(bad, strict), bad).not.toBeNull();
		}
		expect(publicUrlProblem("http://localhost:8787", { allowHttpLoopback: true })).toBeNull();
		expect(
			publicUrlProblem("http://alerts.example.com", { allowHttpLoopback: true }),
		).not.toBeNull();
	});
});

describe("signing in from a link", () => {
	const REFUSED = [
		"https://evil.example",
		"//evil.example",
		"/\\evil",
		"/dashboard/\\evil",
		"/dashboard//evil.example",
		"/api/v1/incidents/x",
		"/dashboard/../api/v1/incidents",
		"/dashboard/\r\nSet-Cookie:x",
		"/dashboard/ x",
		"/dashboardx",
		"",
	];

	it("accepts only paths under /dashboard/ on this origin", () => {
		expect(signInReturn("/dashboard/incidents/x")).toBe("/dashboard/incidents/x");
		expect(signInReturn(null)).toBeNull();
		for (const next of REFUSED) expect(signInReturn(next), next).toBeNull();
	});

	it("sends the signed-out from an incident's page to sign in, and back after", async () => {
		const away = await page("GET", "/dashboard/incidents/x");
		expect(away).toMatchObject({
			status: 303,
			location: "/dashboard/login?next=/dashboard/incidents/x",
		});
		const form = await page("GET", away.location ?? "");
		expect(form.html).toContain(
			'<input type="hidden" name="next" value="/dashboard/incidents/x"/>',
		);

		const wrong = await page("POST", "/dashboard/login", {
			form: { token: "no", next: "/dashboard/incidents/x" },
		});
		expect(wrong.status).toBe(401);
		expect(wrong.html).toContain('name="next" value="/dashboard/incidents/x"');

		const back = await page("POST", "/dashboard/login", {
			form: { token: ADMIN_TOKEN, next: "/dashboard/incidents/x" },
		});
		expect(back).toMatchObject({ status: 303, location: "/dashboard/incidents/x" });

		// Already signed in, the sign-in page goes straight there.
		const cookie = await signIn();
		expect(
			await page("GET", "/dashboard/login?next=/dashboard/incidents/x", { cookie }),
		).toMatchObject({ status: 303, location: "/dashboard/incidents/x" });
	});

	it("ignores a next that could leave the dashboard, and lands on /dashboard", async () => {
		for (const next of REFUSED) {
			const form = await page("GET", `/dashboard/login?next=${encodeURIComponent(next)}`);
			expect(form.status, next).toBe(200);
			expect(form.html, next).not.toContain('name="next"');
			const reply = await page("POST", "/dashboard/login", { form: { token: ADMIN_TOKEN, next } });
			expect(reply, next).toMatchObject({ status: 303, location: "/dashboard" });
		}
	});

	it("does not offer to return to an action, nor to /dashboard itself", async () => {
		const action = await page("POST", "/dashboard/incidents/x/resolve", { form: { csrf: "x" } });
		expect(action).toMatchObject({ status: 303, location: "/dashboard/login" });
		expect((await page("GET", "/dashboard")).location).toBe("/dashboard/login");
	});
});
