import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_ROUTINE_ENTRIES } from "../src/durable/state/timeline";
import { admin, BASE, call, expectError, runAlarm } from "./helpers";
import { fire, recover } from "./incident-helpers";
import {
	acknowledgeThenResolve,
	later,
	notifiedIntegration,
	receivedBodies,
	unique,
	webhook,
} from "./notify-helpers";
import { clickBody, post, signed } from "./slack-helpers";

// biome-ignore lint/suspicious/noExplicitAny: tests read the entries' fields and assert them
type Entry = Record<string, any>;

async function timeline(incidentId: string, query = ""): Promise<Entry[]> {
	const reply = await admin("GET", `/incidents/${incidentId}/timeline${query}`);
	if (reply.status !== 200) throw new Error(`timeline failed: ${JSON.stringify(reply.body)}`);
	return reply.body.data.entries;
}

/** Every page of a timeline, followed by its cursors, `limit` at a time. */
async function wholeTimeline(incidentId: string, limit: number): Promise<Entry[]> {
	const all: Entry[] = [];
	let cursor: string | null = null;
	do {
		const page = await admin(
			"GET",
			`/incidents/${incidentId}/timeline?limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`,
		);
		all.push(...page.body.data.entries);
		cursor = page.body.data.next_cursor;
	} while (cursor !== null);
	return all;
}

const MINUTE = 60_000;

