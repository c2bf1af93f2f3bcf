// Cases of new alerts in batches of 100, each a new incident in a channel without targets: what
// one alert costs when it arrives with 99 others, and how many one integration opens a second,
// with how long its D1 listing takes to catch up.
import { setTimeout as delay } from "node:timers/promises";
import { adminCall } from "./admin.mjs";

export const NEW_BATCH = 100;
/**
 * Requests of 100 new alerts one integration takes: 9,000 firing, under the 10,000 an
 * integration holds (it answers 429 past that).
 */
const REQUESTS_PER_INTEGRATION = 90;
/**
 * Faster than any run of this case has gone on 2 cores (about 100 requests of 100 a second): the
 * integrations a run may fill are made before it, since making one must not be timed.
 */
const MAX_REQUESTS_PER_S = 300;

/** A channel without targets: every new alert routed to it opens an incident, notifying nobody. */
export async function quietChannel(mf, name) {
	return (await adminCall(mf, "POST", "/channels", { name })).id;
}

const integrationIn = (mf, channelId, name) =>
	adminCall(mf, "POST", "/integrations", {
		name,
		type: "standard",
		channel_id: channelId,
		settings: { rate_limit: null },
	});

const newAlert = (key) => ({
	event_status: "Critical",
	title_rule: "queue depth high",
	alert_key: key,
	labels: { queue: "orders" },
});

/** `NEW_BATCH` new alerts, keyed `${prefix}-${n}-…`: the n-th request's. */
const newBatchBody = (prefix, n) =>
	JSON.stringify({
		events: Array.from({ length: NEW_BATCH }, (_, i) => newAlert(`${prefix}-${n}-${i}`)),
	});

/**
 * Batches of 100 new alerts spread over as many integrations as they fill, 90 requests each. The
 * case's `prepare(duration)` makes enough of them for the next run before it starts, `keys()`
 * names those the run may push to, and `touched()` those it did.
 */
export function newBatches(mf, channelId) {
	const keys = [];
	const touched = new Set();
	let n = 0;
	const current = () => Math.floor(n / REQUESTS_PER_INTEGRATION);
	return {
		alerts: NEW_BATCH,
		async prepare(duration) {
			const needed =
				current() + Math.ceil((MAX_REQUESTS_PER_S * duration) / REQUESTS_PER_INTEGRATION);
			while (keys.length <= needed) {
				keys.push((await integrationIn(mf, channelId, "new batches")).integration_key);
			}
			touched.clear();
		},
		keys: () => keys.slice(current()),
		// Only those a run pushed to are read after it: one it never woke may have been evicted
		// meanwhile, and would count its restart.
		touched: () => [...touched],
		request: {
			method: "POST",
			path: "/push/none/batch",
			headers: { "Content-Type": "application/json" },
			requests: [
				{
					setupRequest: (request) => {
						const key = keys[current()];
						if (key === undefined) throw new Error("new batches: more requests than prepared for");
						touched.add(key);
						return { ...request, path: `/push/${key}/batch`, body: newBatchBody("nb", n++) };
					},
				},
			],
		},
	};
}

/** How often the mirror lag polls D1, and how long it waits. */
const POLL_MS = 50;
const LAG_TIMEOUT_MS = 120_000;

/**
 * Seconds from `since` (performance.now()) until D1 lists `count` incidents of the integration:
 * how far the listing (the admin API's lists, the dashboard) trails the pushes.
 */
async function mirrorLag(mf, integrationId, count, since) {
	const db = await mf.getD1Database("DB");
	const statement = db
		.prepare("SELECT count(*) AS n FROM incidents WHERE integration_id = ?")
		.bind(integrationId);
	for (;;) {
		const { n } = await statement.first();
		const now = performance.now();
		if (n >= count) return (now - since) / 1000;
		if (now - since > LAG_TIMEOUT_MS) {
			throw new Error(`D1 listed ${n} of ${count} incidents after ${LAG_TIMEOUT_MS / 1000} s`);
		}
		await delay(POLL_MS);
	}
}

/**
 * Sustained intake of one integration: 90 requests of 100 new alerts (9,000, under the cap) to a
 * fresh integration per run, as fast as autocannon sends them. Reported as new alerts a second from
 * the first request to the last answer, and the mirror lag: from that answer until D1 lists all
 * 9,000 incidents. The lag's polling (a count every 50 ms) falls in the case's CPU window.
 */
export function sustainedIntake(mf, channelId) {
	let integration;
	let n = 0;
	const alerts = REQUESTS_PER_INTEGRATION * NEW_BATCH;
	return {
		alerts: NEW_BATCH,
		async prepare() {
			integration = await integrationIn(mf, channelId, "sustained intake");
		},
		keys: () => [integration.integration_key],
		request: {
			method: "POST",
			path: "/push/none/batch",
			headers: { "Content-Type": "application/json" },
			amount: REQUESTS_PER_INTEGRATION,
			requests: [
				{
					setupRequest: (request) => ({
						...request,
						path: `/push/${integration.integration_key}/batch`,
						body: newBatchBody("si", n++),
					}),
				},
			],
		},
		afterLoad: async ({ started, stopped }) => ({
			alertsPerS: alerts / ((stopped - started) / 1000),
			lag: await mirrorLag(mf, integration.id, alerts, stopped),
		}),
	};
}
