import { describe, expect, it } from "vitest";
import { parseAlarm } from "../src/sources/cloudwatch/alarm";
import { normalizeAlarm } from "../src/sources/cloudwatch/normalize";
import { CloudWatchSettings } from "../src/sources/cloudwatch/settings";
import { EventBridgeEvent } from "../src/sources/eventbridge/envelope";
import { normalizeEventBridge } from "../src/sources/eventbridge/normalize";
import { EventBridgeSettings } from "../src/sources/eventbridge/settings";
import { envelope, pushEvent } from "./eventbridge-helpers";
import { admin, createIntegration, listAlerts, runAlarm } from "./helpers";
import { createChannel, incidentsOf } from "./incident-helpers";
import { notification, uniqueTopic } from "./sns-helpers";

/**
 * One CloudWatch alarm state change, two wire formats: the Message CloudWatch publishes to SNS
 * and the "CloudWatch Alarm State Change" event it sends EventBridge
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html). Both
 * are built from one description, so a difference in what alertgate makes of them is alertgate's.
 */

type Metric = {
	id: string;
	name?: string;
	namespace?: string;
	dimensions?: Record<string, string>;
	expression?: string;
};

type Described = {
	name: string;
	description: string | null;
	state: "OK" | "ALARM" | "INSUFFICIENT_DATA";
	previous: "OK" | "ALARM" | "INSUFFICIENT_DATA";
	reason: string;
	at: string;
	/** A single-metric alarm's metric (SNS: Trigger.MetricName …). */
	metric?: Metric;
	/** A metric-math or anomaly alarm's metrics (SNS: Trigger.Metrics). */
	metrics?: Metric[];
	thresholdMetricId?: string;
	rule?: string;
};

const ACCOUNT = "123456789012";
const arnOf = (name: string) => `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:${name}`;

/** The SNS Message of the alarm, as CloudWatch writes it (dimensions as [{value, name}]). */
function snsMessage(d: Described) {
	const dims = (m?: Metric) =>
		Object.entries(m?.dimensions ?? {}).map(([name, value]) => ({ value, name }));
	const trigger =
		d.rule !== undefined
			? undefined
			: d.metric !== undefined
				? {
						MetricName: d.metric.name,
						Namespace: d.metric.namespace,
						Statistic: "AVERAGE",
						Dimensions: dims(d.metric),
						Period: 60,
						EvaluationPeriods: 1,
						ComparisonOperator: "GreaterThanThreshold",
						Threshold: 1.0,
					}
				: {
						Period: 60,
						EvaluationPeriods: 1,
						ComparisonOperator: d.thresholdMetricId
							? "LessThanLowerOrGreaterThanUpperThreshold"
							: "GreaterThanThreshold",
						...(d.thresholdMetricId ? { ThresholdMetricId: d.thresholdMetricId } : {}),
						Metrics: (d.metrics ?? []).map((m) =>
							m.expression !== undefined
								? { Expression: m.expression, Id: m.id, ReturnData: true }
								: {
										Id: m.id,
										MetricStat: {
											Metric: { Dimensions: dims(m), MetricName: m.name, Namespace: m.namespace },
											Period: 60,
											Stat: "Average",
										},
										ReturnData: false,
									},
						),
					};
	return {
		AlarmName: d.name,
		AlarmDescription: d.description,
		AWSAccountId: ACCOUNT,
		NewStateValue: d.state,
		NewStateReason: d.reason,
		StateChangeTime: d.at,
		Region: "US East (N. Virginia)",
		AlarmArn: arnOf(d.name),
		OldStateValue: d.previous,
		...(trigger ? { Trigger: trigger } : {}),
		...(d.rule !== undefined ? { AlarmRule: d.rule } : {}),
	};
}

