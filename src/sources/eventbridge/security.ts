import * as z from "zod/mini";
import { type AlertEvent, LIMITS, type Severity } from "../../alerts/event";
import { labelWriter } from "../../alerts/labels";
import { severityFromWord } from "../../alerts/severity";
import { fitAlertKey, truncate } from "../../alerts/text";
import { minLength } from "../../schema/length";
import { detailAs, type EventBridgeEvent, timeOr } from "./envelope";

const GuardDutyDetail = z.object({
	id: z.string().check(minLength(1)),
	type: z.optional(z.string()),
	title: z.optional(z.string()),
	description: z.optional(z.string()),
	severity: z.number(),
	accountId: z.optional(z.string()),
	region: z.optional(z.string()),
	updatedAt: z.optional(z.string()),
	resource: z.optional(z.object({ resourceType: z.optional(z.string()) })),
	service: z.optional(
		z.object({
			count: z.optional(z.number()),
			additionalInfo: z.optional(z.object({ sample: z.optional(z.boolean()) })),
		}),
	),
});

/** GuardDuty's scale (Low 1.0–3.9, Medium 4.0–6.9, High 7.0–8.9, Critical 9.0–10.0) → its word's severity. */
function guardDutySeverity(score: number): Severity {
	const word = score >= 9 ? "critical" : score >= 7 ? "high" : score >= 4 ? "medium" : "low";
	return severityFromWord(word) ?? "warning";
}

/** "GuardDuty Finding": one alert per finding id; a re-sent finding (newer) updates it. */
export async function normalizeGuardDuty(event: EventBridgeEvent): Promise<AlertEvent[] | null> {
	const detail = detailAs(GuardDutyDetail, event);
	if (detail === null) return null;
	const labels: Record<string, string> = {};
	const set = labelWriter(labels);
	set("source", "aws.guardduty");
	set("account", detail.accountId ?? event.account);
	set("region", detail.region ?? event.region);
	set("finding_type", detail.type);
	set("severity_score", detail.severity);
	set("resource_type", detail.resource?.resourceType);
	set("count", detail.service?.count);
	set("sample", detail.service?.additionalInfo?.sample);
	return [
		{
			action: "trigger",
			severity: guardDutySeverity(detail.severity),
			alert_key: await fitAlertKey(detail.id, LIMITS.alertKey),
			title: truncate(detail.title ?? detail.type ?? "GuardDuty finding", LIMITS.title),
			description: truncate(detail.description ?? "", LIMITS.description),
			labels,
			images: [],
			occurred_at: timeOr(detail.updatedAt, event),
			ordered: true,
		},
	];
}

const Finding = z.object({
	Id: z.string().check(minLength(1)),
	Title: z.optional(z.string()),
	Description: z.optional(z.string()),
	ProductName: z.optional(z.string()),
	AwsAccountId: z.optional(z.string()),
	Region: z.optional(z.string()),
	GeneratorId: z.optional(z.string()),
	UpdatedAt: z.optional(z.string()),
	Severity: z.optional(z.object({ Label: z.optional(z.string()) })),
	Compliance: z.optional(z.object({ Status: z.optional(z.string()) })),
	Workflow: z.optional(z.object({ Status: z.optional(z.string()) })),
	RecordState: z.optional(z.string()),
	Resources: z.optional(
		z.array(z.object({ Type: z.optional(z.string()), Id: z.optional(z.string()) })),
	),
	ProductFields: z.optional(z.record(z.string(), z.string())),
});
type Finding = z.infer<typeof Finding>;

const SecurityHubDetail = z.object({ findings: z.array(z.unknown()) });

/** A finding closes its alert when triaged away, passing its check, or archived. */
function findingResolved(finding: Finding): boolean {
	const workflow = finding.Workflow?.Status;
	return (
		workflow === "RESOLVED" ||
		workflow === "SUPPRESSED" ||
		finding.Compliance?.Status === "PASSED" ||
		finding.RecordState === "ARCHIVED"
	);
}

/**
 * "Security Hub Findings - Imported": one alert per finding in `detail.findings`. Security Hub
 * re-emits a finding on every update, so they are ordered by UpdatedAt.
 */
export async function normalizeSecurityHub(event: EventBridgeEvent): Promise<AlertEvent[] | null> {
	const detail = detailAs(SecurityHubDetail, event);
	if (detail === null) return null;
	const events: AlertEvent[] = [];
	for (const raw of detail.findings) {
		const parsed = Finding.safeParse(raw);
		if (!parsed.success) continue;
		const finding = parsed.data;
		const labels: Record<string, string> = {};
		const set = labelWriter(labels);
		set("source", "aws.securityhub");
		set("account", finding.AwsAccountId ?? event.account);
		set("region", finding.Region ?? event.region);
		set("product", finding.ProductName);
		set("generator_id", finding.GeneratorId);
		set("control_id", finding.ProductFields?.ControlId);
		set("severity_label", finding.Severity?.Label);
		set("compliance_status", finding.Compliance?.Status);
		set("workflow_status", finding.Workflow?.Status);
		set("record_state", finding.RecordState);
		set("resource_type", finding.Resources?.[0]?.Type);
		set("resource_id", finding.Resources?.[0]?.Id);
		const common = {
			alert_key: await fitAlertKey(finding.Id, LIMITS.alertKey),
			title: truncate(finding.Title ?? "Security Hub finding", LIMITS.title),
			description: truncate(finding.Description ?? "", LIMITS.description),
			labels,
			images: [],
			occurred_at: timeOr(finding.UpdatedAt, event),
			ordered: true,
		};
		events.push(
			findingResolved(finding)
				? { action: "resolve", ...common }
				: {
						action: "trigger",
						severity: severityFromWord(finding.Severity?.Label ?? "") ?? "warning",
						...common,
					},
		);
	}
	return events;
}
