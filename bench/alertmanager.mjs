// An anchor for `npm run bench`: Prometheus Alertmanager (Debian's 0.25 package) run on loopback,
// taking the same kinds of pushes as alertgate's cases, so its CPU per request and per alert and
// its time to page can be printed beside alertgate's, measured in the same rounds on the same machine.
// Instances and requests have the shape bench/run.mjs gives its own cases: `{ pid, url }` and an
// autocannon request spec.
import { spawn } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";

/**
 * How long a posted alert stays firing unless posted again (its `endsAt`). Repeats refresh it with
 * every request; a new alert is posted once, and alertgate's stay firing, so this outlasts a whole
 * bench run (over 10 minutes): an expiry would send resolve notifications during later cases.
 */
const ALERT_TTL_MS = 60 * 60_000;

/** The Alertmanager binary on PATH (Debian names it prometheus-alertmanager), or null. */
export function alertmanagerAvailable() {
	const dirs = (process.env.PATH ?? "").split(path.delimiter).filter(Boolean);
	const names = ["prometheus-alertmanager", "alertmanager"];
	for (const file of names.flatMap((name) => dirs.map((dir) => path.join(dir, name)))) {
		try {
			accessSync(file, constants.X_OK);
			return file;
		} catch {}
	}
	return null;
}

/** A free loopback port: the kernel picks one for a listener closed at once. */
function freePort() {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const { port } = server.address();
			server.close(() => resolve(port));
		});
	});
}

/**
 * Every alert is its own group (`group_by: ['...']`) and `group_wait: 0s`, so a new alert pages
 * at once on its own, as in alertgate's ungrouped channel; repeats of a firing alert page nothing.
 * Alerts labelled `page="yes"` (time to page's) go to the webhook receiver; every other alert (the
 * load cases') to one without webhook_configs, as alertgate's load goes to a channel without
 * targets: grouped and dispatched, but sending nothing.
 *
 * Measured with 0.25 on 2 cores: there is no dispatch floor. A new group's timer starts at
 * group_wait, so its first webhook leaves at once: 250 alerts posted 20 ms apart page in 2.5 ms
 * at the median, 9 to 10 ms at p99. But every group then wakes each group_interval to flush
 * (the notification log finds nothing new to send): about 45 µs per group per tick, all of it
 * when that group's minute comes round, not when a request is served. After the cases that open
 * alerts (some 20,000 groups in 3 s) that is about 1 s of CPU a minute, in bursts that can fall
 * in a later case's run; `groupInterval` longer than the bench moves it out of the way.
 */
function config(receiverUrl, groupInterval) {
	return `route:
  receiver: discard
  group_by: ['...']
  group_wait: 0s
  group_interval: ${groupInterval}
  repeat_interval: 4h
  routes:
    - receiver: bench
      matchers: ['page="yes"']
receivers:
  - name: discard
  - name: bench
    webhook_configs:
      - url: ${JSON.stringify(receiverUrl)}
        send_resolved: true
`;
}

/**
 * Alertmanager in a fresh directory on a free loopback port, clustering off, once `/-/ready`
 * answers. It is spawned directly (no shell) so `pid` is the process whose CPU the bench reads.
 */
export async function startAlertmanager({ receiverUrl, groupInterval = "1m" }) {
	const binary = alertmanagerAvailable();
	if (!binary) throw new Error("prometheus-alertmanager is not on PATH");
	const dir = mkdtempSync(path.join(tmpdir(), "alertgate-am-"));
	const configFile = path.join(dir, "alertmanager.yml");
	writeFileSync(configFile, config(receiverUrl, groupInterval));
	const port = await freePort();
	const url = `http://127.0.0.1:${port}`;
	const child = spawn(
		binary,
		[
			`--config.file=${configFile}`,
			`--storage.path=${path.join(dir, "data")}`,
			`--web.listen-address=127.0.0.1:${port}`,
			"--cluster.listen-address=",
		],
		{ stdio: ["ignore", "ignore", "pipe"] },
	);
	// Its log is drained (a full pipe would block it), the tail kept to show if it fails.
	let log = "";
	child.stderr.on("data", (chunk) => {
		log = (log + chunk).slice(-4_000);
	});
	const exited = new Promise((resolve) => child.once("exit", resolve));
	const stop = async () => {
		if (child.exitCode === null && child.signalCode === null) {
			child.kill("SIGTERM");
			const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
			await exited;
			clearTimeout(timer);
		}
		rmSync(dir, { recursive: true, force: true });
	};
	for (const deadline = Date.now() + 15_000; ; await delay(50)) {
		const ready = (await fetch(`${url}/-/ready`).catch(() => null))?.status === 200;
		if (ready) return { pid: child.pid, url, stop };
		if (child.exitCode !== null || Date.now() > deadline) {
			const why = child.exitCode === null ? "not ready in 15 s" : `exited (${child.exitCode})`;
			await stop();
			throw new Error(`alertmanager ${why}:\n${log}`);
		}
	}
}

