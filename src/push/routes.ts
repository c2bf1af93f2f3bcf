import type { Context } from "hono";
import * as z from "zod/mini";
import { PushData } from "../durable/contract";
import type { AppEnv } from "../http/app-env";
import { readTextLimited } from "../http/body";
import { genieKey } from "../http/credentials";
import type { Endpoint } from "../http/endpoint";
import { HttpError, InvalidParameter, WrongIntegrationType } from "../http/errors";
import type { IntegrationType } from "../integrations/type";
import { DOCS } from "../schema/docs";
import { parseWellFormed } from "../schema/json";
import { minLength } from "../schema/length";
import { alertsApiError, handleAlertsApi } from "../sources/alertmanager/handler";
import { PostableAlerts } from "../sources/alertmanager/schema";
import type { PushHandler } from "../sources/ingest";
import {
	handleOpsgenieAction,
	handleOpsgenieCreate,
	opsgenieError,
} from "../sources/opsgenie/handler";
import { AlertAction, CreateAlert, IdentifierType } from "../sources/opsgenie/schema";
import { handlePagerDutyChange } from "../sources/pagerduty/change";
import {
	handlePagerDutyPush,
	pagerDutyError,
	unrecognizedEvent,
} from "../sources/pagerduty/handler";
import { PagerDutyChangeEvent, PagerDutyEvent } from "../sources/pagerduty/schema";
import { SOURCES } from "../sources/registry";
import { Batch, handleStandardBatch } from "../sources/standard/handler";
import { StandardAlertBody } from "../sources/standard/schema";
import {
	type HandlerOf,
	handlePush,
	keyFromRequest,
	keyInPath,
	MAX_PUSH_BODY_BYTES,
} from "./handle";

const byType: HandlerOf = (type) => SOURCES[type].handle;

/** An endpoint that speaks one protocol: only integrations of `type` post to it. */
function only(type: IntegrationType, endpoint: string, handler: PushHandler): HandlerOf {
	return (actual) => {
		if (actual === type) return handler;
		throw new WrongIntegrationType(
			`${endpoint} takes the keys of ${type} integrations, and this key is a ${actual} integration's: post to its push URL, or create a ${type} integration`,
		);
	};
}

const batch = only("standard", "/batch", handleStandardBatch);
const alertsApi = only("alertmanager", "/api/v2/alerts", handleAlertsApi);
const pagerDuty = only("pagerduty", "/v2/enqueue", handlePagerDutyPush);
const opsgenieCreate = only("opsgenie", "/v2/alerts", handleOpsgenieCreate);
const opsgenieClose = only(
	"opsgenie",
	"/v2/alerts/{identifier}/close",
	handleOpsgenieAction("close"),
);
const opsgenieAcknowledge = only(
	"opsgenie",
	"/v2/alerts/{identifier}/acknowledge",
	handleOpsgenieAction("acknowledge"),
);
const pagerDutyChange = only("pagerduty", "/v2/change/enqueue", handlePagerDutyChange);

const standardEvent = DOCS && {
	event_status: "Critical",
	title_rule: "backup of db-1 failed",
	alert_key: "backup-db-1",
	labels: { host: "db-1", service: "backup" },
};

const PushOutcomes = DOCS && z.object({ results: z.array(PushData) });

const PUSH = { method: "post", tag: "Push", auth: "key" } as const;

const pushRefusals = {
	403: DOCS && "A header key that matches no integration (never 401, which EventBridge retries)",
	404: DOCS && "A key in the URL that matches no integration",
	413:
		DOCS &&
		"The body is over 512 KiB, it carries more than 1,000 alerts, or more than the rate limit's burst",
	422: DOCS && "An Idempotency-Key reused with another body",
	429:
		DOCS &&
		"Over the integration's rate limit, which counts alerts (Retry-After says when to send again)",
	503: DOCS && "Retry later (a settings change raced the push)",
};

/**
 * Each push endpoint twice: with the key in the path (an address), and without, the key in a
 * header or the query string (a credential). A fixed path comes before `/push/{key}`, which would
 * match it: a key never reads "batch" or "api".
 */
function keyedTwice(
	suffix: string,
	declared: Omit<Endpoint, "path" | "handle" | keyof typeof PUSH>,
	handlerOf: HandlerOf,
	wrap = (_c: Context<AppEnv>, run: () => Promise<Response>) => run(),
): Endpoint[] {
	return [
		{
			...PUSH,
			...declared,
			summary:
				DOCS &&
				`${declared.summary} The key in a header (X-Integration-Key, Bearer, a Basic password) or ?integration_key=.`,
			path: `/push${suffix}`,
			handle: (c) => wrap(c, () => handlePush(c, keyFromRequest(c), handlerOf)),
		},
		{
			...PUSH,
			...declared,
			summary: DOCS && `${declared.summary} The key in the URL.`,
			path: `/push/{key}${suffix}`,
			handle: (c) => wrap(c, () => handlePush(c, keyInPath(c), handlerOf)),
		},
	];
}

