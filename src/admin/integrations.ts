import { Hono } from "hono";
import * as z from "zod/mini";
import { AlertStatus, iso, isoOrNull } from "../alerts/alert";
import { missingChannels } from "../db/channels";
import { deleteIncidentsOf } from "../db/incidents";
import {
	getIntegration,
	type IntegrationRow,
	insertIntegration,
	listIntegrations,
	MAX_INTEGRATIONS,
	removeIntegrationStatement,
	replaceKeyHash,
	updateIntegration,
} from "../db/integrations";
import { deleteNotificationsOfIntegration } from "../db/notifications";
import { getRoutes, replaceRoutes } from "../db/routes";
import type { AppEnv } from "../http/app-env";
import { Cursor, encodeCursor, pageOf } from "../http/cursor";
import { ok } from "../http/envelope";
import { Conflict, InvalidParameter, NotFound, ServiceUnavailable } from "../http/errors";
import { onlyMethods } from "../http/middleware";
import { parseOrThrow, parseQuery } from "../http/validation";
import { NO_COUNTS } from "../integrations/counters";
import { IntegrationType } from "../integrations/type";
import { Routes } from "../routing/rules";
import { requiredAs, unknownFieldOr } from "../schema/messages";
import { generateIntegrationKey, sha256Hex } from "../security/secrets";
import { CloudWatchSettings } from "../sources/cloudwatch/settings";
import { SOURCES, settingsOf } from "../sources/registry";
import { readJsonBody } from "./body";
import { CreatedPageQuery, Name, PageLimit, QueryEnum } from "./fields";
import { configureObject, provisionObject, rerouteObject } from "./objects";

export const CreateIntegration = z.strictObject(
	{
		name: Name,
		type: z.enum(
			IntegrationType.options,
			requiredAs(`one of ${IntegrationType.options.join(", ")}`),
		),
		/** Checked against the type's own schema (src/sources/registry.ts) once type is known. */
		settings: z.optional(z.unknown()),
		/** Private to this channel; null or absent: shared, routed by its routes. */
		channel_id: z._default(z.nullable(z.string({ error: "must be a channel id or null" })), null),
	},
	{ error: unknownFieldOr("must be a JSON object") },
);

export const UpdateIntegration = z.strictObject(
	{
		name: z.optional(Name),
		/**
		 * Kept as sent (a record schema would drop a `__proto__` key): merged over the stored
		 * settings and validated whole by the type's schema, which names any unknown setting.
		 */
		settings: z.optional(
			z.custom<Record<string, unknown>>(
				(value) => typeof value === "object" && value !== null && !Array.isArray(value),
				"must be an object",
			),
		),
		channel_id: z.optional(z.nullable(z.string({ error: "must be a channel id or null" }))),
	},
	{ error: unknownFieldOr("must be a JSON object") },
);

export const AlertQuery = z.object({
	status: z.optional(QueryEnum(AlertStatus, "must be firing or resolved")),
	limit: PageLimit(100, 20),
	/** The last alert's position in the previous page. */
	cursor: z.optional(
		z.pipe(
			Cursor(z.tuple([z.int()])),
			z.transform(([seq]) => seq),
		),
	),
});

const NEW_STATS = { key_rotated_at: null, deleted_at: null, ...NO_COUNTS, config_version: 0 };

export const admin = new Hono<AppEnv>();

admin
	.post("/integrations", async (c) => {
		const body = parseOrThrow(CreateIntegration, await readJsonBody(c.req.raw));
		const settings = parseOrThrow(SOURCES[body.type].settings, body.settings ?? {}, "settings");
		await requireChannels(
			c.env.DB,
			body.channel_id === null ? [] : [body.channel_id],
			"channel_id",
		);
		const id = crypto.randomUUID();
		const key = generateIntegrationKey(id);
		const keyHash = await sha256Hex(key);
		const row = {
			id,
			name: body.name,
			type: body.type,
			created_at: Date.now(),
			settings,
			channel_id: body.channel_id,
		};
		if (!(await insertIntegration(c.env.DB, { ...row, key_hash: keyHash }))) {
			throw new Conflict(
				"IntegrationLimitReached",
				`this deployment already has ${MAX_INTEGRATIONS} integrations, the most it holds: delete unused ones first`,
			);
		}
		try {
			await provisionObject(c, row, keyHash);
		} catch (error) {
			// The key was never shown: nothing may keep an integration that cannot take pushes.
			await removeIntegrationStatement(c.env.DB, id).run();
			throw error;
		}
		const view = await integrationDetail(c.env, { ...row, ...NEW_STATS });
		return ok(c, { ...view, ...keyFields(c.req.url, key) }, 201);
	})
	.get("/integrations", async (c) => {
		const query = parseQuery(CreatedPageQuery, c.req.query());
		const rows = await listIntegrations(c.env.DB, {
			limit: query.limit + 1,
			after: query.cursor,
		});
		const { page, next_cursor } = pageOf(rows, query.limit, (last) => [last.created_at, last.id]);
		return ok(c, { integrations: page.map(integrationToApi), next_cursor });
	})
	.all("/integrations", onlyMethods("GET", "POST"));

