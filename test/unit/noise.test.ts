import { describe, expect, it } from "vitest";
import { countChange, flappingOf } from "../../src/integrations/flapping";
import { inhibitor } from "../../src/routing/inhibit";
import { inWindow, nextBoundary, type Schedule, zonedTime } from "../../src/routing/schedule";
import { nextSilenceChange, silenceMatches, silenceStatus } from "../../src/routing/silence";

const at = (text: string) => Date.parse(text);

describe("weekly schedules in a time zone", () => {
	// Europe/Berlin: clocks go forward on 2027-03-28 at 02:00 CET (01:00 UTC) and back on
	// 2027-10-31 at 03:00 CEST (01:00 UTC).
	const sunday: Schedule = {
		days: ["sun"],
		start: "01:30",
		end: "03:30",
		time_zone: "Europe/Berlin",
	};

	it("turns local times into instants, daylight saving included", () => {
		expect(zonedTime({ year: 2027, month: 1, day: 10 }, 90, "Europe/Berlin")).toBe(
			at("2027-01-10T00:30:00Z"),
		);
		expect(zonedTime({ year: 2027, month: 7, day: 11 }, 90, "Europe/Berlin")).toBe(
			at("2027-07-10T23:30:00Z"),
		);
		// 02:30 does not exist on 2027-03-28: it is taken as the jump, 03:00 CEST.
		expect(zonedTime({ year: 2027, month: 3, day: 28 }, 150, "Europe/Berlin")).toBe(
			at("2027-03-28T01:00:00Z"),
		);
		expect(zonedTime({ year: 2027, month: 3, day: 1 }, 0, "UTC")).toBe(at("2027-03-01T00:00:00Z"));
	});

	it("is two hours long on an ordinary Sunday", () => {
		expect(inWindow(sunday, at("2027-03-21T00:29:00Z"))).toBe(false);
		expect(inWindow(sunday, at("2027-03-21T00:30:00Z"))).toBe(true);
		expect(inWindow(sunday, at("2027-03-21T02:29:00Z"))).toBe(true);
		expect(inWindow(sunday, at("2027-03-21T02:30:00Z"))).toBe(false);
		expect(inWindow(sunday, at("2027-03-22T01:00:00Z"))).toBe(false);
	});

	it("is one hour long when the clocks go forward, and three when they go back", () => {
		// 01:30 CET = 00:30 UTC; 03:30 CEST = 01:30 UTC.
		expect(inWindow(sunday, at("2027-03-28T00:30:00Z"))).toBe(true);
		expect(inWindow(sunday, at("2027-03-28T01:29:00Z"))).toBe(true);
		expect(inWindow(sunday, at("2027-03-28T01:30:00Z"))).toBe(false);
		expect(nextBoundary(sunday, at("2027-03-28T00:45:00Z"))).toBe(at("2027-03-28T01:30:00Z"));
		// 01:30 CEST = 23:30 UTC the day before; 03:30 CET = 02:30 UTC.
		expect(inWindow(sunday, at("2027-10-30T23:30:00Z"))).toBe(true);
		expect(inWindow(sunday, at("2027-10-31T02:29:00Z"))).toBe(true);
		expect(inWindow(sunday, at("2027-10-31T02:30:00Z"))).toBe(false);
		expect(nextBoundary(sunday, at("2027-10-31T01:00:00Z"))).toBe(at("2027-10-31T02:30:00Z"));
	});

	it("runs past midnight when the end is not after the start", () => {
		const night: Schedule = {
			days: ["fri"],
			start: "22:00",
			end: "02:00",
			time_zone: "America/New_York",
		};
		// Friday 2027-01-15 22:00 EST = Saturday 03:00 UTC, to Saturday 02:00 EST = 07:00 UTC.
		expect(inWindow(night, at("2027-01-16T02:59:00Z"))).toBe(false);
		expect(inWindow(night, at("2027-01-16T03:00:00Z"))).toBe(true);
		expect(inWindow(night, at("2027-01-16T06:59:00Z"))).toBe(true);
		expect(inWindow(night, at("2027-01-16T07:00:00Z"))).toBe(false);
		expect(nextBoundary(night, at("2027-01-16T07:00:00Z"))).toBe(at("2027-01-23T03:00:00Z"));
	});

	it("ends at the next midnight for 24:00", () => {
		const day: Schedule = { days: ["mon"], start: "00:00", end: "24:00", time_zone: "UTC" };
		expect(inWindow(day, at("2027-01-18T23:59:59Z"))).toBe(true);
		expect(inWindow(day, at("2027-01-19T00:00:00Z"))).toBe(false);
	});
});

