import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { aroundExec } from "../src/durable/state/around-exec";
import { inTransaction, openStores } from "../src/durable/state/stores";
import { type HeldWrite, heldInsert, WriteBehind } from "../src/durable/state/write-behind";
import { createIntegration, heldThenWritten, integrationStub } from "./helpers";

/** A scratch table in an integration's object, and what it holds in rowid order. */
async function withScratch(work: (sql: SqlStorage, rows: () => unknown[]) => void) {
	const { id } = await createIntegration();
	await runInDurableObject(integrationStub(id), (_object, state) => {
		const sql = state.storage.sql;
		sql.exec("CREATE TABLE scratch (a TEXT, b INTEGER, c REAL)");
		work(sql, () => sql.exec("SELECT a, b, c FROM scratch ORDER BY rowid").toArray());
	});
}

const INTO = heldInsert("scratch (a, b, c)", 3);

describe("rows held within a transaction", () => {
	it("are written in order, one statement per kind, the same values as one at a time", async () => {
		await withScratch((sql, rows) => {
			const statements: string[] = [];
			const counted = aroundExec(sql, (query, bindings) => {
				statements.push(query);
				return sql.exec(query, ...bindings);
			});
			const behind = new WriteBehind(counted);
			// 800,000 characters once escaped as JSON: it goes by itself, bound as it is.
			const huge = '"'.repeat(400_000);
			heldThenWritten(behind, () => {
				behind.write(INTO, ["one", 1, 0.5]);
				behind.write(INTO, [huge, 2, null]);
				behind.write(INTO, ['{"json":"text"}', 3, 1e21]);
				behind.write(INTO, ["12", null, -0.25]);
				expect(rows()).toEqual([]);
			});
			expect(rows()).toEqual([
				{ a: "one", b: 1, c: 0.5 },
				{ a: huge, b: 2, c: null },
				{ a: '{"json":"text"}', b: 3, c: 1e21 },
				{ a: "12", b: null, c: -0.25 },
			]);
			// The rows before and after the large one went as JSON, the large one by itself.
			expect(statements).toEqual([INTO.many, INTO.one, INTO.many]);
		});
	});

	it("are written before any other statement reads, and dropped when the work throws", async () => {
		await withScratch((sql, rows) => {
			const behind = new WriteBehind(sql);
			heldThenWritten(behind, () => {
				behind.write(INTO, ["seen", 1, 1]);
				const count = behind.sql.exec("SELECT count(*) AS n FROM scratch").one().n;
				expect(count).toBe(1);
			});
			expect(() =>
				heldThenWritten(behind, () => {
					behind.write(INTO, ["lost", 2, 2]);
					throw new Error("rolled back");
				}),
			).toThrow("rolled back");
			behind.flush();
			expect(rows()).toEqual([{ a: "seen", b: 1, c: 1 }]);
			// Outside a transaction's work a write goes at once.
			behind.write(INTO, ["now", 3, 3]);
			expect(rows()).toHaveLength(2);
		});
	});
});

describe("changes held to rows of one table", () => {
	/** A change of a scratch row's b, its a last (the row it changes). */
	const CHANGE: HeldWrite = {
		one: "UPDATE scratch SET b = b + ? WHERE a = ?",
		many: `UPDATE scratch SET b = b + (r.value ->> 0) FROM jsonb_each(?) AS r
			WHERE scratch.a = r.value ->> 1`,
	};

	it("go in one statement, and a second change to a row held writes the first before it", async () => {
		await withScratch((sql, rows) => {
			for (const a of ["x", "y", "z"]) sql.exec("INSERT INTO scratch VALUES (?, 0, 0)", a);
			const statements: string[] = [];
			const counted = aroundExec(sql, (query, bindings) => {
				statements.push(query);
				return sql.exec(query, ...bindings);
			});
			const behind = new WriteBehind(counted);
			heldThenWritten(behind, () => {
				behind.write(CHANGE, [1, "x"], "x");
				behind.write(CHANGE, [10, "y"], "y");
				behind.write(CHANGE, [100, "z"], "z");
				// x again: one UPDATE … FROM would apply only one of x's two changes.
				behind.write(CHANGE, [1_000, "x"], "x");
			});
			expect(rows()).toEqual([
				{ a: "x", b: 1_001, c: 0 },
				{ a: "y", b: 10, c: 0 },
				{ a: "z", b: 100, c: 0 },
			]);
			expect(statements).toEqual([CHANGE.many, CHANGE.one]);
		});
	});
});

describe("a transaction's held rows", () => {
	it("are all written by the time the transaction returns", async () => {
		const { id } = await createIntegration();
		await runInDurableObject(integrationStub(id), (_object, state) => {
			const stores = openStores(state.storage.sql);
			state.storage.sql.exec("CREATE TABLE scratch (a TEXT, b INTEGER, c REAL)");
			const seen: number[] = [];
			inTransaction(state, stores, () => {
				stores.behind.write(INTO, ["held", 1, 1]);
				// While the work runs, the row is held.
				seen.push(state.storage.sql.exec("SELECT count(*) AS n FROM scratch").one().n as number);
			});
			seen.push(state.storage.sql.exec("SELECT count(*) AS n FROM scratch").one().n as number);
			expect(seen).toEqual([0, 1]);
		});
	});

	it("that cannot all be written reset the object, and nothing of the transaction is committed", async () => {
		const { id } = await createIntegration();
		const stub = integrationStub(id);
		const count = () =>
			runInDurableObject(integrationStub(id), (_object, state) =>
				state.storage.sql.exec("SELECT count(*) AS n FROM scratch").one(),
			);
		await runInDurableObject(stub, (_object, state) => {
			state.storage.sql.exec("CREATE TABLE scratch (a TEXT UNIQUE, b INTEGER, c REAL)");
		});
		const failed = runInDurableObject(stub, (_object, state) => {
			const stores = openStores(state.storage.sql);
			inTransaction(state, stores, () => {
				// Written at once, inside the savepoint; then two held rows that break a constraint
				// when they are written, after it.
				stores.behind.sql.exec("INSERT INTO scratch VALUES ('first', 0, 0)");
				stores.behind.write(INTO, ["twice", 1, 1]);
				stores.behind.write(INTO, ["twice", 2, 2]);
			});
		});
		await expect(failed).rejects.toThrow(/held rows could not be written/);
		// A stub of a reset object stays broken; a new one reaches the object started again.
		expect(await count()).toEqual({ n: 0 });
	});
});
