import * as z from "zod/mini";
import { Severity } from "../alerts/event";
import { deleteTarget, getTarget, insertTarget, listTargets, updateTarget } from "../db/targets";
import { endpoint } from "../http/endpoint";
import { Conflict, InvalidParameter, NotFound } from "../http/errors";
import { Deleted } from "../http/views";
import { buildEvent } from "../notify/event";
import { newSigningSecret } from "../notify/formats";
import { sendNotification } from "../notify/send";
import {
	DEFAULT_EVENTS,
	EVENT_TYPES,
	MAX_TARGETS_PER_CHANNEL,
	ROTATION_OVERLAP_MS,
	type Target,
	TargetType,
	TargetView,
	targetToApi,
} from "../notify/target";
import { PAGERDUTY_ENDPOINTS, pagerdutyRegion, urlProblem, urlRulesOf } from "../notify/url";
import { DOCS } from "../schema/docs";
import { durationWithin } from "../schema/duration";
import { minLength } from "../schema/length";
import { unknownFieldOr } from "../schema/messages";
import { definedOnly, requireChannel } from "./channels";
import { ADMIN, Name, READ } from "./fields";
import { publicBaseUrl, rerouteChannel } from "./objects";
import { BotToken, refuseSlackFields, SlackChannel, slackSendsTo } from "./slack-targets";

/**
 * A channel's notification targets (`/channels/{id}/targets`) and its test notification. Targets are kept in D1 and reach the integrations'
 * Durable Objects, which send, before the API answers (`rerouteChannel`).
 */

const Events = z
	.array(z.enum(EVENT_TYPES, { error: `must be event types: ${EVENT_TYPES.join(", ")}` }), {
		error: "must be a list of event types",
	})
	.check(minLength(1, "must name at least one event type"));
const MinSeverity = z.enum(Severity.options, { error: "must be critical, warning or info" });
const Delay = durationWithin(
	0,
	86_400_000,
	'must be a duration from "0s" to "24h" written with a unit ("0s", "15m", "1h")',
);
const Repeat = z.nullable(
	z.strictObject(
		{
			every: durationWithin(
				60_000,
				86_400_000,
				'must be a duration from "1m" to "24h" written with a unit ("30m")',
			),
			times: z
				.int({ error: "must be a whole number from 1 to 10" })
				.check(
					z.minimum(1, "must be a whole number from 1 to 10"),
					z.maximum(10, "must be a whole number from 1 to 10"),
				),
		},
		{ error: unknownFieldOr('must be {"every": "30m", "times": 3} or null') },
	),
);
const Url = z.string({ error: "is required: the HTTPS URL to send to" });
const RoutingKey = z
	.string({ error: "is required: the Events API v2 integration key of a PagerDuty service" })
	.check(z.regex(/^[A-Za-z0-9]{32}$/, "must be a PagerDuty routing key (32 letters and digits)"));
const Region = z.enum(["us", "eu"], { error: "must be us or eu" });

const TargetFields = {
	name: z.optional(Name),
	url: z.optional(Url),
	routing_key: z.optional(RoutingKey),
	region: z.optional(Region),
	bot_token: z.optional(BotToken),
	slack_channel: z.optional(SlackChannel),
	events: z.optional(Events),
	min_severity: z.optional(MinSeverity),
	delay: z.optional(Delay),
	repeat: z.optional(Repeat),
};
export const CreateTarget = z.strictObject(
	{
		type: z.enum(TargetType.options, { error: "must be webhook, slack, teams or pagerduty" }),
		...TargetFields,
		name: Name,
	},
	{ error: unknownFieldOr("must be a JSON object") },
);
export const UpdateTarget = z.strictObject(TargetFields, {
	error: unknownFieldOr("must be a JSON object"),
});
type TargetInput = z.output<typeof UpdateTarget>;

/** Where a target of `type` sends, and its secret, from the fields given (over `current`). */
function sendsTo(env: Env, type: TargetType, input: TargetInput, current?: Target) {
	if (type === "slack") return slackSendsTo(urlRulesOf(env), input, current);
	refuseSlackFields(type, input);
	if (type === "pagerduty") {
		if (input.url !== undefined) {
			throw new InvalidParameter("url does not apply to pagerduty targets: send routing_key");
		}
		const secret = input.routing_key ?? current?.secret;
		if (secret === undefined) throw new InvalidParameter("routing_key is required");
		const region = input.region ?? (current === undefined ? "us" : pagerdutyRegion(current.url));
		return { url: PAGERDUTY_ENDPOINTS[region], secret, slack_channel: null };
	}
	if (input.routing_key !== undefined || input.region !== undefined) {
		throw new InvalidParameter(
			`${input.routing_key !== undefined ? "routing_key" : "region"} applies only to pagerduty targets`,
		);
	}
	const url = input.url ?? current?.url;
	if (url === undefined) throw new InvalidParameter("url is required: the HTTPS URL to send to");
	const problem = urlProblem(url, urlRulesOf(env));
	if (problem !== null) throw new InvalidParameter(`url ${problem}`);
	const secret = type === "webhook" ? (current?.secret ?? newSigningSecret()) : "";
	return { url, secret, slack_channel: null };
}

