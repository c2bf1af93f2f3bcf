import type { Context } from "hono";
import * as z from "zod/mini";
import type { IncidentDetail, IncidentReply } from "../durable/contract";
import type { AppEnv } from "../http/app-env";
import { readTextLimited } from "../http/body";
import type { Endpoint } from "../http/endpoint";
import { HttpError, InvalidParameter, ServiceUnavailable } from "../http/errors";
import { parseJson, parseOrThrow } from "../http/validation";
import { actor } from "../incidents/timeline";
import { actionLinksFor } from "../notify/action-links";
import { buildEvent, MAX_EVENT_ALERTS, type NotificationEvent } from "../notify/event";
import { SLACK_ACTIONS, type SlackAction, slack } from "../notify/slack";
import { slackResponseUrlProblem } from "../notify/url";
import { DOCS } from "../schema/docs";
import { maxLength } from "../schema/length";
import { verifySlackRequest } from "../security/slack-signature";
import { audited } from "./authorize";
import { incidentObject } from "./incidents";
import { publicBaseUrl, publicUrl } from "./objects";

/**
 * `POST /slack/interactions`: the Request URL of a Slack app's Interactivity, where Slack posts
 * each click on a message's Acknowledge or Resolve button
 * (https://api.slack.com/interactivity/handling). Slack's signature is the only credential, so
 * it is checked on the raw body before anything is parsed; the button's incident is then
 * acted on through its integration's object, by the Slack user, and the message is brought up to
 * date through the click's `response_url`. Slack shows a person what went wrong only in a
 * message, so a click that cannot act is answered 200 with one, never with an error status.
 */

/** Slack's interaction payloads are a few KiB; nothing larger is read. */
const MAX_INTERACTION_BYTES = 64 * 1024;
/** How long a `response_url` has to take the message (Slack's own answers are quick). */
const RESPONSE_TIMEOUT_MS = 5_000;

const Bounded = (max: number) =>
	z
		.string({ error: "must be a string" })
		.check(maxLength(max, `must be at most ${max} characters`));

/** The part of a `block_actions` payload alertgate reads. */
const BlockActions = z.object({
	type: z.literal("block_actions"),
	user: z.object(
		{
			id: Bounded(64),
			username: z.optional(Bounded(255)),
			name: z.optional(Bounded(255)),
		},
		{ error: "must be the Slack user who clicked" },
	),
	actions: z.array(z.object({ action_id: Bounded(255), value: z.optional(Bounded(2000)) }), {
		error: "must be the list of actions taken",
	}),
	response_url: z.optional(Bounded(2048)),
});
const AnyPayload = z.object({ type: z.string({ error: "must name the payload's type" }) });

/** What the click is answered with: nothing, or a message only the person who clicked sees. */
const Ephemeral = z.object({ response_type: z.literal("ephemeral"), text: z.string() });

export const slackEndpoints: Endpoint[] = [
	{
		method: "post",
		path: "/slack/interactions",
		tag: "Slack",
		auth: "none",
		summary:
			DOCS &&
			"Slack's button clicks (a Slack app's Interactivity Request URL): Acknowledge and Resolve act on the incident as the Slack user, and the message is updated through response_url. Signed by Slack (X-Slack-Signature, X-Slack-Request-Timestamp), form-encoded with a payload field",
		answer: {
			status: 200,
			raw: true,
			data: DOCS && z.optional(Ephemeral),
			description:
				DOCS &&
				"Taken: an empty body; when nothing could be done (no such incident, already resolved or acknowledged), {response_type: ephemeral, text} says why.",
		},
		refusals: {
			401:
				DOCS &&
				"Not signed by Slack with SLACK_SIGNING_SECRET, or signed more than 5 minutes ago; nothing is read or changed",
			413: DOCS && "The body is over 64 KiB",
			503: DOCS && "SLACK_SIGNING_SECRET is not set",
		},
		handle: handleInteraction,
	},
];

async function handleInteraction(c: Context<AppEnv>): Promise<Response> {
	const secret = c.env.SLACK_SIGNING_SECRET;
	if (secret === undefined || secret === "") {
		throw new ServiceUnavailable(
			"SlackNotConfigured",
			"Slack buttons are off until SLACK_SIGNING_SECRET is set: run `npx wrangler secret put SLACK_SIGNING_SECRET` with the Signing Secret from the Slack app's Basic Information page",
		);
	}
	const raw = await readTextLimited(c.req.raw, MAX_INTERACTION_BYTES);
	const verdict = await verifySlackRequest(
		secret,
		{
			timestamp: c.req.header("X-Slack-Request-Timestamp") ?? null,
			signature: c.req.header("X-Slack-Signature") ?? null,
		},
		raw,
		Date.now(),
	);
	if (!verdict.ok) throw new HttpError(401, "InvalidSlackSignature", verdict.problem);

	const payloadText = new URLSearchParams(raw).get("payload");
	if (payloadText === null) {
		throw new InvalidParameter("payload is required: Slack sends the interaction as a form field");
	}
	const payload = parseJson(payloadText);
	// Other interactions (a shortcut, a URL button's click) are acknowledged and left alone.
	if (parseOrThrow(AnyPayload, payload, "payload").type !== "block_actions") return acknowledged(c);
	const click = parseOrThrow(BlockActions, payload, "payload");
	const action = click.actions[0];
	if (action === undefined || !isSlackAction(action.action_id)) return acknowledged(c);
	const incidentId = action.value;
	if (incidentId === undefined) {
		throw new InvalidParameter("payload.actions[0].value is required: the incident's id");
	}
	const user = click.user;
	const who = `@${user.username ?? user.name ?? user.id}`;
	const respond = responder(c, click.response_url);
	return act(c, action.action_id, incidentId, who, respond);
}

