import {
	type AlertEvent,
	type Image,
	type Labels,
	LIMITS,
	type Link,
	type Severity,
} from "../../alerts/event";
import { labelWriter } from "../../alerts/labels";
import { fitAlertKey, truncate } from "../../alerts/text";
import { InvalidParameter } from "../../http/errors";
import { fieldPath } from "../../http/validation";
import { addLink, isWebUrl, parseDateTime } from "../fields";
import { labelsFingerprint } from "./fingerprint";
import type { PostableAlert, WebhookAlert } from "./schema";

/**
 * Alertmanager alerts → normalized events. An alert's key is its fingerprint: the one a webhook
 * carries, or for API v2 alerts the same hash of its labels that Alertmanager computes.
 */

/** `labels.severity` (any case) → severity; anything else, or none, is a warning. */
const SEVERITY: Record<string, Severity> = {
	critical: "critical",
	error: "critical",
	page: "critical",
	fatal: "critical",
	high: "critical",
	warning: "warning",
	warn: "warning",
	medium: "warning",
	info: "info",
	low: "info",
	none: "info",
};

export function severityOf(labels: Labels): Severity {
	return SEVERITY[labels.severity?.trim().toLowerCase() ?? ""] ?? "warning";
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
function timeOf(value: string | null | undefined, field: readonly PropertyKey[]): number | null {
	if (value === null || value === undefined || value === "" || value.startsWith("0001-")) {
		return null;
	}
	const ms = parseDateTime(value);
	if (ms === null) {
		throw new InvalidParameter(`${fieldPath(field)} must be an RFC 3339 date-time`);
	}
	return ms;
}

/** A webhook's alerts, in order: `status` says whether each fires or is resolved. */
export async function normalizeWebhookAlerts(
	alerts: WebhookAlert[],
	receivedAt: number,
): Promise<AlertEvent[]> {
	return Promise.all(
		alerts.map(async (alert, index) => {
			const alert_key = await keyOf(alert);
			const text = describe(alert);
			if (alert.status === "resolved") {
				const at = timeOf(alert.endsAt, ["alerts", index, "endsAt"]) ?? receivedAt;
				return { action: "resolve", alert_key, ...text, occurred_at: at };
			}
			const at = timeOf(alert.startsAt, ["alerts", index, "startsAt"]) ?? receivedAt;
			return {
				action: "trigger",
				severity: severityOf(alert.labels),
				alert_key,
				...text,
				occurred_at: at,
			};
		}),
	);
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
): AlertEvent[] {
	return alerts.map((alert, index) => {
		const endsAt = timeOf(alert.endsAt, [index, "endsAt"]);
		// Alertmanager's rule: without a start, an alert starts when it ends (or now).
		const startsAt = timeOf(alert.startsAt, [index, "startsAt"]) ?? endsAt ?? receivedAt;
		if (endsAt !== null && endsAt < startsAt) {
			throw new InvalidParameter(`${fieldPath([index, "endsAt"])} must not be before startsAt`);
		}
		const alert_key = labelsFingerprint(alert.labels);
		const text = describe(alert);
		if (endsAt !== null && endsAt <= receivedAt) {
			return { action: "resolve", alert_key, ...text, occurred_at: endsAt };
		}
		return {
			action: "trigger",
			severity: severityOf(alert.labels),
			alert_key,
			...text,
			occurred_at: startsAt,
			expires_at: endsAt ?? receivedAt + resolveTimeoutMs,
		};
	});
}

/** The webhook's fingerprint, or Alertmanager's hash of the labels when it sent none. */
function keyOf(alert: WebhookAlert): Promise<string> | string {
	const given = alert.fingerprint?.trim() ?? "";
	return given === "" ? labelsFingerprint(alert.labels) : fitAlertKey(given, LIMITS.alertKey);
}
