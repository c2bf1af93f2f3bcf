import * as z from "zod/mini";
import type { InhibitRule } from "../routing/inhibit";
import { Condition, matchingCost } from "../routing/rules";
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

/** What a silence's matchers cost to match one value (the deployment's budget counts it). */
export const silenceCost = (row: Pick<SilenceRow, "matchers">) => matchingCost(row.matchers);

/** What an inhibit rule's matchers cost to match one value. */
export const inhibitRuleCost = (row: Pick<InhibitRuleRow, "source_matchers" | "target_matchers">) =>
	matchingCost([...row.source_matchers, ...row.target_matchers]);

/** Which rows the budget counts: silences not expired at `?1`, inhibit rules not deleted. */
const LIVE_SILENCE = "(ends_at IS NULL OR ends_at > ?1)";
const LIVE_RULE = "deleted_at IS NULL";

/**
 * Stores the cost of rows saved before costs were stored, so the sums the
 * writes below check count them. Costs depend only on the matchers: two calls racing write the
 * same values.
 */
export async function fillCosts(db: D1Database, table: Table): Promise<void> {
	const { results } = await db.prepare(`SELECT * FROM ${table} WHERE cost IS NULL`).all();
	if (results.length === 0) return;
	await db.batch(
		results.map((raw) => {
			const cost =
				table === "silences"
					? silenceCost(SilenceRow.parse(raw))
					: inhibitRuleCost(InhibitRuleRow.parse(raw));
			return db
				.prepare(`UPDATE ${table} SET cost = ? WHERE id = ? AND cost IS NULL`)
				.bind(cost, raw.id);
		}),
	);
}

/** How many rows the budget counts, and what they cost together (`now`: for silences). */
export async function liveCost(db: D1Database, table: Table, now = 0) {
	const query = (live: string) =>
		db.prepare(
			`SELECT count(*) AS count, coalesce(sum(cost), 0) AS cost FROM ${table} WHERE ${live}`,
		);
	const row = await (table === "silences"
		? query(LIVE_SILENCE).bind(now)
		: query(LIVE_RULE)
	).first();
	return { count: Number(row?.count ?? 0), cost: Number(row?.cost ?? 0) };
}

/** A write refused by its own statement: too many rows, or over the cost budget. */
export type Written = "written" | "limit" | "cost";

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
 * Inserts unless MAX_SILENCES not yet expired are there or their costs and this one's would pass
 * `budget` (both checked by the statement that inserts, so concurrent creates cannot pass them
 * together), and forgets silences that ended more than EXPIRED_SILENCES_KEPT_MS ago.
 */
export async function insertSilence(
	db: D1Database,
	row: SilenceRow,
	now: number,
	budget: number,
): Promise<Written> {
	const cost = silenceCost(row);
	const [, inserted] = await db.batch([
		db
			.prepare("DELETE FROM silences WHERE ends_at IS NOT NULL AND ends_at < ?")
			.bind(now - EXPIRED_SILENCES_KEPT_MS),
		db
			.prepare(
				`INSERT INTO silences (id, matchers, starts_at, ends_at, schedule, comment, created_by,
					integration_ids, channel_ids, created_at, updated_at, cost)
				 SELECT ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13
				 WHERE (SELECT count(*) FROM silences WHERE ${LIVE_SILENCE}) < ?14
					AND (SELECT coalesce(sum(cost), 0) FROM silences WHERE ${LIVE_SILENCE}) + ?13 <= ?15`,
			)
			.bind(now, ...silenceValues(row), cost, MAX_SILENCES, budget),
		bumpConfigVersion(db),
	]);
	if ((inserted?.meta.changes ?? 0) > 0) return "written";
	return (await liveCost(db, "silences", now)).count >= MAX_SILENCES ? "limit" : "cost";
}

/**
 * Writes the silence's new state, unless `check` is given and the other silences not expired at
 * `check.now` and this one would cost more than `check.budget` together (checked by the statement
 * that writes). False: refused.
 */
