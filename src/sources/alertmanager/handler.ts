import type { Context } from "hono";
import type { AlertEvent } from "../../alerts/event";
import type { PushData } from "../../durable/contract";
import type { AppEnv } from "../../http/app-env";
import { ok } from "../../http/envelope";
import { HttpError, InvalidParameter } from "../../http/errors";
import { noteRefusal } from "../../http/refusals";
import { parseJson, parseOrThrow, valueOrThrow } from "../../http/validation";
import { redactKeys } from "../../security/secrets";
import { wrongFormat } from "../formats";
import {
	checkAlertCount,
	ingest,
	ingestPush,
	type PushHandler,
	type PushTarget,
	settingsReader,
} from "../ingest";
import { normalizePostedAlerts, normalizeWebhookAlerts } from "./normalize";
import { AlertmanagerWebhook, PostableAlerts, type WebhookAlert } from "./schema";
import { AlertmanagerSettings, resolveTimeoutMs } from "./settings";

const readSettings = settingsReader(AlertmanagerSettings);

/**
 * An Alertmanager (or Grafana) webhook at the push URL: every alert in `alerts[]` is one event,
 * applied in order in one transaction. A webhook has no delivery id, and needs none: a repeated
 * notification updates the same alerts (by fingerprint) and a repeated resolve changes nothing.
 */
export const handleAlertmanagerWebhook: PushHandler = async (c, target, text) => {
	const body = parseJson(text);
	if (Array.isArray(body)) {
		throw new InvalidParameter(
			"this is a list of alerts as Prometheus posts them: send it to this push URL followed by /api/v2/alerts (Prometheus's alerting.alertmanagers path_prefix is the push URL's path)",
		);
	}
	// Counted before any alert is read: the cap bounds the parsing too.
	if (isObject(body) && Array.isArray(body.alerts)) checkAlertCount(body.alerts.length);
	let alerts: WebhookAlert[];
	try {
		({ alerts } = parseOrThrow(AlertmanagerWebhook, body));
	} catch (error) {
		throw wrongFormat(body, target.type) ?? error;
	}
	const events = valueOrThrow(await normalizeWebhookAlerts(alerts, Date.now()));
	try {
		return await ingestWatched(c, target, alerts, events);
	} catch (error) {
		throw error instanceof HttpError && error.status === 429 ? retriedBy503(error) : error;
	}
};

/**
 * Alertmanager's webhook notifier retries only 5xx: a refusal worth retrying (over the rate
 * limit, too many open alerts) is a 503 with the same code and Retry-After.
 */
function retriedBy503(error: HttpError): HttpError {
	return new HttpError(503, error.code, error.message, error.headers);
}

/**
 * Alertmanager's API v2 `POST /api/v2/alerts`, at `<push URL>/api/v2/alerts`, as Prometheus
 * posts to it. Answers 200; its route answers a refusal with `alertsApiError`.
 */
export const handleAlertsApi: PushHandler = async (c, target, text) => {
	const settings = readSettings(target);
	const body = parseJson(text);
	if (Array.isArray(body)) checkAlertCount(body.length);
	const alerts = parseOrThrow(PostableAlerts, body);
	const events = valueOrThrow(
		normalizePostedAlerts(alerts, Date.now(), resolveTimeoutMs(settings)),
	);
	return ingestWatched(c, target, alerts, events);
};

/**
 * With the `watchdog` setting, its alert is a heartbeat, never an alert: taken out of the push,
 * answered `heartbeat` in its place (`ignored` when resolved), and a firing one tells the object
 * it came. A resolved Watchdog is no sign of life: Alertmanager sends one when the rule stopped.
 */
async function ingestWatched(
	c: Context<AppEnv>,
	target: PushTarget,
	alerts: { labels: Record<string, string> }[],
	events: AlertEvent[],
) {
	const name = readSettings(target).watchdog?.alertname;
	const isDog = (index: number) => name !== undefined && alerts[index]?.labels.alertname === name;
	if (!alerts.some((_, index) => isDog(index))) {
		return ingest(c, target, { events, receipt: null }, (results) => ({ results }));
	}
	const watchdog = events.some((event, index) => isDog(index) && event.action === "trigger");
	const push = {
		events: events.filter((_, index) => !isDog(index)),
		receipt: null,
		...(watchdog ? { watchdog: true as const } : {}),
	};
	const { data } = await ingestPush(c, target, push);
	const rest = data.values();
	const results = events.map((event, index): PushData => {
		if (!isDog(index)) return rest.next().value ?? NOTHING;
		const result = event.action === "trigger" ? "heartbeat" : "ignored";
		return { ...NOTHING, alert_key: event.alert_key, result };
	});
	return ok(c, { results });
}

const NOTHING: PushData = {
	alert_key: null,
	alert_id: null,
	alert_status: null,
	result: "ignored",
	incident_id: null,
	muted_by: null,
};

/** Alertmanager's API answers an error with the message as a JSON string. */
export function alertsApiError(c: Context<AppEnv>, error: HttpError) {
	noteRefusal(c, error);
	return c.json(redactKeys(error.message), error.status, error.headers);
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null;
}
