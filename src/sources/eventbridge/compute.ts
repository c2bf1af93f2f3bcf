import * as z from "zod/mini";
import { type AlertEvent, LIMITS, type Severity } from "../../alerts/event";
import { labelWriter } from "../../alerts/labels";
import { fitAlertKey, truncate } from "../../alerts/text";
import { minLength } from "../../schema/length";
import { detailAs, type EventBridgeEvent, eventTime, timeOr } from "./envelope";

type Common = Omit<Extract<AlertEvent, { action: "trigger" }>, "action" | "severity">;

const Ec2Detail = z.object({ "instance-id": z.string().check(minLength(1)), state: z.string() });

const EC2_TRIGGERS = new Set(["stopping", "stopped", "shutting-down", "terminated"]);

/**
 * "EC2 Instance State-change Notification": stopping, stopped, shutting-down and terminated open
 * (or update) one alert per instance; running resolves it; pending changes nothing.
 */
export async function normalizeEc2(event: EventBridgeEvent): Promise<AlertEvent[] | null> {
	const detail = detailAs(Ec2Detail, event);
	if (detail === null) return null;
	const instance = detail["instance-id"];
	const labels: Record<string, string> = {};
	const set = labelWriter(labels);
	set("source", "aws.ec2");
	set("account", event.account);
	set("region", event.region);
	set("instance_id", instance);
	set("state", detail.state);
	const common: Common = {
		alert_key: await fitAlertKey(
			`${event.account}:${event.region}:ec2:${instance}`,
			LIMITS.alertKey,
		),
		title: truncate(`EC2 instance ${instance} is ${detail.state}`, LIMITS.title),
		description: "",
		labels,
		images: [],
		occurred_at: eventTime(event),
		ordered: true,
	};
	if (detail.state === "running") return [{ action: "resolve", ...common }];
	if (EC2_TRIGGERS.has(detail.state))
		return [{ action: "trigger", severity: "warning", ...common }];
	return [];
}

const EcsDetail = z.object({
	clusterArn: z.string(),
	taskArn: z.optional(z.string()),
	taskDefinitionArn: z.optional(z.string()),
	group: z.optional(z.string()),
	lastStatus: z.string(),
	stopCode: z.optional(z.string()),
	stoppedReason: z.optional(z.string()),
	updatedAt: z.optional(z.string()),
	containers: z.optional(
		z.array(z.object({ name: z.optional(z.string()), exitCode: z.nullish(z.number()) })),
	),
});

/**
 * "ECS Task State Change": a STOPPED task opens one alert per cluster and service (task group),
 * so every stop of a crash-looping service lands on one alert; a RUNNING task of the same group
 * resolves it. Stopped by a user is info; a non-zero exit is critical; otherwise warning.
 */
export async function normalizeEcs(event: EventBridgeEvent): Promise<AlertEvent[] | null> {
	const detail = detailAs(EcsDetail, event);
	if (detail === null) return null;
	const cluster = detail.clusterArn.split("/").at(-1) ?? detail.clusterArn;
	const group =
		detail.group ?? detail.taskDefinitionArn?.split("/").at(-1)?.split(":")[0] ?? "task";
	const failedExit = detail.containers?.find((c) => (c.exitCode ?? 0) !== 0);

	const labels: Record<string, string> = {};
	const set = labelWriter(labels);
	set("source", "aws.ecs");
	set("account", event.account);
	set("region", event.region);
	set("cluster", cluster);
	set("group", group);
	set("task_arn", detail.taskArn);
	set("last_status", detail.lastStatus);
	set("stop_code", detail.stopCode);
	set("exit_code", failedExit?.exitCode);

	const common: Common = {
		alert_key: await fitAlertKey(`${detail.clusterArn}:${group}`, LIMITS.alertKey),
		title: truncate(`ECS task stopped: ${group} in ${cluster}`, LIMITS.title),
		description: truncate(
			[
				detail.stoppedReason,
				failedExit ? `container ${failedExit.name} exited with ${failedExit.exitCode}` : "",
			]
				.filter(Boolean)
				.join("\n"),
			LIMITS.description,
		),
		labels,
		images: [],
		occurred_at: timeOr(detail.updatedAt, event),
		ordered: true,
	};
	if (detail.lastStatus === "RUNNING") return [{ action: "resolve", ...common }];
	if (detail.lastStatus !== "STOPPED") return [];
	const severity: Severity =
		detail.stopCode === "UserInitiated" ? "info" : failedExit ? "critical" : "warning";
	return [{ action: "trigger", severity, ...common }];
}

const PipelineDetail = z.object({
	pipeline: z.string().check(minLength(1)),
	state: z.string(),
	stage: z.optional(z.string()),
	action: z.optional(z.string()),
	"execution-id": z.optional(z.string()),
	"execution-result": z.optional(
		z.object({
			"external-execution-summary": z.optional(z.string()),
			"error-code": z.optional(z.string()),
		}),
	),
});

/**
 * CodePipeline pipeline, stage and action execution state changes: FAILED opens one alert per
 * pipeline (stage, action), SUCCEEDED resolves it, the rest change nothing.
 */
export async function normalizeCodePipeline(event: EventBridgeEvent): Promise<AlertEvent[] | null> {
	const detail = detailAs(PipelineDetail, event);
	if (detail === null) return null;
	const level = event["detail-type"].includes("Action")
		? "action"
		: event["detail-type"].includes("Stage")
			? "stage"
			: "pipeline";
	const scope = [
		detail.pipeline,
		level !== "pipeline" ? detail.stage : undefined,
		level === "action" ? detail.action : undefined,
	]
		.filter(Boolean)
		.join(":");
	const where =
		level === "action"
			? `: action ${detail.action} in stage ${detail.stage}`
			: level === "stage"
				? `: stage ${detail.stage}`
				: "";

	const labels: Record<string, string> = {};
	const set = labelWriter(labels);
	set("source", "aws.codepipeline");
	set("account", event.account);
	set("region", event.region);
	set("pipeline", detail.pipeline);
	set("stage", detail.stage);
	set("action", detail.action);
	set("execution_id", detail["execution-id"]);
	set("state", detail.state);
	set("error_code", detail["execution-result"]?.["error-code"]);

	const common: Common = {
		alert_key: await fitAlertKey(
			`codepipeline:${event.account}:${event.region}:${scope}`,
			LIMITS.alertKey,
		),
		title: truncate(`CodePipeline ${detail.pipeline}${where} failed`, LIMITS.title),
		description: truncate(
			detail["execution-result"]?.["external-execution-summary"] ?? "",
			LIMITS.description,
		),
		labels,
		images: [],
		occurred_at: eventTime(event),
		ordered: true,
	};
	if (detail.state === "SUCCEEDED") return [{ action: "resolve", ...common }];
	if (detail.state === "FAILED") return [{ action: "trigger", severity: "warning", ...common }];
	return [];
}
