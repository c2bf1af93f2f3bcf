import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { describe, expect, it, vi } from "vitest";
import { IntegrationDurableObject } from "../src/durable/integration-object";
import { claim, escalate } from "../src/durable/notifications";
import { aroundExec } from "../src/durable/state/around-exec";
import { openStores, type Stores } from "../src/durable/state/stores";
import { buildEvent } from "../src/notify/event";
import { slack } from "../src/notify/slack";
import { incidentRecord, notificationEvent, warning } from "./factories";
import {
	admin,
	alarmAt,
	BASE,
	call,
	expectError,
	integrationStub,
	moveClock,
	runAlarm,
} from "./helpers";
import { createChannel, fire, recover } from "./incident-helpers";
import {
	acknowledgeThenResolve,
	createTarget,
	deliveries,
	later,
	notifiedIntegration,
	received,
	receivedBodies,
	unique,
	webhook,
} from "./notify-helpers";

const HOUR = 3_600_000;

/** Queues a notification due now for `targetId` about `incidentId`, straight in the outbox. */
const queueIn = (outbox: Stores["outbox"]) => (targetId: string, incidentId: string) => {
	const now = Date.now();
	outbox.enqueue({
		event: { ...notificationEvent(), id: `evt_${crypto.randomUUID()}` },
		incidentId,
		channelId: "c",
		targetId,
		now: now - 1,
		giveUpAt: now + HOUR,
	});
};

