/**
 * One counter versions all routing config in D1 (channels, routes, alert pipelines, targets,
 * silences, inhibit rules, an integration's channel), so an integration's Durable Object reloads
 * its copy only when something changed. Every change to any of them bumps it in the same batch.
 */
export function bumpConfigVersion(db: D1Database): D1PreparedStatement {
	return db.prepare("UPDATE config_version SET version = version + 1 WHERE id = 1");
}
