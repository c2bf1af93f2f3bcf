import { Hono } from "hono";
import * as z from "zod/mini";
import { incidentIntegration, listIncidents } from "../db/incidents";
import type { IncidentReply } from "../durable/contract";
import type { AppEnv } from "../http/app-env";
import { Cursor, pageOf } from "../http/cursor";
import { ok } from "../http/envelope";
import { onlyMethods } from "../http/middleware";
import { refusalError } from "../http/refusals";
import { parseQuery } from "../http/validation";
import { IncidentStatus, incidentToApi } from "../incidents/incident";
import { requireChannel } from "./channels";
import { PageLimit, QueryEnum } from "./fields";
import { requireIntegration } from "./integrations";

export const IncidentQuery = z.object({
	channel_id: z.optional(z.string()),
	integration_id: z.optional(z.string()),
	status: z.optional(QueryEnum(IncidentStatus, "must be triggered, acknowledged or resolved")),
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

export const incidents = new Hono<AppEnv>();

incidents
	.get("/incidents", async (c) => {
		const query = parseQuery(IncidentQuery, c.req.query());
		// A filter naming nothing is a mistake to report, not an empty list.
		if (query.channel_id !== undefined) await requireChannel(c.env.DB, query.channel_id);
		if (query.integration_id !== undefined)
			await requireIntegration(c.env.DB, query.integration_id);
		const { cursor, ...filter } = query;
		const rows = await listIncidents(c.env.DB, {
			...filter,
			limit: query.limit + 1,
			after: cursor,
		});
		const { page, next_cursor } = pageOf(rows, query.limit, (last) => [last.opened_at, last.id]);
		return ok(c, { incidents: page.map(incidentToApi), next_cursor });
	})
	.all("/incidents", onlyMethods("GET"));

incidents
	.get("/incidents/:id", async (c) => {
		const stub = await incidentObject(c.env, c.req.param("id"));
		return incidentReply(c, await stub.getIncident(c.req.param("id")));
	})
	.all("/incidents/:id", onlyMethods("GET"));

incidents
	.post("/incidents/:id/acknowledge", async (c) => {
		const stub = await incidentObject(c.env, c.req.param("id"));
		return incidentReply(c, await stub.acknowledgeIncident(c.req.param("id")));
	})
	.all("/incidents/:id/acknowledge", onlyMethods("POST"));

incidents
	.post("/incidents/:id/resolve", async (c) => {
		const stub = await incidentObject(c.env, c.req.param("id"));
		return incidentReply(c, await stub.resolveIncident(c.req.param("id")));
	})
	.all("/incidents/:id/resolve", onlyMethods("POST"));

/** The mirror says which integration holds the incident; that Durable Object is the truth. */
export async function incidentObject(env: Env, id: string) {
	const integrationId = await incidentIntegration(env.DB, id);
	if (integrationId === null) throw refusalError({ ok: false, reason: "incident_not_found", id });
	return env.INTEGRATION.getByName(integrationId);
}

function incidentReply(c: Parameters<typeof ok>[0], reply: IncidentReply) {
	if (!reply.ok) throw refusalError(reply);
	return ok(c, reply.incident);
}
