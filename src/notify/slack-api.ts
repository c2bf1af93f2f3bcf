import * as z from "zod/mini";
import type { SlackMessage } from "./slack";

/**
 * What a 2xx answer of Slack's Web API means for a notification. The Web API answers HTTP 200
 * whether the call worked or not, and says which in its JSON: `{"ok": true, "channel", "ts", …}`
 * or `{"ok": false, "error": "<code>"}` (https://api.slack.com/web#responses). Rate limits come
 * as HTTP 429 with Retry-After (https://api.slack.com/apis/rate-limits), which the HTTP rules
 * already retry; `ratelimited` in the JSON is retried the same way.
 */

/** What the answer comes to, as send.ts's `Attempt` (which the caller returns it as). */
type Outcome = {
	outcome: "delivered" | "retry" | "rejected";
	status: number;
	detail: string;
	retryAfterMs: null;
	slackMessage?: SlackMessage | null;
};

const SlackAnswer = z.object({
	ok: z.boolean(),
	error: z.optional(z.string()),
	channel: z.optional(z.string()),
	ts: z.optional(z.string()),
});

/**
 * Errors no retry can fix, from chat.postMessage's and chat.update's lists
 * (https://api.slack.com/methods/chat.postMessage#errors): the token is wrong, revoked or its
 * account gone, or the bot cannot post in the channel (not invited, archived, no such channel).
 */
const FOR_GOOD = new Set([
	"invalid_auth",
	"not_authed",
	"token_revoked",
	"token_expired",
	"account_inactive",
	"missing_scope",
	"channel_not_found",
	"not_in_channel",
	"is_archived",
	"restricted_action",
]);

/**
 * chat.update's errors for a message that can no longer be changed: deleted, or not the bot's
 * (https://api.slack.com/methods/chat.update#errors). The message is forgotten and the retry
 * posts a new one.
 */
const MESSAGE_GONE = new Set(["message_not_found", "cant_update_message", "edit_window_closed"]);

/**
 * `text` is the answer's body as sent; `tidy` makes Slack's words fit to store (no secret, one
 * bounded line); `updating`: the request was chat.update.
 */
export function slackApiOutcome(
	status: number,
	text: string,
	tidy: (text: string) => string,
	updating: boolean,
): Outcome {
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	const answer = SlackAnswer.safeParse(json);
	if (!answer.success) {
		// A 2xx from slack.com that does not read as the Web API's answer (cut at the read limit,
		// say) most likely posted: taken as delivered, since a retry could post the message twice.
		// Without its ts, the incident's next event posts a new message.
		return {
			outcome: "delivered",
			status,
			detail: `HTTP ${status}: not a Slack Web API answer (taken as delivered)`,
			retryAfterMs: null,
		};
	}
	const { ok, error, channel, ts } = answer.data;
	if (ok) {
		const message = channel !== undefined && ts !== undefined ? { channel, ts } : undefined;
		return {
			outcome: "delivered",
			status,
			detail: `HTTP ${status}: ok`,
			retryAfterMs: null,
			...(message === undefined ? {} : { slackMessage: message }),
		};
	}
	const code = tidy(error ?? "unknown_error");
	const detail = `HTTP ${status}: Slack error ${code}`;
	if (FOR_GOOD.has(code)) return { outcome: "rejected", status, detail, retryAfterMs: null };
	if (updating && MESSAGE_GONE.has(code)) {
		return {
			outcome: "retry",
			status,
			detail: `${detail} (the next attempt posts a new message)`,
			retryAfterMs: null,
			slackMessage: null,
		};
	}
	return { outcome: "retry", status, detail, retryAfterMs: null };
}
