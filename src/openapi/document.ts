import * as z from "zod/mini";
import { CreateChannel, UpdateChannel } from "../admin/channels";
import { CreatedPageQuery } from "../admin/fields";
import { IncidentQuery } from "../admin/incidents";
import { AlertQuery, CreateIntegration, UpdateIntegration } from "../admin/integrations";
import { CreateInhibitRule, CreateSilence, UpdateInhibitRule, UpdateSilence } from "../admin/noise";
import { CreateTarget, DeliveryQuery, UpdateTarget } from "../admin/targets";
import { Routes } from "../routing/rules";
import { AlertmanagerWebhook, PostableAlerts } from "../sources/alertmanager/schema";
import { EventBridgeEvent } from "../sources/eventbridge/envelope";
import { PagerDutyEvent } from "../sources/pagerduty/schema";
import { Batch } from "../sources/standard/handler";
import { StandardAlertBody } from "../sources/standard/schema";
import {
	AlertView,
	ChannelView,
	Deleted,
	DeliveryView,
	EventBridgeOutcome,
	IncidentDetailView,
	IncidentView,
	InhibitRuleView,
	IntegrationListItem,
	IntegrationView,
	IntegrationWithKey,
	Page,
	PushOutcome,
	PushOutcomes,
	SilencePreview,
	SilenceView,
	TargetView,
} from "./views";

/**
 * The OpenAPI 3.1 document, built from the same zod schemas that validate requests (their input
 * side) and describe answers (src/openapi/views.ts). `npm run openapi` writes it to
 * public/openapi.json, which Workers Static Assets serve at `/openapi.json`, so neither this
 * module nor zod's JSON Schema code is in the worker's bundle. A test checks that the file is
 * current, validates it, and checks that it lists exactly the routes the app serves.
 */

type Schema = Record<string, unknown>;

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) of what a client sends or gets. */
function jsonSchema(schema: z.ZodMiniType, io: "input" | "output"): Schema {
	const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
		io,
		// Refinements and transforms (a duration's syntax, a cursor's decoding) cannot be written
		// as JSON Schema: those fields are described by their type and the description.
		unrepresentable: "any",
	}) as Schema;
	return rest;
}

type Operation = {
	method: "get" | "post" | "put" | "patch" | "delete";
	/** OpenAPI's path, `{param}` style. */
	path: string;
	tag: "Admin" | "Push" | "Health";
	summary: string;
	auth: "admin" | "key" | "none";
	query?: z.ZodMiniObject;
	body?: { schema: z.ZodMiniType; example: unknown; type?: string };
	/** The answer's `data` (in the envelope), or a protocol's own answer when `raw`. */
	answer: { status: number; data: z.ZodMiniType; raw?: boolean; description: string };
	/** Refusals worth listing beyond 400, with what they mean here. */
	refusals?: Record<number, string>;
};

const standardEvent = {
	event_status: "Critical",
	title_rule: "backup of db-1 failed",
	alert_key: "backup-db-1",
	labels: { host: "db-1", service: "backup" },
};

const admin = (op: Omit<Operation, "tag" | "auth">): Operation => ({
	...op,
	tag: "Admin",
	auth: "admin",
});

const pushAnswer = {
	status: 200,
	data: PushOutcome,
	description: "The event's outcome: which alert it opened, updated or resolved.",
};
const pushRefusals = {
	403: "A header key that matches no integration (never 401, which EventBridge retries)",
	404: "A key in the URL that matches no integration",
	413: "The body is over 512 KiB",
	422: "An Idempotency-Key reused with another body",
	429: "Over the integration's rate limit (Retry-After says when to send again)",
	503: "Retry later (a settings change raced the push)",
};

const SILENCE_EXAMPLE = {
	matchers: [
		{ field: "labels.service", op: "equals", value: "db" },
		{ field: "severity", op: "in", value: ["warning", "info"] },
	],
	ends_at: "2026-11-22T20:00:00Z",
	comment: "database failover drill",
	created_by: "ana@example.com",
};

