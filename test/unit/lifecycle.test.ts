import { describe, expect, it } from "vitest";
import type { Alert } from "../../src/alerts/alert";
import type { AlertChange } from "../../src/alerts/event";
import { applyEvent, mergeLabels } from "../../src/alerts/lifecycle";
import { alertRecord } from "../factories";

const base = { alert_key: "k", title: "t", description: "", labels: {}, images: [] };
const trigger = (over: Partial<AlertChange> = {}): AlertChange =>
	({ action: "trigger", severity: "warning", occurred_at: 1000, ...base, ...over }) as AlertChange;
const resolve = (over: Partial<AlertChange> = {}): AlertChange =>
	({ action: "resolve", occurred_at: 5000, ...base, ...over }) as AlertChange;
const newId = () => "new-id";

/** A firing alert seen three times, from 1000 to 3000. */
const firing = (over: Partial<Alert> = {}): Alert =>
	alertRecord({
		title: "t",
		labels: { host: "h1" },
		images: [{ src: "old.png" }],
		event_count: 3,
		first_event_at: 1000,
		last_event_at: 3000,
		...over,
	});

describe("applyEvent", () => {
	it("opens an alert when nothing fires for the key", () => {
		const outcome = applyEvent(null, trigger({ labels: { a: "1" } }), newId);
		expect(outcome).toEqual({
			result: "opened",
			alert: {
				id: "new-id",
				alert_key: "k",
				status: "firing",
				severity: "warning",
				title: "t",
				description: "",
				labels: { a: "1" },
				images: [],
				links: [],
				event_count: 1,
				first_event_at: 1000,
				last_event_at: 1000,
				resolved_at: null,
				resolved_by: null,
				expires_at: null,
				silenced_by: null,
				inhibited_by: null,
				flapping: false,
				suppressed_by: null,
			},
		});
	});

	it("takes each event's links and expiry: links are kept when an event has none, an expiry is not", () => {
		const link = { href: "https://prometheus.example/graph", text: "Source" };
		const opened = applyEvent(null, trigger({ links: [link], expires_at: 9000 }), newId);
		expect(opened.alert).toMatchObject({ links: [link], expires_at: 9000 });
		if (opened.alert === null) throw new Error("opened");
		const repeated = applyEvent(opened.alert, trigger({ occurred_at: 2000 }), newId);
		// A repeat without an expiry lasts until resolved (an Alertmanager webhook sends none).
		expect(repeated.alert).toMatchObject({ links: [link], expires_at: null, event_count: 2 });
		const later = applyEvent(opened.alert, trigger({ expires_at: 12_000 }), newId);
		expect(later.alert?.expires_at).toBe(12_000);
	});

	it("updates a firing alert: latest severity and text, merged labels, counted", () => {
		const outcome = applyEvent(
			firing(),
			trigger({
				severity: "critical",
				title: "T2",
				description: "d2",
				labels: { zone: "z" },
				occurred_at: 4000,
			}),
			newId,
		);
		expect(outcome.result).toBe("updated");
		expect(outcome.alert).toMatchObject({
			id: "a1",
			severity: "critical",
			title: "T2",
			description: "d2",
			labels: { host: "h1", zone: "z" },
			images: [{ src: "old.png" }],
			event_count: 4,
			first_event_at: 1000,
			last_event_at: 4000,
		});
	});

	it("never moves last_event_at backwards for a late event", () => {
		const outcome = applyEvent(firing(), trigger({ occurred_at: 2000 }), newId);
		expect(outcome.alert?.last_event_at).toBe(3000);
	});

	it("resolves a firing alert and only adds missing labels", () => {
		const outcome = applyEvent(
			firing(),
			resolve({ labels: { host: "other", note: "fixed" } }),
			newId,
		);
		expect(outcome.result).toBe("resolved");
		expect(outcome.alert).toMatchObject({
			status: "resolved",
			resolved_at: 5000,
			resolved_by: "event",
			event_count: 4,
			labels: { host: "h1", note: "fixed" },
		});
	});

	it("never resolves before the alert began", () => {
		const outcome = applyEvent(firing(), resolve({ occurred_at: 10 }), newId);
		expect(outcome.alert?.resolved_at).toBe(1000);
	});

	it("ignores a resolve with nothing firing", () => {
		expect(applyEvent(null, resolve(), newId)).toEqual({ result: "ignored", alert: null });
	});
});

describe("mergeLabels", () => {
	it("keeps the limit of 50 labels, dropping only new names", () => {
		const full = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`l${i}`, "x"]));
		const merged = mergeLabels(full, { l0: "changed", extra: "dropped" });
		expect(Object.keys(merged)).toHaveLength(50);
		expect(merged.l0).toBe("changed");
		expect(merged).not.toHaveProperty("extra");
	});

	it("does not overwrite when told not to", () => {
		expect(mergeLabels({ a: "1" }, { a: "2", b: "3" }, { overwrite: false })).toEqual({
			a: "1",
			b: "3",
		});
	});
});
