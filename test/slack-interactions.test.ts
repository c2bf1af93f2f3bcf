import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { adminApp } from "../src/admin-app";
import { admin, BASE, runAlarm } from "./helpers";
import { fire, firstIncident } from "./incident-helpers";
import { notifiedIntegration, receivedBodies, unique } from "./notify-helpers";
import { clickBody, post, SECRET, signed } from "./slack-helpers";

/**
 * `POST /slack/interactions`: Slack's button clicks, signed in the test (./slack-helpers.ts).
 */

/** An incident told to a Slack incoming webhook, with its id and the message's path. */
async function slackIncident() {
	const hook = unique("hook");
	const { integration_key, id } = await notifiedIntegration([
		{ type: "slack", url: `https://hooks.slack.com/services/T0/B0/${hook}` },
	]);
	await fire(integration_key, "disk-full");
	await runAlarm(id);
	const incident = await firstIncident(`?integration_id=${id}`);
	return { incidentId: incident.id, integrationId: id, hook };
}

/** A response_url of Slack's shape, unique to the test. */
const responseUrl = () => `https://hooks.slack.com/actions/T0/1/${unique("respond")}`;

/** What the receivers got at `url`, once the background post has arrived (or after a wait). */
async function posted(url: string, count = 1) {
	for (let tries = 0; tries < 100; tries++) {
		const bodies = await receivedBodies(url);
		if (bodies.length >= count) return bodies;
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
	return receivedBodies(url);
}

async function fetchedUrls(): Promise<string[]> {
	return (await fetch("https://outbound.test/log")).json();
}

async function status(incidentId: string): Promise<string> {
	return (await admin("GET", `/incidents/${incidentId}`)).body.data.status;
}

async function timeline(incidentId: string) {
	const reply = await admin("GET", `/incidents/${incidentId}/timeline`);
	return reply.body.data.entries as { type: string; by?: { via: string; name: string | null } }[];
}

describe("Slack messages", () => {
	it("carry Acknowledge and Resolve buttons naming the incident when SLACK_SIGNING_SECRET is set", async () => {
		const { incidentId, hook } = await slackIncident();
		const [message] = await receivedBodies(hook);
		const actions = message.blocks.at(-1);
		expect(actions.type).toBe("actions");
		expect(actions.elements.slice(0, 2)).toMatchObject([
			{ type: "button", action_id: "acknowledge", value: incidentId, style: "primary" },
			{ type: "button", action_id: "resolve", value: incidentId },
		]);
		// The signed links stay as URL buttons beside them.
		expect(actions.elements.slice(2).map((b: { url: string }) => new URL(b.url).origin)).toEqual([
			BASE,
			BASE,
		]);
	});
});

describe("POST /slack/interactions", () => {
	it("acknowledges as the Slack user, records who in the timeline, and updates the message", async () => {
		const { incidentId } = await slackIncident();
		const url = responseUrl();
		const body = clickBody(incidentId, "acknowledge", url);
		const answer = await post(body, await signed(body));
		expect(answer).toMatchObject({ status: 200, text: "" });
		expect(await status(incidentId)).toBe("acknowledged");
		const entry = (await timeline(incidentId)).find((e) => e.type === "acknowledged");
		expect(entry?.by).toEqual({ via: "slack", name: "@ana" });
		// And in the audit log, as the Slack user.
		const audit = await admin("GET", `/audit?resource_id=${incidentId}`);
		expect(audit.body.data.entries).toEqual([
			expect.objectContaining({
				actor: { kind: "slack", name: "@ana" },
				via: "slack",
				action: "incident.acknowledge",
				changes: expect.objectContaining({
					status: { before: "triggered", after: "acknowledged" },
				}),
			}),
		]);

		const [update] = await posted(url);
		expect(update).toMatchObject({ replace_original: true });
		expect(JSON.stringify(update.blocks)).toContain("Acknowledged by @ana");
		expect(update.blocks[1].fields).toContainEqual({
			type: "mrkdwn",
			text: "*Status*\nacknowledged",
		});
		// Acknowledged: only Resolve is left to click.
		const buttons = update.blocks.at(-1).elements.map((b: { action_id: string }) => b.action_id);
		expect(buttons).toContain("resolve");
		expect(buttons).not.toContain("acknowledge");

		const resolveUrl = responseUrl();
		const resolve = clickBody(incidentId, "resolve", resolveUrl, "bo");
		expect((await post(resolve, await signed(resolve))).status).toBe(200);
		expect(await status(incidentId)).toBe("resolved");
		const [resolved] = await posted(resolveUrl);
		expect(JSON.stringify(resolved.blocks)).toContain("Resolved by @bo");
		expect((await timeline(incidentId)).find((e) => e.type === "resolved")?.by).toEqual({
			via: "slack",
			name: "@bo",
		});
	});

	it("refuses a forged, altered, unsigned or stale click with 401 and changes nothing", async () => {
		const { incidentId } = await slackIncident();
		const url = responseUrl();
		const body = clickBody(incidentId, "acknowledge", url);
		const good = await signed(body);
		const attempts: [string, string, Record<string, string>][] = [
			["altered body", clickBody(incidentId, "resolve", url), good],
			["another secret", body, await signed(body, { secret: `${SECRET}x` })],
			["a changed signature", body, { ...good, "X-Slack-Signature": `v0=${"0".repeat(64)}` }],
			["no signature", body, { "X-Slack-Request-Timestamp": good["X-Slack-Request-Timestamp"] }],
			["no timestamp", body, { "X-Slack-Signature": good["X-Slack-Signature"] }],
			["no headers", body, {}],
			["six minutes old", body, await signed(body, { at: Date.now() - 6 * 60_000 })],
		];
		for (const [what, sent, headers] of attempts) {
			const answer = await post(sent, headers);
			expect(answer.status, what).toBe(401);
			expect(answer.json.error.code, what).toBe("InvalidSlackSignature");
			expect(answer.json.request_id, what).toMatch(/./);
		}
		expect(await status(incidentId)).toBe("triggered");
		expect((await timeline(incidentId)).map((e) => e.type)).not.toContain("acknowledged");
		expect((await fetchedUrls()).filter((u) => u === url)).toEqual([]);
		// Not vacuous: the same click, signed now, acts.
		expect((await post(body, await signed(body))).status).toBe(200);
		expect(await status(incidentId)).toBe("acknowledged");
	});

	it("never fetches a response_url off hooks.slack.com/actions/", async () => {
		const { incidentId } = await slackIncident();
		const marker = unique("elsewhere");
		for (const url of [
			`https://hooks.slack.com.evil.test/actions/T0/1/${marker}`,
			`https://receiver.test/actions/${marker}`,
			`https://hooks.slack.com/services/T0/B0/${marker}`,
		]) {
			const body = clickBody(incidentId, "resolve", url);
			expect((await post(body, await signed(body))).status).toBe(200);
		}
		expect(await status(incidentId)).toBe("resolved");
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect((await fetchedUrls()).filter((u) => u.includes(marker))).toEqual([]);
	});

	it("tells the person, with a 200, when the incident is unknown or already resolved", async () => {
		const url = responseUrl();
		const unknown = clickBody("no-such-incident", "acknowledge", url);
		const answer = await post(unknown, await signed(unknown));
		expect(answer.status).toBe(200);
		expect(answer.json).toMatchObject({ response_type: "ephemeral" });
		expect(answer.json.text).toContain("no incident no-such-incident");
		const [told] = await posted(url);
		expect(told).toMatchObject({ response_type: "ephemeral", replace_original: false });

		const { incidentId } = await slackIncident();
		expect((await admin("POST", `/incidents/${incidentId}/resolve`)).status).toBe(200);
		const late = clickBody(incidentId, "acknowledge", responseUrl());
		const again = await post(late, await signed(late));
		expect(again.status).toBe(200);
		expect(again.json.text).toBe(`Incident ${incidentId} is already resolved.`);
		expect((await timeline(incidentId)).filter((e) => e.by?.via === "slack")).toEqual([]);
	});

	it("acknowledges other clicks (a URL button) without acting, and refuses a malformed payload", async () => {
		const { incidentId } = await slackIncident();
		const link = clickBody(incidentId, "link_open", responseUrl());
		expect(await post(link, await signed(link))).toMatchObject({ status: 200, text: "" });
		expect(await status(incidentId)).toBe("triggered");
		const noPayload = "token=x";
		const refused = await post(noPayload, await signed(noPayload));
		expect(refused.status).toBe(400);
		expect(refused.json.error.message).toContain("payload");
		const noUser = `payload=${encodeURIComponent(JSON.stringify({ type: "block_actions", actions: [] }))}`;
		const malformed = await post(noUser, await signed(noUser));
		expect(malformed.status).toBe(400);
		expect(malformed.json.error.message).toContain("user");
	});

	it("refuses a body over 64 KiB with 413, before checking anything", async () => {
		const body = `payload=${"x".repeat(64 * 1024)}`;
		const answer = await post(body, await signed(body));
		expect(answer.status).toBe(413);
		expect(answer.json.error.code).toBe("PayloadTooLarge");
	});

	it("answers 503 saying how to set SLACK_SIGNING_SECRET when it is not set", async () => {
		const ctx = createExecutionContext();
		const response = await adminApp.fetch(
			new Request(`${BASE}/slack/interactions`, { method: "POST", body: "payload=%7B%7D" }),
			{ ...env, SLACK_SIGNING_SECRET: undefined },
			ctx,
		);
		await waitOnExecutionContext(ctx);
		expect(response.status).toBe(503);
		const answer = (await response.json()) as { error: { code: string; message: string } };
		expect(answer.error.code).toBe("SlackNotConfigured");
		expect(answer.error.message).toContain("npx wrangler secret put SLACK_SIGNING_SECRET");
	});
});
