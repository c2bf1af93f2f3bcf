import { describe, expect, it } from "vitest";
import { EventBridgeEvent } from "../src/sources/eventbridge/envelope";
import { normalizeEventBridge } from "../src/sources/eventbridge/normalize";
import { EventBridgeSettings } from "../src/sources/eventbridge/settings";
import {
	alarmEvent,
	createEventBridgeIntegration,
	envelope,
	pushEvent,
} from "./eventbridge-helpers";
import {
	admin,
	alarmAt,
	call,
	createIntegration,
	expectError,
	goldenCases,
	goldenFixture,
	listAlerts,
	moveClock,
	runAlarm,
	settingsRefusal,
} from "./helpers";

const cases = goldenCases("eventbridge");
const defaults = EventBridgeSettings.parse({});

describe("authentication", () => {
	const event = () => envelope("acme.app", "Job Failed", { job: "nightly" });

	it.each([
		[
			"X-Integration-Key (the recommended connection)",
			(key: string) => ({ "X-Integration-Key": key }),
		],
		[
			"Basic auth, any user name, the key as password",
			(key: string) => ({
				"X-Integration-Key": "",
				Authorization: `Basic ${btoa(`eventbridge:${key}`)}`,
			}),
		],
		[
			"Authorization: Bearer",
			(key: string) => ({ "X-Integration-Key": "", Authorization: `Bearer ${key}` }),
		],
	])("accepts the key in %s", async (_how, headers) => {
		const { id, integration_key } = await createEventBridgeIntegration();
		const reply = await call("POST", "/push", {
			body: JSON.stringify(event()),
			headers: { "Content-Type": "application/json", ...headers(integration_key) },
		});
		expect(reply.status).toBe(200);
		expect((await listAlerts(id)).alerts).toHaveLength(1);
	});

	it("accepts the push URL with the key in the path, whatever connection header is set", async () => {
		const { id, integration_key } = await createEventBridgeIntegration();
		const reply = await call("POST", `/push/${integration_key}`, {
			body: JSON.stringify(event()),
			headers: { "Content-Type": "application/json", Authorization: `Basic ${btoa("x:unused")}` },
		});
		expect(reply.status).toBe(200);
		expect((await listAlerts(id)).alerts).toHaveLength(1);
	});

	it("answers a wrong key in a header with 403 (EventBridge does not retry it), never 401", async () => {
		const wrong = `agk_${"B".repeat(43)}`;
		const attempts: Record<string, string>[] = [
			{ "X-Integration-Key": wrong },
			{ "X-Integration-Key": "typo" },
			{ "X-Integration-Key": "", Authorization: `Basic ${btoa(`user:${wrong}`)}` },
		];
		for (const headers of attempts) {
			const reply = await pushEvent(wrong, event(), headers);
			expect(expectError(reply, 403, "InvalidIntegrationKey")).toContain("API key value");
		}
	});

	it("answers an unknown key in the URL with 404", async () => {
		const reply = await call("POST", `/push/agk_${"C".repeat(43)}`, {
			body: JSON.stringify(event()),
		});
		expectError(reply, 404, "IntegrationNotFound");
	});
});

describe("golden files: each real event → its normalized events", () => {
	it("has a golden file for all 12 events", () => {
		expect(cases).toHaveLength(12);
	});

	it.each(cases)("%s", async (_name, text, expected) => {
		const events = await normalizeEventBridge(EventBridgeEvent.parse(JSON.parse(text)), defaults);
		expect(events).toEqual(expected);
	});

	it.each(cases)(
		"%s becomes the same alerts through the push URL",
		async (_name, text, expected) => {
			const { id, integration_key } = await createEventBridgeIntegration();
			const reply = await pushEvent(integration_key, text);
			expect(reply.status).toBe(200);
			expect(reply.body.data.event_id).toBe(JSON.parse(text).id);
			const alerts = (await listAlerts(id)).alerts;
			expect(alerts.map((a) => a.alert_key).sort()).toEqual(
				expected.map((e: { alert_key: string }) => e.alert_key).sort(),
			);
			for (const event of expected) {
				const alert = alerts.find((a) => a.alert_key === event.alert_key);
				expect(alert).toMatchObject({
					title: event.title,
					severity: event.severity,
					labels: event.labels,
					status: "firing",
				});
			}
		},
	);
});

