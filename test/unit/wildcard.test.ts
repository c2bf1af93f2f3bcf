import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type WildcardTally, wildcardMatch } from "../../src/alerts/wildcard";
import { matchingCost, wildcardCost } from "../../src/routing/rules";

/** The glob as a regex, the meaning the matcher must keep. */
function reference(pattern: string, text: string): boolean {
	const source = [...pattern.toLowerCase()]
		.map((c) => (c === "*" ? "[\\s\\S]*" : c === "?" ? "[\\s\\S]" : c.replace(/[^\w]/g, "\\$&")))
		.join("");
	return new RegExp(`^${source}$`).test(text.toLowerCase());
}

function steps(pattern: string, text: string): number {
	const tally: WildcardTally = { steps: 0 };
	wildcardMatch(pattern, text, tally);
	return tally.steps;
}

describe("wildcardMatch: meaning", () => {
	it("agrees with the glob read as a regex, on small alphabets where parts overlap", () => {
		const letters = fc.constantFrom("a", "b", "A", "*", "?");
		fc.assert(
			fc.property(
				fc.array(letters, { maxLength: 12 }).map((l) => l.join("")),
				fc.array(fc.constantFrom("a", "b", "B", "c"), { maxLength: 20 }).map((l) => l.join("")),
				(pattern, text) => {
					expect(wildcardMatch(pattern, text)).toBe(reference(pattern, text));
				},
			),
			{ numRuns: 2000 },
		);
	});

	it("keeps parts longer than one 32-bit word whole, with ? anywhere", () => {
		const long = `${"ab".repeat(20)}?${"c".repeat(30)}`;
		expect(wildcardMatch(`x*${long}*y`, `x-${"ab".repeat(20)}Z${"c".repeat(30)}-y`)).toBe(true);
		expect(wildcardMatch(`x*${long}*y`, `x-${"ab".repeat(20)}Z${"c".repeat(29)}-y`)).toBe(false);
		expect(wildcardMatch("*?*", "")).toBe(false);
		expect(wildcardMatch("ab*ba", "aba")).toBe(false);
		expect(wildcardMatch("ab*ba", "abba")).toBe(true);
	});
});

describe("wildcardMatch: cost linear in the value", () => {
	const value = "a".repeat(1024);
	const pathological = `*${"a".repeat(253)}b*`;
	const benign = `*${"c".repeat(253)}b*`;

	it("a 256-character *aaa…ab* costs what a pattern of the same length that fails at once costs", () => {
		// The greedy backtracking matcher took 196,088 steps for the first and 1,025 for the second.
		const hard = steps(pathological, value);
		const easy = steps(benign, value);
		expect(hard).toBeLessThanOrEqual(2 * easy);
		expect(hard).toBeLessThanOrEqual(8 * value.length + pathological.length);
	});

	it("doubling the value doubles the work, whatever the pattern", () => {
		for (const pattern of [pathological, "*a*a*a*a*a*a*a*a*b", `${"?".repeat(200)}*b`, "*b"]) {
			const one = steps(pattern, value);
			const two = steps(pattern, value + value);
			expect(two).toBeLessThanOrEqual(2 * one + pattern.length);
		}
	});

	it("is counted in the regex budget by its length", () => {
		expect(wildcardCost("*b")).toBeLessThan(wildcardCost(pathological));
		expect(matchingCost([{ field: "title", op: "wildcard", value: pathological }])).toBe(
			wildcardCost(pathological),
		);
	});
});
