import { describe, expect, it } from "vitest";
import { compileMapping, evaluateMapping } from "../src/sources/webhook/mapping";
import { PRESETS, type PresetName } from "../src/sources/webhook/presets";
import { goldenCases } from "./helpers";

/** The receive time every golden file was made with (2026-01-01T00:00:00Z). */
const RECEIVED_AT = 1_767_225_600_000;

const cases = goldenCases("webhook");

/** Presets whose firing and resolved fixtures are not of the same alert. */
const UNPAIRED: PresetName[] = ["healthchecks", "azure_monitor", "zabbix"];
const names = Object.keys(PRESETS) as PresetName[];

/** The preset a fixture is for: its name up to the first `-`. */
function presetOf(file: string): PresetName {
	const name = names.find((preset) => file.startsWith(`${preset}-`));
	if (name === undefined) throw new Error(`${file} names no preset`);
	return name;
}

function compiled(name: PresetName) {
	const result = compileMapping(PRESETS[name].mapping);
	if (!result.ok) throw new Error(result.problem);
	return result.value;
}

describe("webhook presets", () => {
	it("has the nine senders, each with a public source", () => {
		expect(names).toEqual(
			expect.arrayContaining([
				"grafana_oncall",
				"uptime_kuma",
				"zabbix",
				"sentry",
				"datadog",
				"healthchecks",
				"github_workflow_run",
				"azure_monitor",
				"google_cloud_monitoring",
			]),
		);
		for (const name of names) expect(PRESETS[name].source).toMatch(/^https:\/\//);
	});

	it.each(names)("%s compiles", (name) => {
		expect(compileMapping(PRESETS[name].mapping).ok).toBe(true);
	});

	it.each(names)("%s has a golden fixture", (name) => {
		expect(cases.some(([file]) => presetOf(file) === name)).toBe(true);
	});

	it.each(cases)("%s gives its golden events", async (file, text, expected) => {
		const result = await evaluateMapping(compiled(presetOf(file)), JSON.parse(text), RECEIVED_AT);
		expect(result).toEqual({ ok: true, value: expected });
	});

	it.each(names.filter((name) => cases.some(([file]) => presetOf(file) === name)))(
		"%s resolves the alert its firing fixture opens, where the sender has both",
		async (name) => {
			const events = [];
			for (const [file, text] of cases.filter(([file]) => presetOf(file) === name)) {
				const result = await evaluateMapping(compiled(name), JSON.parse(text), RECEIVED_AT);
				if (!result.ok) throw new Error(`${file}: ${result.problem}`);
				events.push(...result.value);
			}
			const fired = events.filter((event) => event.action === "trigger");
			const resolved = events.filter((event) => event.action === "resolve");
			expect(fired.length).toBeGreaterThan(0);
			// The documented examples of Healthchecks (two checks) and Azure Monitor (two alert
			// instances) are of different alerts; Zabbix's shipped media type sends problems only.
			if (UNPAIRED.includes(name)) return;
			expect(resolved.map((event) => event.alert_key)).toEqual(
				expect.arrayContaining(fired.map((event) => event.alert_key)),
			);
		},
	);
});
