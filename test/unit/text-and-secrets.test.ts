import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LIMITS } from "../../src/alerts/event";
import { labelWriter } from "../../src/alerts/labels";
import { deriveAlertKey, fitAlertKey, truncate } from "../../src/alerts/text";
import { wildcardMatch } from "../../src/alerts/wildcard";
import { fieldPath } from "../../src/schema/problem";
import {
	base64url,
	digestsEqual,
	fromBase64url,
	generateIntegrationKey,
	generateRoutingKey,
	readIntegrationKey,
	secretsEqual,
	sha256Hex,
} from "../../src/security/secrets";

describe("truncate", () => {
	it("leaves short strings alone and cuts long ones", () => {
		expect(truncate("abc", 3)).toBe("abc");
		expect(truncate("abcdef", 3)).toBe("abc");
	});

	it("never splits a surrogate pair", () => {
		const cut = truncate("ab😀cd", 3);
		expect(cut).toBe("ab");
		expect(() => encodeURIComponent(cut)).not.toThrow();
	});
});

describe("fitAlertKey", () => {
	it("keeps keys within the limit and distinct", async () => {
		const long = "x".repeat(400);
		const a = await fitAlertKey(`${long}a`, 255);
		const b = await fitAlertKey(`${long}b`, 255);
		expect(a).toHaveLength(255);
		expect(a).not.toBe(b);
		expect(a.endsWith(await sha256Hex(`${long}a`))).toBe(true);
		expect(await fitAlertKey("short", 255)).toBe("short");
	});
});

describe("deriveAlertKey", () => {
	it("depends on title and labels, not on label order", async () => {
		const a = await deriveAlertKey("t", { x: "1", y: "2" });
		expect(await deriveAlertKey("t", { y: "2", x: "1" })).toBe(a);
		expect(await deriveAlertKey("t", { x: "1", y: "3" })).not.toBe(a);
		expect(await deriveAlertKey("u", { x: "1", y: "2" })).not.toBe(a);
		// A label cannot imitate the title: the encoding is unambiguous.
		expect(await deriveAlertKey("t", {})).not.toBe(await deriveAlertKey("", { t: "" }));
	});
});

