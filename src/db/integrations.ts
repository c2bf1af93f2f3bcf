import * as z from "zod/mini";
import type { IntakeCounts } from "../integrations/counters";
import { Settings } from "../integrations/settings";
import { IntegrationType } from "../integrations/type";
import { jsonText } from "../schema/json";
import { bumpConfigVersion } from "./config-version";

const StoredSettings = jsonText(Settings);

/** A row of the `integrations` table, as D1 returns it. */
export const IntegrationRow = z.object({
	id: z.string(),
	name: z.string(),
	type: IntegrationType,
	created_at: z.number(),
	key_rotated_at: z.nullable(z.number()),
	deleted_at: z.nullable(z.number()),
	event_count: z.number(),
	last_event_at: z.nullable(z.number()),
	/** Stored JSON; each type's settings schema (`SOURCES`) gives it meaning. */
	settings: StoredSettings,
	/** Set: private to this channel. Null: shared, routed by its routes. */
	channel_id: z.nullable(z.string()),
	unrouted_count: z.number(),
	dropped_count: z.number(),
	rate_limited_count: z.number(),
	deduplicated_count: z.number(),
	replayed_count: z.number(),
	/** Refusals by code, as JSON. */
	refused_count: jsonText(z.record(z.string(), z.number())),
	/** The routing config version when this row was read: a push from D1 checks it is current. */
	config_version: z.number(),
});
export type IntegrationRow = z.infer<typeof IntegrationRow>;

const COLUMNS = `id, name, type, created_at, key_rotated_at, deleted_at, event_count, last_event_at,
	settings, channel_id, unrouted_count, dropped_count, rate_limited_count, deduplicated_count, replayed_count,
	refused_count, (SELECT version FROM config_version WHERE id = 1) AS config_version`;

function parseRow(row: unknown): IntegrationRow | null {
	return row === null ? null : IntegrationRow.parse(row);
}

/** The most integrations one deployment holds: a leaked admin token cannot grow D1 without bound. */
export const MAX_INTEGRATIONS = 1_000;

/** Inserts the row unless MAX_INTEGRATIONS are there already (checked in the same statement). */
export async function insertIntegration(
	db: D1Database,
	row: Pick<IntegrationRow, "id" | "name" | "type" | "created_at" | "settings" | "channel_id"> & {
		key_hash: string;
	},
): Promise<boolean> {
	const result = await db
		.prepare(
			`INSERT INTO integrations (id, name, type, key_hash, created_at, settings, channel_id)
			 SELECT ?, ?, ?, ?, ?, ?, ? WHERE (SELECT count(*) FROM integrations) < ?`,
		)
		.bind(
			row.id,
			row.name,
			row.type,
			row.key_hash,
			row.created_at,
			JSON.stringify(row.settings),
			row.channel_id,
			MAX_INTEGRATIONS,
		)
		.run();
	return result.meta.changes > 0;
}

export async function updateIntegration(
	db: D1Database,
	id: string,
	change: { name: string; settings: Settings; channel_id: string | null },
): Promise<boolean> {
	const [result] = await db.batch([
		db
			.prepare(
				"UPDATE integrations SET name = ?, settings = ?, channel_id = ? WHERE id = ? AND deleted_at IS NULL",
			)
			.bind(change.name, JSON.stringify(change.settings), change.channel_id, id),
		// A changed channel changes routing: the integration's Durable Object reloads it.
		bumpConfigVersion(db),
	]);
	return (result?.meta.changes ?? 0) > 0;
}

/** A key of the format before 0.2.0 (no id in it): an indexed point lookup on its hash. */
export async function findIntegrationByKeyHash(
	db: D1Database,
	keyHash: string,
): Promise<IntegrationRow | null> {
	const row = await db
		.prepare(`SELECT ${COLUMNS} FROM integrations WHERE key_hash = ? AND deleted_at IS NULL`)
		.bind(keyHash)
		.first();
	return parseRow(row);
}

/**
 * The integration a routing key (32 characters, no id in it) belongs to: an indexed point lookup
 * on its hash, of the id alone (the integration's object holds the rest).
 */