admin
	.get("/integrations/:id", async (c) => {
		const row = await requireIntegration(c.env.DB, c.req.param("id"));
		return ok(c, await integrationDetail(c.env, row));
	})
	.patch("/integrations/:id", async (c) => {
		const row = await requireIntegration(c.env.DB, c.req.param("id"));
		const change = parseOrThrow(UpdateIntegration, await readJsonBody(c.req.raw));
		// Settings the body does not name keep their values; the result is validated whole.
		const settings = parseOrThrow(
			SOURCES[row.type].settings,
			{ ...settingsOf(row.type, row.settings), ...change.settings },
			"settings",
		);
		const name = change.name ?? row.name;
		const channel_id = change.channel_id === undefined ? row.channel_id : change.channel_id;
		await requireChannels(c.env.DB, channel_id === null ? [] : [channel_id], "channel_id");
		if (!(await updateIntegration(c.env.DB, row.id, { name, settings, channel_id }))) {
			throw integrationNotFound(row.id);
		}
		await configureObject(c, { id: row.id, type: row.type, settings });
		return ok(c, await integrationDetail(c.env, { ...row, name, settings, channel_id }));
	})
	.delete("/integrations/:id", async (c) => {
		const id = c.req.param("id");
		// Rows marked by an interrupted delete of an earlier version are finished here too.
		const row = await getIntegration(c.env.DB, id, { includeDeleting: true });
		if (row === null) throw integrationNotFound(id);
		// The object first: its push URL stops, and its alerts go, before D1 forgets the row. A
		// delete interrupted after this is finished by repeating it.
		try {
			await c.env.INTEGRATION.getByName(id).destroy();
		} catch {
			throw new ServiceUnavailable(
				"DeleteIncomplete",
				"the integration could not be wiped yet; nothing was deleted: repeat the DELETE",
			);
		}
		await c.env.DB.batch([
			deleteIncidentsOf(c.env.DB, id),
			deleteNotificationsOfIntegration(c.env.DB, id),
			removeIntegrationStatement(c.env.DB, id),
		]);
		return ok(c, { id, deleted: true });
	})
	.all("/integrations/:id", onlyMethods("GET", "PATCH", "DELETE"));

admin
	.post("/integrations/:id/rotate-key", async (c) => {
		const row = await requireIntegration(c.env.DB, c.req.param("id"));
		const key = generateIntegrationKey(row.id);
		const keyHash = await sha256Hex(key);
		const rotatedAt = Date.now();
		// The object first: the old key stops working the moment it holds the new hash.
		await provisionObject(c, row, keyHash);
		if (!(await replaceKeyHash(c.env.DB, row.id, keyHash, rotatedAt))) {
			throw integrationNotFound(row.id);
		}
		const view = await integrationDetail(c.env, { ...row, key_rotated_at: rotatedAt });
		return ok(c, { ...view, ...keyFields(c.req.url, key) });
	})
	.all("/integrations/:id/rotate-key", onlyMethods("POST"));

admin
	.delete("/integrations/:id/topic", async (c) => {
		const row = await requireIntegration(c.env.DB, c.req.param("id"));
		if (row.type !== "aws_cloudwatch") {
			throw new NotFound("NoTopic", "only aws_cloudwatch integrations have an SNS topic");
		}
		// Both pins go: the one set in advance in the settings and the one learned from SNS.
		const settings = { ...CloudWatchSettings.parse(row.settings), topic_arn: null };
		await updateIntegration(c.env.DB, row.id, { ...row, settings });
		await configureObject(c, { id: row.id, type: row.type, settings });
		await c.env.INTEGRATION.getByName(row.id).unpinTopic();
		return ok(c, await integrationDetail(c.env, { ...row, settings }));
	})
	.all("/integrations/:id/topic", onlyMethods("DELETE"));

