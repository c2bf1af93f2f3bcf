import {
	type AlertEvent,
	type Image,
	type Labels,
	LIMITS,
	type Link,
	type Severity,
} from "../../alerts/event";
import { labelWriter } from "../../alerts/labels";
import { severityFromWord } from "../../alerts/severity";
import { fitAlertKey, truncate } from "../../alerts/text";
import { type Checked, fieldPath, problem } from "../../schema/problem";
import { addLink, isWebUrl, parseDateTime } from "../fields";
import { labelsFingerprint } from "./fingerprint";
import type { PostableAlert, WebhookAlert } from "./schema";

/**
 * Alertmanager alerts → normalized events. An alert's key is its fingerprint: the one a webhook
 * carries, or for API v2 alerts the same hash of its labels that Alertmanager computes.
 */

/** `labels.severity`, a word of the one vocabulary (docs/severity.md); any other, or none, is a warning. */
export function alertmanagerSeverity(labels: Labels): Severity {
	return severityFromWord(labels.severity ?? "") ?? "warning";
}

type AnyAlert = PostableAlert & Partial<WebhookAlert>;

/** What every Alertmanager alert says the same way: text, labels, links, image. */
function describe(alert: AnyAlert) {
	const annotations = alert.annotations ?? {};
	const labels: Labels = {};
	const set = labelWriter(labels);
	for (const [name, value] of Object.entries(alert.labels)) set(name, value);
	const links: Link[] = [];
	addLink(links, alert.generatorURL, "Source");
	addLink(links, annotations.runbook_url, "Runbook");
	addLink(links, alert.dashboardURL, "Dashboard");
	addLink(links, alert.panelURL, "Panel");
	addLink(links, alert.silenceURL, "Silence");
	const images: Image[] = isWebUrl(alert.imageURL, LIMITS.imageSrc)
		? [{ src: alert.imageURL }]
		: [];
	const title = annotations.summary || annotations.title || alert.labels.alertname || "alert";
	return {
		title: truncate(title, LIMITS.title),
		description: truncate(annotations.description || annotations.message || "", LIMITS.description),
		labels,
		images,
		links,
	};
}

/** A time Alertmanager sends; its zero time (`0001-01-01T00:00:00Z`) and absence are null. */
function timeOf(
	value: string | null | undefined,
	field: readonly PropertyKey[],
): Checked<number | null> {
	if (value === null || value === undefined || value === "" || value.startsWith("0001-")) {
		return { ok: true, value: null };
	}
	const ms = parseDateTime(value);
	return ms === null
		? problem(`${fieldPath(field)} must be an RFC 3339 date-time`)
		: { ok: true, value: ms };
}

/**
 * A webhook's alerts, in order: `status` says whether each fires or is resolved. A time that is
 * not one is a problem, named by its field.
 */
export async function normalizeWebhookAlerts(
	alerts: WebhookAlert[],
	receivedAt: number,
): Promise<Checked<AlertEvent[]>> {
	const times: number[] = [];
	for (const [index, alert] of alerts.entries()) {
		const field = alert.status === "resolved" ? "endsAt" : "startsAt";
		const time = timeOf(alert[field], ["alerts", index, field]);
		if (!time.ok) return time;
		times.push(time.value ?? receivedAt);
	}
	const events = await Promise.all(
		alerts.map(async (alert, index): Promise<AlertEvent> => {
			const alert_key = await keyOf(alert);
			const text = describe(alert);
			const occurred_at = times[index] ?? receivedAt;
			if (alert.status === "resolved")
				return { action: "resolve", alert_key, ...text, occurred_at };
			return {
				action: "trigger",
				severity: alertmanagerSeverity(alert.labels),
				alert_key,
				...text,
				occurred_at,
			};
		}),
	);
	return { ok: true, value: events };
}

/**
 * Alerts posted to the API v2, with Alertmanager's semantics: one whose `endsAt` has passed is
 * resolved; a firing one resolves by itself at its `endsAt` (or `resolveTimeoutMs` from now
 * without one) unless posted again, as Prometheus does while the alert holds.
 */
export function normalizePostedAlerts(
	alerts: PostableAlert[],
	receivedAt: number,
	resolveTimeoutMs: number,
): Checked<AlertEvent[]> {
	const events: AlertEvent[] = [];
	for (const [index, alert] of alerts.entries()) {
		const ends = timeOf(alert.endsAt, [index, "endsAt"]);
		if (!ends.ok) return ends;
		const starts = timeOf(alert.startsAt, [index, "startsAt"]);
		if (!starts.ok) return starts;
		const endsAt = ends.value;
		// Alertmanager's rule: without a start, an alert starts when it ends (or now).
		const startsAt = starts.value ?? endsAt ?? receivedAt;
		if (endsAt !== null && endsAt < startsAt) {
			return problem(`${fieldPath([index, "endsAt"])} must not be before startsAt`);
		}
		const alert_key = labelsFingerprint(alert.labels);
		const text = describe(alert);
		if (endsAt !== null && endsAt <= receivedAt) {
			events.push({ action: "resolve", alert_key, ...text, occurred_at: endsAt });
			continue;
		}
		events.push({
			action: "trigger",
			severity: alertmanagerSeverity(alert.labels),
			alert_key,
			...text,
			occurred_at: startsAt,
			expires_at: endsAt ?? receivedAt + resolveTimeoutMs,
		});
	}
	return { ok: true, value: events };
}

/** The webhook's fingerprint, or Alertmanager's hash of the labels when it sent none. */
function keyOf(alert: WebhookAlert): Promise<string> | string {
	const given = alert.fingerprint?.trim() ?? "";
	return given === "" ? labelsFingerprint(alert.labels) : fitAlertKey(given, LIMITS.alertKey);
}