describe("exactly-once by event id", () => {
	it("applies a retried event once and answers it again", async () => {
		const { id, integration_key } = await createEventBridgeIntegration();
		const event = envelope("acme.app", "Job Failed", { job: "nightly" });
		const first = await pushEvent(integration_key, event);
		const retry = await pushEvent(integration_key, event);
		expect(retry.body.data).toEqual(first.body.data);
		expect(retry.headers.get("Idempotent-Replayed")).toBe("true");
		expect((await listAlerts(id)).alerts[0]?.event_count).toBe(1);
	});

	it("applies concurrent copies once", async () => {
		const { id, integration_key } = await createEventBridgeIntegration();
		const event = envelope("acme.app", "Job Failed", { job: "nightly" });
		await Promise.all(Array.from({ length: 8 }, () => pushEvent(integration_key, event)));
		expect((await listAlerts(id)).alerts[0]?.event_count).toBe(1);
	});
});

describe("CloudWatch alarms via EventBridge", () => {
	it("opens on ALARM and resolves on OK, keyed by the alarm ARN", async () => {
		const { id, integration_key } = await createEventBridgeIntegration();
		const opened = await pushEvent(
			integration_key,
			alarmEvent("ALARM", "2026-11-21T05:00:00.000+0000"),
		);
		expect(opened.body.data.results).toEqual([
			expect.objectContaining({
				result: "opened",
				alert_key: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh",
			}),
		]);
		const ok = await pushEvent(integration_key, alarmEvent("OK", "2026-11-21T05:10:00.000+0000"));
		expect(ok.body.data.results[0].result).toBe("resolved");
		expect((await listAlerts(id)).alerts[0]).toMatchObject({
			status: "resolved",
			resolved_by: "event",
			resolved_at: "2026-11-21T05:10:00.000Z",
		});
	});

	it("ignores a late OK from before the alarm fired", async () => {
		const { id, integration_key } = await createEventBridgeIntegration();
		await pushEvent(integration_key, alarmEvent("ALARM", "2026-11-21T05:10:00.000+0000"));
		const late = await pushEvent(integration_key, alarmEvent("OK", "2026-11-21T05:00:00.000+0000"));
		expect(late.body.data.results[0].result).toBe("stale");
		expect((await listAlerts(id)).alerts[0]?.status).toBe("firing");
	});

	it("keeps one alert per Metrics Insights contributor", async () => {
		const { id, integration_key } = await createEventBridgeIntegration();
		const contributor = (contributorId: string, table: string, value: string) =>
			envelope("aws.cloudwatch", "CloudWatch Alarm Contributor State Change", {
				alarmName: "DynamoDBInsightsAlarm",
				alarmContributor: { id: contributorId, attributes: { TableName: table } },
				state: {
					value,
					timestamp:
						value === "OK" ? "2026-11-21T05:10:00.000+0000" : "2026-11-21T05:00:00.000+0000",
				},
			});
		await pushEvent(integration_key, contributor("c1", "orders", "ALARM"));
		await pushEvent(integration_key, contributor("c2", "users", "ALARM"));
		await pushEvent(integration_key, contributor("c1", "orders", "OK"));
		const byTitle = Object.fromEntries(
			(await listAlerts(id)).alerts.map((a) => [a.title, a.status]),
		);
		expect(byTitle).toEqual({
			"DynamoDBInsightsAlarm (orders)": "resolved",
			"DynamoDBInsightsAlarm (users)": "firing",
		});
	});
});

