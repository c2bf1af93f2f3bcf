import { getPipeline, replacePipeline } from "../db/pipelines";
import { endpoint } from "../http/endpoint";
import { Pipeline } from "../routing/pipeline";
import { DOCS } from "../schema/docs";
import { ADMIN, READ } from "./fields";
import { NO_INTEGRATION, requireIntegration } from "./integrations";
import { rerouteObject } from "./objects";

/**
 * An integration's alert pipeline: rules that reshape (or drop) each event before it is routed.
 * D1 keeps them, as it keeps routes; each change reaches the integration's Durable Object, in its
 * routing copy, before the API answers.
 */

export const pipelineEndpoints = [
	endpoint({
		method: "get",
		path: "/api/v1/integrations/{id}/pipeline",
		...READ,
		scope: "integration",
		summary: DOCS && "An integration's alert pipeline",
		answer: {
			status: 200,
			data: DOCS && Pipeline,
			description: DOCS && "The rules, in order (none: `{rules: []}`).",
		},
		refusals: NO_INTEGRATION,
		handler: async (c, { params }) => {
			const row = await requireIntegration(c.env.DB, params.id);
			return getPipeline(c.env.DB, row.id);
		},
	}),
	endpoint({
		method: "put",
		path: "/api/v1/integrations/{id}/pipeline",
		...ADMIN,
		scope: "integration",
		audit: "integration.update_pipeline",
		summary: DOCS && "Replace an integration's alert pipeline",
		body: {
			schema: Pipeline,
			example: DOCS && {
				rules: [
					{
						extract: [{ from: "title", pattern: "on (?P<host>[a-z0-9.-]+)" }],
						map: [
							{ from: "host", to: "team", table: { "db-1": "databases" }, default: "platform" },
						],
						set: { title: "[TPL]{{.Labels.team}}: {{.Title}}" },
					},
					{
						conditions: [{ field: "labels.env", op: "equals", value: "test" }],
						drop: true,
					},
				],
			},
		},
		answer: { status: 200, data: DOCS && Pipeline, description: DOCS && "The stored rules." },
		refusals: NO_INTEGRATION,
		handler: async (c, { params, body }) => {
			const row = await requireIntegration(c.env.DB, params.id);
			const pipeline = await body();
			await replacePipeline(c.env.DB, row.id, pipeline);
			await rerouteObject(c, row.id);
			return pipeline;
		},
	}),
];