admin
	.get("/integrations/:id/routes", async (c) => {
		const row = await requireIntegration(c.env.DB, c.req.param("id"));
		return ok(c, await getRoutes(c.env.DB, row.id));
	})
	.put("/integrations/:id/routes", async (c) => {
		const row = await requireIntegration(c.env.DB, c.req.param("id"));
		if (row.channel_id !== null) {
			throw new Conflict(
				"IntegrationIsPrivate",
				`this integration sends everything to channel ${row.channel_id}; set channel_id to null (PATCH) to route it`,
			);
		}
		const routes = parseOrThrow(Routes, await readJsonBody(c.req.raw));
		const named = routes.rules.flatMap((rule) => rule.channel_ids);
		if (routes.default_channel_id !== null) named.push(routes.default_channel_id);
		const missing = await missingChannels(c.env.DB, named);
		if (missing.length > 0) {
			const where = routes.rules.flatMap((rule, index) =>
				rule.channel_ids.some((id) => missing.includes(id)) ? [`rules[${index}].channel_ids`] : [],
			);
			if (routes.default_channel_id !== null && missing.includes(routes.default_channel_id)) {
				where.push("default_channel_id");
			}
			throw new InvalidParameter(`${where.join(", ")} names no channel: ${missing.join(", ")}`);
		}
		await replaceRoutes(c.env.DB, row.id, routes);
		await rerouteObject(c, row.id);
		return ok(c, routes);
	})
	.all("/integrations/:id/routes", onlyMethods("GET", "PUT"));

admin
	.get("/integrations/:id/alerts", async (c) => {
		const row = await requireIntegration(c.env.DB, c.req.param("id"));
		const query = parseQuery(AlertQuery, c.req.query());
		const page = await c.env.INTEGRATION.getByName(row.id).listAlerts(query);
		return ok(c, {
			alerts: page.alerts,
			next_cursor: page.next_seq === null ? null : encodeCursor([page.next_seq]),
		});
	})
	.all("/integrations/:id/alerts", onlyMethods("GET"));

/** The integration as the API lists it: never the key, nor its hash. */
export type ApiIntegration = ReturnType<typeof integrationToApi>;
export type ApiIntegrationDetail = Awaited<ReturnType<typeof integrationDetail>>;
function integrationToApi(row: IntegrationRow) {
	return {
		id: row.id,
		name: row.name,
		type: row.type,
		channel_id: row.channel_id,
		settings: settingsOf(row.type, row.settings),
		created_at: iso(row.created_at),
		key_rotated_at: isoOrNull(row.key_rotated_at),
		event_count: row.event_count,
		last_event_at: isoOrNull(row.last_event_at),
		unrouted_count: row.unrouted_count,
		rate_limited_count: row.rate_limited_count,
		deduplicated_count: row.deduplicated_count,
		replayed_count: row.replayed_count,
		refused_count: row.refused_count,
	};
}

/** One integration in full: for an SNS integration, its topic and subscription state too. */
/**
 * One integration: the D1 row, and from its object the intake counters (current, where the
 * list's counters follow through the mirror) and, for CloudWatch, the SNS subscription.
 */
async function integrationDetail(env: Env, row: IntegrationRow) {
	const object = env.INTEGRATION.getByName(row.id);
	const view = { ...integrationToApi(row), intake: await object.intake() };
	if (row.type !== "aws_cloudwatch") return view;
	const { topic_arn } = CloudWatchSettings.parse(row.settings);
	return { ...view, sns: await object.snsStatus(topic_arn) };
}

/** The key and the URL that carries it: in the create and rotate responses only. */
function keyFields(requestUrl: string, key: string) {
	return { integration_key: key, push_url: `${new URL(requestUrl).origin}/push/${key}` };
}

export async function requireIntegration(db: D1Database, id: string): Promise<IntegrationRow> {
	const row = await getIntegration(db, id);
	if (row === null) throw integrationNotFound(id);
	return row;
}

/** Each id names a channel, or a 400 naming `field` and the ids that name none. */
export async function requireChannels(db: D1Database, ids: string[], field: string) {
	const missing = await missingChannels(db, ids);
	if (missing.length > 0)
		throw new InvalidParameter(`${field} names no channel: ${missing.join(", ")}`);
}

function integrationNotFound(id: string) {
	return new NotFound("IntegrationNotFound", `no integration has id ${JSON.stringify(id)}`);
}
