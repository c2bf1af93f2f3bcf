import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { aroundExec } from "../src/durable/state/around-exec";
import { MAX_KNOWN, Timeline } from "../src/durable/state/timeline";
import { WriteBehind } from "../src/durable/state/write-behind";
import { createIntegration, integrationStub } from "./helpers";

/** A timeline over an integration object's storage, the statements it runs, and its numbers. */
async function withTimeline(
	work: (t: {
		timeline: Timeline;
		behind: WriteBehind;
		statements: string[];
		seqs: (incidentId: string) => number[][];
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
		const seqs = (incidentId: string) =>
			timeline.page(incidentId, { limit: 100 }).map((entry) => [entry.seq, entry.at]);
		work({ timeline, behind, statements, seqs });
	});
}

describe("timeline entries' numbers", () => {
	it("numbers the entries of incidents the object opened itself: a batch's first entries are one plain insert", async () => {
		await withTimeline(({ timeline, behind, statements, seqs }) => {
			behind.run(() => {
				for (const id of ["a", "b", "c"]) {
					timeline.opened(id);
					timeline.add(id, 10, "triggered", { alert_key: id });
				}
				timeline.add("b", 20, "alert_added", { alert_count: 2 });
			});
			const inserts = statements.filter((query) => query.includes("INTO incident_timeline ("));
			expect(inserts).toHaveLength(1);
			expect(inserts[0]).not.toMatch(/max\(|row_number/);
			expect([seqs("a"), seqs("b"), seqs("c")]).toEqual([
				[[1, 10]],
				[
					[1, 10],
					[2, 20],
				],
				[[1, 10]],
			]);
			// Later transactions go on from the number it knows.
			behind.run(() => timeline.add("a", 30, "acknowledged", {}));
			expect(seqs("a")).toEqual([
				[1, 10],
				[2, 30],
			]);
		});
	});

	it("numbers an incident it did not open after the incident's last entry in the table", async () => {
		await withTimeline(({ timeline, behind, seqs }) => {
			behind.run(() => {
				timeline.opened("known");
				timeline.add("known", 10, "triggered", {});
			});
			// Another instance of the object (after a restart) knows nothing of it.
			const restarted = new Timeline(behind.sql, behind);
			behind.run(() => {
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
		await withTimeline(({ timeline, behind, seqs }) => {
			behind.run(() => {
				// An incident it does not know: its entry is the first kind held, so written first.
				timeline.add("older", 5, "acknowledged", {});
				timeline.opened("first");
				timeline.add("first", 10, "triggered", {});
				// As many more incidents as it remembers: the memory starts over, forgetting "first".
				for (let i = 0; i < MAX_KNOWN; i++) timeline.opened(`more-${i}`);
				timeline.add("first", 20, "acknowledged", {});
			});
			expect(seqs("first")).toEqual([
				[1, 10],
				[2, 20],
			]);
			expect(seqs("older")).toEqual([[1, 5]]);
		});
	});

	it("forgets the numbers of a transaction that rolled back", async () => {
		await withTimeline(({ timeline, behind, seqs }) => {
			behind.run(() => {
				timeline.opened("i");
				timeline.add("i", 10, "triggered", {});
			});
			expect(() =>
				behind.run(() => {
					timeline.add("i", 20, "acknowledged", {});
					throw new Error("rolled back");
				}),
			).toThrow("rolled back");
			// As the stores do after a rollback (forgetCopies).
			timeline.forgetKnown();
			behind.run(() => timeline.add("i", 30, "resolved", {}));
			expect(seqs("i")).toEqual([
				[1, 10],
				[2, 30],
			]);
		});
	});
});