describe("a webhook target", () => {
	it("gets each incident change, signed per Standard Webhooks, in order", async () => {
		const path = unique("signed");
		const { integration_key, id, targets } = await notifiedIntegration([webhook(path)]);
		const secret = targets[0]?.secret;
		expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

		await fire(integration_key, "disk-full", { labels: { host: "db-1" } });
		await runAlarm(id);
		const [first] = await received(path);
		if (first === undefined) throw new Error("nothing was sent");
		// The receiver's own check: the library verifies the signature with the shown secret.
		// biome-ignore lint/suspicious/noExplicitAny: the verified payload is read field by field
		const event = new Webhook(secret ?? "").verify(first.body, first.headers) as any;
		expect(first.headers["webhook-id"]).toBe(event.id);
		expect(event).toMatchObject({
			type: "incident.triggered",
			incident: {
				integration_id: id,
				status: "triggered",
				severity: "warning",
				title: "disk-full",
				alert_count: 1,
				alerts: [{ alert_key: "disk-full", severity: "warning", labels: { host: "db-1" } }],
			},
		});
		expect(event.incident.url).toBe(`${BASE}/api/v1/incidents/${event.incident.id}`);
		expect(Date.parse(event.occurred_at)).not.toBeNaN();
		// A wrong secret, or a changed body, does not verify.
		expect(() =>
			new Webhook(`whsec_${btoa("x".repeat(32))}`).verify(first.body, first.headers),
		).toThrow();
		expect(() =>
			new Webhook(secret ?? "").verify(first.body.replace("disk-full", "disk-fine"), first.headers),
		).toThrow();

		const incidentId = event.incident.id;
		await acknowledgeThenResolve(id, incidentId);
		const bodies = await receivedBodies(path);
		expect(bodies.map((body) => body.type)).toEqual([
			"incident.triggered",
			"incident.acknowledged",
			"incident.resolved",
		]);
		expect(bodies[2].incident).toMatchObject({ status: "resolved", resolved_by: "api" });
		expect(bodies[2].incident.alerts.map((a: { status: string }) => a.status)).toEqual([
			"resolved",
		]);
	});

	it("is retried until it answers 2xx, with the same event id each time", async () => {
		const path = unique("flaky");
		const { integration_key, id, channelId } = await notifiedIntegration([webhook(path, "fail-2")]);
		await fire(integration_key, "cpu");
		await runAlarm(id);
		const [pending] = await deliveries(channelId);
		expect(pending).toMatchObject({ status: "pending", attempts: 1, last_status: 503 });
		// The first retry comes after about a second, the next after about two.
		await later(id, 1_000);
		await later(id, 2_000);
		const requests = await received(path);
		expect(requests).toHaveLength(3);
		expect(new Set(requests.map((r) => r.headers["webhook-id"])).size).toBe(1);
		const [done] = await deliveries(channelId);
		expect(done).toMatchObject({ status: "delivered", attempts: 3, last_status: 200 });
		// Delivered is final: later alarms send nothing more.
		await later(id, HOUR);
		expect(await received(path)).toHaveLength(3);
	});

	it("honours Retry-After on 429", async () => {
		const path = unique("throttled");
		const { integration_key, id, channelId } = await notifiedIntegration([
			webhook(path, "throttle"),
		]);
		await fire(integration_key, "cpu");
		await runAlarm(id);
		const [row] = await deliveries(channelId);
		expect(row.status).toBe("pending");
		const wait = Date.parse(row.next_attempt_at) - Date.parse(row.last_attempt_at);
		expect(wait).toBeGreaterThanOrEqual(7_000);
		await later(id, 3_000);
		expect(await received(path)).toHaveLength(1);
		await later(id, 5_000);
		expect(await received(path)).toHaveLength(2);
	});

	it("retries a target that does not answer within 5 seconds, and one that redirects fails", async () => {
		const [slow, moved] = [unique("hang"), unique("moved")];
		const { integration_key, id, channelId } = await notifiedIntegration([
			webhook(slow, "hang"),
			webhook(moved, "redirect"),
		]);
		await fire(integration_key, "cpu");
		const started = Date.now();
		await runAlarm(id);
		expect(Date.now() - started).toBeLessThan(5_900);
		const rows = await deliveries(channelId);
		expect(rows.find((row) => row.status === "pending")).toMatchObject({
			last_status: null,
			last_error: "no answer within 5s",
		});
		expect(rows.find((row) => row.status === "failed")).toMatchObject({
			last_status: 302,
			last_error: "HTTP 302 (redirects are not followed)",
		});
		expect(rows).toHaveLength(2);
		expect(await received(slow)).toHaveLength(1);
		expect(await received(moved)).toHaveLength(1);
	}, 20_000);

	it("fails for good on another 4xx, with a short excerpt that holds no secret", async () => {
		const path = unique("rejecting");
		const { integration_key, id, channelId, targets } = await notifiedIntegration([
			webhook(path, "reject?token=s3cr3t-token"),
		]);
		await fire(integration_key, "cpu");
		await runAlarm(id);
		const [row] = await deliveries(channelId, "?status=failed");
		expect(row).toMatchObject({ status: "failed", attempts: 1, last_status: 400 });
		expect(row.last_error).toMatch(/^HTTP 400: bad request/);
		// The receiver echoed the signature and the URL: neither is kept.
		expect(row.last_error).not.toContain("v1,");
		expect(row.last_error).not.toContain("s3cr3t-token");
		expect(row.last_error).not.toContain(targets[0]?.secret);
		await later(id, HOUR);
		expect(await received(path)).toHaveLength(1);
	});

	it("leaves a listed failed delivery when the receiver is down for the whole window", async () => {
		const path = unique("down");
		const { integration_key, id, channelId } = await notifiedIntegration([webhook(path, "down")]);
		await fire(integration_key, "cpu");
		await runAlarm(id);
		for (let hour = 0; hour < 26; hour++) await later(id, HOUR);
		const failed = await deliveries(channelId, "?status=failed");
		expect(failed).toHaveLength(1);
		expect(failed[0].last_status).toBe(503);
		expect(failed[0].last_error).toMatch(/^gave up after \d+ attempts over 24h; last: HTTP 503/);
		const attempts = (await received(path)).length;
		expect(attempts).toBe(failed[0].attempts);
		expect(attempts).toBeGreaterThan(20);
		expect(await deliveries(channelId, "?status=pending")).toHaveLength(0);

		// Retried through the API: queued again at once, with a fresh window.
		const retried = await admin("POST", `/channels/${channelId}/deliveries/${failed[0].id}/retry`);
		expect(retried.status).toBe(202);
		expect(retried.body.data).toMatchObject({ status: "pending", attempts: 0 });
		await runAlarm(id);
		expect(await received(path)).toHaveLength(attempts + 1);
		const again = await admin("POST", `/channels/${channelId}/deliveries/${failed[0].id}/retry`);
		expectError(again, 409, "DeliveryNotFailed");
	});

	it("does not let a dead target hold up the others, nor a later event overtake an earlier one", async () => {
		const [dead, live] = [unique("dead"), unique("live")];
		const { integration_key, id } = await notifiedIntegration([
			webhook(dead, "fail-1"),
			webhook(live),
		]);
		await fire(integration_key, "cpu");
		await recover(integration_key, "cpu");
		await runAlarm(id);
		// The live target has both; the failing one has only its failed first attempt.
		expect((await receivedBodies(live)).map((b) => b.type)).toEqual([
			"incident.triggered",
			"incident.resolved",
		]);
		expect((await receivedBodies(dead)).map((b) => b.type)).toEqual(["incident.triggered"]);
		await later(id, 1_000);
		await later(id, 0);
		expect((await receivedBodies(dead)).map((b) => b.type)).toEqual([
			"incident.triggered",
			"incident.triggered",
			"incident.resolved",
		]);
	});

	it("gives every target room in each batch, however many one of them has waiting", async () => {
		const { id } = await notifiedIntegration([]);
		await runInDurableObject(integrationStub(id), (_object: IntegrationDurableObject, state) => {
			const { outbox } = openStores(state.storage.sql);
			const now = Date.now();
			const queue = (targetId: string, incidentId: string) =>
				outbox.enqueue({
					event: { ...notificationEvent(), id: `evt_${crypto.randomUUID()}` },
					incidentId,
					channelId: "c",
					targetId,
					now,
					giveUpAt: now + HOUR,
				});
			state.storage.transactionSync(() => {
				// More than any one batch or window holds, all due before the rare target's one.
				for (let i = 0; i < 450; i++) queue("busy", `incident-${i}`);
				queue("busy", "incident-0"); // waits behind the first of its incident
				queue("rare", "incident-45");
			});
			const due = outbox.due(now, 5, 20);
			expect(due.filter((row) => row.target_id === "busy")).toHaveLength(5);
			expect(due.filter((row) => row.target_id === "rare")).toHaveLength(1);
			// Within a target, an incident's second notification is never due beside its first.
			const incidents = due.map((row) => `${row.target_id}/${row.incident_id}`);
			expect(new Set(incidents).size).toBe(incidents.length);
		});
	});

	it("finds a due notification behind hundreds queued for one incident", async () => {
		const { id } = await notifiedIntegration([]);
		await runInDurableObject(integrationStub(id), (_object: IntegrationDurableObject, state) => {
			const { outbox } = openStores(state.storage.sql);
			const queue = queueIn(outbox);
			state.storage.transactionSync(() => {
				// A storm's notifications for one incident wait behind its first, filling the
				// earliest due rows; another target's one comes after all of them.
				for (let i = 0; i < 300; i++) queue("stormy", "incident-storm");
				queue("quiet", "incident-other");
			});
			const due = outbox.due(Date.now(), 5, 20);
			expect(due.map((row) => row.target_id)).toEqual(["stormy", "quiet"]);
		});
	});

	it("reads a few rows of a backlog of due notifications for a batch, not all of them", async () => {
		const { id } = await notifiedIntegration([]);
		await runInDurableObject(integrationStub(id), (_object: IntegrationDurableObject, state) => {
			const cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];
			const sql = state.storage.sql;
			const counting = aroundExec(sql, (query, bindings) => {
				const cursor = sql.exec(query, ...bindings);
				cursors.push(cursor);
				return cursor;
			});
			const { outbox } = openStores(counting);
			const queue = queueIn(outbox);
			// 3,000 new incidents' notifications, each the head of its queue.
			state.storage.transactionSync(() => {
				for (let i = 0; i < 3_000; i++) queue(`t${i % 3}`, `incident-${i}`);
			});
			const before = cursors.reduce((sum, cursor) => sum + cursor.rowsRead, 0);
			expect(outbox.due(Date.now(), 5, 20)).toHaveLength(15);
			const read = cursors.reduce((sum, cursor) => sum + cursor.rowsRead, 0) - before;
			// Each target's first five heads, each checked against its queue; every due row with
			// its check came to about 16,000.
			expect(read).toBeLessThan(200);
		});
	});

	it("goes out from the push itself, not waiting for an alarm run, and is sent once", async () => {
		const path = unique("at-once");
		const { integration_key, id, channelId } = await notifiedIntegration([webhook(path)]);
		const before = Date.now();
		await fire(integration_key, "cpu");
		await vi.waitFor(async () => expect(await received(path)).toHaveLength(1), {
			timeout: 5_000,
		});
		// The alarm is left for D1's list and as a backstop, not set for the page.
		expect(await alarmAt(id)).toBeGreaterThanOrEqual(before + 1_000);
		await runAlarm(id);
		expect(await received(path)).toHaveLength(1);
		const [row] = await deliveries(channelId);
		expect(row).toMatchObject({ type: "incident.triggered", status: "delivered", attempts: 1 });
	});

	it("sends a burst of pushes' pages each once, what one send did not take left to the alarm", async () => {
		const path = unique("burst");
		const { integration_key, id, channelId } = await notifiedIntegration([webhook(path)]);
		const keys = ["a", "b", "c", "d", "e", "f"];
		await Promise.all(keys.map((key) => fire(integration_key, key)));
		await runAlarm(id);
		await runAlarm(id); // an alarm set for at once by a send that saw more queued meanwhile
		const paged = (await receivedBodies(path)).map((body) => body.incident.alerts[0].alert_key);
		expect(paged.sort()).toEqual(keys);
		const rows = await deliveries(channelId);
		expect(rows.map((row) => [row.status, row.attempts])).toEqual(keys.map(() => ["delivered", 1]));
	});

	it("leaves a push's page to the alarm when sending it at once breaks off", async () => {
		const path = unique("broken-send");
		const { integration_key, id, channelId } = await notifiedIntegration([webhook(path)]);
		await runInDurableObject(integrationStub(id), (object: IntegrationDurableObject) => {
			// The next read of what is due fails, as a storage error would.
			const { outbox } = (object as unknown as { stores: Stores }).stores;
			const due = outbox.due.bind(outbox);
			outbox.due = () => {
				outbox.due = due;
				throw new Error("injected failure");
			};
		});
		const logged = vi.spyOn(console, "error").mockImplementation(() => {});
		let lines: string[];
		try {
			await fire(integration_key, "cpu");
			await runAlarm(id);
			lines = logged.mock.calls.map((call) => String(call[0]));
		} finally {
			logged.mockRestore();
		}
		const failed = lines.map((line) => JSON.parse(line)).find((l) => l.event === "send_failed");
		expect(failed).toEqual({
			event: "send_failed",
			integration_id: id,
			reason: "Error: injected failure",
		});
		expect(await received(path)).toHaveLength(1);
		const [row] = await deliveries(channelId);
		expect(row).toMatchObject({ status: "delivered", attempts: 1 });
	});

	it("loses nothing when the object restarts between sending and recording", async () => {
		const path = unique("restart");
		// A delayed first notice: queued by an alarm run, not sent by the push.
		const { integration_key, id, channelId } = await notifiedIntegration([
			webhook(path, "ok", { delay: "5m" }),
		]);
		await fire(integration_key, "cpu");
		const due = Date.now() + 5 * 60_000;
		// The first half of a drain (the batch is claimed), then the object is gone: a new
		// instance over the same storage, as after an eviction or a crash.
		const stub = integrationStub(id);
		await runInDurableObject(stub, (_object: IntegrationDurableObject, state) => {
			const claimed = state.storage.transactionSync(() => {
				const stores = openStores(state.storage.sql);
				escalate(stores, due);
				return claim(stores, due);
			});
			expect(claimed).toHaveLength(1);
		});
		await runInDurableObject(stub, async (_object: IntegrationDurableObject, state) => {
			const restarted = new IntegrationDurableObject(state, env);
			restarted.clock = () => due;
			await restarted.alarm();
			expect(await received(path)).toHaveLength(0);
			// After the claim's lease, the notification goes out.
			restarted.clock = () => due + 61_000;
			await restarted.alarm();
		});
		expect(await received(path)).toHaveLength(1);
		await runAlarm(id);
		const [row] = await deliveries(channelId);
		expect(row).toMatchObject({ status: "delivered", attempts: 2 });
	});
});