export async function updateSilence(
	db: D1Database,
	row: SilenceRow,
	check: { now: number; budget: number } | null,
): Promise<boolean> {
	const [id, ...rest] = silenceValues(row);
	const [updated] = await db.batch([
		db
			.prepare(
				`UPDATE silences SET matchers = ?3, starts_at = ?4, ends_at = ?5, schedule = ?6,
					comment = ?7, created_by = ?8, integration_ids = ?9, channel_ids = ?10,
					created_at = ?11, updated_at = ?12, cost = ?13
				 WHERE id = ?2 AND (?14 IS NULL OR (SELECT coalesce(sum(cost), 0) FROM silences
					WHERE ${LIVE_SILENCE} AND id != ?2) + ?13 <= ?14)`,
			)
			.bind(check?.now ?? 0, id, ...rest, silenceCost(row), check?.budget ?? null),
		bumpConfigVersion(db),
	]);
	return (updated?.meta.changes ?? 0) > 0;
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

/**
 * Inserts unless MAX_INHIBIT_RULES are there or their costs and this one's would pass `budget`
 * (both checked by the statement that inserts).
 */
export async function insertInhibitRule(
	db: D1Database,
	row: InhibitRuleRow,
	budget: number,
): Promise<Written> {
	const cost = inhibitRuleCost(row);
	const [inserted] = await db.batch([
		db
			.prepare(
				`INSERT INTO inhibit_rules (id, source_matchers, target_matchers, equal, comment,
					integration_ids, created_at, updated_at, cost)
				 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9
				 WHERE (SELECT count(*) FROM inhibit_rules WHERE ${LIVE_RULE}) < ?10
					AND (SELECT coalesce(sum(cost), 0) FROM inhibit_rules WHERE ${LIVE_RULE}) + ?9 <= ?11`,
			)
			.bind(...inhibitValues(row), cost, MAX_INHIBIT_RULES, budget),
		bumpConfigVersion(db),
	]);
	if ((inserted?.meta.changes ?? 0) > 0) return "written";
	return (await liveCost(db, "inhibit_rules")).count >= MAX_INHIBIT_RULES ? "limit" : "cost";
}

/** Writes the rule unless the other rules and this one would cost more than `budget`. */
export async function updateInhibitRule(
	db: D1Database,
	row: InhibitRuleRow,
	budget: number,
): Promise<boolean> {
	const [id, ...rest] = inhibitValues(row);
	const [updated] = await db.batch([
		db
			.prepare(
				`UPDATE inhibit_rules SET source_matchers = ?2, target_matchers = ?3, equal = ?4,
					comment = ?5, integration_ids = ?6, created_at = ?7, updated_at = ?8, cost = ?9
				 WHERE id = ?1 AND (SELECT coalesce(sum(cost), 0) FROM inhibit_rules
					WHERE ${LIVE_RULE} AND id != ?1) + ?9 <= ?10`,
			)
			.bind(id, ...rest, inhibitRuleCost(row), budget),
		bumpConfigVersion(db),
	]);
	return (updated?.meta.changes ?? 0) > 0;
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
	channels: readonly string[] | null = null,
) {
	// Deleted inhibit rules are kept a while (see `deleteInhibitRule`) but never listed.
	const live = table === "inhibit_rules" ? "deleted_at IS NULL AND" : "";
	// A token limited to channels sees the silences limited to them and to their private
	// integrations only (src/admin/channel-limit.ts).
	const limited =
		channels === null
			? ""
			: `AND (channel_ids != '[]' OR integration_ids != '[]')
			   AND NOT EXISTS (SELECT 1 FROM json_each(channel_ids) AS c WHERE c.value NOT IN (SELECT value FROM json_each(?4)))
			   AND NOT EXISTS (SELECT 1 FROM json_each(integration_ids) AS i WHERE i.value NOT IN
			     (SELECT id FROM integrations WHERE channel_id IN (SELECT value FROM json_each(?4))))`;
	const { results } = await db
		.prepare(
			`SELECT * FROM ${table}
			 WHERE ${live} (?1 IS NULL OR created_at < ?1 OR (created_at = ?1 AND id < ?2)) ${limited}
			 ORDER BY created_at DESC, id DESC LIMIT ?3`,
		)
		.bind(
			page.after?.created_at ?? null,
			page.after?.id ?? null,
			page.limit,
			...(channels === null ? [] : [JSON.stringify(channels)]),
		)
		.all();
	return results;
}

export async function listSilences(
	db: D1Database,
	page: Parameters<typeof listRows>[2],
	channels: readonly string[] | null = null,
) {
	return (await listRows(db, "silences", page, channels)).map((row) => SilenceRow.parse(row));
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