/** A body of alerts made by `alert()`, its times put in: `startsAt` now and `endsAt` ahead. */
function timed(body) {
	const now = Date.now();
	return body
		.replaceAll('"@startsAt"', JSON.stringify(new Date(now).toISOString()))
		.replaceAll('"@endsAt"', JSON.stringify(new Date(now + ALERT_TTL_MS).toISOString()));
}

/**
 * A request posting `alerts` (built once) to `/api/v2/alerts`, with `startsAt` now and `endsAt`
 * ahead put in per request, so the alerts stay firing however long the case runs. `next(n)`, if
 * given, returns the alerts of the n-th request instead (a new one each time).
 */
function postAlerts(alerts, next) {
	let n = 0;
	const fixed = alerts && JSON.stringify(alerts);
	return {
		method: "POST",
		path: "/api/v2/alerts",
		headers: { "Content-Type": "application/json" },
		requests: [
			{
				setupRequest: (request) => ({
					...request,
					body: timed(fixed ?? JSON.stringify(next(n++))),
				}),
			},
		],
	};
}

/** One alert in the shape Prometheus posts; the times are filled in per request. */
const alert = (labels) => ({
	labels,
	annotations: { summary: `${labels.alertname} ${labels.key}` },
	startsAt: "@startsAt",
	endsAt: "@endsAt",
	generatorURL: "http://prometheus:9090/graph?g0.expr=queue_depth%3E1000",
});

/** Shared by every request spec and timeToPage, so no two calls post the same new alert. */
let counter = 0;

/** One alert that stays the same: after the first request it merges into the firing alert. */
export const repeatOne = () =>
	postAlerts([alert({ alertname: "DiskFull", key: "db-1", severity: "critical" })]);

/** A new alert each request: a new alert and a new group, so a notification each time. */
export const newOne = () =>
	postAlerts(null, () => [alert({ alertname: "QueueDepthHigh", key: `am-${counter++}` })]);

/** The same `size` alerts every request: each merges into its firing alert. */
export const repeatBatch = (size) =>
	postAlerts(
		Array.from({ length: size }, (_, i) =>
			alert({ alertname: "HighLatency", key: `web-${i}`, severity: "warning" }),
		),
	);

/** `size` new alerts every request: as many new groups, and as many notifications. */
export const newBatch = (size) =>
	postAlerts(null, () =>
		Array.from({ length: size }, () =>
			alert({ alertname: "QueueDepthHigh", key: `am-${counter++}` }),
		),
	);

/**
 * A webhook receiver on a free loopback port. It answers 200 and hands each notification, parsed,
 * to the callbacks with `performance.now()` at the moment its body had fully arrived.
 */
export async function startReceiver() {
	const callbacks = [];
	const server = createServer((request, response) => {
		const chunks = [];
		request.on("data", (chunk) => chunks.push(chunk));
		request.on("end", () => {
			const receivedAtMs = performance.now();
			response.end();
			const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
			for (const fn of callbacks) fn(body, receivedAtMs);
		});
	});
	await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
	const { port } = server.address();
	return {
		url: `http://127.0.0.1:${port}/`,
		port,
		/** Registers `fn`; what it returns takes it off again. */
		onReceive: (fn) => {
			callbacks.push(fn);
			return () => callbacks.splice(callbacks.indexOf(fn), 1);
		},
		close: () =>
			new Promise((resolve) => {
				server.closeAllConnections();
				server.close(resolve);
			}),
	};
}

/** The nearest-rank percentile `p` (0 to 100) of `values`. */
export function percentile(values, p) {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * Time to page: `count` new alerts posted one at a time, `spacingMs` apart, each timed from just
 * before its POST to the webhook that carries it. Resolves with the latencies in ms, in the order
 * the alerts were sent.
 */
export async function alertmanagerTimeToPage({ url, receiver, count, spacingMs = 20 }) {
	const prefix = `ttp-${counter++}-`;
	const sentAt = new Map();
	const latencies = new Map();
	const all = Promise.withResolvers();
	const off = receiver.onReceive((body, receivedAtMs) => {
		for (const { labels } of body.alerts ?? []) {
			const key = labels?.key;
			if (!sentAt.has(key) || latencies.has(key)) continue;
			latencies.set(key, receivedAtMs - sentAt.get(key));
			if (latencies.size === count) all.resolve();
		}
	});
	for (let i = 0; i < count; i++) {
		const key = `${prefix}${i}`;
		const body = timed(JSON.stringify([alert({ alertname: "TimeToPage", key, page: "yes" })]));
		sentAt.set(key, performance.now());
		const response = await fetch(`${url}/api/v2/alerts`, {
			method: "POST",
			headers: { "Content-Type": "application/json" },
			body,
		});
		if (!response.ok) throw new Error(`POST /api/v2/alerts: ${response.status}`);
		await delay(spacingMs);
	}
	// Stragglers get 10 s (unref'd: the receiver keeps the process up, this never holds it open).
	await Promise.race([all.promise, delay(10_000, undefined, { ref: false })]);
	off();
	if (latencies.size < count) {
		throw new Error(`${count - latencies.size} of ${count} alerts never paged within 10 s`);
	}
	return [...sentAt.keys()].map((key) => latencies.get(key));
}
