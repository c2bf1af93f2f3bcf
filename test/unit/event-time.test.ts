import { describe, expect, it } from "vitest";
import type { AlertChange } from "../../src/alerts/event";
import { heldToClock, MAX_FUTURE_SKEW_MS } from "../../src/alerts/event-time";
import { parseAwsTime, parseDateTime, parseHttpDate } from "../../src/sources/fields";

const now = Date.UTC(2026, 11, 5, 12, 0, 0);
const event = (occurred_at: number): AlertChange => ({
	action: "resolve",
	alert_key: "k",
	title: "",
	description: "",
	labels: {},
	images: [],
	occurred_at,
	expires_at: Date.UTC(2999, 0, 1),
});

describe("a sender's time held to the clock", () => {
	it("keeps a time up to the skew ahead, and the past as it is", () => {
		for (const at of [now - 86_400_000, now, now + MAX_FUTURE_SKEW_MS]) {
			expect(heldToClock(event(at), now).occurred_at).toBe(at);
		}
	});

	it("takes a time further ahead as now, and leaves the deadline alone", () => {
		for (const at of [now + MAX_FUTURE_SKEW_MS + 1, Date.UTC(2999, 0, 1)]) {
			const held = heldToClock(event(at), now);
			expect(held.occurred_at).toBe(now);
			expect(held.expires_at).toBe(Date.UTC(2999, 0, 1));
		}
	});
});

describe("reading a sender's date-time", () => {
	it.each([
		["2026-11-21T05:01:00Z", Date.UTC(2026, 10, 21, 5, 1)],
		["2026-11-21T05:01:00.000+0000", Date.UTC(2026, 10, 21, 5, 1)],
		["2026-11-21T06:01:00.5+01:00", Date.UTC(2026, 10, 21, 5, 1, 0, 500)],
		["2028-02-29T00:00Z", Date.UTC(2028, 1, 29)],
	])("reads %s", (value, ms) => {
		expect(parseDateTime(value)).toBe(ms);
		expect(parseAwsTime(value)).toBe(ms);
	});

	it.each([
		["2026-02-29T00:00:00Z"],
		["2026-02-31T00:00:00Z"],
		["2026-04-31T00:00:00.000+0000"],
		["2026-13-45T99:99:99Z"],
		["2026-01-01T24:00:00Z"],
		["2026-01-01T23:60:00Z"],
		["2026-01-01T23:59:60Z"],
		["2026-00-10T00:00:00Z"],
		["2026-01-01T00:00:00+24:00"],
		["2026-01-01T00:00:00"],
		["yesterday"],
	])("refuses %s, which is no real date-time", (value) => {
		expect(parseDateTime(value)).toBeNull();
		expect(parseAwsTime(value)).toBeNull();
	});

	it("reads AWS Health's RFC 1123 dates, and refuses days that do not exist", () => {
		expect(parseHttpDate("Fri, 27 Jan 2023 06:02:51 GMT")).toBe(Date.UTC(2023, 0, 27, 6, 2, 51));
		expect(parseAwsTime("Fri, 27 Jan 2023 06:02:51 GMT")).toBe(Date.UTC(2023, 0, 27, 6, 2, 51));
		expect(parseHttpDate("Fri, 31 Feb 2023 06:02:51 GMT")).toBeNull();
		expect(parseHttpDate("Fri, 27 Foo 2023 06:02:51 GMT")).toBeNull();
		expect(parseHttpDate("Fri, 27 Jan 2023 25:02:51 GMT")).toBeNull();
	});
});
