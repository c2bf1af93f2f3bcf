import * as z from "zod/mini";
import { MAX_TARGETS_PER_CHANNEL, Target } from "../notify/target";
import { jsonText } from "../schema/json";
import { bumpConfigVersion } from "./config-version";

/**
 * Notification targets in D1. Every change bumps the config version: targets
 * travel to the integrations' Durable Objects in their routing snapshot.
 */

export const TargetRow = z.extend(Target, { events: jsonText(Target.shape.events) });

const parse = (row: unknown): Target => TargetRow.parse(row);

/** Inserts the target unless its channel has MAX_TARGETS_PER_CHANNEL already (one statement). */
export async function insertTarget(db: D1Database, target: Target): Promise<boolean> {
	const [inserted] = await db.batch([
		db
			.prepare(
				`INSERT INTO notification_targets (id, channel_id, name, type, url, secret, events,
					min_severity, delay, repeat_every, repeat_times, created_at, updated_at,
					previous_secret, previous_secret_until, slack_channel)
				 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16
				 WHERE (SELECT count(*) FROM notification_targets WHERE channel_id = ?2) < ?17`,
			)
			.bind(...columns(target), MAX_TARGETS_PER_CHANNEL),
		bumpConfigVersion(db),
	]);
	return (inserted?.meta.changes ?? 0) > 0;
}

export async function updateTarget(db: D1Database, target: Target): Promise<void> {
	await db.batch([
		db
			.prepare(
				`UPDATE notification_targets SET channel_id = ?2, name = ?3, type = ?4, url = ?5,
					secret = ?6, events = ?7, min_severity = ?8, delay = ?9, repeat_every = ?10,
					repeat_times = ?11, created_at = ?12, updated_at = ?13, previous_secret = ?14,
					previous_secret_until = ?15, slack_channel = ?16 WHERE id = ?1`,
			)
			.bind(...columns(target)),
		bumpConfigVersion(db),
	]);
}

function columns(t: Target) {
	return [
		t.id,
		t.channel_id,
		t.name,
		t.type,
		t.url,
		t.secret,
		JSON.stringify(t.events),
		t.min_severity,
		t.delay,
		t.repeat_every,
		t.repeat_times,
		t.created_at,
		t.updated_at,
		t.previous_secret,
		t.previous_secret_until,
		t.slack_channel,
	];
}

export async function getTarget(
	db: D1Database,
	channelId: string,
	id: string,
): Promise<Target | null> {
	const row = await db
		.prepare("SELECT * FROM notification_targets WHERE channel_id = ? AND id = ?")
		.bind(channelId, id)
		.first();
	return row === null ? null : parse(row);
}

export async function listTargets(db: D1Database, channelId: string): Promise<Target[]> {
	const { results } = await db
		.prepare("SELECT * FROM notification_targets WHERE channel_id = ? ORDER BY created_at, id")
		.bind(channelId)
		.all();
	return results.map(parse);
}

export async function deleteTarget(db: D1Database, channelId: string, id: string): Promise<void> {
	await db.batch([
		db
			.prepare("DELETE FROM notification_targets WHERE channel_id = ? AND id = ?")
			.bind(channelId, id),
		bumpConfigVersion(db),
	]);
}

/** The targets of the channels a routing snapshot names, by channel: read with the snapshot. */
export function targetsQuery(db: D1Database, channelsSql: string, integrationId: string) {
	return db
		.prepare(
			`SELECT * FROM notification_targets WHERE channel_id IN (${channelsSql}) ORDER BY created_at, id`,
		)
		.bind(integrationId);
}

export function targetsByChannel(result: D1Result | undefined): Record<string, Target[]> {
	const byChannel: Record<string, Target[]> = {};
	for (const raw of result?.results ?? []) {
		const target = parse(raw);
		byChannel[target.channel_id] = [...(byChannel[target.channel_id] ?? []), target];
	}
	return byChannel;
}