describe("GuardDuty, Health, Security Hub", () => {
	const finding = (severity: number, updatedAt: string) =>
		envelope("aws.guardduty", "GuardDuty Finding", {
			id: "finding-1",
			title: "SSH brute force",
			type: "UnauthorizedAccess:EC2/SSHBruteForce",
			severity,
			updatedAt,
		});

	it.each([
		[9.5, "critical"],
		[7, "critical"],
		[6.9, "warning"],
		[4, "warning"],
		[3.9, "info"],
	])("maps GuardDuty score %s to %s", async (score, severity) => {
		const { id, integration_key } = await createEventBridgeIntegration();
		await pushEvent(integration_key, finding(score, "2026-11-21T05:00:00Z"));
		expect((await listAlerts(id)).alerts[0]?.severity).toBe(severity);
	});

	it("updates the open alert when GuardDuty re-sends a finding", async () => {
		const { id, integration_key } = await createEventBridgeIntegration();
		await pushEvent(integration_key, finding(5, "2026-11-21T05:00:00Z"));
		const again = await pushEvent(integration_key, finding(8, "2026-11-21T05:30:00Z"));
		expect(again.body.data.results[0].result).toBe("updated");
		expect((await listAlerts(id)).alerts).toEqual([
			expect.objectContaining({ alert_key: "finding-1", severity: "critical", event_count: 2 }),
		]);
	});

	const health = (statusCode: string, lastUpdatedTime: string, category = "issue") =>
		envelope("aws.health", "AWS Health Event", {
			eventArn: "arn:aws:health:us-east-1::event/EC2/AWS_EC2_OPERATIONAL_ISSUE/abc",
			service: "EC2",
			eventTypeCode: "AWS_EC2_OPERATIONAL_ISSUE",
			eventTypeCategory: category,
			statusCode,
			lastUpdatedTime,
			eventDescription: [{ language: "en_US", latestDescription: `status ${statusCode}` }],
		});

	it("opens a Health issue and resolves it when closed", async () => {
		const { id, integration_key } = await createEventBridgeIntegration();
		await pushEvent(integration_key, health("open", "Fri, 21 Nov 2026 05:00:00 GMT"));
		expect((await listAlerts(id)).alerts[0]).toMatchObject({
			status: "firing",
			severity: "warning",
		});
		await pushEvent(integration_key, health("closed", "Fri, 21 Nov 2026 07:00:00 GMT"));
		expect((await listAlerts(id)).alerts[0]).toMatchObject({
			status: "resolved",
			description: "status open",
		});
	});

	it.each([
		[
			"without statusCode",
			(d: Record<string, unknown>) => {
				const { statusCode: _, ...rest } = d;
				return rest;
			},
			"AWS Health: AWS_EC2_OPERATIONAL_ISSUE (EC2, af-south-1)",
		],
		[
			"without eventTypeCode or eventArn",
			(d: Record<string, unknown>) => {
				const { eventTypeCode: _, eventArn: __, ...rest } = d;
				return rest;
			},
			"AWS Health: EC2 issue (af-south-1)",
		],
		[
			"with nothing but a region",
			(d: Record<string, unknown>) => ({ eventRegion: d.eventRegion }),
			"AWS Health: event (af-south-1)",
		],
		[
			"of another Health detail-type, with a statusCode of another type",
			(d: Record<string, unknown>) => ({ ...d, statusCode: 1 }),
			"AWS Health: AWS_EC2_OPERATIONAL_ISSUE (EC2, af-south-1)",
		],
	])("titles a Health event %s by what happened", async (name, change, title) => {
		// The AWS Health guide's public operational issue (the golden fixture), with fields taken away.
		const documented = JSON.parse(
			goldenFixture("eventbridge", "aws-health-ec2-operational-issue-public.json"),
		);
		const event = {
			...documented,
			id: crypto.randomUUID(),
			...(name.includes("another") ? { "detail-type": "AWS Health Abuse Event" } : {}),
			detail: change(documented.detail),
		};
		const { id, integration_key } = await createEventBridgeIntegration();
		const reply = await pushEvent(integration_key, event);
		expect(reply.body.data.results[0]).toMatchObject({ result: "opened" });
		expect((await listAlerts(id)).alerts[0]).toMatchObject({ status: "firing", title });
	});

	it("makes an upcoming Health event info", async () => {
		const { id, integration_key } = await createEventBridgeIntegration();
		await pushEvent(
			integration_key,
			health("upcoming", "Fri, 21 Nov 2026 05:00:00 GMT", "scheduledChange"),
		);
		expect((await listAlerts(id)).alerts[0]?.severity).toBe("info");
	});

	const hubFinding = (id: string, over: Record<string, unknown>) => ({
		Id: id,
		Title: `finding ${id}`,
		ProductName: "Security Hub",
		AwsAccountId: "123456789012",
		Severity: { Label: "HIGH" },
		Compliance: { Status: "FAILED" },
		Workflow: { Status: "NEW" },
		RecordState: "ACTIVE",
		UpdatedAt: "2026-11-21T05:00:00.000Z",
		...over,
	});

	it("makes one alert per Security Hub finding, and resolves resolved, suppressed or passed ones", async () => {
		const { id, integration_key } = await createEventBridgeIntegration();
		const first = await pushEvent(
			integration_key,
			envelope("aws.securityhub", "Security Hub Findings - Imported", {
				findings: [
					hubFinding("a", {}),
					hubFinding("b", { Severity: { Label: "MEDIUM" } }),
					hubFinding("c", { Severity: { Label: "LOW" } }),
					hubFinding("d", {}),
				],
			}),
		);
		expect(first.body.data.results.map((r: { result: string }) => r.result)).toEqual([
			"opened",
			"opened",
			"opened",
			"opened",
		]);
		const later = { UpdatedAt: "2026-11-21T06:00:00.000Z" };
		await pushEvent(
			integration_key,
			envelope("aws.securityhub", "Security Hub Findings - Imported", {
				findings: [
					hubFinding("a", { ...later, Workflow: { Status: "RESOLVED" } }),
					hubFinding("b", { ...later, Workflow: { Status: "SUPPRESSED" } }),
					hubFinding("c", { ...later, Compliance: { Status: "PASSED" } }),
				],
			}),
		);
		const byKey = Object.fromEntries(
			(await listAlerts(id)).alerts.map((a) => [a.alert_key, [a.status, a.severity]]),
		);
		expect(byKey).toEqual({
			a: ["resolved", "critical"],
			b: ["resolved", "warning"],
			c: ["resolved", "info"],
			d: ["firing", "critical"],
		});
	});
});

