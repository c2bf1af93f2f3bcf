import * as z from "zod/mini";
import { jsonText } from "../schema/json";
import { bumpConfigVersion } from "./config-version";

export const ChannelRow = z.object({
	id: z.string(),
	name: z.string(),
	description: z.string(),
	group_by: jsonText(z.array(z.string())),
	group_window: z.nullable(z.string()),
	created_at: z.number(),
	updated_at: z.number(),
});
export type ChannelRow = z.infer<typeof ChannelRow>;

/** The most channels one deployment holds. */
export const MAX_CHANNELS = 1_000;

/** Inserts the channel unless MAX_CHANNELS are there already (checked in the same statement). */
export async function insertChannel(db: D1Database, channel: ChannelRow): Promise<boolean> {
	const [inserted] = await db.batch([
		db
			.prepare(
				`INSERT INTO channels (id, name, description, group_by, group_window, created_at, updated_at)
				 SELECT ?, ?, ?, ?, ?, ?, ? WHERE (SELECT count(*) FROM channels) < ?`,
			)
			.bind(
				channel.id,
				channel.name,
				channel.description,
				JSON.stringify(channel.group_by),
				channel.group_window,
				channel.created_at,
				channel.updated_at,
				MAX_CHANNELS,
			),
		bumpConfigVersion(db),
	]);
	return (inserted?.meta.changes ?? 0) > 0;
}

export async function getChannel(db: D1Database, id: string): Promise<ChannelRow | null> {
	const row = await db.prepare("SELECT * FROM channels WHERE id = ?").bind(id).first();
	return row === null ? null : ChannelRow.parse(row);
}

/** Newest first, after `after` (the last row of the previous page), at most `limit`. */
export async function listChannels(
	db: D1Database,
	page: { limit: number; after?: { created_at: number; id: string } | undefined },
	/** Only these channels (a token's limit); null: all. */
	only: readonly string[] | null = null,
): Promise<ChannelRow[]> {
	const { results } = await db
		.prepare(
			`SELECT * FROM channels
			 WHERE (?1 IS NULL OR created_at < ?1 OR (created_at = ?1 AND id < ?2))
			 AND (?4 IS NULL OR id IN (SELECT value FROM json_each(?4)))
			 ORDER BY created_at DESC, id DESC LIMIT ?3`,
		)
		.bind(
			page.after?.created_at ?? null,
			page.after?.id ?? null,
			page.limit,
			only === null ? null : JSON.stringify(only),
		)
		.all();
	return results.map((row) => ChannelRow.parse(row));
}

/** The ids among `ids` that name no channel. */
export async function missingChannels(db: D1Database, ids: readonly string[]): Promise<string[]> {
	const unique = [...new Set(ids)];
	if (unique.length === 0) return [];
	const { results } = await db
		.prepare("SELECT value AS id FROM json_each(?) WHERE value NOT IN (SELECT id FROM channels)")
		.bind(JSON.stringify(unique))
		.all<{ id: string }>();
	return results.map((row) => row.id);
}

export async function updateChannel(db: D1Database, channel: ChannelRow): Promise<void> {
	await db.batch([
		db
			.prepare(
				"UPDATE channels SET name = ?, description = ?, group_by = ?, group_window = ?, updated_at = ? WHERE id = ?",
			)
			.bind(
				channel.name,
				channel.description,
				JSON.stringify(channel.group_by),
				channel.group_window,
				channel.updated_at,
				channel.id,
			),
		bumpConfigVersion(db),
	]);
}

/** What still points to a channel: integrations private to it, and routes or defaults naming it. */
export async function channelReferences(db: D1Database, id: string) {
	const [privately, routed] = await db.batch<{ id: string }>([
		db.prepare("SELECT id FROM integrations WHERE channel_id = ? AND deleted_at IS NULL").bind(id),
		db
			.prepare(
				`SELECT id FROM integrations WHERE default_channel_id = ?1 AND deleted_at IS NULL
				 UNION SELECT DISTINCT r.integration_id FROM routes r, json_each(r.channel_ids) j WHERE j.value = ?1`,
			)
			.bind(id),
	]);
	return {
		private_integrations: (privately?.results ?? []).map((row) => row.id),
		routing_integrations: (routed?.results ?? []).map((row) => row.id),
	};
}

/** Deletes the channel only if nothing points to it (checked again inside the statement). */
export async function deleteChannel(db: D1Database, id: string): Promise<boolean> {
	const [deleted] = await db.batch([
		db
			.prepare(
				`DELETE FROM channels WHERE id = ?1
				 AND NOT EXISTS (SELECT 1 FROM integrations WHERE (channel_id = ?1 OR default_channel_id = ?1) AND deleted_at IS NULL)
				 AND NOT EXISTS (SELECT 1 FROM routes r, json_each(r.channel_ids) j WHERE j.value = ?1)`,
			)
			.bind(id),
		// Its targets go with it (nothing routes to it any more, so nothing sends to them).
		db
			.prepare(
				"DELETE FROM notification_targets WHERE channel_id = ?1 AND NOT EXISTS (SELECT 1 FROM channels WHERE id = ?1)",
			)
			.bind(id),
		bumpConfigVersion(db),
	]);
	return (deleted?.meta.changes ?? 0) > 0;
}