describe("rotating a webhook's secret", () => {
	it("signs with the new and the old secret for a day, then the new one only", async () => {
		const path = unique("rotated");
		const { integration_key, id, channelId, targets } = await notifiedIntegration([webhook(path)]);
		const old = targets[0]?.secret ?? "";
		const rotated = await admin(
			"POST",
			`/channels/${channelId}/targets/${targets[0]?.id}/rotate-secret`,
		);
		const fresh: string = rotated.body.data.secret;
		expect(rotated.body.data.previous_secret_until).not.toBeNull();
		await fire(integration_key, "during");
		await runAlarm(id);
		const [during] = await received(path);
		if (during === undefined) throw new Error("nothing was sent");
		expect(during.headers["webhook-signature"]?.split(" ")).toHaveLength(2);
		expect(new Webhook(fresh).verify(during.body, during.headers)).toBeTruthy();
		expect(new Webhook(old).verify(during.body, during.headers)).toBeTruthy();

		await moveClock(id, 25 * HOUR);
		await fire(integration_key, "after");
		await runAlarm(id);
		const after = (await received(path))[1];
		if (after === undefined) throw new Error("nothing was sent");
		// The object's clock is a day ahead, so the library would refuse the timestamp as too new:
		// the signature is compared with what each secret makes for that timestamp.
		const at = new Date(Number(after.headers["webhook-timestamp"]) * 1000);
		const id_ = after.headers["webhook-id"] ?? "";
		expect(after.headers["webhook-signature"]).toBe(new Webhook(fresh).sign(id_, at, after.body));
		expect(after.headers["webhook-signature"]).not.toContain(
			new Webhook(old).sign(id_, at, after.body),
		);
	});
});

