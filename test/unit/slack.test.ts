import { describe, expect, it } from "vitest";
import { actionLinksFor } from "../../src/notify/action-links";
import type { NotificationEvent } from "../../src/notify/event";
import { slack } from "../../src/notify/slack";
import { slackApiOutcome } from "../../src/notify/slack-api";
import { slackResponseUrlProblem } from "../../src/notify/url";
import { verifySlackRequest } from "../../src/security/slack-signature";
import { notificationEvent } from "../factories";

/**
 * Slack's own example (https://api.slack.com/authentication/verifying-requests-from-slack): this
 * secret, timestamp and body give this signature. Nothing here was computed by alertgate.
 */
const SLACK_EXAMPLE = {
	secret: "8f742231b10e8888abcd99yyyzzz85a5",
	timestamp: "1531420618",
	body: "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
	signature: "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
};
const AT = Number(SLACK_EXAMPLE.timestamp) * 1000;

function verify(
	over: Partial<{ secret: string; timestamp: string | null; signature: string | null }> = {},
	body = SLACK_EXAMPLE.body,
	now = AT + 1_000,
) {
	const { secret, timestamp, signature } = { ...SLACK_EXAMPLE, ...over };
	return verifySlackRequest(secret, { timestamp, signature }, body, now);
}

describe("Slack's request signature", () => {
	it("verifies Slack's published example, within five minutes either way", async () => {
		expect(await verify()).toEqual({ ok: true });
		expect(await verify({}, undefined, AT + 299_000)).toEqual({ ok: true });
		expect(await verify({}, undefined, AT - 299_000)).toEqual({ ok: true });
	});

	it("refuses a changed body, another secret, a changed signature and a stale or future time", async () => {
		const refused = async (result: Promise<{ ok: boolean }>) => (await result).ok;
		expect(await refused(verify({}, SLACK_EXAMPLE.body.replace("roadrunner", "coyote")))).toBe(
			false,
		);
		expect(await refused(verify({ secret: `${SLACK_EXAMPLE.secret}x` }))).toBe(false);
		const flipped = `${SLACK_EXAMPLE.signature.slice(0, -1)}4`;
		expect(await refused(verify({ signature: flipped }))).toBe(false);
		expect(await refused(verify({ signature: SLACK_EXAMPLE.signature.toUpperCase() }))).toBe(false);
		expect(await refused(verify({ signature: SLACK_EXAMPLE.signature.slice(3) }))).toBe(false);
		// Signed with the body, but for another moment: the timestamp is part of what is signed.
		expect(await refused(verify({ timestamp: "1531420619" }))).toBe(false);
		const stale = await verify({}, undefined, AT + 360_000);
		expect(stale).toMatchObject({ ok: false, problem: expect.stringContaining("5 minutes") });
		expect((await verify({}, undefined, AT - 360_000)).ok).toBe(false);
		expect(await verify({ timestamp: null })).toMatchObject({
			ok: false,
			problem: expect.stringContaining("X-Slack-Request-Timestamp"),
		});
		expect((await verify({ signature: null })).ok).toBe(false);
		expect((await verify({ timestamp: "1531420618.5" })).ok).toBe(false);
	});
});

describe("a response_url", () => {
	it("is fetched only when it is https://hooks.slack.com/actions/…", () => {
		expect(slackResponseUrlProblem("https://hooks.slack.com/actions/T0/1/abc")).toBeNull();
		for (const url of [
			"http://hooks.slack.com/actions/T0/1/abc",
			"https://hooks.slack.com:8443/actions/T0/1/abc",
			"https://hooks.slack.com.evil.test/actions/T0/1/abc",
			"https://evil.test/actions/T0/1/abc",
			"https://user@hooks.slack.com/actions/T0/1/abc",
			"https://hooks.slack.com/services/T0/B0/abc",
			"https://slack.com/actions/T0/1/abc",
			"not a url",
		]) {
			expect(slackResponseUrlProblem(url), url).not.toBeNull();
		}
	});
});

/** The action ids of a message's buttons, in order. */
function ids(body: ReturnType<typeof slack>): string[] {
	const blocks = JSON.parse(JSON.stringify(body.blocks)) as {
		type: string;
		elements?: { action_id: string }[];
	}[];
	return blocks.flatMap((block) =>
		block.type === "actions" ? (block.elements ?? []).map((e) => e.action_id) : [],
	);
}

