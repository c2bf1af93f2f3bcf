// How `npm run bench` measures one run of a case: the CPU a process (workerd, or an anchor such as
// Alertmanager) spends on a load, all in: from the first request until the process is idle again,
// so the work the requests leave behind (the alarm's D1 mirror, notifications sent after the
// answer) is counted with them, divided by the requests actually sent.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import autocannon from "autocannon";

const CLOCK_TICKS_PER_S = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());

/** User + system CPU of a process (all its threads), in microseconds. */
export function cpuMicros(pid) {
	const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
	// After the command name: field 14 (utime) and 15 (stime) are at index 11 and 12.
	return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S) * 1e6;
}

export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** The workerd processes this process started (Miniflare runs one per instance). */
export function workerdPids() {
	const out = execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(process.pid)]).toString();
	return out
		.split("\n")
		.filter((line) => line.includes("workerd"))
		.map((line) => Number(line.trim().split(/\s+/)[0]));
}

/** Under 2% of a core over a window: idle (workerd's own timers stay below it). */
const IDLE_SHARE = 0.02;

/**
 * Waits until the process is idle: work a case leaves behind (notifications the alarm still
 * sends, mirror writes) must not be counted against the next case.
 */
export async function settle(instance) {
	const deadline = Date.now() + 60_000;
	for (;;) {
		const before = cpuMicros(instance.pid);
		await delay(500);
		if (cpuMicros(instance.pid) - before < 500_000 * IDLE_SHARE || Date.now() > deadline) return;
	}
}

/**
 * How long a process must stay under 2% of a core after a load to count as done. Longer than the
 * second a Durable Object waits before it mirrors a change to D1 (MIRROR_DELAY_MS), so the last
 * mirror run, and what follows it, are not mistaken for a quiet process.
 */
const QUIET_AFTER_LOAD_MS = 1_500;
const SAMPLE_MS = 100;

/**
 * Samples the process's CPU every 100 ms until the last 1.5 s held under 2% of a core (or 60 s
 * passed). Returns when that quiet stretch began, when it was seen, and the CPU read then.
 */
export async function untilQuiet(pid) {
	const samples = [{ at: performance.now(), cpu: cpuMicros(pid) }];
	const deadline = samples[0].at + 60_000;
	for (;;) {
		await delay(SAMPLE_MS);
		const now = { at: performance.now(), cpu: cpuMicros(pid) };
		samples.push(now);
		const start = samples.findLast((s) => s.at <= now.at - QUIET_AFTER_LOAD_MS);
		const quiet =
			start !== undefined && now.cpu - start.cpu < (now.at - start.at) * 1_000 * IDLE_SHARE;
		if (!quiet && now.at > deadline) console.warn(`process ${pid} still busy 60 s after a load`);
		if (quiet || now.at > deadline) return { since: start?.at ?? now.at, at: now.at, cpu: now.cpu };
	}
}

/** Windows `measureIdle` reads; the least of them is taken. */
const IDLE_WINDOWS = 3;

/**
 * What a process spends idle, in µs of CPU per ms, once each is settled: the all-in figure waits
 * for quiet after every load, and that wait's idle CPU is not the load's. The least of three
 * windows of `ms`: an alarm that happens to run in one (an object's upkeep, a last mirror write)
 * is work, not idling, and a single window that caught one made every later figure of its
 * process too low (by 15 µs an alert in an ad hoc run of 40 batches a round).
 */
export async function measureIdle(instances, ms = 3_000) {
	for (const instance of instances) await settle(instance);
	const rates = instances.map(() => []);
	for (let window = 0; window < IDLE_WINDOWS; window++) {
		const before = instances.map((instance) => cpuMicros(instance.pid));
		await delay(ms);
		instances.forEach((instance, i) => {
			rates[i].push((cpuMicros(instance.pid) - before[i]) / ms);
		});
	}
	instances.forEach((instance, i) => {
		instance.idlePerMs = Math.max(0, Math.min(...rates[i]));
	});
}

/**
 * One timed run: throughput and latency from autocannon, and the process's CPU per request all in:
 * from the start of the load until the process is quiet again, less its idle rate over that wait,
 * divided by the requests sent (those still in flight when autocannon stops are served too).
 * `tail` is how long after the load the process went quiet. A request spec with `amount` runs
 * until that many answered instead of for `duration`. `afterLoad` runs once the load ended,
 * inside the measured window (its figures are merged into the result).
 */
export async function run(instance, request, duration, { connections, afterLoad } = {}) {
	await settle(instance);
	const before = cpuMicros(instance.pid);
	const started = performance.now();
	const result = await autocannon({
		// Miniflare's local triggers are served by its entry worker alone.
		url: (request.path.startsWith("/cdn-cgi/") ? instance.entryUrl : instance.url) + request.path,
		...request,
		connections,
		duration,
	});
	const stopped = performance.now();
	if (result.non2xx > 0 || result.errors > 0) {
		throw new Error(`${request.path}: ${result.non2xx} non-2xx and ${result.errors} errors`);
	}
	const extra = afterLoad ? await afterLoad({ started, stopped }) : {};
	const quiet = await untilQuiet(instance.pid);
	const cpu = quiet.cpu - before - (instance.idlePerMs ?? 0) * (quiet.at - stopped);
	const sent = result.requests.sent;
	const loadS = (stopped - started) / 1000;
	return {
		// A run of a fixed amount may last under a second, autocannon's sampling interval.
		rps: request.amount ? sent / loadS : result.requests.average,
		p50: result.latency.p50,
		p99: result.latency.p99,
		cpu: cpu / sent,
		sent,
		ok: result["2xx"],
		loadS,
		tail: Math.max(0, quiet.since - stopped) / 1000,
		...extra,
	};
}