/** The EventBridge event of the alarm (dimensions as an object map, metrics always a list). */
function eventBridgeEvent(d: Described) {
	const metric = (m: Metric) =>
		m.expression !== undefined
			? { id: m.id, expression: m.expression, returnData: true }
			: {
					id: m.id,
					metricStat: {
						metric: { dimensions: m.dimensions ?? {}, name: m.name, namespace: m.namespace },
						period: 60,
						stat: "Average",
					},
					returnData: d.metric !== undefined,
				};
	const metrics = d.metric !== undefined ? [d.metric] : (d.metrics ?? []);
	return envelope(
		"aws.cloudwatch",
		"CloudWatch Alarm State Change",
		{
			alarmName: d.name,
			state: { value: d.state, reason: d.reason, timestamp: d.at },
			previousState: {
				value: d.previous,
				reason: "before",
				timestamp: "2026-11-21T04:00:00.000+0000",
			},
			configuration: {
				...(d.description !== null ? { description: d.description } : {}),
				...(d.rule !== undefined ? { alarmRule: d.rule } : { metrics: metrics.map(metric) }),
			},
		},
		{ resources: [arnOf(d.name)], time: "2026-11-21T05:01:00Z" },
	);
}

const AT = "2026-11-21T05:01:00.000+0000";
const cpu: Metric = {
	id: "m1",
	name: "CPUUtilization",
	namespace: "AWS/EC2",
	dimensions: { InstanceId: "i-0123456789abcdef0" },
};

const ALARMS: Described[] = [
	{
		name: "cpu-high",
		description: "CPU above 90% severity=critical",
		state: "ALARM",
		previous: "OK",
		reason:
			"Threshold Crossed: 1 datapoint [95.0 (21/11/26 05:00:00)] was greater than the threshold (90.0).",
		at: AT,
		metric: cpu,
	},
	{
		name: "network-total",
		description: "Total network traffic",
		state: "ALARM",
		previous: "INSUFFICIENT_DATA",
		reason:
			"Threshold Crossed: 1 out of the last 1 datapoints [45628.0 (21/11/26 05:00:00)] was greater than the threshold (10000.0).",
		at: AT,
		metrics: [
			{ id: "e1", expression: "SUM(METRICS())" },
			{ ...cpu, id: "m1", name: "NetworkIn" },
			{ ...cpu, id: "m2", name: "NetworkOut" },
		],
	},
	{
		name: "cpu-anomaly",
		description: null,
		state: "ALARM",
		previous: "OK",
		reason:
			"Thresholds Crossed: 1 out of the last 1 datapoints [0.0 (21/11/26 05:00:00)] was less than the lower thresholds [0.02] or greater than the upper thresholds [0.3].",
		at: AT,
		metrics: [cpu, { id: "ad1", expression: "ANOMALY_DETECTION_BAND(m1, 0.8)" }],
		thresholdMetricId: "ad1",
	},
	{
		name: "service-aggregate",
		description: "",
		state: "ALARM",
		previous: "OK",
		reason: `${arnOf("cpu-high")} transitioned to ALARM at Saturday 21 November, 2026 05:01:00 UTC`,
		at: AT,
		rule: `ALARM(${arnOf("cpu-high")}) OR ALARM(${arnOf("network-total")})`,
	},
	{
		name: "dynamodb-insights",
		description: "Metrics Insights alarm per table",
		state: "ALARM",
		previous: "INSUFFICIENT_DATA",
		reason: "6 out of 6 time series evaluated to ALARM",
		at: AT,
		metrics: [
			{
				id: "m1",
				expression:
					'SELECT AVG(ConsumedWriteCapacityUnits) FROM "AWS/DynamoDB" GROUP BY TableName ORDER BY MAX() DESC',
			},
		],
	},
];

/** Every alarm in each state: ALARM, OK and INSUFFICIENT_DATA. */
const CASES = ALARMS.flatMap((alarm) =>
	(["ALARM", "OK", "INSUFFICIENT_DATA"] as const).map((state) => ({
		...alarm,
		state,
		previous: state === "OK" ? ("ALARM" as const) : alarm.previous,
	})),
);

const policies = [
	{ insufficient_data: "ignore" },
	{ insufficient_data: "info" },
	{ insufficient_data: "resolve" },
	{ insufficient_data: "info", severity_rules: [{ alarm_name: "*-anomaly", severity: "info" }] },
];