async function linked(over: Partial<NotificationEvent["incident"]> = {}) {
	const event = notificationEvent({ id: "inc_1", integration_id: "int_1", ...over });
	const links = await actionLinksFor(event, "an-admin-token-0123456789abcdef0123");
	if (links === null) throw new Error("no links");
	return { ...event, links };
}

describe("Slack message buttons", () => {
	it("act in Slack when the deployment takes interactions: acknowledge, then resolve", async () => {
		const triggered = slack(await linked(), { buttons: true });
		expect(ids(triggered)).toEqual(["acknowledge", "resolve", "link_silence", "link_open"]);
		const actions = triggered.blocks.at(-1);
		expect(actions).toMatchObject({
			type: "actions",
			elements: [
				{ action_id: "acknowledge", value: "inc_1", style: "primary" },
				{ action_id: "resolve", value: "inc_1" },
				{ text: { text: "Silence 1h" } },
				{ text: { text: "Open" } },
			],
		});
		const acknowledged = slack(await linked({ status: "acknowledged" }), { buttons: true });
		expect(ids(acknowledged)).toEqual(["resolve", "link_silence", "link_open"]);
		expect(JSON.stringify(acknowledged)).toContain('"style":"primary"');
		const resolved = slack(await linked({ status: "resolved" }), { buttons: true });
		expect(ids(resolved)).toEqual(["link_open"]);
		// No links known: the interactive buttons still work.
		expect(ids(slack(notificationEvent(), { buttons: true }))).toEqual(["acknowledge", "resolve"]);
	});

	it("are the signed links otherwise, or none when no link is known", async () => {
		const event = await linked();
		const body = slack(event);
		expect(ids(body)).toEqual(["link_acknowledge", "link_resolve", "link_silence", "link_open"]);
		expect(JSON.stringify(body)).not.toContain('"value"');
		expect(body.blocks.at(-1)).toMatchObject({
			elements: [
				{ url: event.links.acknowledge },
				{ url: event.links.resolve },
				{ url: event.links.silence },
				{ url: event.links.dashboard },
			],
		});
		expect(ids(slack(notificationEvent()))).toEqual([]);
		expect(slack(notificationEvent()).blocks.map((block) => block.type)).not.toContain("actions");
		// A test notification's incident is not real: nothing to act on.
		expect(ids(slack({ ...event, type: "test" }, { buttons: true }))).toEqual([]);
	});

	it("carry who acted, escaped for mrkdwn", () => {
		const body = slack(notificationEvent(), { note: "Acknowledged by @<b>&" });
		expect(JSON.stringify(body)).toContain("Acknowledged by @&lt;b&gt;&amp;");
	});
});

describe("Slack's Web API answers", () => {
	const tidy = (text: string) => text;
	it("keep the posted message, and read ok:false as failed for good or to retry", () => {
		expect(slackApiOutcome(200, '{"ok":true,"channel":"C1","ts":"1.2"}', tidy, false)).toEqual({
			outcome: "delivered",
			status: 200,
			detail: "HTTP 200: ok",
			retryAfterMs: null,
			slackMessage: { channel: "C1", ts: "1.2" },
		});
		for (const error of [
			"invalid_auth",
			"channel_not_found",
			"not_in_channel",
			"account_inactive",
		]) {
			expect(slackApiOutcome(200, `{"ok":false,"error":"${error}"}`, tidy, false)).toMatchObject({
				outcome: "rejected",
				detail: `HTTP 200: Slack error ${error}`,
			});
		}
		for (const error of ["ratelimited", "internal_error", "fatal_error"]) {
			expect(slackApiOutcome(200, `{"ok":false,"error":"${error}"}`, tidy, false).outcome).toBe(
				"retry",
			);
		}
		// Not the Web API's JSON: most likely posted, and a retry could post twice.
		expect(slackApiOutcome(200, '{"ok":true,"channel":"C1","ts":"1.2","mess', tidy, false)).toEqual(
			{
				outcome: "delivered",
				status: 200,
				detail: "HTTP 200: not a Slack Web API answer (taken as delivered)",
				retryAfterMs: null,
			},
		);
		// A message gone from Slack is forgotten: the retry posts a new one.
		expect(
			slackApiOutcome(200, '{"ok":false,"error":"message_not_found"}', tidy, true),
		).toMatchObject({ outcome: "retry", slackMessage: null });
	});
});
