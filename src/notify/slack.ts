import type { NotificationEvent } from "./event";
import { clip, headline, labelPairs, linkPlace, type OutboundRequest } from "./formats";
import type { Target } from "./target";
import { SLACK_API } from "./url";

/**
 * Slack messages in Block Kit (https://api.slack.com/reference/block-kit/blocks), to an incoming
 * webhook or, for a bot target, through the Web API, where later events of an incident update
 * the message they first posted rather than post another.
 */

/** A message a bot target posted: what chat.update needs to change it. */
export type SlackMessage = { channel: string; ts: string };

/** What a Slack message depends on beyond the event and the target. */
export type SlackContext = {
	/**
	 * Whether the deployment takes Slack's interactions (SLACK_SIGNING_SECRET is set): then the
	 * message carries Acknowledge and Resolve buttons that act in Slack; else the signed action
	 * links as URL buttons, which open a page in the browser.
	 */
	buttons: boolean;
	/** A bot target's message for this incident, which the event updates; null: post a new one. */
	message: SlackMessage | null;
};
export const NO_SLACK_CONTEXT: SlackContext = { buttons: false, message: null };

/** The interactive buttons' `action_id`s: what `POST /slack/interactions` acts on. */
export const SLACK_ACTIONS = ["acknowledge", "resolve"] as const;
export type SlackAction = (typeof SLACK_ACTIONS)[number];

/** Whether the target posts as a bot (token and channel) rather than to an incoming webhook. */
export const isSlackBot = (target: Target): boolean =>
	target.type === "slack" && target.slack_channel !== null;

/** Slack's mrkdwn treats these three as control characters. */
export const slackEscape = (text: string) =>
	text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

export function slackRequest(
	target: Target,
	event: NotificationEvent,
	context: SlackContext,
): OutboundRequest {
	const message = slack(event, { buttons: context.buttons });
	if (target.slack_channel === null) {
		return { url: target.url, headers: jsonHeaders(), body: JSON.stringify(message) };
	}
	// A message this target posted about the incident is brought up to date in place; the first
	// event (or one after the message was lost) posts it.
	const update = context.message;
	const body =
		update === null
			? { channel: target.slack_channel, ...message, unfurl_links: false, unfurl_media: false }
			: { channel: update.channel, ts: update.ts, ...message };
	return {
		url: update === null ? SLACK_API.postMessage : SLACK_API.update,
		headers: { ...jsonHeaders(), Authorization: `Bearer ${target.secret}` },
		body: JSON.stringify(body),
	};
}

/** The Web API wants the charset named, or it answers with a `missing_charset` warning. */
const jsonHeaders = (): Record<string, string> => ({
	"Content-Type": "application/json; charset=utf-8",
	"User-Agent": "alertgate",
});

export type SlackOptions = {
	buttons?: boolean;
	/** A line under the message: who acted on it from Slack ("Acknowledged by @ana"). */
	note?: string;
};

export function slack(event: NotificationEvent, options: SlackOptions = {}) {
	const { incident } = event;
	const title = headline(event);
	const labels = labelPairs(event)
		.map(([name, value]) => `\`${slackEscape(name)}=${slackEscape(value)}\``)
		.join(" ");
	const actions = actionButtons(event, options.buttons ?? false);
	return {
		// The text is what phones show in the notification itself.
		text: clip(`${title} (${incident.severity})`, 3000),
		blocks: [
			// Header blocks take plain text of at most 150 characters.
			{ type: "header", text: { type: "plain_text", text: clip(title, 150), emoji: true } },
			{
				type: "section",
				fields: [
					{ type: "mrkdwn", text: `*Severity*\n${incident.severity}` },
					{ type: "mrkdwn", text: `*Status*\n${incident.status}` },
					{ type: "mrkdwn", text: `*Alerts*\n${incident.alert_count}` },
					{ type: "mrkdwn", text: `*Opened*\n${incident.opened_at}` },
				],
			},
			...(labels === ""
				? []
				: [{ type: "section", text: { type: "mrkdwn", text: clip(`*Labels*\n${labels}`, 3000) } }]),
			{
				type: "context",
				elements: [
					{
						type: "mrkdwn",
						text: clip(
							`incident \`${incident.id}\` · <${incident.url}|open in ${linkPlace(event)}>`,
							3000,
						),
					},
				],
			},
			...(options.note === undefined
				? []
				: [
						{
							type: "context",
							elements: [{ type: "mrkdwn", text: clip(slackEscape(options.note), 3000) }],
						},
					]),
			// An actions block must hold at least one element.
			...(actions.length === 0 ? [] : [{ type: "actions", elements: actions }]),
		],
	};
}

type Button = {
	type: "button";
	action_id: string;
	text: { type: "plain_text"; text: string };
	value?: string;
	url?: string;
	style?: "primary" | "danger";
};

const button = (action_id: string, text: string, more: Partial<Button>): Button => ({
	type: "button",
	action_id,
	text: { type: "plain_text", text },
	...more,
});

/**
 * What a person can do from the message, as the incident stands in the event: acknowledge while
 * it is triggered, resolve until it is resolved. The next step is the primary button; nothing is
 * styled danger, since no step here is destructive. A test notification's incident is not real,
 * so it has none.
 */
function actionButtons(event: NotificationEvent, interactive: boolean): Button[] {
	if (event.type === "test") return [];
	const { incident, links } = event;
	const open = incident.status !== "resolved";
	const triggered = incident.status === "triggered";
	const buttons: Button[] = [];
	if (interactive) {
		// Slack posts these to `POST /slack/interactions`; `value` names the incident.
		if (triggered) {
			buttons.push(button("acknowledge", "Acknowledge", { value: incident.id, style: "primary" }));
		}
		if (open) {
			const style = triggered ? {} : { style: "primary" as const };
			buttons.push(button("resolve", "Resolve", { value: incident.id, ...style }));
		}
	} else if (links !== undefined) {
		// Signed links, opened in the browser. Their action ids differ from the interactive ones,
		// so a click that Slack still posts to the app is never taken as an action.
		if (links.acknowledge !== null) {
			buttons.push(
				button("link_acknowledge", "Acknowledge", { url: links.acknowledge, style: "primary" }),
			);
		}
		if (links.resolve !== null)
			buttons.push(button("link_resolve", "Resolve", { url: links.resolve }));
	}
	if (links !== undefined && links.silence !== null && open) {
		buttons.push(button("link_silence", "Silence 1h", { url: links.silence }));
	}
	if (links !== undefined) buttons.push(button("link_open", "Open", { url: links.dashboard }));
	return buttons;
}
