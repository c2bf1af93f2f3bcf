import { hmacSha256 } from "../security/secrets";
import type { NotificationEvent } from "./event";
import type { Target } from "./target";

/**
 * One notification as an HTTP request, per target type (render.ts picks the format). Everything
 * is rendered from the stored event and the target as it is now, at send time (a webhook's
 * signature must be fresh).
 */
export type OutboundRequest = { url: string; headers: Record<string, string>; body: string };

const USER_AGENT = "alertgate";

export function json(url: string, body: unknown): OutboundRequest {
	return {
		url,
		headers: { "Content-Type": "application/json", "User-Agent": USER_AGENT },
		body: JSON.stringify(body),
	};
}

// --- Webhooks, signed per Standard Webhooks (https://www.standardwebhooks.com/) --------------

const SECRET_PREFIX = "whsec_";
/** A new signing secret: `whsec_` and 32 random bytes in base64, as Standard Webhooks writes it. */
export function newSigningSecret(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(32));
	return SECRET_PREFIX + bytes.toBase64();
}

/** `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` with the secret's decoded bytes. */
async function sign(secret: string, id: string, timestamp: number, body: string): Promise<string> {
	const raw = Uint8Array.fromBase64(secret.slice(SECRET_PREFIX.length));
	const mac = await hmacSha256(raw, `${id}.${timestamp}.${body}`);
	return `v1,${mac.toBase64()}`;
}

export async function webhook(
	target: Target,
	event: NotificationEvent,
	now: number,
): Promise<OutboundRequest> {
	const request = json(target.url, event);
	const timestamp = Math.floor(now / 1000);
	request.headers["webhook-id"] = event.id;
	request.headers["webhook-timestamp"] = String(timestamp);
	// Standard Webhooks lets a header carry several signatures: while a rotated-out secret still
	// overlaps, both sign, and a receiver with either verifies.
	const secrets = [target.secret];
	if (target.previous_secret !== null && now < (target.previous_secret_until ?? 0)) {
		secrets.push(target.previous_secret);
	}
	const signatures = await Promise.all(
		secrets.map((secret) => sign(secret, event.id, timestamp, request.body)),
	);
	request.headers["webhook-signature"] = signatures.join(" ");
	return request;
}

// --- Words shared by the chat formats --------------------------------------------------------

const HEADLINE: Record<NotificationEvent["type"], string> = {
	"incident.triggered": "Triggered",
	"incident.acknowledged": "Acknowledged",
	"incident.resolved": "Resolved",
	"incident.escalated": "Escalated",
	"incident.alert_added": "Alert added",
	"incident.storm": "Alert storm",
	"incident.flapping": "Flapping",
	test: "Test notification",
};
const MARK: Record<NotificationEvent["incident"]["severity"], string> = {
	critical: "🔴",
	warning: "🟠",
	info: "🔵",
};

export function headline(event: NotificationEvent): string {
	const repeat = event.escalation?.repeat ?? 0;
	const what =
		repeat > 0
			? `Still unacknowledged (${repeat})`
			: event.storm !== undefined
				? `Alert storm (${event.storm.threshold} alerts)`
				: event.flapping !== undefined
					? `Flapping (${event.flapping.changes} changes of ${event.flapping.alert_key}, held quiet until stable)`
					: HEADLINE[event.type];
	const mark = event.incident.status === "resolved" ? "✅" : MARK[event.incident.severity];
	return `${mark} ${what}: ${event.incident.title || "(untitled)"}`;
}

/** The labels of the incident's first alert (an incident's alerts share their group labels). */
export function labelPairs(event: NotificationEvent): [string, string][] {
	return Object.entries(event.incident.alerts[0]?.labels ?? {}).slice(0, 20);
}

/** The signed action links that still apply, as buttons or links say them (a page asks first). */
export function actionLinks(event: NotificationEvent): { title: string; url: string }[] {
	const links = event.links;
	if (links === undefined) return [];
	const offered = [
		{ title: "Acknowledge", url: links.acknowledge },
		{ title: "Resolve", url: links.resolve },
		{ title: "Silence 1h", url: links.silence },
	];
	return offered.filter((link): link is { title: string; url: string } => link.url !== null);
}