/** The escalation fields, over the current ones or the defaults. */
function schedule(input: TargetInput, current?: Target) {
	const repeat =
		input.repeat === undefined
			? current === undefined || current.repeat_every === null
				? null
				: { every: current.repeat_every, times: current.repeat_times }
			: input.repeat;
	return {
		events:
			input.events === undefined
				? (current?.events ?? [...DEFAULT_EVENTS])
				: [...new Set(input.events)],
		min_severity: input.min_severity ?? current?.min_severity ?? "info",
		delay: input.delay ?? current?.delay ?? "0s",
		repeat_every: repeat?.every ?? null,
		repeat_times: repeat?.times ?? 0,
	};
}

const ONE = { status: 200, data: DOCS && TargetView, description: DOCS && "The target." } as const;
const NO_TARGET = { 404: DOCS && "No such channel or target" };

export const targetEndpoints = [
	endpoint({
		method: "post",
		path: "/api/v1/channels/{id}/targets",
		...ADMIN,
		scope: "channel",
		audit: "target.create",
		summary: DOCS && "Add a notification target (webhook, Slack, Teams, PagerDuty) to a channel",
		body: {
			schema: CreateTarget,
			example: DOCS && {
				type: "webhook",
				name: "on-call bot",
				url: "https://bot.example.com/alertgate",
				min_severity: "warning",
			},
		},
		answer: {
			status: 201,
			data: DOCS && TargetView,
			description: DOCS && "The target; a webhook's signing secret is in this answer only.",
		},
		refusals: {
			404: DOCS && "No channel has this id",
			409: DOCS && "The channel has 10 targets already",
		},
		handler: async (c, { params, body: read }) => {
			const channel = await requireChannel(c.env.DB, params.id);
			const body = await read();
			const now = Date.now();
			const target: Target = {
				previous_secret: null,
				previous_secret_until: null,
				id: crypto.randomUUID(),
				channel_id: channel.id,
				name: body.name,
				type: body.type,
				...sendsTo(c.env, body.type, body),
				...schedule(body),
				created_at: now,
				updated_at: now,
			};
			if (!(await insertTarget(c.env.DB, target))) {
				throw new Conflict(
					"TargetLimitReached",
					`channel ${channel.id} already has ${MAX_TARGETS_PER_CHANNEL} targets, the most a channel holds: delete one first`,
				);
			}
			await rerouteChannel(c, channel.id);
			return withSecretOnce(target);
		},
	}),
	endpoint({
		method: "get",
		path: "/api/v1/channels/{id}/targets",
		...READ,
		scope: "channel",
		summary: DOCS && "A channel's targets (URLs and secrets masked)",
		answer: {
			status: 200,
			data: DOCS && z.object({ targets: z.array(TargetView) }),
			description: DOCS && "The targets.",
		},
		refusals: { 404: DOCS && "No channel has this id" },
		handler: async (c, { params }) => {
			const channel = await requireChannel(c.env.DB, params.id);
			return { targets: (await listTargets(c.env.DB, channel.id)).map(targetToApi) };
		},
	}),
	endpoint({
		method: "get",
		path: "/api/v1/channels/{id}/targets/{target}",
		...READ,
		scope: "channel",
		summary: DOCS && "One target",
		answer: ONE,
		refusals: NO_TARGET,
		handler: async (c, { params }) => targetToApi(await requireTarget(c.env.DB, params)),
	}),
	endpoint({
		method: "patch",
		path: "/api/v1/channels/{id}/targets/{target}",
		...ADMIN,
		scope: "channel",
		audit: "target.update",
		summary: DOCS && "Change a target",
		body: {
			schema: UpdateTarget,
			example: DOCS && { delay: "10m", repeat: { every: "15m", times: 3 } },
		},
		answer: { ...ONE, description: DOCS && "The changed target." },
		refusals: NO_TARGET,
		handler: async (c, { params, body }) => {
			const current = await requireTarget(c.env.DB, params);
			const change = await body();
			const updated: Target = {
				...current,
				...definedOnly({ name: change.name }),
				...sendsTo(c.env, current.type, change, current),
				...schedule(change, current),
				updated_at: Date.now(),
			};
			await updateTarget(c.env.DB, updated);
			await rerouteChannel(c, updated.channel_id);
			return targetToApi(updated);
		},
	}),
	endpoint({
		method: "delete",
		path: "/api/v1/channels/{id}/targets/{target}",
		...ADMIN,
		scope: "channel",
		audit: "target.delete",
		summary: DOCS && "Remove a target",
		answer: { status: 200, data: DOCS && Deleted, description: DOCS && "Deleted." },
		refusals: NO_TARGET,
		handler: async (c, { params }) => {
			const target = await requireTarget(c.env.DB, params);
			await deleteTarget(c.env.DB, target.channel_id, target.id);
			await rerouteChannel(c, target.channel_id);
			return { id: target.id, deleted: true as const };
		},
	}),
	endpoint({
		method: "post",
		path: "/api/v1/channels/{id}/targets/{target}/rotate-secret",
		...ADMIN,
		scope: "channel",
		audit: "target.rotate_secret",
		summary: DOCS && "New signing secret for a webhook; the old one also signs for a day",
		answer: {
			status: 200,
			data: DOCS && TargetView,
			description: DOCS && "The target with its new secret (shown once).",
		},
		refusals: { ...NO_TARGET, 409: DOCS && "Not a webhook target" },
		handler: async (c, { params }) => {
			const target = await requireTarget(c.env.DB, params);
			if (target.type !== "webhook") {
				throw new Conflict(
					"NoSigningSecret",
					`only webhook targets are signed; to change a ${target.type} target's ${secretField(target)}, PATCH it`,
				);
			}
			const now = Date.now();
			const rotated: Target = {
				...target,
				secret: newSigningSecret(),
				previous_secret: target.secret,
				previous_secret_until: now + ROTATION_OVERLAP_MS,
				updated_at: now,
			};
			await updateTarget(c.env.DB, rotated);
			await rerouteChannel(c, rotated.channel_id);
			return withSecretOnce(rotated);
		},
	}),
	endpoint({
		method: "post",
		path: "/api/v1/channels/{id}/test",
		...ADMIN,
		scope: "channel",
		audit: false,
		summary: DOCS && "Send a test notification to every target of the channel, now",
		answer: {
			status: 200,
			data:
				DOCS &&
				z.object({
					event_id: z.string(),
					results: z.array(
						z.object({
							target_id: z.string(),
							name: z.string(),
							type: TargetType,
							delivered: z.boolean(),
							status: z.nullable(z.int()),
							detail: z.string(),
						}),
					),
				}),
			description: DOCS && "What each target answered.",
		},
		refusals: { 404: DOCS && "No channel has this id" },
		handler: async (c, { params }) => {
			const channel = await requireChannel(c.env.DB, params.id);
			const now = Date.now();
			const event = buildEvent({
				type: "test",
				incident: {
					id: `test-${crypto.randomUUID()}`,
					channel_id: channel.id,
					status: "triggered",
					severity: "info",
					title: `alertgate test notification for channel ${channel.name}`,
					alert_count: 1,
					group_key: null,
					opened_at: now,
					acknowledged_at: null,
					resolved_at: null,
					resolved_by: null,
				},
				integrationId: "",
				alerts: [],
				baseUrl: publicBaseUrl(c),
				// A test incident has no page to land on.
				dashboardUrl: null,
				now,
			});
			const results = await Promise.all(
				(await listTargets(c.env.DB, channel.id)).map(async (target) => {
					const sent = await sendNotification(target, event, urlRulesOf(c.env), { now });
					return {
						target_id: target.id,
						name: target.name,
						type: target.type,
						delivered: sent.outcome === "delivered",
						status: sent.status,
						detail: sent.detail,
					};
				}),
			);
			return { event_id: event.id, results };
		},
	}),
];

/** The field that holds what a target sends with. */
const secretField = (target: Target) =>
	target.type === "pagerduty" ? "routing_key" : target.slack_channel !== null ? "bot_token" : "url";

/** A webhook's signing secret, in the answer that made it and never again. */
function withSecretOnce(target: Target): TargetView {
	return target.type === "webhook"
		? { ...targetToApi(target), secret: target.secret }
		: targetToApi(target);
}

async function requireTarget(
	db: D1Database,
	{ id: channelId, target: id }: { id: string; target: string },
): Promise<Target> {
	const target = await getTarget(db, channelId, id);
	if (target === null) {
		await requireChannel(db, channelId);
		throw new NotFound(
			"TargetNotFound",
			`channel ${channelId} has no target with id ${JSON.stringify(id)}`,
		);
	}
	return target;
}
