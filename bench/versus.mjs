// alertgate beside Prometheus Alertmanager (`npm run bench -- --against-alertmanager`): the same
// four kinds of pushes to both, in the same interleaved rounds, and their CPU per alert side by
// side. Alertmanager keeps alerts in memory only and its load goes to a receiver without webhooks;
// alertgate's counterparts commit every alert to SQLite before answering and mirror to D1.
import {
	alertmanagerTimeToPage,
	newBatch,
	newOne,
	repeatBatch,
	repeatOne,
	startAlertmanager,
	startReceiver,
} from "./alertmanager.mjs";
import { summarize } from "./stats.mjs";

/**
 * Alertmanager on loopback with a webhook receiver for time to page. A group interval of an hour:
 * every group Alertmanager opens would otherwise wake each minute to flush, in bursts that fall
 * in later cases' runs (bench/alertmanager.mjs).
 */
export async function startAnchor() {
	const receiver = await startReceiver();
	const alertmanager = await startAlertmanager({ receiverUrl: receiver.url, groupInterval: "1h" });
	const status = await (await fetch(`${alertmanager.url}/api/v2/status`)).json();
	return {
		instance: { pid: alertmanager.pid, url: alertmanager.url },
		version: status.versionInfo?.version ?? "?",
		timeToPage: (count) => alertmanagerTimeToPage({ url: alertmanager.url, receiver, count }),
		stop: async () => {
			await alertmanager.stop();
			await receiver.close();
		},
	};
}

/**
 * Alertmanager's cases, each naming the alertgate case it is set against (`versus`): a repeat of
 * a firing alert, a new alert (a new group), and 100 of each in one POST.
 */
export function anchorCases(instance, versus) {
	return [
		{
			name: "Alertmanager: one repeated alert (merges into its firing alert)",
			versus: versus.repeat,
			request: repeatOne(),
		},
		{
			name: "Alertmanager: one new alert (a new group, receiver without webhooks)",
			versus: versus.new,
			request: newOne(),
		},
		{
			name: "Alertmanager: 100 repeated alerts in one POST (each merges into its firing alert)",
			versus: versus.repeatBatch,
			alerts: 100,
			request: repeatBatch(100),
		},
		{
			name: "Alertmanager: 100 new alerts in one POST (each a new group, receiver without webhooks)",
			versus: versus.newBatch,
			alerts: 100,
			request: newBatch(100),
		},
	].map((c) => ({ ...c, instance }));
}

const show = (stat, digits, unit = "") => {
	const f = (value) => `${value.toFixed(digits)}${unit}`;
	return stat.values.length === 1
		? f(stat.median)
		: `${f(stat.median)} (${f(stat.min)}–${f(stat.max)})`;
};

/**
 * Per alert CPU of each pair, median and range over the rounds; the ratio is worked out in each
 * round, where both ran within a minute of each other, as the goals' are.
 */
export function versusTable(cases, samples, version) {
	const lines = [
		`| Push | alertgate CPU µs/alert | Alertmanager ${version} CPU µs/alert | alertgate ÷ Alertmanager |`,
		"|---|---|---|---|",
	];
	for (const anchor of cases.filter((c) => c.versus !== undefined)) {
		const ours = cases.find((c) => c.name === anchor.versus);
		if (ours === undefined) continue;
		const perAlert = (c) => samples.get(c.name).map((r) => r.cpu / (c.alerts ?? 1));
		const a = perAlert(ours);
		const b = perAlert(anchor);
		lines.push(
			`| ${ours.name} | ${show(summarize(a), 1)} | ${show(summarize(b), 1)} | ${show(summarize(a.map((v, i) => v / b[i])), 2, "×")} |`,
		);
	}
	return lines.join("\n");
}
