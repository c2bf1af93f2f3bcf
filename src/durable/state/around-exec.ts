type Cursor = SqlStorageCursor<Record<string, SqlStorageValue>>;

/**
 * `storage` with every statement run through `exec`, which runs it on `storage` itself with what
 * it adds around (counting rows, writing what is held first). Not a Proxy: its traps would cost
 * every statement more than what the wrappers add.
 */
export function aroundExec(
	storage: SqlStorage,
	exec: (query: string, bindings: unknown[]) => Cursor,
): SqlStorage {
	return {
		exec: <T extends Record<string, SqlStorageValue>>(query: string, ...bindings: unknown[]) =>
			exec(query, bindings) as unknown as SqlStorageCursor<T>,
		get databaseSize() {
			return storage.databaseSize;
		},
		Cursor: storage.Cursor,
		Statement: storage.Statement,
	};
}
