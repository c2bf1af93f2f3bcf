import { describe, expect, it } from "vitest";
import { admin, expectError, runAlarm } from "./helpers";
import { createChannel, fire, firstIncident } from "./incident-helpers";
import {
	acknowledgeThenResolve,
	createTarget,
	deliveries,
	later,
	notifiedIntegration,
	received,
	receivedBodies,
} from "./notify-helpers";

/**
 * Slack targets that post as a bot: chat.postMessage once per incident, then chat.update of
 * that message for every later event. The test receiver answers as Slack's Web API does
 * (test/node/receivers.ts), by the channel id's ending.
 */

const token = () => `xoxb-1234567890-${crypto.randomUUID().replaceAll("-", "")}`;
/** A channel id unique to the test, with the receiver's behaviour as its ending. */
const channel = (behaviour = "") =>
	`C${crypto.randomUUID().replaceAll("-", "").slice(0, 10).toUpperCase()}${behaviour}`;

async function botIncident(slackChannel: string, botToken = token()) {
	const made = await notifiedIntegration([
		{ type: "slack", bot_token: botToken, slack_channel: slackChannel },
	]);
	await fire(made.integration_key, "disk-full");
	await runAlarm(made.id);
	const incident = await firstIncident(`?integration_id=${made.id}`);
	return { ...made, incidentId: incident.id, botToken };
}

describe("a Slack bot target", () => {
	it("posts once, then updates that message when the incident is acknowledged and resolved", async () => {
		const slackChannel = channel();
		const { id, incidentId, botToken } = await botIncident(slackChannel);
		const [posted] = await received(slackChannel);
		expect(posted?.url).toBe("https://slack.com/api/chat.postMessage");
		expect(posted?.headers.authorization).toBe(`Bearer ${botToken}`);
		const body = JSON.parse(posted?.body ?? "{}");
		expect(body).toMatchObject({
			channel: slackChannel,
			text: expect.stringContaining("disk-full"),
		});
		expect(JSON.stringify(body.blocks)).toContain(incidentId);

		await acknowledgeThenResolve(id, incidentId);
		const requests = await received(slackChannel);
		expect(requests.map((r) => r.url)).toEqual([
			"https://slack.com/api/chat.postMessage",
			"https://slack.com/api/chat.update",
			"https://slack.com/api/chat.update",
		]);
		const [, acknowledged, resolved] = requests.map((r) => JSON.parse(r.body));
		// The receiver made up the first message's ts: both updates name it.
		expect(acknowledged.ts).toMatch(/^\d+\.000100$/);
		expect(resolved.ts).toBe(acknowledged.ts);
		expect(acknowledged.channel).toBe(slackChannel);
		expect(JSON.stringify(acknowledged.blocks)).toContain("*Status*\\nacknowledged");
		expect(JSON.stringify(resolved.blocks)).toContain("*Status*\\nresolved");
		expect(resolved.blocks.at(-1).elements.map((b: { action_id: string }) => b.action_id)).toEqual([
			"link_open",
		]);
	});

	it("keeps its token secret: masked in the API, absent from what a failure stores", async () => {
		const botToken = token();
		const { channelId, targets } = await botIncident(channel("ECHO"), botToken);
		const view = targets[0] ?? { id: "" };
		expect(view.bot_token).toBe(`••••${botToken.slice(-4)}`);
		expect(view).not.toHaveProperty("url");
		const listed = await admin("GET", `/channels/${channelId}/targets`);
		expect(JSON.stringify(listed.body)).not.toContain(botToken);
		const [failed] = await deliveries(channelId);
		// The receiver echoed the Authorization header; the stored answer holds none of it.
		expect(failed).toMatchObject({
			status: "failed",
			last_error: "HTTP 200: Slack error invalid_auth",
		});
		expect(JSON.stringify(await deliveries(channelId))).not.toContain(botToken.slice(5));
	});

	it("reads Slack's ok:false: fails for good, or retries (after Retry-After on 429)", async () => {
		const notIn = await botIncident(channel("NOTIN"));
		expect(await deliveries(notIn.channelId)).toMatchObject([
			{
				status: "failed",
				attempts: 1,
				last_status: 200,
				last_error: "HTTP 200: Slack error not_in_channel",
			},
		]);

		const flaky = await botIncident(channel("FLAKY"));
		expect(await deliveries(flaky.channelId)).toMatchObject([
			{ status: "pending", last_error: "HTTP 200: Slack error internal_error" },
		]);
		await later(flaky.id, 2_000);
		expect(await deliveries(flaky.channelId)).toMatchObject([{ status: "delivered", attempts: 2 }]);

		const slow = await botIncident(channel("RATE"));
		const [limited] = await deliveries(slow.channelId);
		expect(limited).toMatchObject({ status: "pending", last_status: 429 });
		const wait = Date.parse(limited.next_attempt_at) - Date.parse(limited.last_attempt_at);
		expect(wait).toBeGreaterThanOrEqual(9_000);
	});

	it("posts a new message when Slack says the old one is gone", async () => {
		const slackChannel = channel("GONE");
		const { id, incidentId, channelId } = await botIncident(slackChannel);
		expect((await admin("POST", `/incidents/${incidentId}/acknowledge`)).status).toBe(200);
		await runAlarm(id);
		await later(id, 2_000);
		const requests = await received(slackChannel);
		expect(requests.map((r) => r.url.split("/").at(-1))).toEqual([
			"chat.postMessage",
			"chat.update",
			"chat.postMessage",
		]);
		const bodies = await receivedBodies(slackChannel);
		expect(bodies[2]).not.toHaveProperty("ts");
		expect((await deliveries(channelId)).map((d) => d.status)).toEqual(["delivered", "delivered"]);
	});

	it("is made with bot_token and slack_channel, never with a url as well", async () => {
		const { id: channelId } = await createChannel();
		const create = (body: Record<string, unknown>) =>
			admin("POST", `/channels/${channelId}/targets`, { name: "s", type: "slack", ...body });
		const both = await create({
			url: "https://hooks.slack.com/services/T/B/x",
			bot_token: token(),
			slack_channel: channel(),
		});
		expect(expectError(both, 400, "InvalidParameter")).toContain("url and bot_token");
		expect(expectError(await create({ bot_token: token() }), 400, "InvalidParameter")).toContain(
			"slack_channel is required",
		);
		expect(
			expectError(
				await create({ bot_token: "xoxp-user-token-123456", slack_channel: channel() }),
				400,
				"InvalidParameter",
			),
		).toContain("bot_token must be a Slack bot token");
		expect(
			expectError(
				await create({ bot_token: token(), slack_channel: "#alerts" }),
				400,
				"InvalidParameter",
			),
		).toContain("slack_channel must be a Slack channel id");
		const webhook = await admin("POST", `/channels/${channelId}/targets`, {
			name: "w",
			type: "webhook",
			url: "https://receiver.test/x/ok",
			slack_channel: channel(),
		});
		expect(expectError(webhook, 400, "InvalidParameter")).toContain(
			"slack_channel applies only to slack targets",
		);
		// A bot target keeps its token when only its channel changes.
		const made = await createTarget(channelId, {
			type: "slack",
			bot_token: token(),
			slack_channel: channel(),
		});
		const moved = channel();
		const patched = await admin("PATCH", `/channels/${channelId}/targets/${made.id}`, {
			slack_channel: moved,
		});
		expect(patched.body.data).toMatchObject({ slack_channel: moved, bot_token: made.bot_token });
	});
});
