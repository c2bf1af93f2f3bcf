import * as z from "zod/mini";
import { type AlertEvent, LIMITS } from "../../alerts/event";
import { labelWriter } from "../../alerts/labels";
import { fitAlertKey, truncate } from "../../alerts/text";
import { detailAs, type EventBridgeEvent, timeOr } from "./envelope";

/** A field read leniently: one of another type is taken as absent, never a refusal. */
const text = z.catch(z.optional(z.string()), undefined);

/**
 * An AWS Health event's detail (AWS Health User Guide, "AWS Health events Amazon EventBridge
 * schema", https://docs.aws.amazon.com/health/latest/ug/aws-health-events-eventbridge-schema.html).
 * Every field is optional: whatever it lacks, the alert still says what happened.
 */
const HealthDetail = z.object({
	eventArn: text,
	service: text,
	eventTypeCode: text,
	eventTypeCategory: text,
	eventScopeCode: text,
	/** open, closed or upcoming; absent or another word reads as open. */
	statusCode: text,
	eventRegion: text,
	affectedAccount: text,
	/** RFC 1123 (`Fri, 27 Jan 2023 06:02:51 GMT`). */
	lastUpdatedTime: text,
	eventDescription: z.catch(
		z.optional(
			z.array(z.object({ language: z.optional(z.string()), latestDescription: z.string() })),
		),
		undefined,
	),
	affectedEntities: z.catch(
		z.optional(z.array(z.object({ entityValue: z.optional(z.string()) }))),
		undefined,
	),
});
type HealthDetail = z.infer<typeof HealthDetail>;

/**
 * What happened, from what the event carries: `AWS Health: <eventTypeCode> (<service>, <region>)`,
 * and without a type code its service and category (`AWS Health: EC2 issue (us-east-1)`).
 */
export function healthTitle(detail: HealthDetail, region: string): string {
	const what =
		detail.eventTypeCode ??
		([detail.service, detail.eventTypeCategory].filter(Boolean).join(" ") || "event");
	const where = [detail.eventTypeCode ? detail.service : undefined, region].filter(Boolean);
	return `AWS Health: ${what}${where.length > 0 ? ` (${where.join(", ")})` : ""}`;
}

/**
 * "AWS Health Event": open → firing (warning for issues, info for notices), upcoming → info,
 * closed → resolved. Keyed by the event ARN and the affected account, since one public event
 * reaches many accounts; an event without an ARN by what it says happened, and where.
 */
export async function normalizeHealth(event: EventBridgeEvent): Promise<AlertEvent[] | null> {
	const detail = detailAs(HealthDetail, event);
	if (detail === null) return null;
	const account = detail.affectedAccount ?? event.account;
	const region = detail.eventRegion ?? event.region;
	const description =
		detail.eventDescription?.find((d) => d.language === "en_US") ?? detail.eventDescription?.[0];
	const title = healthTitle(detail, region);

	const labels: Record<string, string> = {};
	const set = labelWriter(labels);
	set("source", "aws.health");
	set("account", account);
	set("region", region);
	set("service", detail.service);
	set("event_type_code", detail.eventTypeCode);
	set("event_type_category", detail.eventTypeCategory);
	set("scope", detail.eventScopeCode);
	set("status", detail.statusCode);
	set("event_arn", detail.eventArn);
	set("affected_entity", detail.affectedEntities?.[0]?.entityValue);

	const common = {
		alert_key: await fitAlertKey(
			`${detail.eventArn ?? `${event["detail-type"]}|${title}`}:${account}`,
			LIMITS.alertKey,
		),
		title: truncate(title, LIMITS.title),
		description: truncate(description?.latestDescription ?? "", LIMITS.description),
		labels,
		images: [],
		occurred_at: timeOr(detail.lastUpdatedTime, event),
		ordered: true,
	};
	if (detail.statusCode === "closed") return [{ action: "resolve", ...common }];
	const isProblem =
		detail.statusCode !== "upcoming" &&
		(detail.eventTypeCategory === "issue" || detail.eventTypeCategory === "investigation");
	return [{ action: "trigger", severity: isProblem ? "warning" : "info", ...common }];
}
