import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { actionLinksFor, signAction, verifyAction } from "../src/notify/action-links";
import { buildEvent } from "../src/notify/event";
import { pagerduty, teams } from "../src/notify/formats";
import { incidentRecord } from "./factories";
import { ADMIN_TOKEN, admin, BASE, runAlarm } from "./helpers";
import { fire } from "./incident-helpers";
import { notifiedIntegration, receivedBodies, unique, webhook } from "./notify-helpers";

const HOUR = 3_600_000;

/** A page of the worker, read as text. */
async function open(url: string, method = "GET", headers: Record<string, string> = {}) {
	const response = await exports.default.fetch(new Request(url, { method, headers }));
	return { status: response.status, headers: response.headers, text: await response.text() };
}

/** The same-origin POST the confirmation page's button makes. */
const press = (url: string) => open(url, "POST", { Origin: BASE, "Sec-Fetch-Site": "same-origin" });

/** An integration whose webhook target got one notification: its event, with links. */
async function notified(labels: Record<string, string> = {}) {
	const path = unique("actions");
	const made = await notifiedIntegration([webhook(path)]);
	await fire(made.integration_key, "disk", { title_rule: "disk full on db-1", labels });
	await runAlarm(made.id);
	const [event] = await receivedBodies(path);
	return { ...made, event, path };
}

const incidentOf = async (id: string) => (await admin("GET", `/incidents/${id}`)).body.data;
const timelineOf = async (id: string) =>
	(await admin("GET", `/incidents/${id}/timeline`)).body.data.entries as Record<string, unknown>[];

