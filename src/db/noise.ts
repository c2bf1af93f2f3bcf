import * as z from "zod/mini";
import type { InhibitRule } from "../routing/inhibit";
import { Condition } from "../routing/rules";
import { Schedule } from "../routing/schedule";
import type { SilenceRule } from "../routing/silence";
import { jsonText } from "../schema/json";
import { bumpConfigVersion } from "./config-version";

/**
 * Silences and inhibit rules in D1, the admin store. Each change bumps the config version, and
 * the admin API copies the rules into the routing snapshot of each integration they apply to.
 */

/** The most silences not yet expired, and inhibit rules, one deployment holds. */
export const MAX_SILENCES = 200;
export const MAX_INHIBIT_RULES = 100;

const Ids = jsonText(z.array(z.string()));

export const SilenceRow = z.object({
	id: z.string(),
	matchers: jsonText(z.array(Condition)),
	starts_at: z.number(),
	ends_at: z.nullable(z.number()),
	schedule: z.nullable(jsonText(Schedule)),
	comment: z.string(),
	created_by: z.string(),
	integration_ids: Ids,
	channel_ids: Ids,
	created_at: z.number(),
	updated_at: z.number(),
});
export type SilenceRow = z.infer<typeof SilenceRow>;

export const InhibitRuleRow = z.object({
	id: z.string(),
	source_matchers: jsonText(z.array(Condition)),
	target_matchers: jsonText(z.array(Condition)),
	equal: jsonText(z.array(z.string())),
	comment: z.string(),
	integration_ids: Ids,
	created_at: z.number(),
	updated_at: z.number(),
});
export type InhibitRuleRow = z.infer<typeof InhibitRuleRow>;

type Table = "silences" | "inhibit_rules";

/** Where a row applies: every integration ('[]') or those listed (`?1`: the integration's id). */
const APPLIES_TO = `(integration_ids = '[]' OR EXISTS (SELECT 1 FROM json_each(integration_ids) WHERE value = ?1))`;

/** The statements that read what an integration's snapshot holds; `noiseFrom` reads the results. */
export function noiseQueries(db: D1Database, integrationId: string, now: number) {
	return [
		db
			.prepare(
				`SELECT * FROM silences WHERE (ends_at IS NULL OR ends_at > ?2) AND ${APPLIES_TO}
				 ORDER BY created_at, id`,
			)
			.bind(integrationId, now),
		db
			.prepare(
				`SELECT * FROM inhibit_rules WHERE deleted_at IS NULL AND ${APPLIES_TO} ORDER BY created_at, id`,
			)
			.bind(integrationId),
	];
}

export function noiseFrom(silences: D1Result | undefined, rules: D1Result | undefined) {
	return {
		silences: (silences?.results ?? []).map((raw): SilenceRule => {
			const row = SilenceRow.parse(raw);
			return {
				id: row.id,
				matchers: row.matchers,
				starts_at: row.starts_at,
				ends_at: row.ends_at,
				schedule: row.schedule,
				channel_ids: row.channel_ids,
			};
		}),
		inhibit_rules: (rules?.results ?? []).map((raw): InhibitRule => {
			const row = InhibitRuleRow.parse(raw);
			return {
				id: row.id,
				source_matchers: row.source_matchers,
				target_matchers: row.target_matchers,
				equal: row.equal,
			};
		}),
	};
}

function silenceValues(row: SilenceRow) {
	return [
		row.id,
		JSON.stringify(row.matchers),
		row.starts_at,
		row.ends_at,
		row.schedule === null ? null : JSON.stringify(row.schedule),
		row.comment,
		row.created_by,
		JSON.stringify(row.integration_ids),
		JSON.stringify(row.channel_ids),
		row.created_at,
		row.updated_at,
	];
}

/** Expired silences stay listed this long after they end, then go with the next new one. */
export const EXPIRED_SILENCES_KEPT_MS = 30 * 86_400_000;

/**
 * Inserts unless MAX_SILENCES not yet expired are there (checked in the same statement), and
 * forgets silences that ended more than EXPIRED_SILENCES_KEPT_MS ago.
 */
export async function insertSilence(db: D1Database, row: SilenceRow, now: number) {
	const [, inserted] = await db.batch([
		db
			.prepare("DELETE FROM silences WHERE ends_at IS NOT NULL AND ends_at < ?")
			.bind(now - EXPIRED_SILENCES_KEPT_MS),
		db
			.prepare(
				`INSERT INTO silences (id, matchers, starts_at, ends_at, schedule, comment, created_by,
					integration_ids, channel_ids, created_at, updated_at)
				 SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
				 WHERE (SELECT count(*) FROM silences WHERE ends_at IS NULL OR ends_at > ?) < ?`,
			)
			.bind(...silenceValues(row), now, MAX_SILENCES),
		bumpConfigVersion(db),
	]);
	return (inserted?.meta.changes ?? 0) > 0;
}

export async function updateSilence(db: D1Database, row: SilenceRow): Promise<void> {
	const [id, ...rest] = silenceValues(row);
	await db.batch([
		db
			.prepare(
				`UPDATE silences SET matchers = ?, starts_at = ?, ends_at = ?, schedule = ?, comment = ?,
					created_by = ?, integration_ids = ?, channel_ids = ?, created_at = ?, updated_at = ?
				 WHERE id = ?`,
			)
			.bind(...rest, id),
		bumpConfigVersion(db),
	]);
}

