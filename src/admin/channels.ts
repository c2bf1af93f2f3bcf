import { Hono } from "hono";
import * as z from "zod/mini";
import { iso } from "../alerts/alert";
import {
	type ChannelRow,
	channelReferences,
	deleteChannel,
	getChannel,
	insertChannel,
	listChannels,
	MAX_CHANNELS,
	updateChannel,
} from "../db/channels";
import type { AppEnv } from "../http/app-env";
import { pageOf } from "../http/cursor";
import { ok } from "../http/envelope";
import { Conflict, NotFound } from "../http/errors";
import { onlyMethods } from "../http/middleware";
import { parseOrThrow, parseQuery } from "../http/validation";
import { durationWithin } from "../schema/duration";
import { unknownFieldOr } from "../schema/messages";
import { readJsonBody } from "./body";
import { CreatedPageQuery, Description, LabelNames, Name } from "./fields";
import { rerouteChannel } from "./objects";

const Grouping = {
	/** Label names whose values must match for an alert to join an open incident. */
	group_by: LabelNames(10),
	/** Alerts join an incident opened less than this long ago; null: while it is open. */
	group_window: z.nullable(
		durationWithin(
			60_000,
			30 * 86_400_000,
			"must be a duration from 1m to 30d written with a unit (30m, 4h, 1d), or null",
		),
	),
};

export const CreateChannel = z.strictObject(
	{
		name: Name,
		description: z._default(Description, ""),
		group_by: z._default(Grouping.group_by, []),
		group_window: z._default(Grouping.group_window, null),
	},
	{ error: unknownFieldOr("must be a JSON object") },
);

export const UpdateChannel = z.strictObject(
	{
		name: z.optional(Name),
		description: z.optional(Description),
		group_by: z.optional(Grouping.group_by),
		group_window: z.optional(Grouping.group_window),
	},
	{ error: unknownFieldOr("must be a JSON object") },
);

export const channels = new Hono<AppEnv>();

channels
	.post("/channels", async (c) => {
		const body = parseOrThrow(CreateChannel, await readJsonBody(c.req.raw));
		const now = Date.now();
		const channel: ChannelRow = {
			id: crypto.randomUUID(),
			...body,
			created_at: now,
			updated_at: now,
		};
		if (!(await insertChannel(c.env.DB, channel))) {
			throw new Conflict(
				"ChannelLimitReached",
				`this deployment already has ${MAX_CHANNELS} channels, the most it holds: delete unused ones first`,
			);
		}
		return ok(c, channelToApi(channel), 201);
	})
	.get("/channels", async (c) => {
		const query = parseQuery(CreatedPageQuery, c.req.query());
		const rows = await listChannels(c.env.DB, { limit: query.limit + 1, after: query.cursor });
		const { page, next_cursor } = pageOf(rows, query.limit, (last) => [last.created_at, last.id]);
		return ok(c, { channels: page.map(channelToApi), next_cursor });
	})
	.all("/channels", onlyMethods("GET", "POST"));

channels
	.get("/channels/:id", async (c) => {
		return ok(c, channelToApi(await requireChannel(c.env.DB, c.req.param("id"))));
	})
	.patch("/channels/:id", async (c) => {
		const channel = await requireChannel(c.env.DB, c.req.param("id"));
		const change = parseOrThrow(UpdateChannel, await readJsonBody(c.req.raw));
		const updated: ChannelRow = { ...channel, ...definedOnly(change), updated_at: Date.now() };
		await updateChannel(c.env.DB, updated);
		await rerouteChannel(c, updated.id);
		return ok(c, channelToApi(updated));
	})
	.delete("/channels/:id", async (c) => {
		const channel = await requireChannel(c.env.DB, c.req.param("id"));
		if (!(await deleteChannel(c.env.DB, channel.id))) {
			const refs = await channelReferences(c.env.DB, channel.id);
			throw new Conflict(
				"ChannelInUse",
				`channel ${channel.id} is still in use: private to integrations [${refs.private_integrations.join(", ")}], routed to by integrations [${refs.routing_integrations.join(", ")}]; move or re-route them first`,
			);
		}
		return ok(c, { id: channel.id, deleted: true });
	})
	.all("/channels/:id", onlyMethods("GET", "PATCH", "DELETE"));

export type ApiChannel = ReturnType<typeof channelToApi>;
function channelToApi(channel: ChannelRow) {
	return { ...channel, created_at: iso(channel.created_at), updated_at: iso(channel.updated_at) };
}

export async function requireChannel(db: D1Database, id: string): Promise<ChannelRow> {
	const channel = await getChannel(db, id);
	if (channel === null)
		throw new NotFound("ChannelNotFound", `no channel has id ${JSON.stringify(id)}`);
	return channel;
}

export function definedOnly<T extends Record<string, unknown>>(value: T): Partial<T> {
	return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