describe("EC2, ECS and CodePipeline", () => {
	const ec2 = (state: string, time: string) =>
		envelope(
			"aws.ec2",
			"EC2 Instance State-change Notification",
			{ "instance-id": "i-0abc", state },
			{ time },
		);

	it("alerts when an instance stops and resolves when it runs again; pending changes nothing", async () => {
		const { id, integration_key } = await createEventBridgeIntegration();
		await pushEvent(integration_key, ec2("stopped", "2026-11-21T05:00:00Z"));
		const pending = await pushEvent(integration_key, ec2("pending", "2026-11-21T05:01:00Z"));
		expect(pending.body.data.results).toEqual([]);
		await pushEvent(integration_key, ec2("running", "2026-11-21T05:02:00Z"));
		expect((await listAlerts(id)).alerts).toEqual([
			expect.objectContaining({
				alert_key: "123456789012:us-east-1:ec2:i-0abc",
				title: "EC2 instance i-0abc is stopped",
				status: "resolved",
			}),
		]);
	});

	const task = (lastStatus: string, over: Record<string, unknown> = {}) =>
		envelope("aws.ecs", "ECS Task State Change", {
			clusterArn: "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
			group: "service:checkout",
			lastStatus,
			updatedAt: new Date().toISOString(),
			...over,
		});

	it("keeps every stop of one ECS service on one alert, critical on a non-zero exit", async () => {
		const { id, integration_key } = await createEventBridgeIntegration();
		const crash = {
			stopCode: "EssentialContainerExited",
			stoppedReason: "Essential container in task exited",
			containers: [{ name: "app", exitCode: 137 }],
		};
		await pushEvent(integration_key, task("STOPPED", crash));
		await pushEvent(integration_key, task("STOPPED", crash));
		await pushEvent(integration_key, task("RUNNING"));
		expect((await listAlerts(id)).alerts).toEqual([
			expect.objectContaining({
				title: "ECS task stopped: service:checkout in prod",
				severity: "critical",
				event_count: 3,
				status: "resolved",
				description: "Essential container in task exited\ncontainer app exited with 137",
			}),
		]);
	});

	it("opens a CodePipeline failure and resolves it when the pipeline next succeeds", async () => {
		const { id, integration_key } = await createEventBridgeIntegration();
		const run = (state: string, time: string) =>
			envelope(
				"aws.codepipeline",
				"CodePipeline Pipeline Execution State Change",
				{ pipeline: "web", state },
				{ time },
			);
		await pushEvent(integration_key, run("FAILED", "2026-11-21T05:00:00Z"));
		const started = await pushEvent(integration_key, run("STARTED", "2026-11-21T05:05:00Z"));
		expect(started.body.data.results).toEqual([]);
		await pushEvent(integration_key, run("SUCCEEDED", "2026-11-21T05:10:00Z"));
		expect((await listAlerts(id)).alerts).toEqual([
			expect.objectContaining({ title: "CodePipeline web failed", status: "resolved" }),
		]);
	});
});