function inhibitValues(row: InhibitRuleRow) {
	return [
		row.id,
		JSON.stringify(row.source_matchers),
		JSON.stringify(row.target_matchers),
		JSON.stringify(row.equal),
		row.comment,
		JSON.stringify(row.integration_ids),
		row.created_at,
		row.updated_at,
	];
}

/** Inserts unless MAX_INHIBIT_RULES are there (checked in the same statement). */
export async function insertInhibitRule(db: D1Database, row: InhibitRuleRow) {
	const [inserted] = await db.batch([
		db
			.prepare(
				`INSERT INTO inhibit_rules (id, source_matchers, target_matchers, equal, comment,
					integration_ids, created_at, updated_at)
				 SELECT ?, ?, ?, ?, ?, ?, ?, ?
				 WHERE (SELECT count(*) FROM inhibit_rules WHERE deleted_at IS NULL) < ?`,
			)
			.bind(...inhibitValues(row), MAX_INHIBIT_RULES),
		bumpConfigVersion(db),
	]);
	return (inserted?.meta.changes ?? 0) > 0;
}

export async function updateInhibitRule(db: D1Database, row: InhibitRuleRow): Promise<void> {
	const [id, ...rest] = inhibitValues(row);
	await db.batch([
		db
			.prepare(
				`UPDATE inhibit_rules SET source_matchers = ?, target_matchers = ?, equal = ?, comment = ?,
					integration_ids = ?, created_at = ?, updated_at = ? WHERE id = ?`,
			)
			.bind(...rest, id),
		bumpConfigVersion(db),
	]);
}

/** How long a deleted inhibit rule is kept, so a repeated DELETE still finds it. */
const DELETED_KEPT_MS = 7 * 86_400_000;

/** Marks the rule deleted (it applies nowhere from now on) and forgets rules deleted long ago. */
export async function deleteInhibitRule(db: D1Database, id: string, now: number): Promise<void> {
	await db.batch([
		db
			.prepare("UPDATE inhibit_rules SET deleted_at = coalesce(deleted_at, ?) WHERE id = ?")
			.bind(now, id),
		db.prepare("DELETE FROM inhibit_rules WHERE deleted_at < ?").bind(now - DELETED_KEPT_MS),
		bumpConfigVersion(db),
	]);
}

export async function getSilence(db: D1Database, id: string): Promise<SilenceRow | null> {
	const row = await db.prepare("SELECT * FROM silences WHERE id = ?").bind(id).first();
	return row === null ? null : SilenceRow.parse(row);
}

/** The rule, unless it was deleted. */
export async function getInhibitRule(db: D1Database, id: string): Promise<InhibitRuleRow | null> {
	const found = await findInhibitRule(db, id);
	return found === null || found.deleted ? null : found.row;
}

/** The rule, deleted or not (deleted ones are kept a week). */
export async function findInhibitRule(
	db: D1Database,
	id: string,
): Promise<{ row: InhibitRuleRow; deleted: boolean } | null> {
	const row = await db.prepare("SELECT * FROM inhibit_rules WHERE id = ?").bind(id).first();
	if (row === null) return null;
	return { row: InhibitRuleRow.parse(row), deleted: row.deleted_at !== null };
}

/** Newest first, after `after` (the last row of the previous page), at most `limit`. */
async function listRows(
	db: D1Database,
	table: Table,
	page: { limit: number; after?: { created_at: number; id: string } | undefined },
) {
	// Deleted inhibit rules are kept a while (see `deleteInhibitRule`) but never listed.
	const live = table === "inhibit_rules" ? "deleted_at IS NULL AND" : "";
	const { results } = await db
		.prepare(
			`SELECT * FROM ${table}
			 WHERE ${live} (?1 IS NULL OR created_at < ?1 OR (created_at = ?1 AND id < ?2))
			 ORDER BY created_at DESC, id DESC LIMIT ?3`,
		)
		.bind(page.after?.created_at ?? null, page.after?.id ?? null, page.limit)
		.all();
	return results;
}

export async function listSilences(db: D1Database, page: Parameters<typeof listRows>[2]) {
	return (await listRows(db, "silences", page)).map((row) => SilenceRow.parse(row));
}

export async function listInhibitRules(db: D1Database, page: Parameters<typeof listRows>[2]) {
	return (await listRows(db, "inhibit_rules", page)).map((row) => InhibitRuleRow.parse(row));
}

/** Silences not yet expired, for the deployment's regex budget. */
export async function liveSilences(db: D1Database, now: number): Promise<SilenceRow[]> {
	const { results } = await db
		.prepare("SELECT * FROM silences WHERE ends_at IS NULL OR ends_at > ?")
		.bind(now)
		.all();
	return results.map((row) => SilenceRow.parse(row));
}

/** Every inhibit rule (at most MAX_INHIBIT_RULES), for the deployment's regex budget. */
export async function allInhibitRules(db: D1Database): Promise<InhibitRuleRow[]> {
	const { results } = await db
		.prepare("SELECT * FROM inhibit_rules WHERE deleted_at IS NULL")
		.all();
	return results.map((row) => InhibitRuleRow.parse(row));
}
