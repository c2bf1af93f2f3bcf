import { aroundExec } from "./around-exec";

/**
 * What the object's storage work costs in the units Cloudflare bills: SQLite rows read and
 * written (the platform reports both on every cursor) and D1 rows (on every result). Counted
 * since the object last started, kept in memory only; `npm run bench` reads them per case to
 * print the cost of a million alerts, and tests hold a new alert to its rows.
 */
export type Usage = {
	rows_read: number;
	rows_written: number;
	d1_rows_read: number;
	d1_rows_written: number;
};

export class Meter {
	private readonly open: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];
	private readonly total: Usage = {
		rows_read: 0,
		rows_written: 0,
		d1_rows_read: 0,
		d1_rows_written: 0,
	};
	/** The object's SQL storage, every statement counted. */
	readonly sql: SqlStorage;

	constructor(sql: SqlStorage) {
		this.sql = aroundExec(sql, (query, bindings) => {
			const cursor = sql.exec(query, ...bindings);
			if (this.open.length >= MAX_OPEN) this.count();
			this.open.push(cursor);
			return cursor;
		});
	}

	/** Rows a D1 call read and wrote, from its results' `meta`. */
	d1(results: readonly D1Result[]): void {
		for (const { meta } of results) {
			this.total.d1_rows_read += meta.rows_read ?? 0;
			this.total.d1_rows_written += meta.rows_written ?? 0;
		}
	}

	usage(): Usage {
		this.count();
		return { ...this.total };
	}

	/** Cursors report their rows once read through; every caller reads its cursor at once. */
	private count(): void {
		for (const cursor of this.open) {
			this.total.rows_read += cursor.rowsRead;
			this.total.rows_written += cursor.rowsWritten;
		}
		this.open.length = 0;
	}
}

/** Cursors held before their rows are added up: a transaction's worth, within a bound. */
const MAX_OPEN = 4_096;
