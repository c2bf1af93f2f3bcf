import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { timeOrderedId } from "../src/ids";

const UuidV7 = z.uuid({ version: "v7" });

describe("timeOrderedId", () => {
	it("is a UUID version 7 whose first 48 bits are the milliseconds given", () => {
		const at = Date.UTC(2026, 11, 5, 23, 59, 59, 123);
		const id = timeOrderedId(at);
		expect(UuidV7.safeParse(id).success).toBe(true);
		expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
		// The RFC's variant: the 17th hex digit is 8, 9, a or b.
		expect(id[19]).toMatch(/[89ab]/);
	});

	it("sorts as the times it was made at, and differs within one millisecond", () => {
		const times = [1, 255, 256, 65_535, 1_796_514_594_254, 2 ** 48 - 1];
		const ids = times.map((t) => timeOrderedId(t));
		expect([...ids].sort()).toEqual(ids);
		const same = new Set(Array.from({ length: 1_000 }, () => timeOrderedId(42)));
		expect(same.size).toBe(1_000);
		for (const id of same) expect(id.startsWith("00000000-002a-7")).toBe(true);
	});

	it("sorts as it was made within one millisecond, the time moving on past the counter's 4,096", () => {
		const made = Array.from({ length: 10_000 }, () => timeOrderedId(1_000));
		expect([...made].sort()).toEqual(made);
		const time = (id: string) => Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
		expect(time(made[0] ?? "")).toBe(1_000);
		// At most 4,096 an id's millisecond, at least 2,048 (the counter starts below half).
		const last = time(made.at(-1) ?? "");
		expect(last).toBeGreaterThanOrEqual(1_002);
		expect(last).toBeLessThanOrEqual(1_004);
		// A clock that reaches a millisecond the counter already took goes on after its ids.
		const next = timeOrderedId(1_001);
		expect(next > (made.at(-1) ?? "")).toBe(true);
		expect(UuidV7.safeParse(next).success).toBe(true);
		// And one past them starts its own.
		expect(time(timeOrderedId(last + 1))).toBe(last + 1);
	});
});
