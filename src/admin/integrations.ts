import * as z from "zod/mini";
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
import { endpoint } from "../http/endpoint";
import { Conflict, InvalidParameter, NotFound, ServiceUnavailable } from "../http/errors";
import { parseOrThrow } from "../http/validation";
import { Deleted, Page } from "../http/views";
import { NO_COUNTS } from "../integrations/counters";
import { IntegrationType } from "../integrations/type";
import { DOCS } from "../schema/docs";
import { requiredAs, unknownFieldOr } from "../schema/messages";
import {
	generateEmailKey,
	generateIntegrationKey,
	generateRoutingKey,
	sha256Hex,
} from "../security/secrets";
import { CloudWatchSettings } from "../sources/cloudwatch/settings";
import { SOURCES, settingsOf, settingsProblem } from "../sources/registry";
import { channelLimit } from "./channel-limit";
import { ADMIN, CreatedPageQuery, Name, newestFirst, READ } from "./fields";
import {
	IntegrationListItem,
	IntegrationView,
	IntegrationWithKey,
	integrationDetail,
	integrationToApi,
	keyFields,
} from "./integration-views";
import { integrationNotFound } from "./not-found";
import { configureObject, provisionObject } from "./objects";

export const CreateIntegration = z.strictObject(
	{
		name: Name,
		type: z.enum(
			IntegrationType.options,
			requiredAs(`one of ${IntegrationType.options.join(", ")}`),
		),
		/** Checked against the type's own settings schema (`SOURCES`) once the type is known. */
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

const NEW_STATS = { key_rotated_at: null, deleted_at: null, ...NO_COUNTS, config_version: 0 };

const ONE = {
	status: 200,
	data: DOCS && IntegrationView,
	description: DOCS && "The integration.",
} as const;
/** The refusal of every endpoint under `/integrations/{id}`. */
export const NO_INTEGRATION = { 404: DOCS && "No integration has this id" };

export const integrationEndpoints = [
	endpoint({
		method: "post",
		path: "/api/v1/integrations",
		...ADMIN,
		scope: "unscoped",
		audit: "integration.create",
		summary: DOCS && "Create an integration; its key is in this answer only",
		body: {
			schema: CreateIntegration,
			example: DOCS && { name: "nightly backups", type: "standard" },
		},
		answer: {
			status: 201,
			data: DOCS && IntegrationWithKey,
			description: DOCS && "The integration, its key and its push URL (shown once).",
		},
		refusals: { 409: DOCS && "The deployment holds the most integrations it can (1,000)" },
		handler: async (c, input) => {
			const body = await input.body();
			const settings = parseOrThrow(SOURCES[body.type].settings, body.settings ?? {}, "settings");
			await refuseSettingsProblem(body.type, settings);
			await requireChannels(
				c.env.DB,
				body.channel_id === null ? [] : [body.channel_id],
				"channel_id",
			);
			const id = crypto.randomUUID();
			const key = newKey(body.type, id);
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
			return { ...view, ...keyFields(c.req.url, key, row.type, c.env) };
		},
	}),
	endpoint({
		method: "get",
		path: "/api/v1/integrations",
		...READ,
		scope: "list",
		summary: DOCS && "List integrations, newest first",
		query: CreatedPageQuery,
		answer: {
			status: 200,
			data: DOCS && Page("integrations", IntegrationListItem),
			description: DOCS && "A page of integrations; never a key.",
		},
		handler: async (c, { query }) => {
			const { page, next_cursor } = await newestFirst(query, (range) =>
				listIntegrations(c.env.DB, range, channelLimit(c)),
			);
			return { integrations: page.map(integrationToApi), next_cursor };
		},
	}),
	endpoint({
		method: "get",
		path: "/api/v1/integrations/{id}",
		...READ,
		scope: "integration",
		summary: DOCS && "One integration, with its intake counters",
		answer: ONE,
		refusals: NO_INTEGRATION,
		handler: async (c, { params }) =>
			integrationDetail(c.env, await requireIntegration(c.env.DB, params.id)),
	}),
	endpoint({
		method: "patch",
		path: "/api/v1/integrations/{id}",
		...ADMIN,
		scope: "unscoped",
		audit: "integration.update",
		summary: DOCS && "Change the name, settings or private channel",
		body: {
			schema: UpdateIntegration,
			example: DOCS && { settings: { auto_resolve_after: "30m" } },
		},
		answer: { ...ONE, description: DOCS && "The changed integration." },
		refusals: NO_INTEGRATION,
		handler: async (c, { params, body }) => {
			const row = await requireIntegration(c.env.DB, params.id);
			const change = await body();
			// Settings the body does not name keep their values; the result is validated whole.
			const settings = parseOrThrow(
				SOURCES[row.type].settings,
				{ ...settingsOf(row.type, row.settings), ...change.settings },
				"settings",
			);
			await refuseSettingsProblem(row.type, settings);
			const name = change.name ?? row.name;
			const channel_id = change.channel_id === undefined ? row.channel_id : change.channel_id;
			await requireChannels(c.env.DB, channel_id === null ? [] : [channel_id], "channel_id");
			if (!(await updateIntegration(c.env.DB, row.id, { name, settings, channel_id }))) {
				throw integrationNotFound(row.id);
			}
			await configureObject(c, { id: row.id, type: row.type, settings });
			return integrationDetail(c.env, { ...row, name, settings, channel_id });
		},
	}),
	endpoint({
		method: "delete",
		path: "/api/v1/integrations/{id}",
		...ADMIN,
		scope: "integration",
		audit: "integration.delete",
		summary: DOCS && "Delete an integration: its key stops at once, its alerts and incidents go",
		answer: { status: 200, data: DOCS && Deleted, description: DOCS && "Deleted." },
		refusals: NO_INTEGRATION,
		handler: async (c, { params: { id } }) => {
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
			return { id, deleted: true as const };
		},
	}),
	endpoint({
		method: "post",
		path: "/api/v1/integrations/{id}/rotate-key",
		...ADMIN,
		scope: "integration",
		audit: "integration.rotate_key",
		summary: DOCS && "Issue a new key; the old one stops at once",
		answer: {
			status: 200,
			data: DOCS && IntegrationWithKey,
			description: DOCS && "The integration with its new key (shown once).",
		},
		refusals: NO_INTEGRATION,
		handler: async (c, { params }) => {
			const row = await requireIntegration(c.env.DB, params.id);
			const key = newKey(row.type, row.id);
			const keyHash = await sha256Hex(key);
			const rotatedAt = Date.now();
			// The object first: the old key stops working the moment it holds the new hash.
			await provisionObject(c, row, keyHash);
			if (!(await replaceKeyHash(c.env.DB, row.id, keyHash, rotatedAt))) {
				throw integrationNotFound(row.id);
			}
			const view = await integrationDetail(c.env, { ...row, key_rotated_at: rotatedAt });
			return { ...view, ...keyFields(c.req.url, key, row.type, c.env) };
		},
	}),
	endpoint({
		method: "delete",
		path: "/api/v1/integrations/{id}/topic",
		...ADMIN,
		scope: "integration",
		audit: "integration.unpin_topic",
		summary: DOCS && "Unpin an aws_cloudwatch integration's SNS topic",
		answer: ONE,
		refusals: { ...NO_INTEGRATION, 409: DOCS && "Not an aws_cloudwatch integration" },
		handler: async (c, { params }) => {
			const row = await requireIntegration(c.env.DB, params.id);
			if (row.type !== "aws_cloudwatch") {
				throw new NotFound("NoTopic", "only aws_cloudwatch integrations have an SNS topic");
			}
			// Both pins go: the one set in advance in the settings and the one learned from SNS.
			const settings = { ...CloudWatchSettings.parse(row.settings), topic_arn: null };
			await updateIntegration(c.env.DB, row.id, { ...row, settings });
			await configureObject(c, { id: row.id, type: row.type, settings });
			await c.env.INTEGRATION.getByName(row.id).unpinTopic();
			return integrationDetail(c.env, { ...row, settings });
		},
	}),
];

/**
 * A new key for an integration of `type`, on create and rotate. `pagerduty` integrations get a
 * 32-character routing key, the length PagerDuty documents and some senders check, found by its
 * hash in D1 once per isolate; `email` integrations a lowercase key that is an address's local
 * part; the others an addressed key (`agk_` and 65). Both name their integration so that a push
 * or a mail needs no D1 at all ([Security](../../docs/security.md)).
 */
function newKey(type: IntegrationType, id: string): string {
	if (type === "pagerduty") return generateRoutingKey();
	return type === "email" ? generateEmailKey(id) : generateIntegrationKey(id);
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

/** 400 for settings the type's schema took but its source refuses (a webhook's mapping that does not parse). */
async function refuseSettingsProblem(type: IntegrationType, settings: unknown): Promise<void> {
	const problem = await settingsProblem(type, settings);
	if (problem !== null) throw new InvalidParameter(problem);
}
