import type { NotificationEvent } from "./event";
import { json, type OutboundRequest, pagerduty, teams, webhook } from "./formats";
import { NO_SLACK_CONTEXT, type SlackContext, slackRequest } from "./slack";
import type { Target } from "./target";

/** One notification as the HTTP request its target's type takes. */
export async function render(
	target: Target,
	event: NotificationEvent,
	now: number,
	slackContext: SlackContext = NO_SLACK_CONTEXT,
): Promise<OutboundRequest> {
	switch (target.type) {
		case "webhook":
			return webhook(target, event, now);
		case "slack":
			return slackRequest(target, event, slackContext);
		case "teams":
			return json(target.url, teams(event));
		case "pagerduty":
			return json(target.url, pagerduty(target.secret, event));
	}
}