describe("incident timeline", () => {
	it("records a whole life in order: triggered, notified with a retry, escalated, acknowledged, resolved", async () => {
		const path = unique("timeline");
		const { integration_key, id, targets } = await notifiedIntegration([
			webhook(path, "fail-1", { name: "ops hook", repeat: { every: "5m", times: 3 } }),
		]);
		await fire(integration_key, "cpu");
		await runAlarm(id); // the first attempt: 503
		await later(id, 2 * MINUTE); // the retry: delivered
		const [triggered] = await receivedBodies(path);
		const incidentId: string = triggered.incident.id;
		await later(id, 5 * MINUTE); // the first repeat
		await acknowledgeThenResolve(id, incidentId);

		const entries = await timeline(incidentId);
		const target = targets[0]?.id;
		expect(
			entries.map((e) => [e.type, e.event ?? e.by?.via ?? null, e.outcome ?? e.repeat ?? null]),
		).toEqual([
			["triggered", null, null],
			["notified", "incident.triggered", "retry"],
			["notified", "incident.triggered", "delivered"],
			["escalated", null, 1],
			["notified", "incident.escalated", "delivered"],
			["acknowledged", "api", null],
			["notified", "incident.acknowledged", "delivered"],
			["resolved", "api", null],
			["notified", "incident.resolved", "delivered"],
		]);
		expect(entries[0]).toMatchObject({ alert_key: "cpu", severity: "warning" });
		expect(entries[1]).toMatchObject({
			target_id: target,
			target_name: "ops hook",
			target_type: "webhook",
			attempt: 1,
			status: 503,
		});
		expect(entries[1]?.error).toEqual(expect.any(String));
		expect(entries[2]).toMatchObject({ attempt: 2, status: 200 });
		expect(entries[2]).not.toHaveProperty("error");
		// In the order things happened.
		const times = entries.map((e) => Date.parse(e.at));
		expect([...times].sort((a, b) => a - b)).toEqual(times);
	});

	it("after a full life reads in order: trigger, a retried notice, an escalation, Slack's acknowledge, a link's resolve", async () => {
		const path = unique("full-life");
		const { integration_key, id } = await notifiedIntegration([
			webhook(path, "fail-1", { name: "pager hook", delay: "5m" }),
		]);
		await fire(integration_key, "cpu");
		await later(id, 5 * MINUTE); // the delay passes: escalated, and the first attempt fails
		await later(id, 2 * MINUTE); // its retry is delivered
		const [notice] = await receivedBodies(path);
		const incidentId: string = notice.incident.id;
		expect(notice.type).toBe("incident.escalated");

		const click = clickBody(
			incidentId,
			"acknowledge",
			`https://hooks.slack.com/actions/T0/1/${path}`,
		);
		expect((await post(click, await signed(click))).status).toBe(200);
		await runAlarm(id);
		// The Slack click's response_url carries the path too: the webhook's notice has the links.
		const notices = (await receivedBodies(path)).filter((body) => body.links !== undefined);
		const resolveLink = notices.at(-1).links.resolve;
		const pressed = await exports.default.fetch(
			new Request(resolveLink, { method: "POST", headers: { Origin: BASE } }),
		);
		expect(pressed.status).toBe(200);
		await runAlarm(id);

		const entries = await timeline(incidentId);
		expect(
			entries.map((e) => [e.type, e.event ?? e.by?.via ?? null, e.outcome ?? e.by?.name ?? null]),
		).toEqual([
			["triggered", null, null],
			["escalated", null, null],
			["notified", "incident.escalated", "retry"],
			["notified", "incident.escalated", "delivered"],
			["acknowledged", "slack", "@ana"],
			["notified", "incident.acknowledged", "delivered"],
			["resolved", "link", null],
			["notified", "incident.resolved", "delivered"],
		]);
		expect(entries[1]).toMatchObject({ target_name: "pager hook", repeat: 0 });
		const times = entries.map((e) => Date.parse(e.at));
		expect([...times].sort((a, b) => a - b)).toEqual(times);
	});

	it("says when the alerts resolved it, and pages with a cursor", async () => {
		const { integration_key, id } = await notifiedIntegration([], {
			group_by: ["service"],
			group_window: "1h",
		});
		for (const key of ["a", "b", "c"])
			await fire(integration_key, key, { labels: { service: "s" } });
		for (const key of ["a", "b", "c"]) await recover(integration_key, key);
		await runAlarm(id);
		const listed = await admin("GET", `/incidents?integration_id=${id}`);
		const incidentId = listed.body.data.incidents[0].id;
		const entries = await wholeTimeline(incidentId, 2);
		expect(entries.map((e) => [e.type, e.alert_key ?? e.by?.via])).toEqual([
			["triggered", "a"],
			["alert_added", "b"],
			["alert_added", "c"],
			["resolved", "alerts"],
		]);
		expect(entries.map((e) => e.alert_count)).toEqual([undefined, 2, 3, undefined]);
	});

	it("records a silence that mutes a firing alert of the incident", async () => {
		const { integration_key, id } = await notifiedIntegration([]);
		await fire(integration_key, "disk", { labels: { host: "db-1" } });
		await runAlarm(id);
		const [incident] = (await admin("GET", `/incidents?integration_id=${id}`)).body.data.incidents;
		const silence = await admin("POST", "/silences", {
			matchers: [{ field: "labels.host", op: "equals", value: "db-1" }],
			comment: "maintenance",
			created_by: "test",
			ends_at: new Date(Date.now() + 3_600_000).toISOString(),
			integration_ids: [id],
		});
		expect(silence.status).toBe(201);
		const entries = await timeline(incident.id);
		expect(entries.at(-1)).toMatchObject({
			type: "silenced",
			alert_key: "disk",
			silence_id: silence.body.data.id,
		});
	});

	it("keeps at most its bound of routine entries, but always the resolution", async () => {
		const { integration_key, id } = await notifiedIntegration([], {
			group_by: ["service"],
			group_window: "1h",
		});
		const count = MAX_ROUTINE_ENTRIES + 20;
		const events = Array.from({ length: count }, (_, i) => ({
			event_status: "Warning",
			alert_key: `k${i}`,
			title_rule: `k${i}`,
			labels: { service: "s" },
		}));
		for (let i = 0; i < count; i += 100) {
			const batch = await call("POST", `/push/${integration_key}/batch`, {
				body: { events: events.slice(i, i + 100) },
				headers: { "Content-Type": "application/json" },
			});
			expect(batch.status).toBe(200);
		}
		await runAlarm(id);
		const [incident] = (await admin("GET", `/incidents?integration_id=${id}`)).body.data.incidents;
		expect((await admin("POST", `/incidents/${incident.id}/resolve`)).status).toBe(200);
		const entries = await wholeTimeline(incident.id, 500);
		const routine = entries.filter((e) => !["triggered", "resolved", "truncated"].includes(e.type));
		expect(routine).toHaveLength(MAX_ROUTINE_ENTRIES);
		expect(entries.filter((e) => e.type === "truncated")).toHaveLength(1);
		expect(entries[0]?.type).toBe("triggered");
		expect(entries.at(-1)).toMatchObject({
			type: "resolved",
			by: { via: "api", name: "admin token" },
		});
	});

	it("answers 404 for an unknown incident and 400 for a cursor it did not make", async () => {
		expectError(await admin("GET", "/incidents/nope/timeline"), 404, "IncidentNotFound");
		const { integration_key, id } = await notifiedIntegration([]);
		await fire(integration_key, "x");
		await runAlarm(id);
		const [incident] = (await admin("GET", `/incidents?integration_id=${id}`)).body.data.incidents;
		expect(
			expectError(
				await admin("GET", `/incidents/${incident.id}/timeline?cursor=abc`),
				400,
				"InvalidParameter",
			),
		).toContain("cursor");
	});
});
