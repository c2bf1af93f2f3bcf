import { describe, expect, it } from "vitest";
import { createIntegration, expectError, listAlerts, push } from "./helpers";

/** The severities alertgate stored, by alert title (standard) or alertname (Alertmanager). */
async function severities(id: string, by: "title" | "alertname") {
	const { alerts } = await listAlerts(id);
	return Object.fromEntries(
		alerts.map((a) => [by === "title" ? a.title : a.labels.alertname, a.severity]),
	);
}

const WORDS = ["major", "P3", "informational", "Sev 1", "SEV-4", "minor", "Disaster", "low"];
const EXPECTED = {
	major: "critical",
	P3: "warning",
	informational: "info",
	"Sev 1": "critical",
	"SEV-4": "info",
	minor: "warning",
	Disaster: "critical",
	low: "info",
};

describe("one severity vocabulary, whichever source", () => {
	it("reads a standard event_status through it", async () => {
		const { id, integration_key } = await createIntegration();
		for (const word of WORDS) {
			const reply = await push(integration_key, { event_status: word, title_rule: word });
			expect(reply.status).toBe(200);
		}
		expect(await severities(id, "title")).toEqual(EXPECTED);
	});

	it("refuses a standard event_status outside it, naming the field and the common words", async () => {
		const { id, integration_key } = await createIntegration();
		const reply = await push(integration_key, { event_status: "Loud", title_rule: "x" });
		const message = expectError(reply, 400, "InvalidParameter");
		expect(message).toContain("event_status must be one of Critical, Warning, Info, Ok");
		expect(message).toContain("major");
		expect(message).toContain("P1 to P5");
		expect((await listAlerts(id)).alerts).toHaveLength(0);
	});

	it("reads Alertmanager's labels.severity through it, unknown as warning", async () => {
		const { id, integration_key } = await createIntegration("am", "alertmanager");
		const alerts = [...WORDS, "bogus"].map((severity) => ({
			status: "firing",
			labels: { alertname: severity, severity },
		}));
		expect((await push(integration_key, { alerts })).status).toBe(200);
		expect(await severities(id, "alertname")).toEqual({ ...EXPECTED, bogus: "warning" });
	});
});
