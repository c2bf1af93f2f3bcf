import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { aroundExec } from "../src/durable/state/around-exec";
import { Incidents } from "../src/durable/state/incidents";
import { MAX_KNOWN, Timeline } from "../src/durable/state/timeline";
import { WriteBehind } from "../src/durable/state/write-behind";
import { incidentRecord } from "./factories";
import { createIntegration, heldThenWritten, integrationStub } from "./helpers";

/**
 * A timeline over an integration object's storage, the statements it runs, its numbers, and
 * `open`, which opens an incident at `at` as the object does: its row holds its opening entry.
 */
async function withTimeline(
	work: (t: {
		timeline: Timeline;
		behind: WriteBehind;
		statements: string[];
		seqs: (incidentId: string) => number[][];
		open: (incidentId: string, at: number) => void;
	}) => void,
) {
	const { id } = await createIntegration();
	await runInDurableObject(integrationStub(id), (_object, state) => {
		const statements: string[] = [];
		const counted = aroundExec(state.storage.sql, (query, bindings) => {
			statements.push(query);
			return state.storage.sql.exec(query, ...bindings);
		});
		// As the stores have them (openStores): every other statement writes what is held first.
		const behind = new WriteBehind(counted);
		const timeline = new Timeline(behind.sql, behind);
		const incidents = new Incidents(behind.sql, { flush: () => {} }, behind);
		const seqs = (incidentId: string) =>
			timeline.page(incidentId, { limit: 100 }).map((entry) => [entry.seq, entry.at]);
		const open = (incidentId: string, at: number) => {
			incidents.save(incidentRecord({ id: incidentId, opened_at: at }), { alert_key: incidentId });
			timeline.opened(incidentId);
		};
		work({ timeline, behind, statements, seqs, open });
	});
}

describe("timeline entries' numbers", () => {
	it("numbers the entries of incidents the object opened itself after the opening their row holds, in one plain insert", async () => {
		await withTimeline(({ timeline, behind, statements, seqs, open }) => {
			heldThenWritten(behind, () => {
				for (const id of ["a", "b", "c"]) open(id, 10);
				timeline.add("b", 20, "alert_added", { alert_count: 2 });
				timeline.add("c", 20, "acknowledged", {});
			});
			const inserts = statements.filter((query) => query.includes("INTO incident_timeline ("));
			expect(inserts).toHaveLength(1);
			expect(inserts[0]).not.toMatch(/max\(|row_number/);
			// The openings are the incidents' rows: the table holds only the two entries after them.
			expect(statements.filter((query) => query.includes("INTO incidents ("))).toHaveLength(1);
			const table = behind.sql.exec("SELECT count(*) AS n FROM incident_timeline").one();
			expect(table.n).toBe(2);
			expect(timeline.page("a", { limit: 10 })).toEqual([
				{ seq: 1, at: 10, type: "triggered", alert_key: "a" },
			]);
			expect([seqs("a"), seqs("b"), seqs("c")]).toEqual([
				[[1, 10]],
				[
					[1, 10],
					[2, 20],
				],
				[
					[1, 10],
					[2, 20],
				],
			]);
			// A cursor past the opening leaves it out.
			expect(timeline.page("b", { after: 1, limit: 10 }).map((entry) => entry.seq)).toEqual([2]);
			// Later transactions go on from the number it knows.
			heldThenWritten(behind, () => timeline.add("a", 30, "acknowledged", {}));
			expect(seqs("a")).toEqual([
				[1, 10],
				[2, 30],
			]);
		});
	});

	it("numbers an incident it did not open after the incident's last entry in the table", async () => {
		await withTimeline(({ behind, seqs, open }) => {
			heldThenWritten(behind, () => open("known", 10));
			// Another instance of the object (after a restart) knows nothing of it.
			const restarted = new Timeline(behind.sql, behind);
			heldThenWritten(behind, () => {
				restarted.add("known", 20, "acknowledged", {});
				restarted.add("known", 30, "resolved", {});
			});
			expect(seqs("known")).toEqual([
				[1, 10],
				[2, 20],
				[3, 30],
			]);
		});
	});

	it("writes what it numbered before its memory starts over, so the next number follows it", async () => {
		await withTimeline(({ timeline, behind, seqs, open }) => {
			heldThenWritten(behind, () => {
				// An incident it does not know: its entry is the first kind held, so written first.
				timeline.add("older", 5, "acknowledged", {});
				open("first", 10);
				// As many more incidents as it remembers: the memory starts over, forgetting "first".
				for (let i = 0; i < MAX_KNOWN; i++) timeline.opened(`more-${i}`);
				timeline.add("first", 20, "acknowledged", {});
			});
			expect(seqs("first")).toEqual([
				[1, 10],
				[2, 20],
			]);
			// Its opening, number 1, is in neither its row nor the table here: it goes on from it.
			expect(seqs("older")).toEqual([[2, 5]]);
		});
	});

	it("forgets the numbers of a transaction that rolled back", async () => {
		await withTimeline(({ timeline, behind, seqs, open }) => {
			heldThenWritten(behind, () => open("i", 10));
			expect(() =>
				heldThenWritten(behind, () => {
					timeline.add("i", 20, "acknowledged", {});
					throw new Error("rolled back");
				}),
			).toThrow("rolled back");
			// As the stores do after a rollback (forgetCopies).
			timeline.forgetKnown();
			heldThenWritten(behind, () => timeline.add("i", 30, "resolved", {}));
			expect(seqs("i")).toEqual([
				[1, 10],
				[2, 30],
			]);
		});
	});
});
