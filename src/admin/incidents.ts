import type { Context } from "hono";
import * as z from "zod/mini";
import { Severity } from "../alerts/event";
import { incidentIntegration, listIncidents } from "../db/incidents";
import type { IncidentReply } from "../durable/contract";
import type { AppEnv } from "../http/app-env";
import { Cursor, pageOf } from "../http/cursor";
import { endpoint } from "../http/endpoint";
import { refusalError } from "../http/refusals";
import { Page } from "../http/views";
import {
	IncidentDetailView,
	IncidentStatus,
	IncidentView,
	incidentToApi,
} from "../incidents/incident";
import { actor, TimelineEntryView, timelineToApi } from "../incidents/timeline";
import { DOCS } from "../schema/docs";
import { channelLimit } from "./channel-limit";
import { requireChannel } from "./channels";
import { IsoTime, PageLimit, QueryEnum, READ, WRITE } from "./fields";
import { requireIntegration } from "./integrations";
import { channelNotFound, integrationNotFound } from "./not-found";

/** `open`: triggered or acknowledged, the incidents someone has to act on. */
const ListedStatus = z.enum([...IncidentStatus.options, "open"]);

/** The list's filters: the API's query, and the dashboard's list form with the same names. */
export const IncidentQuery = z.object({
	channel_id: z.optional(z.string()),
	integration_id: z.optional(z.string()),
	status: z.optional(QueryEnum(ListedStatus, "must be triggered, acknowledged, resolved or open")),
	severity: z.optional(QueryEnum(Severity, "must be critical, warning or info")),
	opened_since: z.optional(IsoTime),
	opened_before: z.optional(IsoTime),
	unrouted: z.optional(
		z.pipe(
			z.enum(["true", "false"], { error: "must be true or false" }),
			z.transform((value) => value === "true"),
		),
	),
	limit: PageLimit(100, 20),
	/** The last row of the previous page: (opened_at, id). */
	cursor: z.optional(
		z.pipe(
			Cursor(z.tuple([z.int(), z.string()])),
			z.transform(([opened_at, id]) => ({ opened_at, id })),
		),
	),
});

export type IncidentQuery = z.output<typeof IncidentQuery>;

export const TimelineQuery = z.object({
	limit: PageLimit(500, 100),
	/** The last entry of the previous page: its `seq`. */
	cursor: z.optional(Cursor(z.tuple([z.int()]))),
});

const ONE = {
	status: 200,
	data: DOCS && IncidentDetailView,
	description: DOCS && "The incident.",
} as const;
const NOT_FOUND = { 404: DOCS && "No incident has this id" };

export const incidentEndpoints = [
	endpoint({
		method: "get",
		path: "/api/v1/incidents",
		...READ,
		scope: "list",
		summary: DOCS && "Incidents across integrations, newest first",
		query: IncidentQuery,
		answer: {
			status: 200,
			data: DOCS && Page("incidents", IncidentView),
			description: DOCS && "A page.",
		},
		refusals: { 404: DOCS && "The channel_id or integration_id filter names nothing" },
		handler: async (c, { query }) => {
			// A filter naming nothing is a mistake to report, not an empty list.
			// A limited token's filter on another channel names nothing, as far as it can tell.
			const limit = channelLimit(c);
			if (query.channel_id !== undefined) {
				if (limit !== null && !limit.includes(query.channel_id)) {
					throw channelNotFound(query.channel_id);
				}
				await requireChannel(c.env.DB, query.channel_id);
			}
			if (query.integration_id !== undefined) {
				const row = await requireIntegration(c.env.DB, query.integration_id);
				if (limit !== null && (row.channel_id === null || !limit.includes(row.channel_id))) {
					throw integrationNotFound(row.id);
				}
			}
			const { cursor, ...filter } = query;
			const rows = await listIncidents(c.env.DB, {
				...filter,
				channels: channelLimit(c),
				limit: query.limit + 1,
				after: cursor,
			});
			const { page, next_cursor } = pageOf(rows, query.limit, (last) => [last.opened_at, last.id]);
			return { incidents: page.map(incidentToApi), next_cursor };
		},
	}),
	endpoint({
		method: "get",
		path: "/api/v1/incidents/{id}",
		...READ,
		scope: "incident",
		summary: DOCS && "One incident with its alerts",
		answer: ONE,
		refusals: NOT_FOUND,
		handler: async (c, { params: { id } }) =>
			incidentOf(await (await incidentObject(c.env, id)).getIncident(id)),
	}),
	endpoint({
		method: "post",
		path: "/api/v1/incidents/{id}/acknowledge",
		...WRITE,
		scope: "incident",
		audit: "incident.acknowledge",
		summary: DOCS && "Acknowledge an incident (stops escalation and repeats)",
		answer: ONE,
		refusals: { ...NOT_FOUND, 409: DOCS && "The incident is resolved" },
		handler: async (c, { params: { id } }) =>
			incidentOf(await (await incidentObject(c.env, id)).acknowledgeIncident(id, byApi(c))),
	}),
	endpoint({
		method: "post",
		path: "/api/v1/incidents/{id}/resolve",
		...WRITE,
		scope: "incident",
		audit: "incident.resolve",
		summary: DOCS && "Resolve an incident and its firing alerts",
		answer: ONE,
		refusals: NOT_FOUND,
		handler: async (c, { params: { id } }) =>
			incidentOf(await (await incidentObject(c.env, id)).resolveIncident(id, byApi(c))),
	}),
	endpoint({
		method: "get",
		path: "/api/v1/incidents/{id}/timeline",
		...READ,
		scope: "incident",
		summary: DOCS && "What happened to an incident and who did it, oldest first",
		query: TimelineQuery,
		answer: {
			status: 200,
			data: DOCS && Page("entries", TimelineEntryView),
			description: DOCS && "A page of timeline entries.",
		},
		refusals: NOT_FOUND,
		handler: async (c, { params: { id }, query }) => {
			const object = await incidentObject(c.env, id);
			const after = query.cursor?.[0];
			const rows = await object.incidentTimeline(id, {
				limit: query.limit + 1,
				...(after === undefined ? {} : { after }),
			});
			if (rows === null) throw refusalError({ ok: false, reason: "incident_not_found", id });
			const { page, next_cursor } = pageOf(rows, query.limit, (last) => [last.seq]);
			return { entries: page.map(timelineToApi), next_cursor };
		},
	}),
];

/** The admin API's actor, named as the credential is: a token's name, an Access email. */
const byApi = (c: Context<AppEnv>) => actor("api", c.get("principal")?.name ?? null);

/** The mirror says which integration holds the incident; that Durable Object is the truth. */
export async function incidentObject(env: Env, id: string) {
	const integrationId = await incidentIntegration(env.DB, id);
	if (integrationId === null) throw refusalError({ ok: false, reason: "incident_not_found", id });
	return env.INTEGRATION.getByName(integrationId);
}

function incidentOf(reply: IncidentReply) {
	if (!reply.ok) throw refusalError(reply);
	return reply.incident;
}
