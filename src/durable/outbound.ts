import { actionLinksFor, type SignedLinks } from "../notify/action-links";
import type { NotificationEvent } from "../notify/event";
import { type Attempt, sendNotification } from "../notify/send";
import { urlRulesOf } from "../notify/url";
import { redactKeys } from "../security/secrets";
import { type Claimed, claim, settle } from "./notifications";
import { rememberSlackMessages, slackContextOf } from "./slack-messages";
import type { Meter } from "./state/meter";
import type { MirrorResult } from "./state/mirror";
import { inTransaction, type Stores } from "./state/stores";

/**
 * What the integration object sends out from its calls and its alarm: notifications to their
 * targets and changes to D1's listing mirror. Each is planned in one transaction, sent with the
 * object's input gate open, and settled in another, so a crash in between repeats the send.
 */
export type Outbound = {
	ctx: DurableObjectState;
	stores: Stores;
	env: Env;
	clock: () => number;
	meter: Meter;
};

/** One of the object's synchronous transactions. */
const run = <T>(o: Outbound, work: () => T): T => inTransaction(o.ctx, o.stores, work);

/** Rounds per alarm run: a delivered notification lets the next of its queue go in the next. */
const SEND_ROUNDS = 4;

/**
 * Due notifications, sent in parallel in rounds (each a `claim` batch), SEND_ROUNDS batches per
 * run at most. True when that budget was spent (more may be due at once).
 */
export async function sendNotifications(o: Outbound): Promise<boolean> {
	const rules = urlRulesOf(o.env);
	for (let round = 0; round < SEND_ROUNDS; round++) {
		const at = o.clock();
		const claimed = run(o, () => claim(o.stores, at));
		if (claimed.length === 0) return false;
		const links: SignedLinks = new Map();
		const results = await Promise.all(
			claimed.map(async (one) => {
				const event = await linked(one.row.event, o.env, links);
				const slack = slackContextOf(o.stores, one, o.env);
				return {
					claimed: one,
					attempt: await sendNotification(one.target, event, rules, {
						now: at,
						slackContext: slack,
						readDelivered: false,
					}),
				};
			}),
		);
		run(o, () => {
			settle(o.stores, results, o.clock());
			rememberSlackMessages(o.stores, results);
		});
		logFailedAttempts(o, results);
	}
	return true;
}

/**
 * The event with its dashboard and action links, signed now (they are never stored). The
 * targets told of one change get the same links, signed once (`signed`, per round).
 */
async function linked(
	event: NotificationEvent,
	env: Env,
	signed: SignedLinks,
): Promise<NotificationEvent> {
	const links = await actionLinksFor(event, env.ADMIN_TOKEN, signed);
	return links === null ? event : { ...event, links };
}

/** One structured line per failed attempt: what the deliveries list shows, for log search. */
function logFailedAttempts(o: Outbound, results: { claimed: Claimed; attempt: Attempt }[]): void {
	for (const { claimed, attempt } of results) {
		if (attempt.outcome === "delivered") continue;
		console.error(
			JSON.stringify({
				event: "notification_failed",
				integration_id: o.stores.meta.get("integration_id"),
				notification_id: claimed.row.id,
				channel_id: claimed.row.channel_id,
				target_id: claimed.row.target_id,
				incident_id: claimed.row.incident_id,
				attempt: claimed.row.attempts,
				// "retry": it goes again later; "rejected": it has failed for good.
				outcome: attempt.outcome,
				status: attempt.status,
				// Secret-free by construction (`sendNotification`), as in the deliveries list.
				reason: attempt.detail,
			}),
		);
	}
}

/** Writes what D1 has not seen yet in one batch (see state/mirror.ts). */
export async function mirrorToD1(o: Outbound): Promise<MirrorResult> {
	const plan = o.stores.mirror.plan(o.env.DB);
	if (plan === null) return "done";
	try {
		o.meter.d1(await o.env.DB.batch(plan.statements));
	} catch (error) {
		const integrationId = o.stores.meta.get("integration_id");
		const reason = redactKeys(String(error));
		console.error(
			JSON.stringify({ event: "mirror_failed", integration_id: integrationId, reason }),
		);
		return "failed";
	}
	return run(o, () => o.stores.mirror.settle(plan));
}