const pushAnswer = { status: 200 } as const;

const opsgenieAccepted: Endpoint["answer"] = {
	status: 202,
	raw: true,
	data:
		DOCS &&
		z.object({
			result: z.literal("Request will be processed"),
			took: z.number(),
			requestId: z.string(),
		}),
	description:
		DOCS &&
		"Applied before the answer (Opsgenie processes later); a refusal is {message, took, requestId}.",
};

const opsgenieRefusals = {
	403:
		DOCS &&
		"The key is missing, matches no integration, or is another type's (Opsgenie answers 401; alertgate never does to a push)",
	413: DOCS && "The body is over 512 KiB",
	422: DOCS && "A field is missing or wrong; the message names it (as Opsgenie answers)",
	429: DOCS && "Over the integration's rate limit (Retry-After says when to send again)",
};

export const pushEndpoints: Endpoint[] = [
	...keyedTwice(
		"/batch",
		{
			summary: DOCS && "Up to 100 standard events, all or nothing, answered in order.",
			body: { schema: Batch, example: DOCS && { events: [standardEvent] } },
			answer: {
				...pushAnswer,
				data: DOCS && PushOutcomes,
				description: DOCS && "Each event's outcome, in order.",
			},
			refusals: pushRefusals,
		},
		batch,
	),
	...keyedTwice(
		"/api/v2/alerts",
		{
			summary:
				DOCS &&
				"Alertmanager API v2 for Prometheus (alertmanager integrations); refusals are JSON strings, as Alertmanager's.",
			body: {
				schema: PostableAlerts,
				example: DOCS && [
					{
						labels: { alertname: "HighLatency", service: "api", severity: "warning" },
						annotations: { summary: DOCS && "p99 over 2s" },
						startsAt: "2026-11-22T08:00:00Z",
					},
				],
			},
			answer: {
				...pushAnswer,
				data: DOCS && PushOutcomes,
				description: DOCS && "Each alert's outcome, in order.",
			},
			refusals: pushRefusals,
		},
		alertsApi,
		alertsApiErrors,
	),
	...keyedTwice(
		"",
		{
			summary:
				DOCS &&
				"Push. The body is what the integration's type takes: a standard event, an SNS message (aws_cloudwatch), an EventBridge event, an Alertmanager webhook, or an Opsgenie Create Alert request.",
			body: { schema: StandardAlertBody, example: DOCS && standardEvent },
			answer: {
				...pushAnswer,
				data:
					DOCS &&
					z.union([
						PushData,
						z.object({
							event_id: z.string(),
							results: z.array(PushData),
							/** An event that changes no alert (an alarm's configuration change). */
							result: z.optional(z.literal("ignored")),
						}),
						PushOutcomes,
					]),
				description:
					DOCS &&
					"standard: the event's outcome; aws_eventbridge: the event id and outcomes; alertmanager: one outcome per alert; aws_cloudwatch: the alarm's outcome or the subscription's state; opsgenie: Opsgenie's 202 answer",
			},
			refusals: pushRefusals,
		},
		byType,
	),
	{
		...PUSH,
		path: "/v2/enqueue",
		auth: "none",
		summary:
			DOCS &&
			"PagerDuty Events API v2: routing_key is the key of a pagerduty integration; answers in PagerDuty's shapes",
		body: {
			schema: PagerDutyEvent,
			example: DOCS && {
				routing_key: "agk0123456789abcdefghijklmnopqrs",
				event_action: "trigger",
				dedup_key: "disk-db-1",
				payload: { summary: DOCS && "disk full on db-1", source: "db-1", severity: "critical" },
			},
		},
		answer: {
			status: 202,
			raw: true,
			data:
				DOCS &&
				z.object({ status: z.literal("success"), message: z.string(), dedup_key: z.string() }),
			description: DOCS && "Processed; the dedup_key (given or derived) names the alert.",
		},
		refusals: { 429: DOCS && "Over the integration's rate limit" },
		handle: (c) => pagerDutyEnqueue(c, pagerDuty),
	},
	{
		...PUSH,
		path: "/v2/change/enqueue",
		auth: "none",
		summary:
			DOCS &&
			"PagerDuty change events (a deploy, a configuration applied): routing_key is the key of a pagerduty integration; kept by the integration and shown beside its incidents opened within the hour, never opening one; answers in PagerDuty's shapes",
		body: {
			schema: PagerDutyChangeEvent,
			example: DOCS && {
				routing_key: "agk0123456789abcdefghijklmnopqrs",
				payload: {
					summary: DOCS && "Build Success: Increase snapshot create timeout to 30 seconds",
					timestamp: "2020-07-17T08:42:58.315+0000",
					source: "acme-build-pipeline-tool-default-i-9999",
					custom_details: { build_state: "passed", build_number: "2" },
				},
				links: [{ href: "https://acme.pagerduty.dev/build/2", text: "View more details in Acme!" }],
			},
		},
		answer: {
			status: 202,
			raw: true,
			data: DOCS && z.object({ status: z.literal("success"), message: z.string() }),
			description: DOCS && "Kept: {status: success, message: Change event processed}.",
		},
		refusals: { 429: DOCS && "Over the integration's rate limit (a change event costs one alert)" },
		handle: (c) => pagerDutyEnqueue(c, pagerDutyChange),
	},
	{
		...PUSH,
		path: "/v2/alerts",
		summary:
			DOCS &&
			"Opsgenie Alert API, Create Alert: the key of an opsgenie integration as Authorization: GenieKey <key> (or X-Integration-Key, Bearer, a Basic password, ?integration_key=); answers in Opsgenie's shapes",
		body: {
			schema: CreateAlert,
			example: DOCS && {
				message: "disk full on db-1",
				alias: "disk-db-1",
				priority: "P1",
				tags: ["db", "disk"],
				details: { host: "db-1", service: "postgres" },
				entity: "db-1",
			},
		},
		answer: opsgenieAccepted,
		refusals: opsgenieRefusals,
		handle: opsgenieRoute(opsgenieCreate),
	},
	...(
		[
			["close", "Close Alert: resolves the alert", opsgenieClose],
			[
				"acknowledge",
				"Acknowledge Alert: acknowledges the alert's open incidents",
				opsgenieAcknowledge,
			],
		] as const
	).map(
		([action, what, handlerOf]): Endpoint => ({
			...PUSH,
			path: `/v2/alerts/{identifier}/${action}`,
			summary:
				DOCS &&
				`Opsgenie Alert API, ${what}. The identifier is the alert's alias whatever identifierType says (id, alias or tiny; Opsgenie's default is id); the body is optional. The key as for /v2/alerts.`,
			query: z.object({ identifierType: z.optional(IdentifierType) }),
			body: {
				schema: AlertAction,
				example: DOCS && { source: "monitoring", user: "Monitoring Script", note: "fixed" },
			},
			answer: opsgenieAccepted,
			refusals: opsgenieRefusals,
			handle: opsgenieRoute(handlerOf),
		}),
	),
];

