import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkAdminToken, estimatedBits } from "../../src/admin/auth";
import { ADMIN_TOKEN } from "../helpers";

const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const base64url = (bytes: Uint8Array) =>
	base64(bytes).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
const hex = (bytes: Uint8Array) =>
	Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** Random tokens as the usual tools make them, 32 characters or more. */
const randomToken = fc.oneof(
	// `openssl rand -base64 N` for N ≥ 24.
	fc.uint8Array({ minLength: 24, maxLength: 64 }).map(base64),
	fc.uint8Array({ minLength: 24, maxLength: 64 }).map(base64url),
	// `openssl rand -hex N` for N ≥ 16: 128 bits in 32 hex digits.
	fc.uint8Array({ minLength: 16, maxLength: 64 }).map(hex),
	fc.uint8Array({ minLength: 16, maxLength: 64 }).map((bytes) => hex(bytes).toUpperCase()),
	// What `npm run dev` writes to .dev.vars.
	fc.uint8Array({ minLength: 24, maxLength: 24 }).map((bytes) => `dev_${base64url(bytes)}`),
);

const WHITESPACE = [" ", "\t", "\n", "\r", "\u00a0", "\u2003", "\u3000"];

describe("an ADMIN_TOKEN must be long, without whitespace, and not plainly non-random", () => {
	it("takes every random base64, base64url and hex token of 32 characters or more", () => {
		fc.assert(
			fc.property(randomToken, (token) => {
				expect(token.length).toBeGreaterThanOrEqual(32);
				expect(checkAdminToken(token)).toEqual({ ok: true });
			}),
			{ numRuns: 2_000 },
		);
	});

	it("takes `openssl rand -base64 32`, the `npm run dev` token and the tests' own", () => {
		const bytes = crypto.getRandomValues(new Uint8Array(32));
		expect(checkAdminToken(base64(bytes))).toEqual({ ok: true });
		const dev = `dev_${base64url(crypto.getRandomValues(new Uint8Array(24)))}`;
		expect(checkAdminToken(dev)).toEqual({ ok: true });
		expect(checkAdminToken(ADMIN_TOKEN)).toEqual({ ok: true });
	});

	it("refuses fewer than 32 characters as too short", () => {
		expect(checkAdminToken(base64(new Uint8Array(23)).slice(0, 31))).toMatchObject({
			ok: false,
			code: "AdminTokenTooShort",
		});
	});

	it("refuses whitespace only, and whitespace anywhere in a random token", () => {
		fc.assert(
			fc.property(
				fc.array(fc.constantFrom(...WHITESPACE), { minLength: 32, maxLength: 80 }),
				(spaces) => {
					expect(checkAdminToken(spaces.join(""))).toMatchObject({
						ok: false,
						code: "AdminTokenWeak",
					});
				},
			),
		);
		fc.assert(
			fc.property(randomToken, fc.constantFrom(...WHITESPACE), fc.nat(), (token, space, at) => {
				const where = at % (token.length + 1);
				const spaced = `${token.slice(0, where)}${space}${token.slice(where)}`;
				expect(checkAdminToken(spaced)).toMatchObject({ ok: false, code: "AdminTokenWeak" });
			}),
		);
	});

	it("refuses one character repeated, and a few characters in turn", () => {
		fc.assert(
			fc.property(
				fc.string({ minLength: 1, maxLength: 1, unit: "grapheme-ascii" }),
				fc.integer({ min: 32, max: 200 }),
				(character, length) => {
					fc.pre(character.trim() !== "");
					const check = checkAdminToken(character.repeat(length));
					expect(check).toMatchObject({ ok: false, code: "AdminTokenWeak" });
				},
			),
		);
		for (const weak of ["ab".repeat(16), "abcd".repeat(8), `${"a".repeat(31)}b`, "x".repeat(64)]) {
			expect(checkAdminToken(weak)).toMatchObject({ ok: false, code: "AdminTokenWeak" });
		}
	});

	it("estimates length times the entropy of the character frequencies", () => {
		expect(estimatedBits("a".repeat(40))).toBe(0);
		expect(estimatedBits("ab".repeat(16))).toBe(32);
		expect(estimatedBits("0123456789abcdef".repeat(2))).toBe(128);
	});
});