describe("the same alarm through SNS and through EventBridge", () => {
	it.each(
		CASES.flatMap((d) =>
			policies.map(
				(policy) => [`${d.name} ${d.state} ${JSON.stringify(policy)}`, d, policy] as const,
			),
		),
	)("%s: the same normalized event, every field", async (_name, described, policy) => {
		const alarm = parseAlarm(JSON.stringify(snsMessage(described)));
		expect(alarm).not.toBeNull();
		if (alarm === null) return;
		const viaSns = await normalizeAlarm(
			alarm,
			"arn:aws:sns:us-east-1:123456789012:alarms",
			CloudWatchSettings.parse(policy),
		);
		const viaEventBridge = await normalizeEventBridge(
			EventBridgeEvent.parse(eventBridgeEvent(described)),
			EventBridgeSettings.parse(policy),
		);
		expect(viaEventBridge).toEqual(viaSns === null ? [] : [viaSns]);
	});

	it("types each alarm as the SNS path always did", async () => {
		const types = await Promise.all(
			ALARMS.map(async (d) => {
				const [event] = await normalizeEventBridge(
					EventBridgeEvent.parse(eventBridgeEvent(d)),
					EventBridgeSettings.parse({}),
				);
				return event?.action === "trigger" ? event.labels.alarm_type : undefined;
			}),
		);
		expect(types).toEqual([
			"metric",
			"metric_math",
			"anomaly_detection",
			"composite",
			"metric_math",
		]);
	});

	it.each(
		CASES.filter((d) => d.state !== "INSUFFICIENT_DATA").map(
			(d) => [`${d.name} ${d.state}`, d] as const,
		),
	)(
		"%s: previewed alike by an aws_cloudwatch and an aws_eventbridge integration",
		async (_name, described) => {
			const cloudwatch = await createIntegration("sns", "aws_cloudwatch");
			const eventbridge = await createIntegration("eb", "aws_eventbridge");
			// A preview checks no signature: the SNS delivery as SNS posts it.
			const sns = await notification(uniqueTopic(), snsMessage(described));
			const viaSns = await admin("POST", `/integrations/${cloudwatch.id}/preview`, sns);
			const viaEventBridge = await admin(
				"POST",
				`/integrations/${eventbridge.id}/preview`,
				eventBridgeEvent(described),
			);
			expect(viaSns.status).toBe(200);
			expect(viaEventBridge.body.data).toEqual(viaSns.body.data);
			expect(viaSns.body.data.alerts).toHaveLength(1);
		},
	);
});

/** The composite example of the CloudWatch guide: suppressed by its wait period. */
function suppressedComposite(value: string, timestamp: string, suppressedBy?: string) {
	return envelope(
		"aws.cloudwatch",
		"CloudWatch Alarm State Change",
		{
			alarmName: "ServiceAggregatedAlarm",
			state: {
				value,
				reason: `ServerCpuTooHigh transitioned to ${value}`,
				timestamp,
				...(suppressedBy
					? {
							actionsSuppressedBy: suppressedBy,
							actionsSuppressedReason: `Actions suppressed by ${suppressedBy}`,
						}
					: {}),
			},
			configuration: {
				alarmRule: "ALARM(ServerCpuTooHigh) OR ALARM(TotalNetworkTrafficTooHigh)",
				actionsSuppressor: "ServiceMaintenanceAlarm",
				actionsSuppressorWaitPeriod: 120,
				actionsSuppressorExtensionPeriod: 180,
			},
		},
		{ resources: [arnOf("ServiceAggregatedAlarm")] },
	);
}

async function eventBridgeWithChannel() {
	const channel = await createChannel({ name: `aws ${crypto.randomUUID()}` });
	const integration = await createIntegration("eb", "aws_eventbridge");
	const routes = await admin("PUT", `/integrations/${integration.id}/routes`, {
		rules: [],
		default_channel_id: channel.id,
	});
	expect(routes.status).toBe(200);
	return integration;
}