describe("base64url and hex", () => {
	it("decodes what it encodes, for any bytes", () => {
		fc.assert(
			fc.property(fc.uint8Array({ maxLength: 70 }), (bytes) => {
				expect(fromBase64url(base64url(bytes))).toEqual(bytes);
			}),
		);
	});

	it("decodes any base64url text as atob does (trailing bits dropped)", () => {
		const viaAtob = (text: string) =>
			Uint8Array.from(atob(text.replaceAll("-", "+").replaceAll("_", "/")), (c) => c.charCodeAt(0));
		const sextet = fc.constantFrom(
			..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
		);
		const text = fc
			.array(sextet, { maxLength: 40 })
			.map((chars) => chars.join(""))
			.filter((t) => t.length % 4 !== 1);
		fc.assert(
			fc.property(text, (t) => {
				expect(fromBase64url(t)).toEqual(viaAtob(t));
			}),
		);
	});

	it("refuses other characters and impossible lengths", () => {
		for (const bad of ["ab+c", "ab/c", "abcde", "a===", "é", "ab\u0000c"]) {
			expect(fromBase64url(bad), bad).toBeNull();
		}
		expect(fromBase64url("")).toEqual(new Uint8Array());
	});

	it("hashes to lowercase hex (FIPS 180-2's example)", async () => {
		expect(await sha256Hex("abc")).toBe(
			"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		);
	});
});

describe("integration keys", () => {
	it("carry their integration's id and 256 random bits in URL-safe characters", () => {
		const id = crypto.randomUUID();
		const keys = new Set(Array.from({ length: 100 }, () => generateIntegrationKey(id)));
		expect(keys.size).toBe(100);
		for (const key of keys) {
			expect(key).toMatch(/^agk_[A-Za-z0-9_-]{65}$/);
			expect(readIntegrationKey(key)).toEqual({ kind: "addressed", integrationId: id });
		}
	});

	it("make routing keys of 32 lowercase letters and digits, each character equally likely", () => {
		const keys = Array.from({ length: 2_000 }, () => generateRoutingKey());
		expect(new Set(keys).size).toBe(keys.length);
		const counts = new Map<string, number>();
		for (const key of keys) {
			expect(key).toMatch(/^agk[0-9a-z]{29}$/);
			expect(readIntegrationKey(key)).toEqual({ kind: "routing" });
			for (const char of key.slice(3)) counts.set(char, (counts.get(char) ?? 0) + 1);
		}
		// 58,000 characters over 36: about 1,611 each (200 is five standard deviations).
		expect(counts.size).toBe(36);
		for (const count of counts.values()) expect(Math.abs(count - 1611)).toBeLessThan(200);
	});

	it("tell keys of the old format (no id) from what cannot be a key", () => {
		expect(readIntegrationKey(`agk_${"A".repeat(43)}`)).toEqual({ kind: "legacy" });
		for (const bad of ["agk_../../etc", `agk_${"A".repeat(44)}`, `agk_${"A".repeat(64)}`, ""]) {
			expect(readIntegrationKey(bad)).toBeNull();
		}
	});

	it("compare digests in constant time, equal only when equal", () => {
		expect(digestsEqual("ab".repeat(32), "ab".repeat(32))).toBe(true);
		expect(digestsEqual("ab".repeat(32), `${"ab".repeat(31)}ac`)).toBe(false);
		expect(digestsEqual("ab", "ab".repeat(32))).toBe(false);
	});

	it("compare equal only when equal", async () => {
		expect(await secretsEqual("token", "token")).toBe(true);
		expect(await secretsEqual("token", "tokem")).toBe(false);
		expect(await secretsEqual("token", "token-longer")).toBe(false);
		expect(await secretsEqual("", "token")).toBe(false);
	});
});

describe("fieldPath", () => {
	it("writes paths as a sender would", () => {
		expect(fieldPath(["labels", "team"])).toBe("labels.team");
		expect(fieldPath(["images", 0, "src"])).toBe("images[0].src");
		expect(fieldPath([])).toBe("");
	});
});

describe("wildcardMatch", () => {
	it("matches * and ? case-insensitively, anchored at both ends", () => {
		expect(wildcardMatch("prod-*", "PROD-api")).toBe(true);
		expect(wildcardMatch("prod-*", "staging-prod-api")).toBe(false);
		expect(wildcardMatch("*-5xx", "api-5xx")).toBe(true);
		expect(wildcardMatch("a?c", "abc")).toBe(true);
		expect(wildcardMatch("a?c", "ac")).toBe(false);
		expect(wildcardMatch("*", "")).toBe(true);
		expect(wildcardMatch("a*b*c", "axxbyyc")).toBe(true);
		expect(wildcardMatch("a*b*c", "axxbyy")).toBe(false);
	});

	it("answers patterns that make backtracking regexes explode", () => {
		// A backtracking matcher would not finish this; the greedy one answers at once.
		expect(wildcardMatch("*a*a*a*a*a*a*a*a*b", "a".repeat(5000))).toBe(false);
		expect(wildcardMatch("*a*a*a*a*a*a*a*a*a", "a".repeat(5000))).toBe(true);
	});
});

describe("labelWriter", () => {
	it("counts own labels only, and keeps a label named __proto__ as a label", () => {
		const labels: Record<string, string> = {};
		const set = labelWriter(labels);
		set("__proto__", "p");
		set("constructor", "c");
		for (let i = 0; i < 60; i++) set(`l${i}`, String(i));
		expect(Object.keys(labels)).toHaveLength(LIMITS.labelCount);
		expect(Object.hasOwn(labels, "__proto__")).toBe(true);
		expect(labels.constructor).toBe("c");
		expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
		// Past the limit, a label already held is still updated.
		set("constructor", "changed");
		expect(labels.constructor).toBe("changed");
	});
});