describe("any other event", () => {
	it("becomes a generic warning keyed by source, detail-type, account, region and resources", async () => {
		const { id, integration_key } = await createEventBridgeIntegration();
		const resources = [
			"arn:aws:batch:us-east-1:123456789012:job/2",
			"arn:aws:batch:us-east-1:123456789012:job/1",
		];
		const first = await pushEvent(
			integration_key,
			envelope("aws.batch", "Batch Job State Change", { status: "FAILED" }, { resources }),
		);
		// Another occurrence: new id and time, resources in another order.
		const again = await pushEvent(
			integration_key,
			envelope(
				"aws.batch",
				"Batch Job State Change",
				{ status: "FAILED" },
				{ resources: [...resources].reverse(), time: "2026-11-21T06:00:00Z" },
			),
		);
		expect(again.body.data.results[0]).toMatchObject({
			result: "updated",
			alert_id: first.body.data.results[0].alert_id,
		});
		const other = await pushEvent(
			integration_key,
			envelope(
				"aws.batch",
				"Batch Job State Change",
				{ status: "FAILED" },
				{ resources: ["arn:aws:batch:us-east-1:123456789012:job/3"] },
			),
		);
		expect(other.body.data.results[0].result).toBe("opened");
		const alerts = (await listAlerts(id)).alerts;
		expect(alerts).toHaveLength(2);
		expect(alerts[1]).toMatchObject({
			title: "Batch Job State Change (aws.batch)",
			severity: "warning",
			description: '{"status":"FAILED"}',
			labels: {
				source: "aws.batch",
				detail_type: "Batch Job State Change",
				account: "123456789012",
			},
		});
	});

	it("treats a known event of an unexpected shape as generic rather than dropping it", async () => {
		const { id, integration_key } = await createEventBridgeIntegration();
		await pushEvent(
			integration_key,
			envelope("aws.guardduty", "GuardDuty Finding", { unexpected: true }),
		);
		expect((await listAlerts(id)).alerts[0]?.title).toBe("GuardDuty Finding (aws.guardduty)");
	});
});

describe("input transformers", () => {
	it("accepts a standard-protocol body produced by an input transformer", async () => {
		const { id, integration_key } = await createEventBridgeIntegration();
		const reply = await pushEvent(integration_key, {
			event_status: "Critical",
			title_rule: "orders queue stuck",
			alert_key: "orders-queue",
		});
		expect(reply.body.data).toMatchObject({ alert_key: "orders-queue", result: "opened" });
		expect((await listAlerts(id)).alerts[0]?.severity).toBe("critical");
	});

	it.each([
		[{ hello: "world" }, "expected an EventBridge event"],
		["not json {", "not valid JSON"],
		[{ "detail-type": "X", source: "s", detail: {} }, "id is required"],
		[{ "detail-type": "X", source: "s", id: "1", detail: [] }, "detail must be an object"],
		[{ event_status: "Bad", title_rule: "x" }, "event_status must be one of"],
	])("refuses %j with a 400 that says what was expected", async (body, message) => {
		const { id, integration_key } = await createEventBridgeIntegration();
		const reply = await pushEvent(integration_key, body);
		expect(expectError(reply, 400, "InvalidParameter")).toContain(message);
		expect((await listAlerts(id)).alerts).toEqual([]);
	});
});

