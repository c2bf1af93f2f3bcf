import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type IncidentFilter, incidentsQuery, type ListingQuery } from "../src/db/incidents";
import { type NotificationFilter, notificationsQuery } from "../src/db/notifications";

const plan = (filter: IncidentFilter) => explain(incidentsQuery(filter));

/** SQLite's plan for a listing: the index it walks, and whether it sorts what it found. */
async function explain({ sql, params }: ListingQuery) {
	const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
		.bind(...params)
		.all<{ detail: string }>();
	return results.map((row) => row.detail).join("; ");
}

describe("listing incidents from the D1 mirror", () => {
	it("walks the open incidents' index for each open status, in order, sorting nothing", async () => {
		for (const status of ["open", "triggered", "acknowledged"] as const) {
			const detail = await plan({ status, limit: 50 });
			expect(detail).toContain("INDEX incidents_open_by_time");
			expect(detail).not.toContain("TEMP B-TREE");
		}
	});

	it("walks an index in order for every other filter, never the whole table unordered", async () => {
		const filters: IncidentFilter[] = [
			{ limit: 50 },
			{ status: "resolved", limit: 50 },
			{ channel_id: "c", limit: 50 },
			{ channel_id: "c", status: "resolved", limit: 50 },
			{ integration_id: "i", status: "triggered", limit: 50 },
			{ status: "resolved", after: { opened_at: 5, id: "x" }, limit: 50 },
		];
		for (const filter of filters) {
			const detail = await plan(filter);
			expect(detail, JSON.stringify(filter)).toMatch(/USING (COVERING )?INDEX incidents_/);
			expect(detail, JSON.stringify(filter)).not.toContain("TEMP B-TREE");
		}
	});
});

describe("listing a channel's deliveries from the D1 mirror", () => {
	it("walks one of the channel's indexes from its newest row, sorting nothing", async () => {
		const filters: [NotificationFilter, string][] = [
			[{ channel_id: "c", limit: 50 }, "notifications_by_channel"],
			[{ channel_id: "c", target_id: "t", limit: 50 }, "notifications_by_channel"],
			[{ channel_id: "c", status: "failed", limit: 50 }, "notifications_by_status"],
			[
				{ channel_id: "c", status: "delivered", after: { created_at: 5, id: "x" }, limit: 50 },
				"notifications_by_status",
			],
		];
		for (const [filter, index] of filters) {
			const detail = await explain(notificationsQuery(filter));
			expect(detail, JSON.stringify(filter)).toContain(`INDEX ${index}`);
			expect(detail, JSON.stringify(filter)).not.toContain("TEMP B-TREE");
		}
	});
});
