// What a million alerts cost on Cloudflare's Workers Paid plan, from what each case used: its
// all-in CPU and the rows its integrations' Durable Objects read and wrote, in SQLite and in D1
// (each object counts them itself and answers them over RPC, `usage()`).
import { median } from "./measure.mjs";

/**
 * Marginal prices in US dollars: the plan's included allowances (and its monthly fee) are left
 * out, so these are what one more alert costs once they are used up.
 */
const PRICE = {
	// https://developers.cloudflare.com/workers/platform/pricing/
	workerRequest: 0.3 / 1e6,
	cpuMs: 0.02 / 1e6,
	// https://developers.cloudflare.com/durable-objects/platform/pricing/
	objectRequest: 0.15 / 1e6,
	gbSecond: 12.5 / 1e6,
	sqliteRowRead: 0.001 / 1e6,
	sqliteRowWritten: 1 / 1e6,
	// https://developers.cloudflare.com/d1/platform/pricing/
	d1RowRead: 0.001 / 1e6,
	d1RowWritten: 1 / 1e6,
};
/** Durable Objects are billed for 128 MB while active, whatever they use. */
const OBJECT_GB = 0.128;

const COUNTERS = ["rows_read", "rows_written", "d1_rows_read", "d1_rows_written"];
const namespaces = new WeakMap();

/**
 * The usage counters of the integrations `ids`, by id. An object counts since it last started; the
 * bench reads them just before and just after a run, while the objects are in use.
 */
export async function readUsage(mf, ids) {
	if (!namespaces.has(mf)) namespaces.set(mf, await mf.getDurableObjectNamespace("INTEGRATION"));
	const namespace = namespaces.get(mf);
	const usage = new Map();
	for (const id of ids) {
		const counted = await namespace.get(namespace.idFromName(id)).usage();
		usage.set(id, Object.fromEntries(COUNTERS.map((name) => [name, counted[name]])));
	}
	return usage;
}

/**
 * What the integrations used between two readings, summed. An object that restarted in between
 * (its counters went down) counted only since then; that is rare, and said.
 */
export function usedBetween(before, after) {
	const total = Object.fromEntries(COUNTERS.map((name) => [name, 0]));
	for (const [id, now] of after) {
		const then = before.get(id);
		const restarted = then === undefined || COUNTERS.some((name) => now[name] < then[name]);
		if (restarted && then !== undefined) {
			console.warn(`integration ${id} restarted during a run: its usage counts from then`);
		}
		for (const name of COUNTERS) total[name] += now[name] - (restarted ? 0 : then[name]);
	}
	return total;
}

/**
 * Dollars per million alerts, line by line, from one run's figures per alert: `cpu` (µs, all in),
 * `requests` (push requests; 1/100 for a batch of 100) and the rows `used`.
 *
 * - Worker CPU is all of workerd's CPU for the case: the worker's, its objects' and the local D1's.
 *   On Cloudflare only the worker's is billed as CPU; an object's is billed as duration instead.
 * - Durable Object requests: one per push request (the worker's RPC). Alarm runs are requests too
 *   but are not counted here (the bench cannot count them); a batch's objects run about one a
 *   second while busy.
 * - Durable Object duration: billed for wall-clock time while active, at 128 MB. Taken here as the
 *   case's CPU time, a lower bound: an object kept busy by a steady stream is active all the time.
 */
export function costPerMillionAlerts({ cpu, requests, used }) {
	const million = 1e6;
	const lines = {
		"worker requests": requests * PRICE.workerRequest,
		"worker CPU": (cpu / 1000) * PRICE.cpuMs,
		"DO requests": requests * PRICE.objectRequest,
		"DO duration ≥": (cpu / 1e6) * OBJECT_GB * PRICE.gbSecond,
		"SQLite rows":
			used.rows_read * PRICE.sqliteRowRead + used.rows_written * PRICE.sqliteRowWritten,
		"D1 rows": used.d1_rows_read * PRICE.d1RowRead + used.d1_rows_written * PRICE.d1RowWritten,
	};
	const dollars = Object.fromEntries(
		Object.entries(lines).map(([name, perAlert]) => [name, perAlert * million]),
	);
	dollars.total = Object.values(dollars).reduce((sum, value) => sum + value, 0);
	return dollars;
}

/** A dollar amount with as many digits as tell it apart from its neighbours. */
function usd(value) {
	if (value === 0) return "$0";
	if (value >= 1) return `$${value.toFixed(2)}`;
	if (value >= 0.01) return `$${value.toFixed(3)}`;
	return `$${value.toPrecision(2)}`;
}

const rowsPerAlert = (value) => (value >= 10 ? value.toFixed(0) : value.toFixed(2));

/**
 * The per-case rows and the cost of a million alerts as a markdown table, medians over the rounds
 * (each line's median; the total is the median of each round's total). `cases` are
 * `{ name, runs }` where each run has `cpu` and `requests` per alert and the rows it `used` per
 * alert.
 */
export function costTable(cases) {
	const head = [
		"Case",
		"DO rows read / alert",
		"DO rows written / alert",
		"D1 rows written / alert",
		"worker requests",
		"worker CPU",
		"DO requests",
		"DO duration ≥",
		"SQLite rows",
		"D1 rows",
		"total $ / M alerts",
	];
	const lines = [`| ${head.join(" | ")} |`, `|${"---|".repeat(head.length)}`];
	for (const { name, runs } of cases) {
		const costs = runs.map(costPerMillionAlerts);
		const mid = (pick) => median(runs.map(pick));
		const cost = (line) => usd(median(costs.map((c) => c[line])));
		const totals = costs.map((c) => c.total);
		const range =
			totals.length > 1 ? ` (${usd(Math.min(...totals))}–${usd(Math.max(...totals))})` : "";
		lines.push(
			`| ${[
				name,
				rowsPerAlert(mid((r) => r.used.rows_read)),
				rowsPerAlert(mid((r) => r.used.rows_written)),
				rowsPerAlert(mid((r) => r.used.d1_rows_written)),
				cost("worker requests"),
				cost("worker CPU"),
				cost("DO requests"),
				cost("DO duration ≥"),
				cost("SQLite rows"),
				cost("D1 rows"),
				`**${usd(median(totals))}**${range}`,
			].join(" | ")} |`,
		);
	}
	return lines.join("\n");
}

/** What the cost table assumes, printed under it. */
export const COST_NOTES = [
	"Workers Paid, marginal prices in US$ per million alerts (included allowances and the monthly fee left out): requests $0.30/M and CPU $0.02 per million CPU-ms (https://developers.cloudflare.com/workers/platform/pricing/); Durable Objects requests $0.15/M, duration $12.50 per million GB-s at 128 MB, SQLite rows read $0.001/M and written $1.00/M (https://developers.cloudflare.com/durable-objects/platform/pricing/); D1 rows read $0.001/M and written $1.00/M (https://developers.cloudflare.com/d1/platform/pricing/).",
	"Worker CPU: the case's all-in workerd CPU (worker, objects and the local D1 together; on Cloudflare an object's CPU is billed as its duration instead, so this line is high and the duration line low).",
	"DO requests: one per push request; the alarm runs that mirror to D1 and send notifications are requests too and are not counted.",
	"DO duration ≥: active time taken as the case's CPU time, a lower bound (an object is billed wall-clock time while active, all of it under a steady stream).",
	"Rows: counted by each integration's object over the run and until workerd was idle again (its D1 mirror writes included); a push itself never reads D1. D1 rows read are in the D1 line.",
];
