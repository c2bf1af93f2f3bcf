import { describe, expect, it } from "vitest";
import {
	acknowledge,
	joinOrOpen,
	placements,
	refreshSeverity,
	resolveByPerson,
	resolveWhenQuiet,
} from "../../src/incidents/lifecycle";
import { alertRecord as alert, incidentRecord as incident } from "../factories";

const MINUTE = 60_000;
const grouped = { group_by: ["service"], group_window_ms: 30 * MINUTE };

describe("placements", () => {
	it("places an unrouted alert once, with no channel and no group", () => {
		expect(placements(alert(), [], { ch: grouped })).toEqual([
			{ channel_id: null, group_key: null },
		]);
	});

	it("gives each channel its own group key; a channel without grouping has none", () => {
		expect(placements(alert(), ["ch", "plain"], { ch: grouped })).toEqual([
			{ channel_id: "ch", group_key: '["api"]', grouping: grouped },
			{ channel_id: "plain", group_key: null },
		]);
	});

	it("counts a missing group_by label as empty", () => {
		const [place] = placements(alert({ labels: {} }), ["ch"], { ch: grouped });
		expect(place?.group_key).toBe('[""]');
	});
});

describe("joinOrOpen", () => {
	const [place] = placements(alert(), ["ch"], { ch: grouped });
	if (place === undefined) throw new Error("no placement");

	it("opens an incident titled after the alert when there is nothing to join", () => {
		expect(joinOrOpen(alert(), place, null, 5, () => "new")).toEqual(
			incident({ id: "new", title: "disk full", opened_at: 5 }),
		);
	});

	it("joins the group's open incident within the window, taking the higher severity", () => {
		const joined = joinOrOpen(
			alert({ severity: "critical" }),
			place,
			incident(),
			29 * MINUTE,
			() => "new",
		);
		expect(joined).toEqual(incident({ alert_count: 2, severity: "critical" }));
	});

	it("keeps the incident's severity when the new alert's is lower", () => {
		const joined = joinOrOpen(alert({ severity: "info" }), place, incident(), MINUTE, () => "new");
		expect(joined.severity).toBe("warning");
	});

	it("opens a new incident once the window has passed", () => {
		const opened = joinOrOpen(alert(), place, incident(), 30 * MINUTE, () => "new");
		expect(opened).toMatchObject({ id: "new", alert_count: 1, opened_at: 30 * MINUTE });
	});

	it("joins at any age when the window is null (while the incident is open)", () => {
		const open = { ...place, grouping: { ...grouped, group_window_ms: null } };
		expect(joinOrOpen(alert(), open, incident(), 400 * 86_400_000, () => "new").id).toBe("i1");
	});

	it("never joins where the channel does not group, even given a candidate", () => {
		const [plain] = placements(alert(), ["plain"], {});
		if (plain === undefined) throw new Error("no placement");
		expect(joinOrOpen(alert(), plain, incident(), MINUTE, () => "new").id).toBe("new");
	});
});

describe("refreshSeverity", () => {
	it("takes the highest severity of the incident's alerts", () => {
		expect(refreshSeverity(incident(), ["info", "critical"])).toMatchObject({
			severity: "critical",
		});
		expect(refreshSeverity(incident({ severity: "critical" }), ["info"])).toMatchObject({
			severity: "info",
		});
	});

	it("answers null when nothing changes", () => {
		expect(refreshSeverity(incident(), ["warning", "info"])).toBeNull();
	});
});

describe("resolveWhenQuiet", () => {
	it("stays open while an alert still fires", () => {
		expect(resolveWhenQuiet(incident(), true, { resolved_by: "event" }, 9)).toBeNull();
	});

	it("resolves by alerts when the last alert recovered, by timeout when it timed out", () => {
		expect(resolveWhenQuiet(incident(), false, { resolved_by: "event" }, 9)).toEqual(
			incident({ status: "resolved", resolved_at: 9, resolved_by: "alerts" }),
		);
		expect(resolveWhenQuiet(incident(), false, { resolved_by: "timeout" }, 9)).toMatchObject({
			resolved_by: "timeout",
		});
	});

	it("leaves an already resolved incident alone", () => {
		const resolved = incident({ status: "resolved", resolved_at: 1, resolved_by: "api" });
		expect(resolveWhenQuiet(resolved, false, { resolved_by: "event" }, 9)).toBeNull();
	});
});

describe("acknowledge and resolve by a person", () => {
	it("acknowledges a triggered incident once; repeating it changes nothing", () => {
		const first = acknowledge(incident(), 7);
		expect(first).toEqual({
			ok: true,
			changed: true,
			incident: incident({ status: "acknowledged", acknowledged_at: 7 }),
		});
		if (!first.ok) throw new Error("refused");
		expect(acknowledge(first.incident, 8)).toEqual({
			ok: true,
			changed: false,
			incident: first.incident,
		});
	});

	it("refuses to acknowledge a resolved incident", () => {
		expect(acknowledge(incident({ status: "resolved" }), 7)).toEqual({
			ok: false,
			reason: "incident_resolved",
		});
	});

	it("resolves an open incident by api, and does nothing to a resolved one", () => {
		expect(resolveByPerson(incident({ status: "acknowledged" }), 7)).toMatchObject({
			status: "resolved",
			resolved_at: 7,
			resolved_by: "api",
		});
		expect(resolveByPerson(incident({ status: "resolved" }), 7)).toBeNull();
	});
});
