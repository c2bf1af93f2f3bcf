import { Hono } from "hono";
import { z } from "zod";
import { AlertStatus, iso } from "../alerts/alert";
import {
	getIntegration,
	type IntegrationRow,
	IntegrationType,
	insertIntegration,
	listIntegrations,
	markIntegrationDeleting,
	removeIntegration,
	replaceKeyHash,
	updateIntegration,
} from "../db/integrations";
import type { AppEnv } from "../http/app-env";
import { readTextLimited } from "../http/body";
import { ok } from "../http/envelope";
import { NotFound, ServiceUnavailable } from "../http/errors";
import { onlyMethods } from "../http/middleware";
import { parseJson, parseOrThrow, requiredAs } from "../http/validation";
import {
	autoResolveAfterMs,
	CloudWatchSettings,
	type IntegrationSettings,
	SETTINGS_SCHEMAS,
} from "../integrations/settings";
import { generateIntegrationKey, sha256Hex } from "../security/secrets";
import { adminAuth } from "./auth";

const MAX_ADMIN_BODY_BYTES = 64 * 1024;
const MAX_ALERTS_PAGE = 100;
const DEFAULT_ALERTS_PAGE = 20;

const Name = z
	.string(requiredAs("a string"))
	.trim()
	.min(1, "must be 1 to 100 characters")
	.max(100, "must be 1 to 100 characters");

const CreateIntegration = z.strictObject(
	{
		name: Name,
		type: z.enum(
			IntegrationType.options,
			requiredAs(`one of ${IntegrationType.options.join(", ")}`),
		),
		/** Checked against the type's own schema (src/integrations/settings.ts) once type is known. */
		settings: z.unknown().optional(),
	},
	{ error: unknownFieldOr("the body must be a JSON object") },
);

const UpdateIntegration = z.strictObject(
	{
		name: Name.optional(),
		settings: z.record(z.string(), z.unknown(), { error: "must be an object" }).optional(),
	},
	{ error: unknownFieldOr("the body must be a JSON object") },
);

const AlertQuery = z.object({
	status: z.enum(AlertStatus.options, { error: "must be firing or resolved" }).optional(),
	limit: z.coerce
		.number({ error: `must be a whole number from 1 to ${MAX_ALERTS_PAGE}` })
		.int(`must be a whole number from 1 to ${MAX_ALERTS_PAGE}`)
		.min(1, `must be a whole number from 1 to ${MAX_ALERTS_PAGE}`)
		.max(MAX_ALERTS_PAGE, `must be a whole number from 1 to ${MAX_ALERTS_PAGE}`)
		.default(DEFAULT_ALERTS_PAGE),
	cursor: z
		.string()
		.regex(/^\d{1,15}$/, "must be a next_cursor from a previous page")
		.transform(Number)
		.optional(),
});

const NEW_STATS = { key_rotated_at: null, deleted_at: null, event_count: 0, last_event_at: null };

export const admin = new Hono<AppEnv>();
admin.use(adminAuth);

admin
	.post("/integrations", async (c) => {
		const body = parseOrThrow(CreateIntegration, await readJsonBody(c.req.raw));
		const settings = parseOrThrow(SETTINGS_SCHEMAS[body.type], body.settings ?? {}, "settings");
		const key = generateIntegrationKey();
		const row = {
			id: crypto.randomUUID(),
			name: body.name,
			type: body.type,
			created_at: Date.now(),
			settings,
		};
		await insertIntegration(c.env.DB, { ...row, key_hash: await sha256Hex(key) });
		const view = await integrationDetail(c.env, { ...row, ...NEW_STATS });
		return ok(c, { ...view, ...keyFields(c.req.url, key) }, 201);
	})
	.get("/integrations", async (c) => {
		const rows = await listIntegrations(c.env.DB);
		return ok(c, { integrations: rows.map(integrationToApi) });
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
			SETTINGS_SCHEMAS[row.type],
			{ ...settingsOf(row), ...change.settings },
			"settings",
		);
		const name = change.name ?? row.name;
		if (!(await updateIntegration(c.env.DB, row.id, { name, settings }))) {
			throw integrationNotFound(row.id);
		}
		// Alerts already firing follow a new timeout now, not at the next event.
		await c.env.INTEGRATION.getByName(row.id).configure({
			autoResolveAfterMs: autoResolveAfterMs(settings),
		});
		return ok(c, await integrationDetail(c.env, { ...row, name, settings }));
	})
	.delete("/integrations/:id", async (c) => {
		const id = c.req.param("id");
		// A delete that failed half-way left the row marked; repeating the DELETE finishes it.
		const row = await getIntegration(c.env.DB, id, { includeDeleting: true });
		if (row === null) throw integrationNotFound(id);
		await markIntegrationDeleting(c.env.DB, id, Date.now());
		try {
			await c.env.INTEGRATION.getByName(id).destroy();
		} catch {
			throw new ServiceUnavailable(
				"DeleteIncomplete",
				"the push URL is disabled but the integration's alerts were not wiped yet: repeat the DELETE",
			);
		}
		await removeIntegration(c.env.DB, id);
		return ok(c, { id, deleted: true });
	})
	.all("/integrations/:id", onlyMethods("GET", "PATCH", "DELETE"));

