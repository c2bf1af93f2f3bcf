import type { Attempt } from "../notify/send";
import { isSlackBot, type SlackContext } from "../notify/slack";
import type { Claimed } from "./notifications";
import type { Stores } from "./state/stores";

/**
 * What a Slack notification needs from the object beyond its event: whether the deployment takes
 * Slack's button clicks, and, for a bot target, the message it already posted about the
 * incident, which later events update (chat.update) instead of posting another.
 */
export function slackContextOf(s: Stores, { row, target }: Claimed, env: Env): SlackContext {
	return {
		buttons: (env.SLACK_SIGNING_SECRET ?? "") !== "",
		message: isSlackBot(target) ? s.outbox.slackMessage(row.incident_id, target.id) : null,
	};
}

/** Keeps each message a bot target posted, and forgets one Slack says is gone. */
export function rememberSlackMessages(
	s: Stores,
	results: readonly { claimed: Claimed; attempt: Attempt }[],
): void {
	for (const { claimed, attempt } of results) {
		if (attempt.slackMessage === undefined) continue;
		s.outbox.setSlackMessage(claimed.row.incident_id, claimed.target.id, attempt.slackMessage);
	}
}