const OPERATIONS: Operation[] = [
	{
		method: "get",
		path: "/healthz",
		tag: "Health",
		auth: "none",
		summary: "Liveness: answers without touching D1 or a Durable Object",
		answer: { status: 200, data: z.object({ status: z.literal("ok") }), description: "Up." },
	},
	{
		method: "get",
		path: "/openapi.json",
		tag: "Health",
		auth: "none",
		summary: "This document",
		answer: {
			status: 200,
			data: z.record(z.string(), z.unknown()),
			raw: true,
			description: "The OpenAPI 3.1 document.",
		},
	},
	// Integrations
	admin({
		method: "post",
		path: "/api/v1/integrations",
		summary: "Create an integration; its key is in this answer only",
		body: {
			schema: CreateIntegration,
			example: { name: "nightly backups", type: "standard" },
		},
		answer: {
			status: 201,
			data: IntegrationWithKey,
			description: "The integration, its key and its push URL (shown once).",
		},
		refusals: { 409: "The deployment holds the most integrations it can (1,000)" },
	}),
	admin({
		method: "get",
		path: "/api/v1/integrations",
		summary: "List integrations, newest first",
		query: CreatedPageQuery,
		answer: {
			status: 200,
			data: Page("integrations", IntegrationListItem),
			description: "A page of integrations; never a key.",
		},
	}),
	admin({
		method: "get",
		path: "/api/v1/integrations/{id}",
		summary: "One integration, with its intake counters",
		answer: { status: 200, data: IntegrationView, description: "The integration." },
		refusals: { 404: "No integration has this id" },
	}),
	admin({
		method: "patch",
		path: "/api/v1/integrations/{id}",
		summary: "Change the name, settings or private channel",
		body: { schema: UpdateIntegration, example: { settings: { auto_resolve_after: "30m" } } },
		answer: { status: 200, data: IntegrationView, description: "The changed integration." },
		refusals: { 404: "No integration has this id" },
	}),
	admin({
		method: "delete",
		path: "/api/v1/integrations/{id}",
		summary: "Delete an integration: its key stops at once, its alerts and incidents go",
		answer: { status: 200, data: Deleted, description: "Deleted." },
		refusals: { 404: "No integration has this id" },
	}),
	admin({
		method: "post",
		path: "/api/v1/integrations/{id}/rotate-key",
		summary: "Issue a new key; the old one stops at once",
		answer: {
			status: 200,
			data: IntegrationWithKey,
			description: "The integration with its new key (shown once).",
		},
		refusals: { 404: "No integration has this id" },
	}),
	admin({
		method: "delete",
		path: "/api/v1/integrations/{id}/topic",
		summary: "Unpin an aws_cloudwatch integration's SNS topic",
		answer: { status: 200, data: IntegrationView, description: "The integration." },
		refusals: { 404: "No integration has this id", 409: "Not an aws_cloudwatch integration" },
	}),
	admin({
		method: "get",
		path: "/api/v1/integrations/{id}/routes",
		summary: "A shared integration's routing rules",
		answer: { status: 200, data: Routes, description: "The rules, in order, and the default." },
		refusals: { 404: "No integration has this id" },
	}),
	admin({
		method: "put",
		path: "/api/v1/integrations/{id}/routes",
		summary: "Replace a shared integration's routing rules",
		body: {
			schema: Routes,
			example: {
				rules: [
					{
						channel_id: "ch_db…",
						conditions: [{ field: "labels.service", op: "equals", value: "backup" }],
					},
				],
				default_channel_id: null,
			},
		},
		answer: { status: 200, data: Routes, description: "The stored rules." },
		refusals: { 404: "No integration has this id", 409: "The integration is private to a channel" },
	}),
	admin({
		method: "get",
		path: "/api/v1/integrations/{id}/alerts",
		summary: "An integration's alerts, newest first",
		query: AlertQuery,
		answer: { status: 200, data: Page("alerts", AlertView), description: "A page of alerts." },
		refusals: { 404: "No integration has this id" },
	}),
	// Channels
	admin({
		method: "post",
		path: "/api/v1/channels",
		summary: "Create a channel",
		body: {
			schema: CreateChannel,
			example: { name: "databases", group_by: ["service"], group_window: "30m" },
		},
		answer: { status: 201, data: ChannelView, description: "The channel." },
		refusals: { 409: "The deployment holds the most channels it can (1,000)" },
	}),
	admin({
		method: "get",
		path: "/api/v1/channels",
		summary: "List channels, newest first",
		query: CreatedPageQuery,
		answer: {
			status: 200,
			data: Page("channels", ChannelView),
			description: "A page of channels.",
		},
	}),
	admin({
		method: "get",
		path: "/api/v1/channels/{id}",
		summary: "One channel",
		answer: { status: 200, data: ChannelView, description: "The channel." },
		refusals: { 404: "No channel has this id" },
	}),
	admin({
		method: "patch",
		path: "/api/v1/channels/{id}",
		summary: "Change a channel's name, description or grouping",
		body: { schema: UpdateChannel, example: { group_window: null } },
		answer: { status: 200, data: ChannelView, description: "The changed channel." },
		refusals: { 404: "No channel has this id" },
	}),
	admin({
		method: "delete",
		path: "/api/v1/channels/{id}",
		summary: "Delete a channel nothing points to",
		answer: { status: 200, data: Deleted, description: "Deleted." },
		refusals: {
			404: "No channel has this id",
			409: "Integrations or routes still point to it (the message names them)",
		},
	}),
	// Silences and inhibit rules
	admin({
		method: "post",
		path: "/api/v1/silences",
		summary: "Create a silence, or a maintenance window (a silence with a weekly schedule)",
		body: { schema: CreateSilence, example: SILENCE_EXAMPLE },
		answer: { status: 201, data: SilenceView, description: "The silence." },
		refusals: { 409: "The deployment holds the most silences it can (200 not expired)" },
	}),
	admin({
		method: "get",
		path: "/api/v1/silences",
		summary: "List silences (expired ones too), newest first",
		query: CreatedPageQuery,
		answer: {
			status: 200,
			data: Page("silences", SilenceView),
			description: "A page of silences.",
		},
	}),
	admin({
		method: "post",
		path: "/api/v1/silences/preview",
		summary: "The firing alerts a silence would mute, before saving it",
		body: { schema: CreateSilence, example: SILENCE_EXAMPLE },
		answer: {
			status: 200,
			data: SilencePreview,
			description: "Up to 100 firing alerts its matchers and scope match (whatever its times).",
		},
	}),
	admin({
		method: "get",
		path: "/api/v1/silences/{id}",
		summary: "One silence",
		answer: { status: 200, data: SilenceView, description: "The silence." },
		refusals: { 404: "No silence has this id" },
	}),
	admin({
		method: "patch",
		path: "/api/v1/silences/{id}",
		summary: "Change a silence that has not expired",
		body: { schema: UpdateSilence, example: { ends_at: "2026-11-23T06:00:00Z" } },
		answer: { status: 200, data: SilenceView, description: "The changed silence." },
		refusals: { 404: "No silence has this id", 409: "The silence has expired" },
	}),
	admin({
		method: "delete",
		path: "/api/v1/silences/{id}",
		summary: "Expire a silence now (it stays listed as expired)",
		answer: { status: 200, data: SilenceView, description: "The expired silence." },
		refusals: { 404: "No silence has this id" },
	}),
	admin({
		method: "post",
		path: "/api/v1/inhibit-rules",
		summary: "Create an inhibit rule",
		body: {
			schema: CreateInhibitRule,
			example: {
				source_matchers: [{ field: "labels.alertname", op: "equals", value: "NodeDown" }],
				target_matchers: [{ field: "severity", op: "in", value: ["warning", "info"] }],
				equal: ["instance"],
				comment: "a down node explains its other alerts",
			},
		},
		answer: { status: 201, data: InhibitRuleView, description: "The rule." },
		refusals: { 409: "The deployment holds the most inhibit rules it can (100)" },
	}),
	admin({
		method: "get",
		path: "/api/v1/inhibit-rules",
		summary: "List inhibit rules, newest first",
		query: CreatedPageQuery,
		answer: {
			status: 200,
			data: Page("inhibit_rules", InhibitRuleView),
			description: "A page of rules.",
		},
	}),
	admin({
		method: "get",
		path: "/api/v1/inhibit-rules/{id}",
		summary: "One inhibit rule",
		answer: { status: 200, data: InhibitRuleView, description: "The rule." },
		refusals: { 404: "No inhibit rule has this id" },
	}),
	admin({
		method: "patch",
		path: "/api/v1/inhibit-rules/{id}",
		summary: "Change an inhibit rule",
		body: { schema: UpdateInhibitRule, example: { equal: ["instance", "cluster"] } },
		answer: { status: 200, data: InhibitRuleView, description: "The changed rule." },
		refusals: { 404: "No inhibit rule has this id" },
	}),
	admin({
		method: "delete",
		path: "/api/v1/inhibit-rules/{id}",
		summary: "Delete an inhibit rule",
		answer: { status: 200, data: Deleted, description: "Deleted." },
		refusals: { 404: "No inhibit rule has this id" },
	}),
	// Targets and deliveries
	admin({
		method: "post",
		path: "/api/v1/channels/{id}/targets",
		summary: "Add a notification target (webhook, Slack, Teams, PagerDuty) to a channel",
		body: {
			schema: CreateTarget,
			example: {
				type: "webhook",
				name: "on-call bot",
				url: "https://bot.example.com/alertgate",
				min_severity: "warning",
			},
		},
		answer: {
			status: 201,
			data: TargetView,
			description: "The target; a webhook's signing secret is in this answer only.",
		},
		refusals: { 404: "No channel has this id", 409: "The channel has 10 targets already" },
	}),
	admin({
		method: "get",
		path: "/api/v1/channels/{id}/targets",
		summary: "A channel's targets (URLs and secrets masked)",
		answer: {
			status: 200,
			data: z.object({ targets: z.array(TargetView) }),
			description: "The targets.",
		},
		refusals: { 404: "No channel has this id" },
	}),
	admin({
		method: "get",
		path: "/api/v1/channels/{id}/targets/{target}",
		summary: "One target",
		answer: { status: 200, data: TargetView, description: "The target." },
		refusals: { 404: "No such channel or target" },
	}),
	admin({
		method: "patch",
		path: "/api/v1/channels/{id}/targets/{target}",
		summary: "Change a target",
		body: { schema: UpdateTarget, example: { delay: "10m", repeat: { every: "15m", times: 3 } } },
		answer: { status: 200, data: TargetView, description: "The changed target." },
		refusals: { 404: "No such channel or target" },
	}),
	admin({
		method: "delete",
		path: "/api/v1/channels/{id}/targets/{target}",
		summary: "Remove a target",
		answer: { status: 200, data: Deleted, description: "Deleted." },
		refusals: { 404: "No such channel or target" },
	}),
	admin({
		method: "post",
		path: "/api/v1/channels/{id}/targets/{target}/rotate-secret",
		summary: "New signing secret for a webhook; the old one also signs for a day",
		answer: {
			status: 200,
			data: TargetView,
			description: "The target with its new secret (shown once).",
		},
		refusals: { 404: "No such channel or target", 409: "Not a webhook target" },
	}),
	admin({
		method: "post",
		path: "/api/v1/channels/{id}/test",
		summary: "Send a test notification to every target of the channel, now",
		answer: {
			status: 200,
			data: z.object({
				event_id: z.string(),
				results: z.array(
					z.object({
						target_id: z.string(),
						name: z.string(),
						type: z.string(),
						delivered: z.boolean(),
						status: z.nullable(z.int()),
						detail: z.string(),
					}),
				),
			}),
			description: "What each target answered.",
		},
		refusals: { 404: "No channel has this id" },
	}),
	admin({
		method: "get",
		path: "/api/v1/channels/{id}/deliveries",
		summary: "A channel's notifications and their attempts, newest first",
		query: DeliveryQuery,
		answer: {
			status: 200,
			data: Page("deliveries", DeliveryView),
			description: "A page of deliveries.",
		},
		refusals: { 404: "No channel has this id" },
	}),
	admin({
		method: "post",
		path: "/api/v1/channels/{id}/deliveries/{delivery}/retry",
		summary: "Queue a failed notification again",
		answer: { status: 202, data: DeliveryView, description: "Queued." },
		refusals: { 404: "No such channel or delivery", 409: "The delivery has not failed" },
	}),
	// Incidents
	admin({
		method: "get",
		path: "/api/v1/incidents",
		summary: "Incidents across integrations, newest first",
		query: IncidentQuery,
		answer: { status: 200, data: Page("incidents", IncidentView), description: "A page." },
		refusals: { 404: "The channel_id or integration_id filter names nothing" },
	}),
	admin({
		method: "get",
		path: "/api/v1/incidents/{id}",
		summary: "One incident with its alerts",
		answer: { status: 200, data: IncidentDetailView, description: "The incident." },
		refusals: { 404: "No incident has this id" },
	}),
	admin({
		method: "post",
		path: "/api/v1/incidents/{id}/acknowledge",
		summary: "Acknowledge an incident (stops escalation and repeats)",
		answer: { status: 200, data: IncidentDetailView, description: "The incident." },
		refusals: { 404: "No incident has this id", 409: "The incident is resolved" },
	}),
	admin({
		method: "post",
		path: "/api/v1/incidents/{id}/resolve",
		summary: "Resolve an incident and its firing alerts",
		answer: { status: 200, data: IncidentDetailView, description: "The incident." },
		refusals: { 404: "No incident has this id" },
	}),
	// Push
	...(["/push/{key}", "/push"] as const).map(
		(path): Operation => ({
			method: "post",
			path,
			tag: "Push",
			auth: "key",
			summary:
				path === "/push"
					? "Push, the key in a header: X-Integration-Key, Bearer, Basic password, or ?integration_key="
					: "Push, the key in the URL. The body is what the integration's type takes: a standard event, an SNS message (aws_cloudwatch), an EventBridge event, or an Alertmanager webhook",
			body: { schema: StandardAlertBody, example: standardEvent },
			answer: {
				...pushAnswer,
				data: z.union([PushOutcome, EventBridgeOutcome, PushOutcomes]),
				description:
					"standard: the event's outcome; aws_eventbridge: the event id and outcomes; alertmanager: one outcome per alert; aws_cloudwatch: the alarm's outcome or the subscription's state",
			},
			refusals: pushRefusals,
		}),
	),
	...(["/push/{key}/batch", "/push/batch"] as const).map(
		(path): Operation => ({
			method: "post",
			path,
			tag: "Push",
			auth: "key",
			summary: "Up to 100 standard events, all or nothing, answered in order",
			body: { schema: Batch, example: { events: [standardEvent] } },
			answer: { ...pushAnswer, data: PushOutcomes, description: "Each event's outcome, in order." },
			refusals: pushRefusals,
		}),
	),
	...(["/push/{key}/api/v2/alerts", "/push/api/v2/alerts"] as const).map(
		(path): Operation => ({
			method: "post",
			path,
			tag: "Push",
			auth: "key",
			summary:
				"Alertmanager API v2 for Prometheus (alertmanager integrations); refusals are JSON strings, as Alertmanager's",
			body: {
				schema: PostableAlerts,
				example: [
					{
						labels: { alertname: "HighLatency", service: "api", severity: "warning" },
						annotations: { summary: "p99 over 2s" },
						startsAt: "2026-11-22T08:00:00Z",
					},
				],
			},
			answer: { ...pushAnswer, data: PushOutcomes, description: "Each alert's outcome, in order." },
			refusals: pushRefusals,
		}),
	),
	{
		method: "post",
		path: "/v2/enqueue",
		tag: "Push",
		auth: "none",
		summary:
			"PagerDuty Events API v2: routing_key is the key of a pagerduty integration; answers in PagerDuty's shapes",
		body: {
			schema: PagerDutyEvent,
			example: {
				routing_key: "agk_…",
				event_action: "trigger",
				dedup_key: "disk-db-1",
				payload: { summary: "disk full on db-1", source: "db-1", severity: "critical" },
			},
		},
		answer: {
			status: 202,
			raw: true,
			data: z.object({
				status: z.literal("success"),
				message: z.string(),
				dedup_key: z.string(),
			}),
			description: "Processed; the dedup_key (given or derived) names the alert.",
		},
		refusals: { 429: "Over the integration's rate limit" },
	},
];

