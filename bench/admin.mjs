// The admin API as the bench uses it to set up its cases, through Miniflare (never timed), and
// the D1 schema it needs.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export const ADMIN_TOKEN = "bench-admin-token-0123456789abcdef0123";

/**
 * Every integration made through `adminCall`, its id by its key: a case names the integrations it
 * pushes to by key, and their Durable Objects are named by id (bench/cost.mjs reads their usage).
 */
export const integrationIds = new Map();

export async function adminCall(mf, method, path, body) {
	const response = await mf.dispatchFetch(`http://bench.local/api/v1${path}`, {
		method,
		headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
		body: JSON.stringify(body),
	});
	const { data, error } = await response.json();
	if (error) throw new Error(`${method} ${path}: ${error.message}`);
	if (method === "POST" && path === "/integrations") {
		integrationIds.set(data.integration_key, data.id);
	}
	return data;
}

/** The repository's D1 migrations, applied to a fresh local D1 as `wrangler d1 migrations` would. */
export async function applyMigrations(
	mf,
	dir = path.resolve(import.meta.dirname, "..", "migrations"),
) {
	const db = await mf.getD1Database("DB");
	for (const file of readdirSync(dir).sort()) {
		const statements = readFileSync(path.join(dir, file), "utf8")
			.replace(/--.*$/gm, "")
			.split(";")
			.map((s) => s.trim())
			.filter(Boolean);
		await db.batch(statements.map((s) => db.prepare(s)));
	}
}
