import { Hono } from "hono";
import { z } from "zod";
import { incidentIntegration, listIncidents } from "../db/incidents";
import type { IncidentReply } from "../durable/integration-object";
import type { AppEnv } from "../http/app-env";
import { ok } from "../http/envelope";
import { HttpError, NotFound } from "../http/errors";
import { onlyMethods } from "../http/middleware";
import { parseOrThrow } from "../http/validation";
import { IncidentStatus, incidentToApi } from "../incidents/incident";
import { base64url } from "../security/secrets";

const MAX_PAGE = 100;
const PAGE_HINT = `must be a whole number from 1 to ${MAX_PAGE}`;

const IncidentQuery = z.object({
	channel_id: z.string().optional(),
	integration_id: z.string().optional(),
	status: z
		.enum(IncidentStatus.options, { error: "must be triggered, acknowledged or resolved" })
		.optional(),
	unrouted: z
		.enum(["true", "false"], { error: "must be true or false" })
		.transform((value) => value === "true")
		.optional(),
	limit: z.coerce
		.number({ error: PAGE_HINT })
		.int(PAGE_HINT)
		.min(1, PAGE_HINT)
		.max(MAX_PAGE, PAGE_HINT)
		.default(20),
	cursor: z
		.string()
		.transform((cursor, ctx) => {
			const match = /^(\d{1,15})\.([0-9a-f-]{36})$/.exec(decodeCursor(cursor));
			if (match === null) {
				ctx.issues.push({
					code: "custom",
					input: cursor,
					message: "must be a next_cursor from a previous page",
				});
				return z.NEVER;
			}
			return { opened_at: Number(match[1]), id: match[2] ?? "" };
		})
		.optional(),
});

export const incidents = new Hono<AppEnv>();

incidents
	.get("/incidents", async (c) => {
		const query = parseOrThrow(IncidentQuery, c.req.query());
		const { cursor, ...filter } = query;
		const rows = await listIncidents(c.env.DB, {
			...filter,
			limit: query.limit + 1,
			after: cursor,
		});
		const page = rows.slice(0, query.limit);
		const last = page.at(-1);
		return ok(c, {
			incidents: page.map(incidentToApi),
			next_cursor:
				rows.length > query.limit && last !== undefined
					? encodeCursor(`${last.opened_at}.${last.id}`)
					: null,
		});
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
async function incidentObject(env: Env, id: string) {
	const integrationId = await incidentIntegration(env.DB, id);
	if (integrationId === null) {
		throw new NotFound("IncidentNotFound", `no incident has id ${JSON.stringify(id)}`);
	}
	return env.INTEGRATION.getByName(integrationId);
}

function incidentReply(c: Parameters<typeof ok>[0], reply: IncidentReply) {
	if (!reply.ok) throw new HttpError(reply.status, reply.code, reply.message);
	return ok(c, reply.incident);
}

function encodeCursor(text: string): string {
	return base64url(new TextEncoder().encode(text));
}

function decodeCursor(cursor: string): string {
	try {
		return atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
	} catch {
		return "";
	}
}
