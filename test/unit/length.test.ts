import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { maxLength, minLength } from "../../src/schema/length";

const SOURCES: Record<string, string> = import.meta.glob("../../src/**/*.ts", {
	query: "?raw",
	import: "default",
	eager: true,
});

const HOSTILE_LENGTH = { length: { toString: false } };

describe("length checks for strings and arrays only", () => {
	const List = z.array(z.string(), { error: "must be a list" }).check(minLength(1, "too few"));
	const Name = z.string({ error: "must be text" }).check(maxLength(3, "too long"));

	it("keep zod's own checks for strings and arrays", () => {
		expect(List.safeParse([]).error?.issues.map((i) => i.message)).toEqual(["too few"]);
		expect(List.safeParse(["a"]).success).toBe(true);
		expect(Name.safeParse("abcd").error?.issues.map((i) => i.message)).toEqual(["too long"]);
		// Code points, as zod counts them: three emoji are six UTF-16 units.
		expect(Name.safeParse("😀😀😀").success).toBe(true);
	});

	it("leave any other value to the type check, whatever its `length` holds", () => {
		for (const value of [HOSTILE_LENGTH, { length: 0 }, { length: 99 }]) {
			expect(List.safeParse(value).error?.issues.map((i) => i.message)).toEqual(["must be a list"]);
			expect(Name.safeParse(value).error?.issues.map((i) => i.message)).toEqual(["must be text"]);
		}
	});

	it("are the only length checks in src/", () => {
		const direct = Object.entries(SOURCES)
			.filter(
				([path, text]) =>
					!path.endsWith("/schema/length.ts") && /z\.(min|max)Length\(|z\.length\(/.test(text),
			)
			.map(([path]) => path);
		expect(direct).toEqual([]);
	});
});
