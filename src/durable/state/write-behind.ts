import { aroundExec } from "./around-exec";

/**
 * One kind of write that may be held back: the statement for one row (`one`, its `?`s in row
 * order) and the same write for many rows carried as one JSON parameter (`many`, reading
 * `r.value ->> i` from `jsonb_each(?) AS r`). Both must write exactly the same rows.
 *
 * `jsonb_each` (SQLite 3.51: https://sqlite.org/releaselog/3_51_0.html) hands each row over
 * as JSONB, which `->>` reads as it is; `json_each` hands it over as text, which each `->>`
 * parsed again, once per column.
 */
export type HeldWrite = { one: string; many: string };

/** What a held row may carry: JSON has no blobs. */
export type HeldValue = string | number | null;

/**
 * An INSERT that may be held: `INSERT ${verb} INTO ${into}` of `columns` values carried by each
 * row and then the `fixed` SQL values, then `tail` (an upsert's ON CONFLICT clause). Both forms
 * are made from the same parts.
 */
export function heldInsert(
	into: string,
	columns: number,
	{ verb = "", tail = "", fixed = [] }: { verb?: string; tail?: string; fixed?: string[] } = {},
): HeldWrite {
	const head = `INSERT ${verb} INTO ${into}`;
	const carried = Array.from({ length: columns }, (_, i) => i);
	const values = [...carried.map(() => "?"), ...fixed].join(", ");
	const fields = [...carried.map((i) => `r.value ->> ${i}`), ...fixed].join(", ");
	return {
		one: `${head} VALUES (${values}) ${tail}`,
		// `WHERE true` lets SQLite's parser tell an upsert's ON CONFLICT from a join's ON.
		many: `${head} SELECT ${fields} FROM jsonb_each(?) AS r WHERE true ${tail}`,
	};
}

/** JSON text per statement: far below SQLite's 2 MB string limit on Durable Objects. */
const MAX_JSON_CHARS = 512 * 1024;

/**
 * Writes held back inside a transaction and written together: the rows of one kind go in one
 * statement instead of one each. A statement costs workerd about 9 µs however small, and a new
 * alert writes five (its row, its incident, their link, the timeline's first entry, the key's
 * flapping record), so a batch of new alerts spent most of its time there.
 *
 * Every other statement the stores run (through `sql`) first writes what is held, so reads and
 * later writes see storage exactly as if each write had run at once. What is still held is written
 * when the transaction's work ends, before it commits, and dropped when it throws. Outside a
 * transaction's work (`hold`) nothing is held.
 */
export class WriteBehind {
	private readonly held = new Map<HeldWrite, HeldValue[][]>();
	/** Of the kinds written with a key: the keys of the rows held. */
	private readonly keys = new Map<HeldWrite, Set<string>>();
	private depth = 0;
	/** The object's SQL storage, with what is held written before each statement. */
	readonly sql: SqlStorage;

	constructor(private readonly storage: SqlStorage) {
		this.sql = aroundExec(storage, (query, bindings) => {
			this.flush();
			return storage.exec(query, ...bindings);
		});
	}

	/**
	 * `work`, with writes held: dropped when it throws; when it returns, still held for the caller
	 * to write (`flush`), after the savepoint it ran in (see `inTransaction`).
	 */
	hold<T>(work: () => T): T {
		this.depth++;
		try {
			return work();
		} catch (error) {
			this.drop();
			throw error;
		} finally {
			this.depth--;
		}
	}

	/**
	 * `row` written now or held. `key`, for a kind whose `many` is an UPDATE … FROM, names the row
	 * it changes: SQLite applies only one of several source rows that match one target row, so a
	 * second change to a row already held writes what is held first.
	 */
	write(kind: HeldWrite, row: HeldValue[], key?: string): void {
		if (this.depth === 0) {
			this.storage.exec(kind.one, ...row);
			return;
		}
		if (key !== undefined) {
			if (this.keys.get(kind)?.has(key) === true) this.flush();
			const keys = this.keys.get(kind);
			if (keys === undefined) this.keys.set(kind, new Set([key]));
			else keys.add(key);
		}
		const rows = this.held.get(kind);
		if (rows === undefined) this.held.set(kind, [row]);
		else rows.push(row);
	}

	/** Writes what is held, each kind in the order it was first held, rows in their order. */
	flush(): void {
		if (this.held.size === 0) return;
		const held = [...this.held];
		this.held.clear();
		this.keys.clear();
		for (const [kind, rows] of held) {
			const [only] = rows;
			if (rows.length === 1 && only !== undefined) {
				this.storage.exec(kind.one, ...only);
				continue;
			}
			this.writeMany(kind, rows);
		}
	}

	/**
	 * Rows in order, as JSON arrays of rows of up to MAX_JSON_CHARS; a larger row goes by itself
	 * through the one-row statement, whose bound values are not escaped again as JSON is.
	 */
	private writeMany(kind: HeldWrite, rows: readonly HeldValue[][]): void {
		// Most often all of them fit in one: one JSON.stringify, not one per row.
		const whole = JSON.stringify(rows);
		if (whole.length <= MAX_JSON_CHARS) {
			this.storage.exec(kind.many, whole);
			return;
		}
		let parts: string[] = [];
		let size = 0;
		const send = () => {
			if (parts.length > 0) this.storage.exec(kind.many, `[${parts.join(",")}]`);
			parts = [];
			size = 0;
		};
		for (const row of rows) {
			const text = JSON.stringify(row);
			if (text.length > MAX_JSON_CHARS) {
				send();
				this.storage.exec(kind.one, ...row);
				continue;
			}
			if (size + text.length > MAX_JSON_CHARS) send();
			parts.push(text);
			size += text.length + 1;
		}
		send();
	}

	/** After a rollback: nothing held survives it. */
	drop(): void {
		this.held.clear();
		this.keys.clear();
	}
}
