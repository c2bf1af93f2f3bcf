import { describe, expect, it } from "vitest";
import { SEVERITY_WORDS, severityFromWord } from "../../src/alerts/severity";

const DOCS: Record<string, string> = import.meta.glob("../../docs/severity.md", {
	query: "?raw",
	import: "default",
	eager: true,
});

describe("severityFromWord", () => {
	it.each([
		["critical", "critical"],
		["CRITICAL", "critical"],
		["  Major ", "critical"],
		["minor", "warning"],
		["high", "critical"],
		["low", "info"],
		["error", "critical"],
		["informational", "info"],
		["Not Classified", "info"],
		["P1", "critical"],
		["p 2", "critical"],
		["P3", "warning"],
		["p_4", "info"],
		["Sev 1", "critical"],
		["SEV-1", "critical"],
		["sev2", "warning"],
		["Sev0", "critical"],
		["sev 4", "info"],
	])("%j → %s", (word, severity) => {
		expect(severityFromWord(word)).toBe(severity);
	});

	it.each(["", "constructor", "__proto__", "toString", "hasOwnProperty", "p6", "sev 12", "loud"])(
		"%j → null",
		(word) => {
			expect(severityFromWord(word)).toBeNull();
		},
	);
});

describe("docs/severity.md", () => {
	it("lists exactly SEVERITY_WORDS, each word with its severity", () => {
		const text = Object.values(DOCS)[0] ?? "";
		const documented: Record<string, string> = {};
		// Rows of the vocabulary table: | `critical` | `crit`, `fatal`, … |
		for (const match of text.matchAll(/^\| `(critical|warning|info)` \| (.+) \|$/gm)) {
			const [, severity = "", words = ""] = match;
			for (const word of words.matchAll(/`([^`]+)`/g)) documented[word[1] ?? ""] = severity;
		}
		expect(documented).toEqual({ ...SEVERITY_WORDS });
	});
});