describe("storm warnings", () => {
	/** `count` alerts of one group, keys `${prefix}-0` on, in one batch. */
	const storm = (key: string, prefix: string, count: number) =>
		call("POST", `/push/${key}/batch`, {
			body: JSON.stringify({
				events: Array.from({ length: count }, (_, i) =>
					warning(`${prefix}-${i}`, { title_rule: "api errors", labels: { service: "api" } }),
				),
			}),
			headers: { "Content-Type": "application/json" },
		});

	it("sends incident.storm once at 10, 100 and 1,000 alerts, to targets told of the incident", async () => {
		const path = unique("storm");
		const quiet = unique("storm-unsubscribed");
		const { integration_key, id } = await notifiedIntegration(
			[webhook(path), webhook(quiet, "ok", { events: ["incident.triggered"] })],
			{ group_by: ["service"] },
		);
		// 1,020 alerts within a second or two: past the default burst, which counts alerts.
		await admin("PATCH", `/integrations/${id}`, { settings: { rate_limit: null } });
		const storms = async (at = path) =>
			(await receivedBodies(at))
				.filter((event) => event.type === "incident.storm")
				.map((event) => [event.storm.threshold, event.incident.alert_count]);

		expect((await storm(integration_key, "a", 9)).status).toBe(200);
		await runAlarm(id);
		expect(await storms()).toEqual([]);
		await fire(integration_key, "tenth", { labels: { service: "api" } });
		await runAlarm(id);
		expect(await storms()).toEqual([[10, 10]]);
		// More alerts below the next threshold, and repeats of firing ones, send nothing.
		await storm(integration_key, "b", 5);
		await storm(integration_key, "b", 5);
		await runAlarm(id);
		expect(await storms()).toEqual([[10, 10]]);
		// One push that crosses 100 sends the 100 warning once, as the 100th alert joins.
		await storm(integration_key, "c", 100);
		await runAlarm(id);
		expect(await storms()).toEqual([
			[10, 10],
			[100, 100],
		]);
		for (let round = 0; round < 9; round++) await storm(integration_key, `d${round}`, 100);
		await runAlarm(id);
		expect(await storms()).toEqual([
			[10, 10],
			[100, 100],
			[1000, 1000],
		]);
		// A target that did not ask for storms got the incident, and no storm.
		expect((await receivedBodies(quiet)).map((event) => event.type)).toEqual([
			"incident.triggered",
		]);
	});

	it("names the storm in chat headlines", async () => {
		const event = buildEvent({
			type: "incident.storm",
			incident: incidentRecord({ title: "api errors", alert_count: 100, group_key: null }),
			integrationId: "int",
			alerts: [],
			baseUrl: "https://alertgate.example",
			dashboardUrl: null,
			now: 0,
			stormThreshold: 100,
		});
		expect(slack(event).text).toBe("🟠 Alert storm (100 alerts): api errors (warning)");
	});
});

