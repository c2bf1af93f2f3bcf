/**
 * Names by id for the dashboard's links: one statement by primary key for the ids a page shows,
 * however many integrations and channels the deployment holds. Ids naming nothing are left out
 * (a deleted integration's incidents show its id).
 */

export function integrationNames(db: D1Database, ids: readonly (string | null)[]) {
	return namesOf(db, "SELECT id, name FROM integrations WHERE deleted_at IS NULL AND id IN", ids);
}

export function channelNames(db: D1Database, ids: readonly (string | null)[]) {
	return namesOf(db, "SELECT id, name FROM channels WHERE id IN", ids);
}

async function namesOf(
	db: D1Database,
	select: string,
	ids: readonly (string | null)[],
): Promise<Map<string, string>> {
	const unique = [...new Set(ids.filter((id) => id !== null))];
	if (unique.length === 0) return new Map();
	const { results } = await db
		.prepare(`${select} (SELECT value FROM json_each(?))`)
		.bind(JSON.stringify(unique))
		.all<{ id: string; name: string }>();
	return new Map(results.map((row) => [row.id, row.name]));
}
