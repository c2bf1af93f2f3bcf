import { type Context, Hono } from "hono";
import * as z from "zod/mini";
import { iso, isoOrNull } from "../alerts/alert";
import { Severity } from "../alerts/event";
import { getNotification, listNotifications, type NotificationRow } from "../db/notifications";
import { deleteTarget, getTarget, insertTarget, listTargets, updateTarget } from "../db/targets";
import type { AppEnv } from "../http/app-env";
import { pageOf } from "../http/cursor";
import { ok } from "../http/envelope";
import { Conflict, InvalidParameter, NotFound } from "../http/errors";
import { onlyMethods } from "../http/middleware";
import { refusalError } from "../http/refusals";
import { parseOrThrow, parseQuery } from "../http/validation";
import { buildEvent } from "../notify/event";
import { newSigningSecret } from "../notify/formats";
import { sendNotification } from "../notify/send";
import {
	DEFAULT_EVENTS,
	DeliveryStatus,
	EVENT_TYPES,
	MAX_TARGETS_PER_CHANNEL,
	ROTATION_OVERLAP_MS,
	type Target,
	TargetType,
	targetToApi,
} from "../notify/target";
import {
	PAGERDUTY_ENDPOINTS,
	pagerdutyRegion,
	slackUrlProblem,
	urlProblem,
	urlRulesOf,
} from "../notify/url";
import { durationWithin } from "../schema/duration";
import { unknownFieldOr } from "../schema/messages";
import { readJsonBody } from "./body";
import { definedOnly, requireChannel } from "./channels";
import { CreatedCursor, Name, PageLimit, QueryEnum } from "./fields";
import { publicBaseUrl, rerouteChannel } from "./objects";

/**
 * A channel's notification targets (`/channels/{id}/targets`), its test notification, and the
 * listing and retry of its deliveries. Targets are kept in D1 and reach the integrations'
 * Durable Objects, which send, before the API answers (`rerouteChannel`).
 */

