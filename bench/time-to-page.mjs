// Time to page: from just before a push that opens an alert until the first notification
// attempt for it reaches the receiver. alertgate's integration is in a channel with one signed
// webhook target, which the gateway's outbound service answers locally; its arrival is matched to
// the push by the alert key in the webhook's JSON event (`incident.alerts[].alert_key`).
import { setTimeout as delay } from "node:timers/promises";
import { adminCall } from "./admin.mjs";
import { percentile } from "./alertmanager.mjs";

/** The webhook target's URL; nothing else the bench sends goes there. */
export const PAGE_URL = "https://receiver.bench.example/page";

const listeners = new Set();

/**
 * For the gateway's outbound service: a webhook to PAGE_URL, read at the moment it arrived
 * (performance.now(), the clock the pushes are timed with) and handed to whoever is timing.
 */
export async function pageArrived(request) {
	const at = performance.now();
	const event = JSON.parse(await request.text());
	for (const listener of listeners) listener(event, at);
}

/** An integration in a channel whose one target is a signed webhook to PAGE_URL; its key. */
export async function pagedIntegration(mf) {
	const channel = await adminCall(mf, "POST", "/channels", { name: "time to page" });
	await adminCall(mf, "POST", `/channels/${channel.id}/targets`, {
		name: "pager",
		type: "webhook",
		url: PAGE_URL,
	});
	const integration = await adminCall(mf, "POST", "/integrations", {
		name: "time to page",
		type: "standard",
		channel_id: channel.id,
		settings: { rate_limit: null },
	});
	return integration.integration_key;
}

let runs = 0;

/**
 * `count` new alerts posted one at a time, `spacingMs` apart (as alertmanagerTimeToPage does), each
 * timed from just before its POST to its first webhook. Resolves with the latencies in ms, in the
 * order the alerts were sent.
 */
export async function alertgateTimeToPage({ url, key, count, spacingMs = 20 }) {
	const prefix = `ttp-${runs++}-`;
	const sentAt = new Map();
	const latencies = new Map();
	const all = Promise.withResolvers();
	const listener = (event, at) => {
		for (const { alert_key } of event.incident?.alerts ?? []) {
			if (!sentAt.has(alert_key) || latencies.has(alert_key)) continue;
			latencies.set(alert_key, at - sentAt.get(alert_key));
			if (latencies.size === count) all.resolve();
		}
	};
	listeners.add(listener);
	try {
		for (let i = 0; i < count; i++) {
			const alertKey = `${prefix}${i}`;
			const body = JSON.stringify({
				event_status: "Critical",
				title_rule: "time to page",
				alert_key: alertKey,
			});
			sentAt.set(alertKey, performance.now());
			const response = await fetch(`${url}/push/${key}`, {
				method: "POST",
				headers: { "Content-Type": "application/json" },
				body,
			});
			if (!response.ok) throw new Error(`time to page: push answered ${response.status}`);
			await response.arrayBuffer();
			await delay(spacingMs);
		}
		await Promise.race([all.promise, delay(10_000, undefined, { ref: false })]);
	} finally {
		listeners.delete(listener);
	}
	if (latencies.size < count) {
		throw new Error(`${count - latencies.size} of ${count} alerts never paged within 10 s`);
	}
	return [...sentAt.keys()].map((alertKey) => latencies.get(alertKey));
}

/** p50 and p99 of one run's latencies (in the order they were sent), and its first page, in ms. */
export const pageStats = (latencies) => ({
	p50: percentile(latencies, 50),
	p99: percentile(latencies, 99),
	first: latencies[0],
});

/**
 * Time to page as a markdown table: p50 and p99 over each round's alerts and its first page (the
 * first after a pause: IDLE_BEFORE_SERIES_MS in run.mjs), median and range over the rounds, for
 * alertgate, its floors and (when it ran) Alertmanager.
 */
export function timeToPageTable(rounds, count, alertmanagerVersion) {
	const ms = (values) => {
		const sorted = [...values].sort((a, b) => a - b);
		const mid = sorted[Math.floor(sorted.length / 2)].toFixed(1);
		return sorted.length === 1
			? mid
			: `${mid} (${sorted[0].toFixed(1)}–${sorted.at(-1).toFixed(1)})`;
	};
	const line = (label, who) =>
		`| ${label} | ${["p50", "p99", "first"].map((stat) => ms(rounds.map((r) => r[who][stat]))).join(" | ")} |`;
	const lines = [
		`| Time to page: ${count} new alerts, one POST each 20 ms after the last answer | p50 ms | p99 ms | first page ms |`,
		"|---|---|---|---|",
		line(
			"alertgate: push → its signed webhook arrives (one target, sent as the push commits)",
			"alertgate",
		),
		line(
			"floor: a trivial worker that forwards each POST to the receiver before it answers",
			"floor",
		),
		line(
			"floor: a Durable Object that commits each alert key, then sends it to the receiver",
			"durableFloor",
		),
	];
	if (rounds.every((r) => r.alertmanager)) {
		lines.push(
			line(
				`Alertmanager ${alertmanagerVersion}: POST → its webhook arrives (group_wait 0s)`,
				"alertmanager",
			),
		);
	}
	return lines.join("\n");
}
