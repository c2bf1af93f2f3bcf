import * as z from "zod/mini";
import { type AlertEvent, LIMITS } from "../../alerts/event";
import { labelWriter } from "../../alerts/labels";
import { fitAlertKey, truncate } from "../../alerts/text";
import { detailAs, type EventBridgeEvent, timeOr } from "./envelope";

const HealthDetail = z.object({
	eventArn: z.string().check(z.minLength(1)),
	service: z.optional(z.string()),
	eventTypeCode: z.optional(z.string()),
	eventTypeCategory: z.optional(z.string()),
	eventScopeCode: z.optional(z.string()),
	statusCode: z.enum(["open", "closed", "upcoming"]),
	eventRegion: z.optional(z.string()),
	affectedAccount: z.optional(z.string()),
	/** RFC 1123 (`Fri, 27 Jan 2023 06:02:51 GMT`). */
	lastUpdatedTime: z.optional(z.string()),
	eventDescription: z.optional(
		z.array(z.object({ language: z.optional(z.string()), latestDescription: z.string() })),
	),
	affectedEntities: z.optional(z.array(z.object({ entityValue: z.optional(z.string()) }))),
});

/**
 * "AWS Health Event": open → firing (warning for issues, info for notices), upcoming → info,
 * closed → resolved. Keyed by the event ARN and the affected account, since one public event
 * reaches many accounts.
 */
export async function normalizeHealth(event: EventBridgeEvent): Promise<AlertEvent[] | null> {
	const detail = detailAs(HealthDetail, event);
	if (detail === null) return null;
	const account = detail.affectedAccount ?? event.account;
	const description =
		detail.eventDescription?.find((d) => d.language === "en_US") ?? detail.eventDescription?.[0];

	const labels: Record<string, string> = {};
	const set = labelWriter(labels);
	set("source", "aws.health");
	set("account", account);
	set("region", detail.eventRegion ?? event.region);
	set("service", detail.service);
	set("event_type_code", detail.eventTypeCode);
	set("event_type_category", detail.eventTypeCategory);
	set("scope", detail.eventScopeCode);
	set("status", detail.statusCode);
	set("event_arn", detail.eventArn);
	set("affected_entity", detail.affectedEntities?.[0]?.entityValue);

	const common = {
		alert_key: await fitAlertKey(`${detail.eventArn}:${account}`, LIMITS.alertKey),
		title: truncate(
			`AWS Health: ${detail.eventTypeCode ?? "event"}${detail.service ? ` (${detail.service})` : ""}`,
			LIMITS.title,
		),
		description: truncate(description?.latestDescription ?? "", LIMITS.description),
		labels,
		images: [],
		occurred_at: timeOr(detail.lastUpdatedTime, event),
		ordered: true,
	};
	if (detail.statusCode === "closed") return [{ action: "resolve", ...common }];
	const isProblem =
		detail.statusCode === "open" &&
		(detail.eventTypeCategory === "issue" || detail.eventTypeCategory === "investigation");
	return [{ action: "trigger", severity: isProblem ? "warning" : "info", ...common }];
}