describe("which events go where", () => {
	it("follows each target's events and minimum severity", async () => {
		const [all, critical, added] = [unique("all"), unique("crit"), unique("added")];
		const { integration_key, id } = await notifiedIntegration(
			[
				webhook(all),
				webhook(critical, "ok", { min_severity: "critical" }),
				webhook(added, "ok", { events: ["incident.alert_added"] }),
			],
			{ group_by: ["service"] },
		);
		await fire(integration_key, "a", { labels: { service: "api" } });
		await fire(integration_key, "b", { labels: { service: "api" } });
		await runAlarm(id);
		// alert_added is off by default, and the critical-only target hears nothing of a warning.
		expect((await receivedBodies(all)).map((b) => b.type)).toEqual(["incident.triggered"]);
		expect(await received(critical)).toHaveLength(0);
		// A target told only of alert_added was still "told" of the incident when it opened.
		expect((await receivedBodies(added)).map((b) => b.type)).toEqual(["incident.alert_added"]);
		const [joined] = await receivedBodies(added);
		expect(joined.incident.alert_count).toBe(2);

		// The incident turns critical: the critical target hears of it now.
		await fire(integration_key, "b", { event_status: "Critical", labels: { service: "api" } });
		await runAlarm(id);
		expect((await receivedBodies(critical)).map((b) => [b.type, b.incident.severity])).toEqual([
			["incident.triggered", "critical"],
		]);
	});
});

