import { missingChannels } from "../db/channels";
import { getRoutes, replaceRoutes } from "../db/routes";
import { endpoint } from "../http/endpoint";
import { Conflict, InvalidParameter } from "../http/errors";
import { Routes } from "../routing/rules";
import { DOCS } from "../schema/docs";
import { ADMIN, READ } from "./fields";
import { NO_INTEGRATION, requireIntegration } from "./integrations";
import { rerouteObject } from "./objects";

/**
 * A shared integration's routing rules: which channel each alert goes to. D1 keeps them; each
 * change reaches the integration's Durable Object before the API answers.
 */

export const routingRuleEndpoints = [
	endpoint({
		method: "get",
		path: "/api/v1/integrations/{id}/routes",
		...READ,
		scope: "integration",
		summary: DOCS && "A shared integration's routing rules",
		answer: {
			status: 200,
			data: DOCS && Routes,
			description: DOCS && "The rules, in order, and the default.",
		},
		refusals: NO_INTEGRATION,
		handler: async (c, { params }) => {
			const row = await requireIntegration(c.env.DB, params.id);
			return getRoutes(c.env.DB, row.id);
		},
	}),
	endpoint({
		method: "put",
		path: "/api/v1/integrations/{id}/routes",
		...ADMIN,
		scope: "unscoped",
		audit: "integration.update_routes",
		summary: DOCS && "Replace a shared integration's routing rules",
		body: {
			schema: Routes,
			example: DOCS && {
				rules: [
					{
						channel_id: "ch_db…",
						conditions: [{ field: "labels.service", op: "equals", value: "backup" }],
					},
				],
				default_channel_id: null,
			},
		},
		answer: { status: 200, data: DOCS && Routes, description: DOCS && "The stored rules." },
		refusals: { ...NO_INTEGRATION, 409: DOCS && "The integration is private to a channel" },
		handler: async (c, { params, body }) => {
			const row = await requireIntegration(c.env.DB, params.id);
			if (row.channel_id !== null) {
				throw new Conflict(
					"IntegrationIsPrivate",
					`this integration sends everything to channel ${row.channel_id}; set channel_id to null (PATCH) to route it`,
				);
			}
			const routes = await body();
			const named = routes.rules.flatMap((rule) => rule.channel_ids);
			if (routes.default_channel_id !== null) named.push(routes.default_channel_id);
			const missing = await missingChannels(c.env.DB, named);
			if (missing.length > 0) {
				const where = routes.rules.flatMap((rule, index) =>
					rule.channel_ids.some((id) => missing.includes(id))
						? [`rules[${index}].channel_ids`]
						: [],
				);
				if (routes.default_channel_id !== null && missing.includes(routes.default_channel_id)) {
					where.push("default_channel_id");
				}
				throw new InvalidParameter(`${where.join(", ")} names no channel: ${missing.join(", ")}`);
			}
			await replaceRoutes(c.env.DB, row.id, routes);
			await rerouteObject(c, row.id);
			return routes;
		},
	}),
];