describe("auto-resolve for one-shot events", () => {
	it("defaults to 24h for EventBridge and off for the others", async () => {
		expect((await createEventBridgeIntegration()).settings).toMatchObject({
			auto_resolve_after: "24h",
		});
		const standard = await admin("POST", "/integrations", { name: "s", type: "standard" });
		expect(standard.body.data.settings).toEqual({
			auto_resolve_after: null,
			rate_limit: { per_second: 100, burst: 1000 },
			retention: "30d",
			expect_within: null,
			flapping: { changes: 4, window: "60m" },
		});
	});

	it("resolves an alert with no event for auto_resolve_after, marked resolved_by timeout", async () => {
		const { id, integration_key } = await createEventBridgeIntegration();
		await pushEvent(integration_key, envelope("acme.app", "Job Failed", { job: "a" }));
		await pushEvent(
			integration_key,
			envelope("acme.app", "Job Failed", { job: "b" }, { resources: ["b"] }),
		);
		await runAlarm(id);
		expect((await listAlerts(id, "?status=firing")).alerts).toHaveLength(2);
		// The next alarm is due when the oldest firing alert times out.
		expect(await alarmAt(id)).toBeGreaterThan(Date.now() + 23 * 3_600_000);

		await moveClock(id, 24 * 3_600_000);
		expect(await runAlarm(id)).toBe(true);
		const alerts = (await listAlerts(id)).alerts;
		expect(alerts.map((a) => [a.status, a.resolved_by])).toEqual([
			["resolved", "timeout"],
			["resolved", "timeout"],
		]);
	});

	it("restarts the clock on every event of the alert", async () => {
		const { id, integration_key } = await createEventBridgeIntegration({
			auto_resolve_after: "30m",
		});
		const event = () => envelope("acme.app", "Job Failed", { job: "a" });
		await pushEvent(integration_key, event());
		await moveClock(id, 20 * 60_000);
		await pushEvent(integration_key, event());
		await moveClock(id, 20 * 60_000);
		await runAlarm(id);
		expect((await listAlerts(id)).alerts[0]).toMatchObject({ status: "firing", event_count: 2 });
	});

	it("applies to standard integrations when set by PATCH, including alerts already firing", async () => {
		const { id, integration_key } = await createIntegration("s");
		await call("POST", `/push/${integration_key}`, {
			body: JSON.stringify({
				event_status: "Warning",
				title_rule: "heartbeat missed",
				alert_key: "hb",
			}),
		});
		await moveClock(id, 2 * 3_600_000);
		await runAlarm(id);
		expect((await listAlerts(id)).alerts[0]?.status).toBe("firing");

		const patched = await admin("PATCH", `/integrations/${id}`, {
			settings: { auto_resolve_after: "90m" },
		});
		expect(patched.body.data.settings.auto_resolve_after).toBe("90m");
		await runAlarm(id);
		expect((await listAlerts(id)).alerts[0]).toMatchObject({
			status: "resolved",
			resolved_by: "timeout",
		});
	});

	it("does nothing to firing alerts when off", async () => {
		const { id, integration_key } = await createEventBridgeIntegration({
			auto_resolve_after: null,
		});
		await pushEvent(integration_key, envelope("acme.app", "Job Failed", { job: "a" }));
		await moveClock(id, 400 * 86_400_000);
		await runAlarm(id);
		expect((await listAlerts(id)).alerts[0]?.status).toBe("firing");
	});

	it.each([["10s"], ["31d"], ["5 minutes"], ["30"], [30]])(
		"rejects auto_resolve_after %j",
		async (value) => {
			expect(await settingsRefusal("aws_eventbridge", { auto_resolve_after: value })).toContain(
				"settings.auto_resolve_after must be a duration",
			);
		},
	);
});
