import { describe, expect, it } from "vitest";
import { takeTokens } from "../../src/integrations/rate-limit";

const limit = { per_second: 2, burst: 10 };

describe("the token bucket counted in alerts (pure)", () => {
	it("takes a request's alerts whole, and tells a request that needs more how long to wait", () => {
		const first = takeTokens(undefined, limit, 0, 7);
		expect(first).toEqual({ bucket: { tokens: 3, at: 0 }, taken: { kind: "taken" } });
		const refused = takeTokens(first.bucket, limit, 0, 5);
		// Two tokens short at two a second: one second.
		expect(refused.taken).toEqual({ kind: "wait", retryAfterMs: 1_000 });
		// Refused, it took nothing: the three tokens are still there.
		expect(refused.bucket.tokens).toBe(3);
		expect(takeTokens(refused.bucket, limit, 1_000, 5).taken).toEqual({ kind: "taken" });
	});

	it("never lets through more than the burst at once, however long the bucket rested", () => {
		const rested = takeTokens({ tokens: 10, at: 0 }, limit, 1_000_000, 11);
		expect(rested.taken).toEqual({ kind: "over_burst", burst: 10 });
		expect(rested.bucket.tokens).toBe(10);
		expect(takeTokens(rested.bucket, limit, 1_000_000, 10).taken).toEqual({ kind: "taken" });
	});

	it("costs one token by default, as a single push", () => {
		expect(takeTokens(undefined, limit, 0).bucket.tokens).toBe(9);
	});
});