export async function findIntegrationIdByKeyHash(
	db: D1Database,
	keyHash: string,
): Promise<string | null> {
	const row = await db
		.prepare("SELECT id FROM integrations WHERE key_hash = ? AND deleted_at IS NULL")
		.bind(keyHash)
		.first();
	return row === null ? null : z.object({ id: z.string() }).parse(row).id;
}

/** Finds an integration by id; one whose delete is under way is included only when asked. */
export async function getIntegration(
	db: D1Database,
	id: string,
	{ includeDeleting = false } = {},
): Promise<IntegrationRow | null> {
	const row = await db
		.prepare(
			`SELECT ${COLUMNS} FROM integrations WHERE id = ?${includeDeleting ? "" : " AND deleted_at IS NULL"}`,
		)
		.bind(id)
		.first();
	return parseRow(row);
}

/** Newest first, after `after` (the last row of the previous page), at most `limit`. */
export async function listIntegrations(
	db: D1Database,
	page: { limit: number; after?: { created_at: number; id: string } | undefined },
	/** Only those private to these channels (a token's limit); null: all. */
	channels: readonly string[] | null = null,
): Promise<IntegrationRow[]> {
	const { results } = await db
		.prepare(
			`SELECT ${COLUMNS} FROM integrations WHERE deleted_at IS NULL
			 AND (?1 IS NULL OR created_at < ?1 OR (created_at = ?1 AND id < ?2))
			 AND (?4 IS NULL OR channel_id IN (SELECT value FROM json_each(?4)))
			 ORDER BY created_at DESC, id DESC LIMIT ?3`,
		)
		.bind(
			page.after?.created_at ?? null,
			page.after?.id ?? null,
			page.limit,
			channels === null ? null : JSON.stringify(channels),
		)
		.all();
	return results.map((row) => IntegrationRow.parse(row));
}

/** Replaces the key hash; the old key stops matching with this write. */
export async function replaceKeyHash(
	db: D1Database,
	id: string,
	keyHash: string,
	now: number,
): Promise<boolean> {
	const result = await db
		.prepare(
			"UPDATE integrations SET key_hash = ?, key_rotated_at = ? WHERE id = ? AND deleted_at IS NULL",
		)
		.bind(keyHash, now, id)
		.run();
	return result.meta.changes > 0;
}

export function removeIntegrationStatement(db: D1Database, id: string): D1PreparedStatement {
	return db.prepare("DELETE FROM integrations WHERE id = ?").bind(id);
}

/** Absolute values, so a repeated or late mirror write is harmless. */
export function mirrorIntegrationStats(
	db: D1Database,
	id: string,
	stats: IntakeCounts,
): D1PreparedStatement {
	return db
		.prepare(
			`UPDATE integrations SET event_count = max(event_count, ?), last_event_at = ?,
				unrouted_count = max(unrouted_count, ?), dropped_count = max(dropped_count, ?),
				rate_limited_count = max(rate_limited_count, ?),
				deduplicated_count = max(deduplicated_count, ?), replayed_count = max(replayed_count, ?),
				refused_count = ?
			 WHERE id = ?`,
		)
		.bind(
			stats.event_count,
			stats.last_event_at,
			stats.unrouted_count,
			stats.dropped_count,
			stats.rate_limited_count,
			stats.deduplicated_count,
			stats.replayed_count,
			JSON.stringify(stats.refused_count),
			id,
		);
}

/** Every integration's id (not deleted), for a change that applies to all of them. */
export async function allIntegrationIds(db: D1Database): Promise<string[]> {
	const { results } = await db
		.prepare("SELECT id FROM integrations WHERE deleted_at IS NULL")
		.all<{ id: string }>();
	return results.map((row) => row.id);
}

/** The ids among `ids` that name no integration (deleted ones included). */
export async function missingIntegrations(db: D1Database, ids: readonly string[]) {
	const unique = [...new Set(ids)];
	if (unique.length === 0) return [];
	const { results } = await db
		.prepare(
			"SELECT value AS id FROM json_each(?) WHERE value NOT IN (SELECT id FROM integrations WHERE deleted_at IS NULL)",
		)
		.bind(JSON.stringify(unique))
		.all<{ id: string }>();
	return results.map((row) => row.id);
}