/** Other bodies the push URL takes, by integration type, for the document's components. */
const PUSH_BODIES: Record<string, z.ZodMiniType> = {
	StandardEvent: StandardAlertBody,
	EventBridgeEvent,
	AlertmanagerWebhook,
};

const ErrorEnvelope: Schema = {
	type: "object",
	required: ["request_id", "error"],
	properties: {
		request_id: { type: "string", description: "Also in the X-Request-Id header." },
		error: {
			type: "object",
			required: ["code", "message"],
			properties: {
				code: { type: "string", description: "Stable, e.g. InvalidParameter." },
				message: { type: "string", description: "What to fix, naming the field." },
			},
		},
	},
	example: {
		request_id: "5b0c6f1e2a7d4c3b9e8f0a1b2c3d4e5f",
		error: {
			code: "InvalidParameter",
			message: "event_status must be one of Critical, Warning, Info, Ok",
		},
	},
};

function envelope(data: Schema): Schema {
	return {
		type: "object",
		required: ["request_id", "data"],
		properties: { request_id: { type: "string" }, data },
	};
}

function parameters(op: Operation): Schema[] {
	const inPath = [...op.path.matchAll(/\{(\w+)\}/g)].map((match) => ({
		name: match[1],
		in: "path",
		required: true,
		schema: { type: "string" },
		...(match[1] === "key" ? { description: "The integration key (agk_…)." } : {}),
	}));
	const query = op.query === undefined ? [] : Object.entries(op.query.shape);
	return [
		...inPath,
		...query.map(([name, schema]) => ({
			name,
			in: "query",
			required: false,
			schema: jsonSchema(schema as z.ZodMiniType, "input"),
		})),
	];
}