describe("silences", () => {
	const times = { starts_at: 1_000, ends_at: 5_000, schedule: null };

	it("are pending, then active, then expired", () => {
		expect(silenceStatus(times, 999)).toBe("pending");
		expect(silenceStatus(times, 1_000)).toBe("active");
		expect(silenceStatus(times, 5_000)).toBe("expired");
		expect(nextSilenceChange(times, 0)).toBe(1_000);
		expect(nextSilenceChange(times, 1_000)).toBe(5_000);
		expect(nextSilenceChange(times, 5_000)).toBeNull();
	});

	it("limited to channels mute only alerts that go to those channels alone", () => {
		const silence = {
			matchers: [{ field: "labels.service", op: "equals" as const, value: "db" }],
			channel_ids: ["ops"],
		};
		const alert = {
			severity: "warning" as const,
			title: "t",
			description: "",
			labels: { service: "db" },
		};
		expect(silenceMatches(silence, alert, () => ["ops"])).toBe(true);
		expect(silenceMatches(silence, alert, () => ["ops", "dba"])).toBe(false);
		expect(silenceMatches(silence, alert, () => [])).toBe(false);
		expect(silenceMatches({ ...silence, channel_ids: [] }, alert, () => [])).toBe(true);
		expect(silenceMatches(silence, { ...alert, labels: { service: "api" } }, () => ["ops"])).toBe(
			false,
		);
		// A silence for every channel never routes the alert to find out where it goes.
		const routed = () => {
			throw new Error("routed");
		};
		expect(silenceMatches({ ...silence, channel_ids: [] }, alert, routed)).toBe(true);
	});
});

describe("inhibition", () => {
	const alert = (id: string, labels: Record<string, string>) => ({
		id,
		severity: "warning" as const,
		title: id,
		description: "",
		labels,
	});
	const rule = {
		id: "r",
		source_matchers: [{ field: "labels.alertname", op: "equals" as const, value: "NodeDown" }],
		target_matchers: [{ field: "labels.severity", op: "equals" as const, value: "warning" }],
		equal: ["instance"],
	};
	const source = alert("s", { alertname: "NodeDown", instance: "a" });

	it("mutes targets whose equal labels match a firing source", () => {
		const target = alert("t", { severity: "warning", instance: "a" });
		expect(inhibitor(target, [rule], () => [source, target])).toBe("s");
		expect(
			inhibitor({ ...target, labels: { severity: "warning", instance: "b" } }, [rule], () => [
				source,
			]),
		).toBeNull();
		expect(inhibitor(target, [rule], () => [])).toBeNull();
	});

	it("reads a missing label as empty, and never lets an alert inhibit itself", () => {
		const bare = alert("b", { severity: "warning" });
		expect(inhibitor(bare, [rule], () => [alert("s2", { alertname: "NodeDown" })])).toBe("s2");
		const both = alert("x", { alertname: "NodeDown", severity: "warning", instance: "a" });
		expect(inhibitor(both, [rule], () => [both])).toBeNull();
		// Two alerts that each match both sides do not mute each other.
		const other = alert("y", { alertname: "NodeDown", severity: "warning", instance: "a" });
		expect(inhibitor(both, [rule], () => [other])).toBeNull();
	});

	it("does not read what fires for an alert no rule targets", () => {
		let reads = 0;
		const firing = () => {
			reads++;
			return [source];
		};
		expect(inhibitor(alert("c", { severity: "critical" }), [rule], firing)).toBeNull();
		expect(reads).toBe(0);
	});
});

describe("flapping", () => {
	const settings = flappingOf({});

	it("defaults to 4 changes in 60 minutes, and can be turned off", () => {
		expect(settings).toEqual({ changes: 4, windowMs: 3_600_000 });
		expect(flappingOf({ flapping: null })).toBeNull();
		expect(flappingOf({ flapping: { changes: 3, window: "10m" } })).toEqual({
			changes: 3,
			windowMs: 600_000,
		});
	});

	it("counts changes inside the window only", () => {
		if (settings === null) throw new Error("flapping is on by default");
		let times: number[] = [];
		const minute = 60_000;
		for (const t of [0, 10, 20]) {
			const counted = countChange(times, t * minute, settings);
			expect(counted.reached).toBe(false);
			times = counted.times;
		}
		expect(countChange(times, 30 * minute, settings).reached).toBe(true);
		// The first change has left the window an hour later.
		expect(countChange(times, 61 * minute, settings)).toEqual({
			times: [10 * minute, 20 * minute, 61 * minute],
			reached: false,
		});
	});
});
