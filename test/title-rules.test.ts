// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Flashduty's `${label}` references are what these tests are about.
import { describe, expect, it } from "vitest";
import { createIntegration, listAlerts, push } from "./helpers";

const labels = { cluster: "nj", resource: "es.nj.01", check: "cpu.idle<20%", "k8s.pod": "api-7" };

/** Pushes one standard event and answers the title of the alert it stored. */
async function storedTitle(event: Record<string, unknown>): Promise<string | undefined> {
	const { id, integration_key } = await createIntegration();
	const reply = await push(integration_key, { event_status: "Warning", labels, ...event });
	expect(reply.status).toBe(200);
	return (await listAlerts(id)).alerts[0]?.title;
}

describe("title_rule is rendered as Flashduty renders it", () => {
	it.each([
		["[TPL]${resource} / ${check}", "es.nj.01 / cpu.idle<20%"],
		["[TPL]${resource} / ${missing}", "es.nj.01 / <no value>"],
		["[TPL]{{.Labels.resource}} / {{.EventSeverity}}", "es.nj.01 / Warning"],
		["[TPL]{{ .Labels.resource }} / {{.Labels.missing}}!", "es.nj.01 / !"],
		['[TPL]{{index .Labels "k8s.pod"}} restarted', "api-7 restarted"],
		["[TPL]{{.Description}} ({{.AlertKey}})", "cpu idle low (cpu-nj)"],
		["$cluster::$resource::$check", "nj / es.nj.01 / cpu.idle<20%"],
		["$resource::$missing", "es.nj.01 / $missing"],
		["cost over $5", "cost over $5"],
		["[TPL]{{.Foo}} down", "[TPL]{{.Foo}} down"],
		["Net::HTTP timeout", "Net::HTTP timeout"],
		// Rendered empty, the title would say nothing: the rule as sent says what is missing.
		["[TPL]{{.Labels.host}}", "[TPL]{{.Labels.host}}"],
	])("%s → %s", async (title_rule, title) => {
		expect(
			await storedTitle({ title_rule, description: "cpu idle low", alert_key: "cpu-nj" }),
		).toBe(title);
	});

	it("reads the title alias as written, and offers it to the rule as {{.Title}}", async () => {
		expect(await storedTitle({ title: "$cluster::$check" })).toBe("$cluster::$check");
		expect(
			await storedTitle({
				title: "disk full",
				title_rule: "[TPL][{{.Labels.cluster}}] {{.Title}}",
			}),
		).toBe("[nj] disk full");
	});

	it("renders before the title is cut to 512 characters", async () => {
		const long = { big: "x".repeat(2000) };
		const { id, integration_key } = await createIntegration();
		await push(integration_key, {
			event_status: "Critical",
			title_rule: "[TPL]${big}${big}",
			labels: long,
		});
		expect((await listAlerts(id)).alerts[0]?.title).toBe("x".repeat(512));
	});

	it("derives the alert key from the rendered title", async () => {
		const { integration_key } = await createIntegration();
		const rule = await push(integration_key, {
			event_status: "Critical",
			title_rule: "[TPL]${resource} down",
			labels: { resource: "db-1" },
		});
		const plain = await push(integration_key, {
			event_status: "Critical",
			title_rule: "db-1 down",
			labels: { resource: "db-1" },
		});
		expect(plain.body.data).toMatchObject({
			alert_key: rule.body.data.alert_key,
			result: "updated",
		});
	});
});
