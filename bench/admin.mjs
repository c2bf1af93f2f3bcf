// The admin API as the bench uses it to set up its cases, through Miniflare (never timed).

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
