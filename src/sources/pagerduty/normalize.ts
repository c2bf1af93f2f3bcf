import { type AlertEvent, type Labels, LIMITS, type Severity } from "../../alerts/event";
import { labelWriter } from "../../alerts/labels";
import { severityFromWord } from "../../alerts/severity";
import { deriveAlertKey, truncate } from "../../alerts/text";
import { type Checked, check, problem } from "../../schema/problem";
import { addLink, parseDateTime } from "../fields";
import { PagerDutyEvent, type PagerDutySeverity, TriggerPayload } from "./schema";

/** PagerDuty's four severities (its schema refuses any other) through the one vocabulary. */
function pagerDutySeverity(severity: PagerDutySeverity): Severity {
	return severityFromWord(severity) ?? "warning";
}

/** A PagerDuty event, and the dedup_key the answer names. */
export type PagerDutyPush = { event: AlertEvent; dedupKey: string };

/**
 * A parsed body → the normalized event, or what is wrong with it. `receivedAt` is the default
 * event time.
 */
export async function normalizePagerDuty(
	body: unknown,
	receivedAt: number,
): Promise<Checked<PagerDutyPush>> {
	const parsed = check(PagerDutyEvent, body);
	if (!parsed.ok) return parsed;
	const event = parsed.value;
	const given = event.dedup_key ?? "";
	if (event.event_action !== "trigger") {
		// As in PagerDuty: without a dedup_key, there is nothing to acknowledge or resolve.
		if (given.trim() === "") {
			return problem(
				`dedup_key is required for ${event.event_action}: send the dedup_key the trigger returned`,
			);
		}
		const common = { alert_key: given, occurred_at: receivedAt };
		const action: AlertEvent =
			event.event_action === "acknowledge"
				? { action: "acknowledge", ...common }
				: {
						action: "resolve",
						...common,
						title: "",
						description: "",
						labels: {},
						images: [],
					};
		return { ok: true, value: { dedupKey: given, event: action } };
	}

	const checked = check(TriggerPayload, event.payload ?? undefined, "payload");
	if (!checked.ok) return checked;
	const payload = checked.value;
	const occurred_at = eventTime(payload.timestamp, receivedAt);
	if (occurred_at === null) {
		return problem(
			"payload.timestamp must be an ISO 8601 date-time with a time zone (2015-07-17T08:42:58.315+0000)",
		);
	}
	const labels: Labels = {};
	const set = labelWriter(labels);
	for (const name of ["source", "component", "group", "class"] as const) set(name, payload[name]);
	const title = truncate(payload.summary.trim(), LIMITS.title);
	// Without a dedup_key PagerDuty makes a random one; alertgate derives it from what the event
	// is about, so a retried trigger updates its alert instead of opening a second one.
	const alert_key = given.trim() === "" ? await deriveAlertKey(title, labels) : given;
	const details = payload.custom_details;
	if (isRecord(details)) {
		for (const [name, value] of Object.entries(details)) {
			set(`details.${name}`, typeof value === "string" ? value : JSON.stringify(value));
		}
	}
	const links = event.links;
	addLink(links, event.client_url, event.client ?? "Client");
	const trigger: AlertEvent = {
		action: "trigger",
		severity: pagerDutySeverity(payload.severity),
		alert_key,
		title,
		description: typeof details === "string" ? truncate(details, LIMITS.description) : "",
		labels,
		images: event.images,
		links,
		occurred_at,
	};
	return { ok: true, value: { dedupKey: alert_key, event: trigger } };
}

/** The event's time (none: when it was received); null when it is not a date-time. */
export function eventTime(timestamp: string | null | undefined, receivedAt: number): number | null {
	if (timestamp === null || timestamp === undefined || timestamp === "") return receivedAt;
	return parseDateTime(timestamp);
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}
