import * as z from "zod/mini";
import { InvalidParameter } from "../http/errors";
import type { Target } from "../notify/target";
import { SLACK_API, slackUrlProblem, type UrlRules } from "../notify/url";

/**
 * How a Slack target sends: to an incoming webhook (`url`), or as a bot (`bot_token` and
 * `slack_channel`) through chat.postMessage, whose message later events of the incident update.
 */

/** A bot token (https://api.slack.com/authentication/token-types#bot). */
export const BotToken = z
	.string({ error: "must be a Slack bot token (xoxb-…)" })
	.check(z.regex(/^xoxb-[A-Za-z0-9-]{10,250}$/, "must be a Slack bot token (xoxb-…)"));
/** A channel id (C… public, G… private, D… a direct message): names change, ids do not. */
export const SlackChannel = z
	.string({ error: "must be a Slack channel id such as C0123456789" })
	.check(
		z.regex(
			/^[CGD][A-Z0-9]{6,20}$/,
			"must be a Slack channel id such as C0123456789 (the channel's details show it), not its name",
		),
	);

type SlackInput = { url?: string; bot_token?: string; slack_channel?: string };
type SendsTo = Pick<Target, "url" | "secret" | "slack_channel">;

/** Where a Slack target sends, from the fields given over `current`. */
export function slackSendsTo(rules: UrlRules, input: SlackInput, current?: Target): SendsTo {
	const bot = input.bot_token !== undefined || input.slack_channel !== undefined;
	if (bot && input.url !== undefined) {
		throw new InvalidParameter(
			"url and bot_token exclude each other: send url (an incoming webhook) or bot_token and slack_channel",
		);
	}
	const currentBot = current !== undefined && current.slack_channel !== null ? current : null;
	if (bot || (input.url === undefined && currentBot !== null)) {
		const secret = input.bot_token ?? currentBot?.secret;
		const channel = input.slack_channel ?? currentBot?.slack_channel ?? undefined;
		if (secret === undefined) {
			throw new InvalidParameter("bot_token is required with slack_channel");
		}
		if (channel === undefined)
			throw new InvalidParameter("slack_channel is required with bot_token");
		return { url: SLACK_API.postMessage, secret, slack_channel: channel };
	}
	const url = input.url ?? current?.url;
	if (url === undefined) {
		throw new InvalidParameter(
			"url is required: a Slack incoming-webhook URL (or bot_token and slack_channel)",
		);
	}
	const problem = slackUrlProblem(url, rules);
	if (problem !== null) throw new InvalidParameter(`url ${problem}`);
	return { url, secret: "", slack_channel: null };
}

/** Fields only Slack targets take. */
export function refuseSlackFields(type: string, input: SlackInput): void {
	for (const field of ["bot_token", "slack_channel"] as const) {
		if (input[field] !== undefined) {
			throw new InvalidParameter(`${field} applies only to slack targets, not ${type}`);
		}
	}
}