const Events = z
	.array(z.enum(EVENT_TYPES, { error: `must be event types: ${EVENT_TYPES.join(", ")}` }), {
		error: "must be a list of event types",
	})
	.check(z.minLength(1, "must name at least one event type"));
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
function endpoint(env: Env, type: TargetType, input: TargetInput, current?: Target) {
	if (type === "pagerduty") {
		if (input.url !== undefined) {
			throw new InvalidParameter("url does not apply to pagerduty targets: send routing_key");
		}
		const secret = input.routing_key ?? current?.secret;
		if (secret === undefined) throw new InvalidParameter("routing_key is required");
		const region = input.region ?? (current === undefined ? "us" : pagerdutyRegion(current.url));
		return { url: PAGERDUTY_ENDPOINTS[region], secret };
	}
	if (input.routing_key !== undefined || input.region !== undefined) {
		throw new InvalidParameter(
			`${input.routing_key !== undefined ? "routing_key" : "region"} applies only to pagerduty targets`,
		);
	}
	const url = input.url ?? current?.url;
	if (url === undefined) throw new InvalidParameter("url is required: the HTTPS URL to send to");
	const problem = (type === "slack" ? slackUrlProblem : urlProblem)(url, urlRulesOf(env));
	if (problem !== null) throw new InvalidParameter(`url ${problem}`);
	const secret = type === "webhook" ? (current?.secret ?? newSigningSecret()) : "";
	return { url, secret };
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

export const targets = new Hono<AppEnv>();

targets
	.post("/channels/:id/targets", async (c) => {
		const channel = await requireChannel(c.env.DB, c.req.param("id"));
		const body = parseOrThrow(CreateTarget, await readJsonBody(c.req.raw));
		const now = Date.now();
		const target: Target = {
			previous_secret: null,
			previous_secret_until: null,
			id: crypto.randomUUID(),
			channel_id: channel.id,
			name: body.name,
			type: body.type,
			...endpoint(c.env, body.type, body),
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
		return ok(c, withSecretOnce(target), 201);
	})
	.get("/channels/:id/targets", async (c) => {
		const channel = await requireChannel(c.env.DB, c.req.param("id"));
		return ok(c, { targets: (await listTargets(c.env.DB, channel.id)).map(targetToApi) });
	})
	.all("/channels/:id/targets", onlyMethods("GET", "POST"));

targets
	.get("/channels/:id/targets/:target", async (c) => {
		return ok(c, targetToApi(await requireTarget(c)));
	})
	.patch("/channels/:id/targets/:target", async (c) => {
		const current = await requireTarget(c);
		const change = parseOrThrow(UpdateTarget, await readJsonBody(c.req.raw));
		const updated: Target = {
			...current,
			...definedOnly({ name: change.name }),
			...endpoint(c.env, current.type, change, current),
			...schedule(change, current),
			updated_at: Date.now(),
		};
		await updateTarget(c.env.DB, updated);
		await rerouteChannel(c, updated.channel_id);
		return ok(c, targetToApi(updated));
	})
	.delete("/channels/:id/targets/:target", async (c) => {
		const target = await requireTarget(c);
		await deleteTarget(c.env.DB, target.channel_id, target.id);
		await rerouteChannel(c, target.channel_id);
		return ok(c, { id: target.id, deleted: true });
	})
	.all("/channels/:id/targets/:target", onlyMethods("GET", "PATCH", "DELETE"));

targets
	.post("/channels/:id/targets/:target/rotate-secret", async (c) => {
		const target = await requireTarget(c);
		if (target.type !== "webhook") {
			throw new Conflict(
				"NoSigningSecret",
				`only webhook targets are signed; to change a ${target.type} target's ${target.type === "pagerduty" ? "routing_key" : "url"}, PATCH it`,
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
		return ok(c, withSecretOnce(rotated));
	})
	.all("/channels/:id/targets/:target/rotate-secret", onlyMethods("POST"));

/** A webhook's signing secret, in the answer that made it and never again. */
function withSecretOnce(target: Target) {
	return target.type === "webhook"
		? { ...targetToApi(target), secret: target.secret }
		: targetToApi(target);
}

async function requireTarget(c: Context<AppEnv>): Promise<Target> {
	const channelId = c.req.param("id") ?? "";
	const id = c.req.param("target") ?? "";
	const target = await getTarget(c.env.DB, channelId, id);
	if (target === null) {
		await requireChannel(c.env.DB, channelId);
		throw new NotFound(
			"TargetNotFound",
			`channel ${channelId} has no target with id ${JSON.stringify(id)}`,
		);
	}
	return target;
}

// --- A test notification to every target of a channel, sent at once --------------------------

targets
	.post("/channels/:id/test", async (c) => {
		const channel = await requireChannel(c.env.DB, c.req.param("id"));
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
			now,
		});
		const results = await Promise.all(
			(await listTargets(c.env.DB, channel.id)).map(async (target) => {
				const sent = await sendNotification(target, event, urlRulesOf(c.env), now);
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
		return ok(c, { event_id: event.id, results });
	})
	.all("/channels/:id/test", onlyMethods("POST"));

// --- Deliveries: every notification sent or being sent for the channel -------------------------

export const DeliveryQuery = z.object({
	status: z.optional(QueryEnum(DeliveryStatus, "must be pending, delivered or failed")),
	target_id: z.optional(z.string()),
	limit: PageLimit(100, 50),
	cursor: CreatedCursor,
});

export type ApiDelivery = ReturnType<typeof deliveryToApi>;
function deliveryToApi(row: NotificationRow) {
	return {
		id: row.id,
		integration_id: row.integration_id,
		channel_id: row.channel_id,
		target_id: row.target_id,
		incident_id: row.incident_id,
		type: row.type,
		status: row.status,
		attempts: row.attempts,
		created_at: iso(row.created_at),
		next_attempt_at: row.status === "pending" ? isoOrNull(row.next_attempt_at) : null,
		last_attempt_at: isoOrNull(row.last_attempt_at),
		last_status: row.last_status,
		last_error: row.last_error,
	};
}

targets
	.get("/channels/:id/deliveries", async (c) => {
		const channel = await requireChannel(c.env.DB, c.req.param("id"));
		const query = parseQuery(DeliveryQuery, c.req.query());
		const { cursor, ...filter } = query;
		const rows = await listNotifications(c.env.DB, {
			...filter,
			channel_id: channel.id,
			limit: query.limit + 1,
			after: cursor,
		});
		const { page, next_cursor } = pageOf(rows, query.limit, (last) => [last.created_at, last.id]);
		return ok(c, { deliveries: page.map(deliveryToApi), next_cursor });
	})
	.all("/channels/:id/deliveries", onlyMethods("GET"));

targets
	.post("/channels/:id/deliveries/:delivery/retry", async (c) => {
		const channelId = c.req.param("id");
		const id = c.req.param("delivery");
		const row = await getNotification(c.env.DB, channelId, id);
		if (row === null) {
			await requireChannel(c.env.DB, channelId);
			throw new NotFound(
				"DeliveryNotFound",
				`channel ${channelId} has no delivery with id ${JSON.stringify(id)}`,
			);
		}
		const reply = await c.env.INTEGRATION.getByName(row.integration_id).retryNotification(id);
		if (!reply.ok) throw refusalError(reply);
		return ok(c, deliveryToApi({ ...reply.notification, integration_id: row.integration_id }), 202);
	})
	.all("/channels/:id/deliveries/:delivery/retry", onlyMethods("POST"));