describe("a composite alarm whose actions CloudWatch suppressed", () => {
	it("is kept muted, opens no incident, pages when suppression ends, and resolves on OK", async () => {
		const { id, integration_key } = await eventBridgeWithChannel();
		const held = await pushEvent(
			integration_key,
			suppressedComposite("ALARM", "2026-11-21T05:00:00.000+0000", "WaitPeriod"),
		);
		expect(held.body.data.results).toMatchObject([
			{ result: "opened", alert_status: "firing", incident_id: null, muted_by: "suppressed" },
		]);
		const [alert] = (await listAlerts(id)).alerts;
		expect(alert).toMatchObject({
			status: "firing",
			suppressed_by: "WaitPeriod",
			silenced_by: null,
		});
		await runAlarm(id);
		expect(await incidentsOf(id)).toEqual([]);

		// The wait period ends without the suppressor in ALARM: CloudWatch performs the actions and
		// sends the same state again, without actionsSuppressedBy.
		const performed = await pushEvent(
			integration_key,
			suppressedComposite("ALARM", "2026-11-21T05:02:00.000+0000"),
		);
		expect(performed.body.data.results[0]).toMatchObject({ result: "updated", muted_by: null });
		expect((await listAlerts(id)).alerts[0]).toMatchObject({ suppressed_by: null });
		await runAlarm(id);
		const [incident] = await incidentsOf(id);
		expect(incident).toMatchObject({ status: "triggered", title: "ServiceAggregatedAlarm" });
		// Released into routing by this event: the answer names the incident it opened.
		expect(performed.body.data.results[0].incident_id).toBe(incident?.id);

		const ok = await pushEvent(
			integration_key,
			suppressedComposite("OK", "2026-11-21T05:10:00.000+0000"),
		);
		expect(ok.body.data.results).toMatchObject([{ result: "resolved", alert_status: "resolved" }]);
	});

	it("resolves while still suppressed, never having paged", async () => {
		const { id, integration_key } = await eventBridgeWithChannel();
		await pushEvent(
			integration_key,
			suppressedComposite("ALARM", "2026-11-21T05:00:00.000+0000", "Alarm"),
		);
		const ok = await pushEvent(
			integration_key,
			suppressedComposite("OK", "2026-11-21T05:05:00.000+0000", "Alarm"),
		);
		expect(ok.body.data.results[0].result).toBe("resolved");
		await runAlarm(id);
		expect(await incidentsOf(id)).toEqual([]);
	});

	it("keeps the incident of an alarm that paged before its actions were suppressed", async () => {
		const { id, integration_key } = await eventBridgeWithChannel();
		await pushEvent(integration_key, suppressedComposite("ALARM", "2026-11-21T05:00:00.000+0000"));
		await pushEvent(
			integration_key,
			suppressedComposite("ALARM", "2026-11-21T05:03:00.000+0000", "ExtensionPeriod"),
		);
		expect((await listAlerts(id)).alerts[0]).toMatchObject({ suppressed_by: "ExtensionPeriod" });
		await runAlarm(id);
		expect((await incidentsOf(id)).map((i) => i.status)).toEqual(["triggered"]);
	});

	it("is previewed as suppressed", async () => {
		const integration = await createIntegration("eb", "aws_eventbridge");
		const reply = await admin(
			"POST",
			`/integrations/${integration.id}/preview`,
			suppressedComposite("ALARM", "2026-11-21T05:00:00.000+0000", "WaitPeriod"),
		);
		expect(reply.body.data.alerts[0]).toMatchObject({
			status: "firing",
			suppressed_by: "WaitPeriod",
		});
	});
});

describe("alarm configuration changes", () => {
	it.each(["create", "update", "delete"])(
		"answers an alarm %s as ignored and opens nothing",
		async (operation) => {
			const { id, integration_key } = await createIntegration("eb", "aws_eventbridge");
			// The fields CloudWatch documents for this detail-type: the alarm, the operation, its
			// state and configuration.
			const reply = await pushEvent(
				integration_key,
				envelope(
					"aws.cloudwatch",
					"CloudWatch Alarm Configuration Change",
					{
						alarmName: "cpu-high",
						operation,
						state: { value: "INSUFFICIENT_DATA", timestamp: "2026-11-21T05:00:00.000+0000" },
						configuration: { description: "CPU above 90%", metrics: [] },
					},
					{ resources: [arnOf("cpu-high")] },
				),
			);
			expect(reply.status).toBe(200);
			expect(reply.body.data).toMatchObject({ result: "ignored", results: [] });
			expect((await listAlerts(id)).alerts).toEqual([]);
		},
	);
});