describe("escalation", () => {
	it("tells a delayed target only if the incident is still unacknowledged", async () => {
		const [now, late] = [unique("first-line"), unique("escalation")];
		const { integration_key, id } = await notifiedIntegration([
			webhook(now),
			webhook(late, "ok", { delay: "10m" }),
		]);
		await fire(integration_key, "ignored");
		await fire(integration_key, "handled");
		await runAlarm(id);
		expect(await received(late)).toHaveLength(0);
		const handled = (await receivedBodies(now)).find((b) => b.incident.title === "handled");
		expect((await admin("POST", `/incidents/${handled.incident.id}/acknowledge`)).status).toBe(200);
		await later(id, 9 * 60_000);
		expect(await received(late)).toHaveLength(0);
		await later(id, 2 * 60_000);
		const escalated = await receivedBodies(late);
		expect(escalated.map((b) => [b.type, b.incident.title, b.escalation])).toEqual([
			["incident.escalated", "ignored", { repeat: 0 }],
		]);
		// Told once: it hears the resolution too.
		await recover(integration_key, "ignored");
		await runAlarm(id);
		expect((await receivedBodies(late)).map((b) => b.type)).toEqual([
			"incident.escalated",
			"incident.resolved",
		]);
	});

	it("repeats for an unacknowledged incident, up to the bound, and stops on acknowledgement", async () => {
		const [bounded, acked] = [unique("repeat"), unique("repeat-acked")];
		const first = await notifiedIntegration([
			webhook(bounded, "ok", { repeat: { every: "5m", times: 2 } }),
		]);
		await fire(first.integration_key, "cpu");
		await runAlarm(first.id);
		for (let i = 0; i < 4; i++) await later(first.id, 5 * 60_000);
		expect((await receivedBodies(bounded)).map((b) => [b.type, b.escalation?.repeat])).toEqual([
			["incident.triggered", undefined],
			["incident.escalated", 1],
			["incident.escalated", 2],
		]);

		const second = await notifiedIntegration([
			webhook(acked, "ok", { repeat: { every: "5m", times: 5 } }),
		]);
		await fire(second.integration_key, "cpu");
		await runAlarm(second.id);
		const [triggered] = await receivedBodies(acked);
		await admin("POST", `/incidents/${triggered.incident.id}/acknowledge`);
		for (let i = 0; i < 3; i++) await later(second.id, 5 * 60_000);
		expect((await receivedBodies(acked)).map((b) => b.type)).toEqual([
			"incident.triggered",
			"incident.acknowledged",
		]);
	});
});