function operation(op: Operation): Schema {
	const answer = jsonSchema(op.answer.data, "output");
	const responses: Schema = {
		[op.answer.status]: {
			description: op.answer.description,
			content: { "application/json": { schema: op.answer.raw ? answer : envelope(answer) } },
		},
		...(op.body !== undefined || op.query !== undefined || op.auth === "key"
			? {
					400: {
						description: "Bad input: the message names the field",
						content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
					},
				}
			: {}),
		...(op.auth === "admin"
			? {
					401: {
						description: "A missing or wrong admin token",
						content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
					},
				}
			: {}),
		...Object.fromEntries(
			Object.entries(op.refusals ?? {}).map(([status, description]) => [
				status,
				{
					description,
					content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
				},
			]),
		),
	};
	return {
		tags: [op.tag],
		summary: op.summary,
		operationId: `${op.method}${op.path.replace(/[^a-zA-Z0-9]+(\w)?/g, (_m, c: string = "") => c.toUpperCase())}`,
		...(op.auth === "admin" ? { security: [{ adminToken: [] }] } : {}),
		...(op.auth === "key" && !op.path.includes("{key}")
			? { security: [{ integrationKeyHeader: [] }, { integrationKeyBearer: [] }] }
			: {}),
		...(op.auth !== "admin" && op.path.includes("{key}") ? { security: [] } : {}),
		...(op.auth === "none" ? { security: [] } : {}),
		parameters: parameters(op),
		...(op.body === undefined
			? {}
			: {
					requestBody: {
						required: true,
						content: {
							"application/json": {
								schema: jsonSchema(op.body.schema, "input"),
								example: op.body.example,
							},
						},
					},
				}),
		responses,
	};
}

