import type { Context } from "hono";
import type * as z from "zod/mini";
import { OWN_ALERT_KEY_PREFIX } from "../alerts/event";
import type { IntegrationConfig, PreviewData, Push, PushAuth, PushData } from "../durable/contract";
import type { AppEnv } from "../http/app-env";
import { ok } from "../http/envelope";
import { HttpError, InvalidParameter } from "../http/errors";
import { refusalError } from "../http/refusals";
import type { Settings } from "../integrations/settings";
import type { IntegrationType } from "../integrations/type";

/**
 * The intake step every source ends with: hand the normalized push to the integration's
 * Durable Object and answer with its outcome.
 */

/** The integration a push is for, as far as the worker knows it, and who vouches for the push. */
export type PushTarget = {
	id: string;
	type: IntegrationType;
	settings: Settings;
	auth: PushAuth;
	/** The header the key came in (null: the URL), for the wording of a refusal. */
	keyHeader: string | null;
	/** A preview: the push is read and normalized as usual, then answered by `Previewed`, never applied. */
	preview?: true;
};

/**
 * Thrown where a previewed push would be handed to the integration's object: what it would
 * become, which the preview endpoint answers. Thrown, so that no source's own answer (a
 * PagerDuty `202`, an SNS subscription state) is made for a push that did not happen.
 */
export class Previewed extends Error {
	constructor(readonly data: PreviewData) {
		super("previewed");
	}
}

/** How a source handles a push: the target and the body text in, a response out. */
export type PushHandler = (
	c: Context<AppEnv>,
	target: PushTarget,
	text: string,
) => Promise<Response>;

/** The object's settings moved on since the worker read them: normalize again with these. */
export class SettingsChanged extends Error {
	constructor(readonly config: IntegrationConfig) {
		super("the integration's settings changed");
	}
}

/**
 * A source's settings reader: each settings object the worker holds is parsed once, since the
 * same object serves every push until the integration's settings change.
 */
export function settingsReader<T>(schema: z.ZodMiniType<T>): (target: PushTarget) => T {
	const parsed = new WeakMap<Settings, { settings: T }>();
	return (target) => {
		let entry = parsed.get(target.settings);
		if (entry === undefined) {
			entry = { settings: schema.parse(target.settings) };
			parsed.set(target.settings, entry);
		}
		return entry.settings;
	};
}

export function integrationObject(c: Context<AppEnv>, target: PushTarget) {
	return c.env.INTEGRATION.getByName(target.id);
}

/**
 * The most alerts one request carries, whatever its format (an Alertmanager webhook, a list
 * posted to `/api/v2/alerts`, a Security Hub batch): a request's cost is bounded before the
 * integration's object is called. Standard batches hold fewer (MAX_BATCH_EVENTS).
 */
export const MAX_ALERTS_PER_PUSH = 1_000;

/** 413: no retry of the same request can succeed; the sender must split it. */
export class TooManyAlerts extends HttpError {
	constructor(count: number) {
		super(
			413,
			"TooManyAlerts",
			`this request carries ${count} alerts; one request carries at most ${MAX_ALERTS_PER_PUSH}: split it (for Alertmanager, lower max_alerts in the webhook_config)`,
		);
	}
}

/** Refuses a request of more than MAX_ALERTS_PER_PUSH alerts, as soon as their count is known. */
export function checkAlertCount(count: number): void {
	if (count > MAX_ALERTS_PER_PUSH) throw new TooManyAlerts(count);
}

/** What a push that changes no alert answers (an ignored state). */
const NOTHING_CHANGED: PushData = {
	alert_key: null,
	alert_id: null,
	alert_status: null,
	result: "ignored",
	incident_id: null,
	muted_by: null,
};

/** The answer to a push that carries one event: that event's outcome. */
const singleOutcome = (results: PushData[]) => results[0] ?? NOTHING_CHANGED;

/** What a source hands the integration's object; the push route adds who it is for. */
export type SourcePush = Omit<Push, "integrationId" | "auth">;

/**
 * Hands the push to the integration's object: each event's outcome, and whether it was a replay
 * of a delivery already applied. A refusal is thrown as the HttpError it answers.
 */
export async function ingestPush(
	c: Context<AppEnv>,
	target: PushTarget,
	push: SourcePush,
): Promise<{ data: PushData[]; replayed: boolean }> {
	checkAlertCount(push.events.length);
	const reserved = push.events.find((event) => event.alert_key.startsWith(OWN_ALERT_KEY_PREFIX));
	if (reserved !== undefined) {
		throw new InvalidParameter(
			`alert_key "${reserved.alert_key}" is reserved: keys starting with ${OWN_ALERT_KEY_PREFIX} are the alerts alertgate raises itself (heartbeats, expect_within, the Watchdog)`,
		);
	}
	const stub = integrationObject(c, target);
	if (target.preview) {
		const preview = await stub.preview(push.events, push.topic);
		if ("ok" in preview) throw refusalError(preview, target.keyHeader);
		throw new Previewed(preview);
	}
	const reply = await stub.ingest({ ...push, integrationId: target.id, auth: target.auth });
	if (!reply.ok) {
		if (reply.reason === "settings_changed") throw new SettingsChanged(reply.config);
		throw refusalError(reply, target.keyHeader);
	}
	if (reply.replayed) c.header("Idempotent-Replayed", "true");
	return reply;
}

/** `respond` shapes the outcomes in the envelope: one event's by default, a list for batches. */
export async function ingest(
	c: Context<AppEnv>,
	target: PushTarget,
	push: SourcePush,
	respond: (results: PushData[]) => unknown = singleOutcome,
) {
	const { data } = await ingestPush(c, target, push);
	return ok(c, respond(data));
}