admin
	.post("/integrations/:id/rotate-key", async (c) => {
		const row = await requireIntegration(c.env.DB, c.req.param("id"));
		const key = generateIntegrationKey();
		const rotatedAt = Date.now();
		if (!(await replaceKeyHash(c.env.DB, row.id, await sha256Hex(key), rotatedAt))) {
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
		await updateIntegration(c.env.DB, row.id, { name: row.name, settings });
		await c.env.INTEGRATION.getByName(row.id).unpinTopic();
		return ok(c, await integrationDetail(c.env, { ...row, settings }));
	})
	.all("/integrations/:id/topic", onlyMethods("DELETE"));

admin
	.get("/integrations/:id/alerts", async (c) => {
		const row = await requireIntegration(c.env.DB, c.req.param("id"));
		const query = parseOrThrow(AlertQuery, c.req.query());
		return ok(c, await c.env.INTEGRATION.getByName(row.id).listAlerts(query));
	})
	.all("/integrations/:id/alerts", onlyMethods("GET"));

/** The stored settings with every default filled in. */
function settingsOf(row: Pick<IntegrationRow, "type" | "settings">): IntegrationSettings {
	return SETTINGS_SCHEMAS[row.type].parse(row.settings);
}

/** The integration as the API lists it: never the key, nor its hash. */
function integrationToApi(row: IntegrationRow) {
	return {
		id: row.id,
		name: row.name,
		type: row.type,
		settings: settingsOf(row),
		created_at: iso(row.created_at),
		key_rotated_at: row.key_rotated_at === null ? null : iso(row.key_rotated_at),
		event_count: row.event_count,
		last_event_at: row.last_event_at === null ? null : iso(row.last_event_at),
	};
}

/** One integration in full: for an SNS integration, its topic and subscription state too. */
async function integrationDetail(env: Env, row: IntegrationRow) {
	const view = integrationToApi(row);
	if (row.type !== "aws_cloudwatch") return view;
	const { topic_arn } = CloudWatchSettings.parse(row.settings);
	return { ...view, sns: await env.INTEGRATION.getByName(row.id).snsStatus(topic_arn) };
}

/** The key and the URL that carries it: in the create and rotate responses only. */
function keyFields(requestUrl: string, key: string) {
	return { integration_key: key, push_url: `${new URL(requestUrl).origin}/push/${key}` };
}

async function requireIntegration(db: D1Database, id: string): Promise<IntegrationRow> {
	const row = await getIntegration(db, id);
	if (row === null) throw integrationNotFound(id);
	return row;
}

function integrationNotFound(id: string) {
	return new NotFound("IntegrationNotFound", `no integration has id ${JSON.stringify(id)}`);
}

async function readJsonBody(request: Request): Promise<unknown> {
	return parseJson(await readTextLimited(request, MAX_ADMIN_BODY_BYTES));
}

function unknownFieldOr(fallback: string) {
	return (issue: { code?: string; keys?: string[] }) =>
		issue.code === "unrecognized_keys" && issue.keys !== undefined
			? `unknown field ${issue.keys.join(", ")}`
			: fallback;
}