export function clip(text: string, max: number): string {
	return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** What `incident.url` opens: the dashboard when it is not the API's address. */
export const linkPlace = ({ incident }: NotificationEvent) =>
	incident.api_url === undefined || incident.url === incident.api_url ? "the API" : "the dashboard";

// --- Microsoft Teams: an Adaptive Card for a Workflows webhook ------------------------------
// (https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using)

export function teams(event: NotificationEvent) {
	const { incident } = event;
	const facts = [
		{ title: "Severity", value: incident.severity },
		{ title: "Status", value: incident.status },
		{ title: "Alerts", value: String(incident.alert_count) },
		{ title: "Opened", value: incident.opened_at },
		...labelPairs(event).map(([title, value]) => ({ title, value })),
	];
	return {
		type: "message",
		attachments: [
			{
				contentType: "application/vnd.microsoft.card.adaptive",
				contentUrl: null,
				content: {
					$schema: "http://adaptivecards.io/schemas/adaptive-card.json",
					type: "AdaptiveCard",
					version: "1.4",
					body: [
						{
							type: "TextBlock",
							size: "Large",
							weight: "Bolder",
							wrap: true,
							text: headline(event),
						},
						{ type: "FactSet", facts },
						{ type: "TextBlock", isSubtle: true, wrap: true, text: `incident ${incident.id}` },
					],
					actions: [
						{ type: "Action.OpenUrl", title: `Open in ${linkPlace(event)}`, url: incident.url },
						...actionLinks(event).map(({ title, url }) => ({ type: "Action.OpenUrl", title, url })),
					],
				},
			},
		],
	};
}

// --- PagerDuty Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/)

const PAGERDUTY_ACTION: Record<NotificationEvent["type"], "trigger" | "acknowledge" | "resolve"> = {
	"incident.triggered": "trigger",
	"incident.escalated": "trigger",
	"incident.alert_added": "trigger",
	"incident.storm": "trigger",
	// A resolved incident is told with a resolve, which does not reopen it (see `pagerduty`).
	"incident.flapping": "trigger",
	test: "trigger",
	"incident.acknowledged": "acknowledge",
	"incident.resolved": "resolve",
};
/** PagerDuty's limit on `payload.summary`; longer ones are refused with 400. */
export const PAGERDUTY_SUMMARY_MAX = 1024;

export function pagerduty(routingKey: string, event: NotificationEvent) {
	const { incident } = event;
	const action =
		event.type === "incident.flapping" && incident.status === "resolved"
			? "resolve"
			: PAGERDUTY_ACTION[event.type];
	const common = {
		routing_key: routingKey,
		event_action: action,
		// One PagerDuty alert per alertgate incident (ids are 36 characters; the limit is 255).
		dedup_key: event.type === "test" ? `alertgate-test-${event.id}` : incident.id,
	};
	if (action !== "trigger") return common;
	return {
		...common,
		payload: {
			summary: clip(incident.title || "(untitled)", PAGERDUTY_SUMMARY_MAX),
			source: `alertgate integration ${incident.integration_id}`,
			// alertgate's three severities are three of PagerDuty's four.
			severity: incident.severity,
			timestamp: incident.opened_at,
			custom_details: {
				labels: Object.fromEntries(labelPairs(event)),
				alert_count: incident.alert_count,
				alerts: incident.alerts.map((alert) => ({
					alert_key: alert.alert_key,
					title: alert.title,
					severity: alert.severity,
					status: alert.status,
				})),
				alertgate_event: event.type,
			},
		},
		client: "alertgate",
		client_url: incident.url,
		links: [
			{ href: incident.url, text: "Incident in alertgate" },
			...actionLinks(event).map(({ title, url }) => ({ href: url, text: `${title} in alertgate` })),
		],
	};
}