/**
 * The dashboard's pages (src/dashboard): HTML for people, listed so the document covers every
 * route; `session` is the sign-in cookie, and each form carries its page's `csrf` token.
 */
const DASHBOARD: { method: "get" | "post"; path: string; summary: string; form?: string[] }[] = [
	{ method: "get", path: "/dashboard", summary: "Open incidents by channel, unrouted apart" },
	{ method: "get", path: "/dashboard/login", summary: "The sign-in page" },
	{
		method: "post",
		path: "/dashboard/login",
		summary: "Sign in with the admin token",
		form: ["token"],
	},
	{ method: "post", path: "/dashboard/logout", summary: "Sign out", form: ["csrf"] },
	{
		method: "get",
		path: "/dashboard/integrations",
		summary: "Integrations and whether they are wired",
	},
	{ method: "get", path: "/dashboard/incidents/{id}", summary: "An incident and its alerts" },
	{
		method: "get",
		path: "/dashboard/integrations/{id}",
		summary: "An integration's firing alerts, muted ones marked",
	},
	{ method: "get", path: "/dashboard/silences", summary: "Silences and inhibit rules" },
	{
		method: "post",
		path: "/dashboard/incidents/{id}/acknowledge",
		summary: "Acknowledge the incident",
		form: ["csrf"],
	},
	{
		method: "post",
		path: "/dashboard/incidents/{id}/resolve",
		summary: "Resolve the incident",
		form: ["csrf"],
	},
];