describe("signed action links", () => {
	const claim = {
		action: "acknowledge" as const,
		integrationId: "int_abc",
		incidentId: crypto.randomUUID(),
		expiresAt: Date.now() + HOUR,
	};

	it("verify as signed, and refuse altered, expired, other incidents' and other keys' links", async () => {
		const token = (await signAction(ADMIN_TOKEN, claim)) ?? "";
		expect(await verifyAction(ADMIN_TOKEN, token, Date.now())).toEqual({ ok: true, claim });
		const [action, integration, incident, expiry, signature] = token.split(".");
		const swap = (parts: (string | undefined)[]) => parts.join(".");
		const refused = async (text: string, now = Date.now()) =>
			(await verifyAction(ADMIN_TOKEN, text, now)).ok === false
				? ((await verifyAction(ADMIN_TOKEN, text, now)) as { reason: string }).reason
				: "accepted";
		expect(await refused(swap(["resolve", integration, incident, expiry, signature]))).toBe(
			"forged",
		);
		expect(await refused(swap([action, integration, crypto.randomUUID(), expiry, signature]))).toBe(
			"forged",
		);
		expect(
			await refused(swap([action, integration, incident, String(Number(expiry) + 1), signature])),
		).toBe("forged");
		const flipped = `${signature?.slice(0, -1)}${signature?.endsWith("A") ? "B" : "A"}`;
		expect(await refused(swap([action, integration, incident, expiry, flipped]))).toBe("forged");
		expect(await refused(token, claim.expiresAt)).toBe("expired");
		expect(await refused(`${token}.x`)).toBe("malformed");
		expect(await refused(swap(["delete", integration, incident, expiry, signature]))).toBe(
			"malformed",
		);
		const other = await verifyAction(`${ADMIN_TOKEN}x`, token, Date.now());
		expect(other).toEqual({ ok: false, reason: "forged" });
		expect(await signAction(undefined, claim)).toBeNull();
	});

	it("offer only the actions that still apply, and none without an absolute incident URL", async () => {
		const event = (status: string, url = `${BASE}/dashboard/incidents/i`) => ({
			occurred_at: new Date().toISOString(),
			incident: { id: "i", integration_id: "int_abc", status, url },
		});
		const links = await actionLinksFor(event("acknowledged"), ADMIN_TOKEN);
		expect(links?.acknowledge).toBeNull();
		expect(links?.resolve).toMatch(new RegExp(`^${BASE}/actions/resolve\\.`));
		const resolved = await actionLinksFor(event("resolved"), ADMIN_TOKEN);
		expect(resolved).toEqual({
			dashboard: `${BASE}/dashboard/incidents/i`,
			acknowledge: null,
			resolve: null,
			silence: null,
		});
		expect(await actionLinksFor(event("triggered", "/api/v1/incidents/i"), ADMIN_TOKEN)).toBeNull();
	});

	it("become Teams buttons and PagerDuty links, while they apply", async () => {
		const event = buildEvent({
			type: "incident.acknowledged",
			incident: incidentRecord({ id: "inc_1", status: "acknowledged" }),
			integrationId: "int_1",
			alerts: [],
			baseUrl: BASE,
			dashboardUrl: BASE,
			now: Date.now(),
		});
		const links = await actionLinksFor(event, ADMIN_TOKEN);
		if (links === null) throw new Error("no links");
		const linked = { ...event, links };
		const card = JSON.stringify(teams(linked));
		expect(card).toContain(
			JSON.stringify({ type: "Action.OpenUrl", title: "Resolve", url: links.resolve }),
		);
		expect(card).toContain(
			JSON.stringify({ type: "Action.OpenUrl", title: "Silence 1h", url: links.silence }),
		);
		expect(card).not.toContain('"Acknowledge"');
		const paged = JSON.stringify(
			pagerduty("k".repeat(32), { ...linked, type: "incident.triggered" }),
		);
		expect(paged).toContain(JSON.stringify({ href: links.resolve, text: "Resolve in alertgate" }));
		// Without links (no ADMIN_TOKEN to sign with), only the incident's page.
		expect(JSON.stringify(teams(event))).not.toContain("/actions/");
	});

	it("reach the webhook body; GET shows a page and never acts, POST acknowledges and then resolves", async () => {
		const { event, id, path } = await notified();
		const incidentId = event.incident.id;
		expect(Object.keys(event.links)).toEqual(["dashboard", "acknowledge", "resolve", "silence"]);
		expect(event.links.dashboard).toBe(event.incident.url);
		for (const action of ["acknowledge", "resolve", "silence"]) {
			expect(event.links[action]).toMatch(new RegExp(`^${BASE}/actions/${action}\\.`));
		}

		// Fetched as an unfurler would, twice: a page with a button, and nothing changes.
		for (let i = 0; i < 2; i++) {
			const shown = await open(event.links.acknowledge);
			expect(shown.status).toBe(200);
			expect(shown.text).toContain("Acknowledge this incident?");
			expect(shown.text).toContain("disk full on db-1");
			expect(shown.text).toContain('<form method="post"');
			expect(shown.headers.get("Cache-Control")).toBe("no-store");
		}
		expect((await incidentOf(incidentId)).status).toBe("triggered");

		// From another origin, the button does nothing.
		const crossSite = await open(event.links.acknowledge, "POST", {
			Origin: "https://evil.example",
		});
		expect(crossSite.status).toBe(403);
		expect((await incidentOf(incidentId)).status).toBe("triggered");

		const acked = await press(event.links.acknowledge);
		expect(acked.status).toBe(200);
		expect(acked.text).toContain("Acknowledged");
		expect((await incidentOf(incidentId)).status).toBe("acknowledged");
		// Pressed again: nothing to do, nothing changes.
		expect((await press(event.links.acknowledge)).status).toBe(409);

		expect((await press(event.links.resolve)).status).toBe(200);
		expect((await incidentOf(incidentId)).status).toBe("resolved");
		const shownAfter = await open(event.links.silence);
		expect(shownAfter.text).toContain("resolved already");
		expect(shownAfter.text).not.toContain('<form method="post"');

		const entries = await timelineOf(incidentId);
		expect(entries.filter((e) => e.type === "acknowledged" || e.type === "resolved")).toEqual([
			expect.objectContaining({ type: "acknowledged", by: { via: "link", name: null } }),
			expect.objectContaining({ type: "resolved", by: { via: "link", name: null } }),
		]);
		// The targets heard of both, and their links no longer offer what is done.
		await runAlarm(id);
		const bodies = await receivedBodies(path);
		expect(bodies.map((b) => b.type)).toEqual([
			"incident.triggered",
			"incident.acknowledged",
			"incident.resolved",
		]);
		expect(bodies[1].links.acknowledge).toBeNull();
		expect(bodies[2].links.resolve).toBeNull();
	});

	it("silence the alert by its key for one hour in its integration", async () => {
		const { event, id } = await notified({ host: "db-1", service: "postgres" });
		const shown = await open(event.links.silence);
		expect(shown.text).toContain("Silence this alert for one hour?");
		expect(await press(event.links.silence)).toMatchObject({ status: 200 });
		const silences = (await admin("GET", "/silences?limit=100")).body.data.silences;
		const made = silences.find((s: { integration_ids: string[] }) => s.integration_ids[0] === id);
		expect(made).toMatchObject({
			created_by: "action link",
			status: "active",
			matchers: [{ field: "alert_key", op: "equals", value: "disk" }],
		});
		const lasts = Date.parse(made.ends_at) - Date.parse(made.starts_at);
		expect(lasts).toBe(HOUR);
		const alerts = (await admin("GET", `/integrations/${id}/alerts`)).body.data.alerts;
		expect(alerts[0].silenced_by).toBe(made.id);
		// Pressed again, or replayed: nothing to silence, no second silence.
		const again = await press(event.links.silence);
		expect(again.status).toBe(409);
		expect((await open(event.links.silence)).text).not.toContain('<form method="post"');
		const after = (await admin("GET", "/silences?limit=100")).body.data.silences;
		expect(
			after.filter((s: { integration_ids: string[] }) => s.integration_ids[0] === id),
		).toHaveLength(1);
	});

	it("refuse altered, expired and other incidents' links with a page, changing nothing", async () => {
		const first = await notified();
		const second = await notified();
		const [action, integration, incident, expiry, signature] = first.event.links.acknowledge
			.slice(`${BASE}/actions/`.length)
			.split(".");
		// The first incident's signature on the second incident.
		const moved = `${BASE}/actions/${[action, integration, second.event.incident.id, expiry, signature].join(".")}`;
		for (const url of [moved, `${first.event.links.acknowledge.slice(0, -2)}xx`]) {
			const refused = await press(url);
			expect(refused.status).toBe(403);
			expect(refused.text).toContain("This link is not valid");
			expect((await open(url)).status).toBe(403);
		}
		const expired = await signAction(ADMIN_TOKEN, {
			action: "acknowledge",
			integrationId: integration ?? "",
			incidentId: incident ?? "",
			expiresAt: Date.now() - 1,
		});
		const late = await press(`${BASE}/actions/${expired}`);
		expect(late.status).toBe(410);
		expect(late.text).toContain("This link has expired");
		expect((await open(`${BASE}/actions/nonsense`)).status).toBe(403);
		expect((await incidentOf(first.event.incident.id)).status).toBe("triggered");
		expect((await incidentOf(second.event.incident.id)).status).toBe("triggered");
	});
});
