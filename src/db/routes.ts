import { z } from "zod";
import { parseDuration } from "../alerts/duration";
import type { Grouping } from "../incidents/incident";
import type { Routes } from "../routing/rules";
import { bumpConfigVersion } from "./channels";

const RouteRow = z.object({
	conditions: z.string(),
	channel_ids: z.string(),
	continue: z.number(),
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
	const row = integration?.results[0] as { default_channel_id?: string | null } | undefined;
	return {
		rules: (rules?.results ?? []).map((raw) => {
			const rule = RouteRow.parse(raw);
			return {
				conditions: JSON.parse(rule.conditions),
				channel_ids: JSON.parse(rule.channel_ids),
				continue: rule.continue === 1,
			};
		}),
		default_channel_id: row?.default_channel_id ?? null,
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

/** What an integration's Durable Object routes with, as of one config version. */
export type RoutingSnapshot = {
	version: number;
	/** A private integration's channel: every alert goes there, routes are not consulted. */
	channel_id: string | null;
	routes: Routes;
	grouping: Record<string, Grouping>;
};

export async function loadRoutingSnapshot(
	db: D1Database,
	integrationId: string,
	version: number,
): Promise<RoutingSnapshot> {
	// One round trip: the integration's channel, its routes, and every channel's grouping.
	const [integration, channels, rules, defaults] = await db.batch([
		db.prepare("SELECT channel_id FROM integrations WHERE id = ?").bind(integrationId),
		db.prepare("SELECT id, group_by, group_window FROM channels"),
		...routesQueries(db, integrationId),
	]);
	const grouping: Record<string, Grouping> = {};
	for (const raw of channels?.results ?? []) {
		const row = raw as { id: string; group_by: string; group_window: string | null };
		grouping[row.id] = {
			group_by: JSON.parse(row.group_by),
			group_window_ms: row.group_window === null ? null : parseDuration(row.group_window),
		};
	}
	return {
		version,
		channel_id: (integration?.results[0] as { channel_id?: string | null })?.channel_id ?? null,
		routes: routesFrom(rules, defaults),
		grouping,
	};
}
