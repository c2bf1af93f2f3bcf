import * as z from "zod/mini";
import { Iso, iso } from "../alerts/alert";
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
import { endpoint } from "../http/endpoint";
import { Conflict } from "../http/errors";
import { Deleted, Page } from "../http/views";
import { DOCS } from "../schema/docs";
import { durationWithin } from "../schema/duration";
import { unknownFieldOr } from "../schema/messages";
import { channelLimit } from "./channel-limit";
import {
	ADMIN,
	CreatedPageQuery,
	Description,
	LabelNames,
	Name,
	newestFirst,
	READ,
} from "./fields";
import { channelNotFound } from "./not-found";
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

export const ChannelView =
	DOCS &&
	z.object({
		id: z.string(),
		name: z.string(),
		description: z.string(),
		group_by: z.array(z.string()),
		group_window: z.nullable(z.string()),
		created_at: Iso,
		updated_at: Iso,
	});
type ChannelView = z.output<typeof ChannelView>;

function channelToApi(channel: ChannelRow): ChannelView {
	return { ...channel, created_at: iso(channel.created_at), updated_at: iso(channel.updated_at) };
}

const ONE_CHANNEL = {
	status: 200,
	data: DOCS && ChannelView,
	description: DOCS && "The channel.",
} as const;
const NO_CHANNEL = { 404: DOCS && "No channel has this id" };

export const channelEndpoints = [
	endpoint({
		method: "post",
		path: "/api/v1/channels",
		...ADMIN,
		scope: "unscoped",
		audit: "channel.create",
		summary: DOCS && "Create a channel",
		body: {
			schema: CreateChannel,
			example: DOCS && { name: "databases", group_by: ["service"], group_window: "30m" },
		},
		answer: { ...ONE_CHANNEL, status: 201 },
		refusals: { 409: DOCS && "The deployment holds the most channels it can (1,000)" },
		handler: async (c, { body }) => {
			const now = Date.now();
			const channel: ChannelRow = {
				id: crypto.randomUUID(),
				...(await body()),
				created_at: now,
				updated_at: now,
			};
			if (!(await insertChannel(c.env.DB, channel))) {
				throw new Conflict(
					"ChannelLimitReached",
					`this deployment already has ${MAX_CHANNELS} channels, the most it holds: delete unused ones first`,
				);
			}
			return channelToApi(channel);
		},
	}),
	endpoint({
		method: "get",
		path: "/api/v1/channels",
		...READ,
		scope: "list",
		summary: DOCS && "List channels, newest first",
		query: CreatedPageQuery,
		answer: {
			status: 200,
			data: DOCS && Page("channels", ChannelView),
			description: DOCS && "A page of channels.",
		},
		handler: async (c, { query }) => {
			const { page, next_cursor } = await newestFirst(query, (range) =>
				listChannels(c.env.DB, range, channelLimit(c)),
			);
			return { channels: page.map(channelToApi), next_cursor };
		},
	}),
	endpoint({
		method: "get",
		path: "/api/v1/channels/{id}",
		...READ,
		scope: "channel",
		summary: DOCS && "One channel",
		answer: ONE_CHANNEL,
		refusals: NO_CHANNEL,
		handler: async (c, { params }) => channelToApi(await requireChannel(c.env.DB, params.id)),
	}),
	endpoint({
		method: "patch",
		path: "/api/v1/channels/{id}",
		...ADMIN,
		scope: "channel",
		audit: "channel.update",
		summary: DOCS && "Change a channel's name, description or grouping",
		body: { schema: UpdateChannel, example: DOCS && { group_window: null } },
		answer: { ...ONE_CHANNEL, description: DOCS && "The changed channel." },
		refusals: NO_CHANNEL,
		handler: async (c, { params, body }) => {
			const channel = await requireChannel(c.env.DB, params.id);
			const change = await body();
			const updated: ChannelRow = { ...channel, ...definedOnly(change), updated_at: Date.now() };
			await updateChannel(c.env.DB, updated);
			await rerouteChannel(c, updated.id);
			return channelToApi(updated);
		},
	}),
	endpoint({
		method: "delete",
		path: "/api/v1/channels/{id}",
		...ADMIN,
		scope: "unscoped",
		audit: "channel.delete",
		summary: DOCS && "Delete a channel nothing points to",
		answer: { status: 200, data: DOCS && Deleted, description: DOCS && "Deleted." },
		refusals: {
			...NO_CHANNEL,
			409: DOCS && "Integrations or routes still point to it (the message names them)",
		},
		handler: async (c, { params }) => {
			const channel = await requireChannel(c.env.DB, params.id);
			if (!(await deleteChannel(c.env.DB, channel.id))) {
				const refs = await channelReferences(c.env.DB, channel.id);
				throw new Conflict(
					"ChannelInUse",
					`channel ${channel.id} is still in use: private to integrations [${refs.private_integrations.join(", ")}], routed to by integrations [${refs.routing_integrations.join(", ")}]; move or re-route them first`,
				);
			}
			return { id: channel.id, deleted: true as const };
		},
	}),
];

export async function requireChannel(db: D1Database, id: string): Promise<ChannelRow> {
	const channel = await getChannel(db, id);
	if (channel === null) throw channelNotFound(id);
	return channel;
}

/** A field's value when it was sent: not undefined, null kept (TypeScript's own `NonNullable` is `V & {}`). */
// biome-ignore lint/complexity/noBannedTypes: `{}` is how TypeScript writes "not null or undefined"
type Sent<V> = V & ({} | null);

/** A PATCH body's fields that were sent: a field left out keeps its value. */
export function definedOnly<T extends object>(value: T): { [K in keyof T]?: Sent<T[K]> } {
	const out: { [K in keyof T]?: Sent<T[K]> } = {};
	for (const key in value) {
		const field = value[key];
		if (field !== undefined) out[key] = field;
	}
	return out;
}
