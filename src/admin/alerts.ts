import * as z from "zod/mini";
import { AlertStatus, AlertView } from "../alerts/alert";
import { Cursor, encodeCursor } from "../http/cursor";
import { endpoint } from "../http/endpoint";
import { Page } from "../http/views";
import { DOCS } from "../schema/docs";
import { PageLimit, QueryEnum, READ } from "./fields";
import { NO_INTEGRATION, requireIntegration } from "./integrations";

/** An integration's alerts, as its Durable Object holds them, newest first. */

const AlertQuery = z.object({
	status: z.optional(QueryEnum(AlertStatus, "must be firing or resolved")),
	limit: PageLimit(100, 20),
	/** The last alert's position in the previous page. */
	cursor: z.optional(
		z.pipe(
			Cursor(z.tuple([z.int()])),
			z.transform(([seq]) => seq),
		),
	),
});

export const alertEndpoints = [
	endpoint({
		method: "get",
		path: "/api/v1/integrations/{id}/alerts",
		...READ,
		scope: "integration",
		summary: DOCS && "An integration's alerts, newest first",
		query: AlertQuery,
		answer: {
			status: 200,
			data: DOCS && Page("alerts", AlertView),
			description: DOCS && "A page of alerts.",
		},
		refusals: NO_INTEGRATION,
		handler: async (c, { params, query }) => {
			const row = await requireIntegration(c.env.DB, params.id);
			const page = await c.env.INTEGRATION.getByName(row.id).listAlerts(query);
			return {
				alerts: page.alerts,
				next_cursor: page.next_seq === null ? null : encodeCursor([page.next_seq]),
			};
		},
	}),
];
