import * as z from "zod/mini";
import { loadRegexEngine } from "../routing/regex-engine";
import { Condition, type Routes } from "../routing/rules";
import type { RoutingSnapshot } from "../routing/snapshot";
import { parseDuration } from "../schema/duration";
import { jsonText } from "../schema/json";
import { bumpConfigVersion } from "./config-version";
import { noiseFrom, noiseQueries } from "./noise";
import { pipelineFrom, pipelineQuery } from "./pipelines";
import { targetsByChannel, targetsQuery } from "./targets";

/**
 * Routing config in D1: routes, each integration's channel and default channel, and channels'
 * grouping. One counter versions all of it, so an integration's Durable Object reloads its copy
 * only when something changed.
 */

const RouteRow = z.object({
	conditions: jsonText(z.array(Condition)),
	channel_ids: jsonText(z.array(z.string())),
	continue: z.number(),
});
const DefaultChannelRow = z.object({ default_channel_id: z.nullable(z.string()) });
const ChannelIdRow = z.object({ channel_id: z.nullable(z.string()) });
const VersionRow = z.object({ version: z.number() });
const GroupingRow = z.object({
	id: z.string(),
	group_by: jsonText(z.array(z.string())),
	group_window: z.nullable(z.string()),
});

/** The statements that read an integration's routes; `routesFrom` reads their results. */
function routesQueries(db: D1Database, integrationId: string): D1PreparedStatement[] {
	return [
		db
			.prepare(
				"SELECT conditions, channel_ids, continue FROM routes WHERE integration_id = ? ORDER BY position",
			)
			.bind(integrationId),
		db.prepare("SELECT default_channel_id FROM integrations WHERE id = ?").bind(integrationId),
	];
}

function routesFrom(rules: D1Result | undefined, integration: D1Result | undefined): Routes {
	const row = integration?.results[0];
	return {
		rules: (rules?.results ?? []).map((raw) => {
			const rule = RouteRow.parse(raw);
			return { ...rule, continue: rule.continue === 1 };
		}),
		default_channel_id: row === undefined ? null : DefaultChannelRow.parse(row).default_channel_id,
	};
}

export async function getRoutes(db: D1Database, integrationId: string): Promise<Routes> {
	const [rules, integration] = await db.batch(routesQueries(db, integrationId));
	return routesFrom(rules, integration);
}

/**
 * Replaces the whole ordered list in one D1 batch, which is one transaction: if any statement
 * fails, the old list stays.
 */
export async function replaceRoutes(db: D1Database, integrationId: string, routes: Routes) {
	await db.batch([
		db.prepare("DELETE FROM routes WHERE integration_id = ?").bind(integrationId),
		...routes.rules.map((rule, position) =>
			db
				.prepare(
					"INSERT INTO routes (integration_id, position, conditions, channel_ids, continue) VALUES (?, ?, ?, ?, ?)",
				)
				.bind(
					integrationId,
					position,
					JSON.stringify(rule.conditions),
					JSON.stringify(rule.channel_ids),
					rule.continue ? 1 : 0,
				),
		),
		db
			.prepare("UPDATE integrations SET default_channel_id = ? WHERE id = ?")
			.bind(routes.default_channel_id, integrationId),
		bumpConfigVersion(db),
	]);
}

/**
 * The channels an integration's alerts can reach (`?1`: its id): its own, its default, those its
 * routes name, and those it still has open incidents in (their resolution is told there too).
 */
const REACHABLE_CHANNELS = `SELECT channel_id FROM integrations WHERE id = ?1
	UNION SELECT default_channel_id FROM integrations WHERE id = ?1
	UNION SELECT j.value FROM routes r, json_each(r.channel_ids) j WHERE r.integration_id = ?1
	UNION SELECT channel_id FROM incidents WHERE integration_id = ?1 AND status != 'resolved'`;

/**
 * Everything an integration's Durable Object routes with, in one round trip: its own channel,
 * its routes and alert pipeline, the grouping of the channels it can route to, and the config version. `version`,
 * when given, is the one the caller read (a push with a key of the old format).
 */
export async function loadRoutingSnapshot(
	db: D1Database,
	integrationId: string,
	options: { version?: number; baseUrl?: string; dashboardUrl?: string | null } = {},
): Promise<RoutingSnapshot> {
	const { version, baseUrl, dashboardUrl } = options;
	// Parsing stored routes, silences and pipelines compiles their patterns.
	await loadRegexEngine();
	const [
		integration,
		channels,
		current,
		targets,
		rules,
		defaults,
		pipeline,
		silences,
		inhibitRules,
	] = await db.batch([
		db.prepare("SELECT channel_id FROM integrations WHERE id = ?").bind(integrationId),
		db
			.prepare(
				`SELECT id, group_by, group_window FROM channels WHERE id IN (${REACHABLE_CHANNELS})`,
			)
			.bind(integrationId),
		db.prepare("SELECT version FROM config_version WHERE id = 1"),
		targetsQuery(db, REACHABLE_CHANNELS, integrationId),
		...routesQueries(db, integrationId),
		pipelineQuery(db, integrationId),
		...noiseQueries(db, integrationId, Date.now()),
	]);
	const grouping: RoutingSnapshot["grouping"] = {};
	for (const raw of channels?.results ?? []) {
		const row = GroupingRow.parse(raw);
		grouping[row.id] = {
			group_by: row.group_by,
			group_window_ms: row.group_window === null ? null : parseDuration(row.group_window),
		};
	}
	const own = integration?.results[0];
	const read = current?.results[0];
	return {
		version: version ?? (read === undefined ? 0 : VersionRow.parse(read).version),
		channel_id: own === undefined ? null : ChannelIdRow.parse(own).channel_id,
		routes: routesFrom(rules, defaults),
		pipeline: pipelineFrom(pipeline),
		grouping,
		targets: targetsByChannel(targets),
		...noiseFrom(silences, inhibitRules),
		...(baseUrl === undefined ? {} : { base_url: baseUrl, dashboard_url: dashboardUrl ?? null }),
	};
}