const isSlackAction = (id: string): id is SlackAction =>
	(SLACK_ACTIONS as readonly string[]).includes(id);

async function act(
	c: Context<AppEnv>,
	action: SlackAction,
	id: string,
	who: string,
	respond: (message: object) => void,
): Promise<Response> {
	const tell = (text: string) => {
		respond({ response_type: "ephemeral", replace_original: false, text });
		return c.json({ response_type: "ephemeral", text });
	};
	const gone = `alertgate has no incident ${id}: it was pruned, or its integration deleted`;
	let object: Awaited<ReturnType<typeof incidentObject>>;
	try {
		object = await incidentObject(c.env, id);
	} catch (error) {
		if (error instanceof HttpError && error.status === 404) return tell(gone);
		throw error;
	}
	const before = detailOf(await object.getIncident(id));
	if (before === null) return tell(gone);
	const { status } = before;
	if (status === "resolved" || (action === "acknowledge" && status === "acknowledged")) {
		// The message was behind: it is brought up to date, and the person told why nothing happened.
		respond(await current(c, before, null));
		return tell(`Incident ${id} is already ${status}.`);
	}
	const by = actor("slack", who);
	const after = detailOf(
		action === "acknowledge"
			? await object.acknowledgeIncident(id, by)
			: await object.resolveIncident(id, by),
	);
	// Resolved meanwhile (the only refusal left once the incident was found).
	if (after === null) return tell(`Incident ${id} is already resolved.`);
	await audited(c, {
		actor: { kind: "slack", name: who },
		via: "slack",
		action: `incident.${action}`,
		resource_id: id,
		before,
		after,
		request_id: c.get("requestId") ?? null,
	});
	const done = action === "acknowledge" ? "Acknowledged" : "Resolved";
	respond(await current(c, after, `${done} by ${who}`));
	return acknowledged(c);
}

const detailOf = (reply: IncidentReply): IncidentDetail | null =>
	reply.ok ? reply.incident : null;

/** Slack wants a 200 within 3 seconds; an empty one says the click was taken. */
const acknowledged = (c: Context<AppEnv>) => c.body(null, 200);

/**
 * The message as the incident stands now, with who acted, to replace the one clicked. Rendered
 * like a notification (the same blocks and buttons), from the object's answer.
 */
async function current(c: Context<AppEnv>, incident: IncidentDetail, note: string | null) {
	const type =
		incident.status === "resolved"
			? "incident.resolved"
			: incident.status === "acknowledged"
				? "incident.acknowledged"
				: "incident.triggered";
	const event: NotificationEvent = buildEvent({
		type,
		incident: {
			id: incident.id,
			channel_id: incident.channel_id,
			status: incident.status,
			severity: incident.severity,
			title: incident.title,
			alert_count: incident.alert_count,
			group_key: null,
			opened_at: Date.parse(incident.opened_at),
			acknowledged_at: timeOf(incident.acknowledged_at),
			resolved_at: timeOf(incident.resolved_at),
			resolved_by: incident.resolved_by,
		},
		integrationId: incident.integration_id,
		alerts: [],
		baseUrl: publicBaseUrl(c),
		dashboardUrl: publicUrl(c.env),
		now: Date.now(),
	});
	event.incident.alerts = incident.alerts
		.slice(0, MAX_EVENT_ALERTS)
		.map(({ id, alert_key, status, severity, title, labels }) => ({
			id,
			alert_key,
			status,
			severity,
			title,
			labels,
		}));
	const links = await actionLinksFor(event, c.env.ADMIN_TOKEN);
	const message = slack(links === null ? event : { ...event, links }, {
		buttons: true,
		...(note === null ? {} : { note }),
	});
	return { replace_original: true, ...message };
}

const timeOf = (at: string | null) => (at === null ? null : Date.parse(at));

/**
 * Posts to the click's `response_url` after the answer, when the URL is one Slack hands out
 * (`slackResponseUrlProblem`); any other is never fetched. Failures are logged without the URL,
 * which lets whoever holds it post in the channel for half an hour.
 */
function responder(c: Context<AppEnv>, url: string | undefined) {
	const problem = url === undefined ? "is missing" : slackResponseUrlProblem(url);
	const requestId = c.get("requestId");
	const log = (reason: string) =>
		console.warn(JSON.stringify({ event: "slack_response_failed", request_id: requestId, reason }));
	return (message: object) => {
		if (problem !== null || url === undefined) {
			log(`response_url ${problem}: not fetched`);
			return;
		}
		const post = fetch(url, {
			method: "POST",
			headers: { "Content-Type": "application/json; charset=utf-8" },
			body: JSON.stringify(message),
			redirect: "manual",
			signal: AbortSignal.timeout(RESPONSE_TIMEOUT_MS),
		}).then(
			async (response) => {
				await response.body?.cancel();
				if (!response.ok) log(`HTTP ${response.status}`);
			},
			(error: unknown) => log(error instanceof Error ? error.name : "network error"),
		);
		c.executionCtx.waitUntil(post);
	};
}
