import { describe, expect, it } from "vitest";
import { admin, createIntegration, expectError, push, runAlarm } from "./helpers";

/** Every page of a list, following next_cursor. */
async function allPages(path: string, field: string, limit: number) {
	const ids: string[] = [];
	let cursor: string | null = null;
	let pages = 0;
	do {
		const query: string = `limit=${limit}${cursor === null ? "" : `&cursor=${cursor}`}`;
		const reply = await admin("GET", `${path}?${query}`);
		expect(reply.status).toBe(200);
		const rows = reply.body.data[field] as { id: string }[];
		expect(rows.length).toBeLessThanOrEqual(limit);
		ids.push(...rows.map((row) => row.id));
		cursor = reply.body.data.next_cursor;
		pages++;
	} while (cursor !== null);
	return { ids, pages };
}

describe("admin lists", () => {
	it("pages integrations newest first with a cursor, each once", async () => {
		const created: string[] = [];
		for (let i = 0; i < 5; i++) created.push((await createIntegration()).id);
		const { ids, pages } = await allPages("/integrations", "integrations", 2);
		expect(pages).toBeGreaterThanOrEqual(3);
		expect(new Set(ids).size).toBe(ids.length);
		// Newest first: the five just created come in reverse order of creation.
		const mine = ids.filter((id) => created.includes(id));
		expect(mine).toEqual([...created].reverse());
	});

	it("pages channels newest first with a cursor, each once", async () => {
		const created: string[] = [];
		for (let i = 0; i < 3; i++) {
			created.push((await admin("POST", "/channels", { name: `paged ${i}` })).body.data.id);
		}
		const { ids } = await allPages("/channels", "channels", 1);
		expect(new Set(ids).size).toBe(ids.length);
		expect(ids.filter((id) => created.includes(id))).toEqual([...created].reverse());
	});

	it("refuses a parameter a list does not take, pointing paging at cursor", async () => {
		for (const path of [
			"/integrations?page=2",
			"/channels?offset=20",
			"/incidents?page=2",
			"/incidents?per_page=5",
		]) {
			const message = expectError(await admin("GET", path), 400, "InvalidParameter");
			expect(message).toMatch(/^unknown query parameter \w+: lists are paged with cursor/);
			expect(message).toContain("this list takes");
		}
		const other = expectError(
			await admin("GET", "/incidents?sort=severity"),
			400,
			"InvalidParameter",
		);
		expect(other).toBe(
			"unknown query parameter sort (this list takes channel_id, integration_id, status, severity, opened_since, opened_before, unrouted, limit, cursor)",
		);
	});

	it("reads status filters in any letter case", async () => {
		const { id, integration_key } = await createIntegration();
		await push(integration_key, {
			event_status: "Critical",
			title_rule: "disk full",
			alert_key: "d",
		});
		for (const status of ["Firing", "FIRING", "firing"]) {
			const reply = await admin("GET", `/integrations/${id}/alerts?status=${status}`);
			expect(reply.status).toBe(200);
			expect(reply.body.data.alerts).toHaveLength(1);
		}
		await runAlarm(id);
		const incidents = await admin("GET", `/incidents?integration_id=${id}&status=Triggered`);
		expect(incidents.status).toBe(200);
		expect(incidents.body.data.incidents).toHaveLength(1);
		expect(
			expectError(await admin("GET", `/incidents?status=closed`), 400, "InvalidParameter"),
		).toBe("status must be triggered, acknowledged, resolved or open");
	});

	it("answers 404 for a filter naming no channel or integration, not an empty list", async () => {
		expectError(await admin("GET", "/incidents?channel_id=ch_missing"), 404, "ChannelNotFound");
		expectError(
			await admin("GET", "/incidents?integration_id=int_missing"),
			404,
			"IntegrationNotFound",
		);
	});
});