function dashboardOperation(page: (typeof DASHBOARD)[number]): Schema {
	const html = { "text/html": { schema: { type: "string" } } };
	const signedIn = page.path !== "/dashboard/login";
	return {
		tags: ["Dashboard"],
		summary: page.summary,
		operationId: `${page.method}${page.path.replace(/[^a-zA-Z0-9]+(\w)?/g, (_m, c: string = "") => c.toUpperCase())}`,
		security: signedIn ? [{ dashboardSession: [] }] : [],
		parameters: [...page.path.matchAll(/\{(\w+)\}/g)].map((match) => ({
			name: match[1],
			in: "path",
			required: true,
			schema: { type: "string" },
		})),
		...(page.form === undefined
			? {}
			: {
					requestBody: {
						required: true,
						content: {
							"application/x-www-form-urlencoded": {
								schema: {
									type: "object",
									required: page.form,
									properties: Object.fromEntries(
										page.form.map((name) => [name, { type: "string" }]),
									),
								},
								example: Object.fromEntries(
									page.form.map((name) => [
										name,
										name === "token" ? "<ADMIN_TOKEN>" : "<the csrf field of the page's form>",
									]),
								),
							},
						},
					},
				}),
		responses: {
			...(page.method === "get" ? { 200: { description: "The page", content: html } } : {}),
			303: {
				description:
					page.method === "get"
						? "Not signed in: to /dashboard/login"
						: "Done: to the page that shows the result",
				headers: { Location: { schema: { type: "string" } } },
			},
			...(page.form?.includes("token")
				? { 401: { description: "Not the admin token", content: html } }
				: {}),
			...(page.form?.includes("csrf")
				? {
						403: {
							description: "A stale or missing CSRF token, or a form from another origin",
							content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
						},
					}
				: {}),
		},
	};
}

