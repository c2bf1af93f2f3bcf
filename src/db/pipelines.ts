import * as z from "zod/mini";
import { type Pipeline, PipelineRule } from "../routing/pipeline";
import { jsonText } from "../schema/json";
import { bumpConfigVersion } from "./config-version";

/**
 * An integration's alert pipeline in D1: one row per rule, in order. It travels to the
 * integration's Durable Object in the routing snapshot (`loadRoutingSnapshot`), versioned by the
 * same counter as routes, so a push never reads it from D1.
 */

const RuleRow = z.object({ rule: jsonText(PipelineRule) });

/** The statement that reads an integration's pipeline; `pipelineFrom` reads its result. */
export function pipelineQuery(db: D1Database, integrationId: string): D1PreparedStatement {
	return db
		.prepare("SELECT rule FROM pipeline_rules WHERE integration_id = ? ORDER BY position")
		.bind(integrationId);
}

export function pipelineFrom(rules: D1Result | undefined): Pipeline {
	return { rules: (rules?.results ?? []).map((raw) => RuleRow.parse(raw).rule) };
}

export async function getPipeline(db: D1Database, integrationId: string): Promise<Pipeline> {
	return pipelineFrom(await pipelineQuery(db, integrationId).all());
}

/**
 * Replaces the whole ordered list in one D1 batch, which is one transaction: if any statement
 * fails, the old pipeline stays.
 */
export async function replacePipeline(db: D1Database, integrationId: string, pipeline: Pipeline) {
	await db.batch([
		db.prepare("DELETE FROM pipeline_rules WHERE integration_id = ?").bind(integrationId),
		...pipeline.rules.map((rule, position) =>
			db
				.prepare("INSERT INTO pipeline_rules (integration_id, position, rule) VALUES (?, ?, ?)")
				.bind(integrationId, position, JSON.stringify(rule)),
		),
		bumpConfigVersion(db),
	]);
}