/**
 * PagerDuty's Events API v2 (alert events, or change events): the key is the body's
 * `routing_key`, and every answer is in PagerDuty's shape, so any PagerDuty client works by
 * changing its events URL.
 */
async function pagerDutyEnqueue(c: Context<AppEnv>, handlerOf: HandlerOf): Promise<Response> {
	try {
		const text = await readTextLimited(c.req.raw, MAX_PUSH_BODY_BYTES);
		let body: unknown;
		try {
			body = parseWellFormed(text);
		} catch {
			return unrecognizedEvent(c);
		}
		const key = RoutingKey.safeParse(body);
		if (!key.success) {
			throw new InvalidParameter(
				"routing_key is required: the integration key of an alertgate integration of type pagerduty",
			);
		}
		return await handlePush(c, { key: key.data.routing_key, header: null }, handlerOf, text);
	} catch (error) {
		if (error instanceof HttpError) return pagerDutyError(c, error);
		throw error;
	}
}

/** The one field read before the integration is known: the rest is checked by its type. */
const RoutingKey = z.object({
	routing_key: z.pipe(
		z.string(),
		z.pipe(
			z.transform((key: string) => key.trim()),
			z.string().check(minLength(1)),
		),
	),
});

/**
 * Opsgenie's Alert API: the key in `Authorization: GenieKey <key>`, or where any push may carry
 * it, and every answer in Opsgenie's shape, so any Opsgenie client works by changing its base URL.
 */
function opsgenieRoute(handlerOf: HandlerOf) {
	return async (c: Context<AppEnv>): Promise<Response> => {
		try {
			const key = genieKey(c.req.header("Authorization"));
			const presented = key ? { key, header: "Authorization" } : keyFromRequest(c);
			if (presented === null) {
				throw new HttpError(
					403,
					"IntegrationKeyRequired",
					"the integration key is missing: send Authorization: GenieKey <key of an opsgenie integration>",
				);
			}
			return await handlePush(c, presented, handlerOf);
		} catch (error) {
			if (error instanceof HttpError) return opsgenieError(c, error);
			throw error;
		}
	};
}

/** Alertmanager's API answers every refusal with a JSON string; so does its stand-in. */
async function alertsApiErrors(c: Context<AppEnv>, run: () => Promise<Response>) {
	try {
		return await run();
	} catch (error) {
		if (error instanceof HttpError) return alertsApiError(c, error);
		throw error;
	}
}