let built: Schema | undefined;

/** The document, built once per isolate. `version` is the package's. */
export function openApiDocument(version: string): Schema {
	if (built !== undefined) return built;
	const paths: Record<string, Schema> = {};
	for (const op of OPERATIONS) {
		paths[op.path] = { ...paths[op.path], [op.method]: operation(op) };
	}
	for (const page of DASHBOARD) {
		paths[page.path] = { ...paths[page.path], [page.method]: dashboardOperation(page) };
	}
	built = {
		openapi: "3.1.0",
		info: {
			title: "alertgate",
			version,
			description:
				"Alert intake gateway: push URLs for monitors, and the admin API for integrations, channels, routes, notification targets and incidents. Every answer is {request_id, data} or {request_id, error} unless an endpoint speaks another protocol (PagerDuty, Alertmanager).",
			license: { name: "Apache-2.0", identifier: "Apache-2.0" },
		},
		tags: [
			{ name: "Push", description: "Where monitors send alerts." },
			{
				name: "Admin",
				description: "Integrations, channels, routes, targets, incidents, silences, inhibit rules.",
			},
			{ name: "Health", description: "Liveness and this document." },
			{ name: "Dashboard", description: "HTML pages for people (README, Dashboard)." },
		],
		paths,
		components: {
			schemas: {
				Error: ErrorEnvelope,
				...Object.fromEntries(
					Object.entries(PUSH_BODIES).map(([name, schema]) => [name, jsonSchema(schema, "input")]),
				),
			},
			securitySchemes: {
				adminToken: { type: "http", scheme: "bearer", description: "ADMIN_TOKEN" },
				dashboardSession: { type: "apiKey", in: "cookie", name: "alertgate_session" },
				integrationKeyHeader: { type: "apiKey", in: "header", name: "X-Integration-Key" },
				integrationKeyBearer: {
					type: "http",
					scheme: "bearer",
					description: "The integration key as Bearer (or as a Basic password)",
				},
			},
		},
	};
	return built;
}

/** Every operation as `METHOD /path` (OpenAPI's `{param}` style), for the coverage test. */
export function documentedRoutes(): string[] {
	return [...OPERATIONS, ...DASHBOARD].map((op) => `${op.method.toUpperCase()} ${op.path}`);
}
