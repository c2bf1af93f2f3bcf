import { ChangeView, changeToApi } from "../changes/change";
import { pageOf } from "../http/cursor";
import { endpoint } from "../http/endpoint";
import { Page } from "../http/views";
import { DOCS } from "../schema/docs";
import { CreatedPageQuery, READ } from "./fields";
import { NO_INTEGRATION, requireIntegration } from "./integrations";

/**
 * An integration's change events, as its Durable Object keeps them (the latest 1,000, for 30
 * days), newest first by when they happened. Only `pagerduty` integrations take them; the list
 * of any other is empty.
 */
export const changeEndpoints = [
	endpoint({
		method: "get",
		path: "/api/v1/integrations/{id}/changes",
		...READ,
		scope: "integration",
		summary: DOCS && "An integration's change events, newest first",
		query: CreatedPageQuery,
		answer: {
			status: 200,
			data: DOCS && Page("changes", ChangeView),
			description: DOCS && "A page of change events.",
		},
		refusals: NO_INTEGRATION,
		handler: async (c, { params, query }) => {
			const row = await requireIntegration(c.env.DB, params.id);
			// The cursor is (when it happened, id) of the previous page's last change event.
			const after = query.cursor && { occurred_at: query.cursor.created_at, id: query.cursor.id };
			const rows = await c.env.INTEGRATION.getByName(row.id).listChanges({
				limit: query.limit + 1,
				after,
			});
			const { page, next_cursor } = pageOf(rows, query.limit, (last) => [
				last.occurred_at,
				last.id,
			]);
			return { changes: page.map(changeToApi), next_cursor };
		},
	}),
];