describe("Slack, Teams and PagerDuty targets", () => {
	it("send each service's documented shape", async () => {
		const team = unique("team");
		const routingKey = `R${crypto.randomUUID().replaceAll("-", "").slice(0, 31)}`;
		const teamsUrl = `https://prod-01.westus.logic.azure.com:443/workflows/${team}/triggers/manual/paths/invoke?sig=abc`;
		const { integration_key, id } = await notifiedIntegration([
			{ type: "slack", url: `https://hooks.slack.com/services/T000/B000/${team}` },
			{ type: "teams", url: teamsUrl },
			{ type: "pagerduty", routing_key: routingKey },
		]);
		await fire(integration_key, "api latency <high> & rising", {
			event_status: "Critical",
			labels: { service: "api" },
		});
		await runAlarm(id);

		const [slack] = await receivedBodies(`/services/T000/B000/${team}`);
		expect(slack.text).toContain("api latency <high> & rising");
		expect(slack.blocks[0]).toMatchObject({ type: "header", text: { type: "plain_text" } });
		expect(slack.blocks[0].text.text.length).toBeLessThanOrEqual(150);
		expect(slack.blocks[1].fields.map((f: { text: string }) => f.text)).toContain(
			"*Severity*\ncritical",
		);
		// mrkdwn control characters are escaped.
		expect(JSON.stringify(slack.blocks)).toContain("`service=api`");

		const [card] = await receivedBodies(`/workflows/${team}/`);
		expect(card.type).toBe("message");
		expect(card.attachments[0].contentType).toBe("application/vnd.microsoft.card.adaptive");
		expect(card.attachments[0].content).toMatchObject({ type: "AdaptiveCard", version: "1.4" });
		expect(card.attachments[0].content.body[1].facts).toContainEqual({
			title: "Severity",
			value: "critical",
		});

		const [trigger] = await receivedBodies(routingKey);
		expect(trigger).toMatchObject({
			routing_key: routingKey,
			event_action: "trigger",
			payload: {
				summary: "api latency <high> & rising",
				severity: "critical",
				source: `alertgate integration ${id}`,
				custom_details: { labels: { service: "api" } },
			},
		});
		expect(trigger.dedup_key).toBe(slack.blocks[3].elements[0].text.match(/`([^`]+)`/)[1]);
		expect(Date.parse(trigger.payload.timestamp)).not.toBeNaN();

		await recover(integration_key, "api latency <high> & rising");
		await runAlarm(id);
		const [, resolve] = await receivedBodies(routingKey);
		expect(resolve).toEqual({
			routing_key: routingKey,
			event_action: "resolve",
			dedup_key: trigger.dedup_key,
		});
	});
});

describe("POST /channels/{id}/test", () => {
	it("sends a sample event to each target at once and answers each result", async () => {
		const [good, bad] = [unique("test-ok"), unique("test-bad")];
		const { id: channelId } = await createChannel();
		await createTarget(channelId, webhook(good));
		await createTarget(channelId, webhook(bad, "reject"));
		const reply = await admin("POST", `/channels/${channelId}/test`);
		expect(reply.status).toBe(200);
		const results = reply.body.data.results;
		expect(
			results.map((r: { delivered: boolean; status: number }) => [r.delivered, r.status]),
		).toEqual([
			[true, 200],
			[false, 400],
		]);
		const [sample] = await receivedBodies(good);
		expect(sample).toMatchObject({ type: "test", id: reply.body.data.event_id });
	});
});

describe("the targets API", () => {
	it("shows a webhook's secret once, masks it after, and rotates it", async () => {
		const { id: channelId } = await createChannel();
		const made = await createTarget(channelId, {
			type: "webhook",
			url: "https://example.com/hooks/alertgate?token=abcdef123456",
		});
		expect(made.secret).toMatch(/^whsec_/);
		const shown = await admin("GET", `/channels/${channelId}/targets/${made.id}`);
		expect(shown.body.data.secret).toBe(`••••${made.secret?.slice(-4)}`);
		expect(shown.body.data.url).toBe("https://example.com/••••3456");
		expect(JSON.stringify(shown.body)).not.toContain("abcdef123456");
		const listed = await admin("GET", `/channels/${channelId}/targets`);
		expect(JSON.stringify(listed.body)).not.toContain(made.secret);

		const rotated = await admin("POST", `/channels/${channelId}/targets/${made.id}/rotate-secret`);
		expect(rotated.status).toBe(200);
		expect(rotated.body.data.secret).toMatch(/^whsec_/);
		expect(rotated.body.data.secret).not.toBe(made.secret);
	});

	it("creates, updates and deletes targets, and says what is wrong with bad ones", async () => {
		const { id: channelId } = await createChannel();
		const create = (body: Record<string, unknown>) =>
			admin("POST", `/channels/${channelId}/targets`, { name: "t", ...body });

		expect(expectError(await create({ type: "pager" }), 400, "InvalidParameter")).toBe(
			"type must be webhook, slack, teams or pagerduty",
		);
		expect(
			expectError(
				await create({ type: "webhook", url: "http://example.com/x" }),
				400,
				"InvalidParameter",
			),
		).toBe("url must use https://");
		expect(
			expectError(
				await create({ type: "webhook", url: "https://10.0.0.1/x" }),
				400,
				"InvalidParameter",
			),
		).toContain("url must name a public host");
		expect(
			expectError(
				await create({ type: "webhook", url: "https://user:pw@example.com/x" }),
				400,
				"InvalidParameter",
			),
		).toContain("url must not carry a user name or password");
		expect(
			expectError(
				await create({ type: "slack", url: "https://example.com/x" }),
				400,
				"InvalidParameter",
			),
		).toContain("url must be a Slack incoming-webhook URL");
		expect(
			expectError(
				await create({ type: "pagerduty", routing_key: "short" }),
				400,
				"InvalidParameter",
			),
		).toBe("routing_key must be a PagerDuty routing key (32 letters and digits)");
		expect(
			expectError(
				await create({ type: "pagerduty", routing_key: "a".repeat(32), url: "https://x.com" }),
				400,
				"InvalidParameter",
			),
		).toBe("url does not apply to pagerduty targets: send routing_key");
		expect(
			expectError(
				await create({ type: "webhook", url: "https://x.com/h", delay: "2d" }),
				400,
				"InvalidParameter",
			),
		).toMatch(/^delay must be a duration from "0s" to "24h"/);
		expect(
			expectError(
				await create({
					type: "webhook",
					url: "https://x.com/h",
					repeat: { every: "5m", times: 11 },
				}),
				400,
				"InvalidParameter",
			),
		).toBe("repeat.times must be a whole number from 1 to 10");
		expect(
			expectError(
				await create({ type: "webhook", url: "https://x.com/h", events: ["incident.opened"] }),
				400,
				"InvalidParameter",
			),
		).toMatch(/^events\[0\] must be event types: incident.triggered/);
		expect(
			expectError(
				await create({ type: "webhook", url: "https://x.com/h", colour: "red" }),
				400,
				"InvalidParameter",
			),
		).toBe("the body has unknown field colour");

		const pd = await create({
			type: "pagerduty",
			routing_key: "R0123456789abcdefghijklmnopqrstu",
			region: "eu",
		});
		expect(pd.status).toBe(201);
		expect(pd.body.data).toMatchObject({
			type: "pagerduty",
			routing_key: "••••rstu",
			region: "eu",
		});
		expect(pd.body.data.events).toEqual([
			"incident.triggered",
			"incident.acknowledged",
			"incident.resolved",
			"incident.escalated",
			"incident.storm",
			"incident.flapping",
		]);
		const patched = await admin("PATCH", `/channels/${channelId}/targets/${pd.body.data.id}`, {
			min_severity: "critical",
			delay: "15m",
			repeat: { every: "30m", times: 3 },
		});
		expect(patched.body.data).toMatchObject({
			min_severity: "critical",
			delay: "15m",
			repeat: { every: "30m", times: 3 },
			region: "eu",
		});
		expectError(
			await admin("POST", `/channels/${channelId}/targets/${pd.body.data.id}/rotate-secret`),
			409,
			"NoSigningSecret",
		);
		const removed = await admin("DELETE", `/channels/${channelId}/targets/${pd.body.data.id}`);
		expect(removed.body.data).toEqual({ id: pd.body.data.id, deleted: true });
		expectError(
			await admin("GET", `/channels/${channelId}/targets/${pd.body.data.id}`),
			404,
			"TargetNotFound",
		);
		expectError(await admin("GET", "/channels/nope/targets"), 404, "ChannelNotFound");
	});

	it("holds at most 10 targets per channel", async () => {
		const { id: channelId } = await createChannel();
		for (let i = 0; i < 10; i++) {
			await createTarget(channelId, { type: "webhook", url: `https://example.com/${i}` });
		}
		const eleventh = await admin("POST", `/channels/${channelId}/targets`, {
			name: "t",
			type: "webhook",
			url: "https://example.com/10",
		});
		expectError(eleventh, 409, "TargetLimitReached");
	});

	it("reaches the integrations at once: a target added now is told of the next incident", async () => {
		const path = unique("added-later");
		const { integration_key, id, channelId } = await notifiedIntegration([]);
		await createTarget(channelId, webhook(path));
		await fire(integration_key, "cpu");
		await runAlarm(id);
		expect(await received(path)).toHaveLength(1);
		await moveClock(id, 0);
	});
});
