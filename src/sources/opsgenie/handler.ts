import type { Context } from "hono";
import type { AppEnv } from "../../http/app-env";
import { HttpError } from "../../http/errors";
import { noteRefusal } from "../../http/refusals";
import { parseJson } from "../../http/validation";
import type { Checked } from "../../schema/problem";
import { redactKeys } from "../../security/secrets";
import { wrongFormat } from "../formats";
import { ingestPush, type PushHandler, type PushTarget } from "../ingest";
import {
	normalizeOpsgenieAction,
	normalizeOpsgenieCreate,
	type OpsgenieAction,
	type OpsgeniePush,
} from "./normalize";

/**
 * Opsgenie's Alert API (at /v2/alerts, or a Create Alert body at the integration's push URL),
 * answered as Opsgenie answers: 202 "Request will be processed". Opsgenie requests carry no
 * delivery id: a retry is told apart by its alias (a repeated create updates its alert, a
 * repeated close or acknowledge changes nothing).
 */
export const handleOpsgenieCreate: PushHandler = (c, target, text) =>
	applied(c, target, async () => {
		const body = parseJson(text);
		const normalized = await normalizeOpsgenieCreate(body, Date.now());
		// A body of another sender's format says which integration takes it.
		if (!normalized.ok) {
			const wrong = wrongFormat(body, target.type);
			if (wrong !== null) throw wrong;
		}
		return normalized;
	});

/** Close Alert (`/v2/alerts/{identifier}/close`) or Acknowledge Alert, on the path's alert. */
export function handleOpsgenieAction(action: OpsgenieAction): PushHandler {
	return (c, target, text) =>
		applied(c, target, async () =>
			normalizeOpsgenieAction(
				action,
				c.req.param("identifier") ?? "",
				c.req.query("identifierType"),
				// Alertmanager sends {"source": …}; curl users often send nothing.
				text.trim() === "" ? undefined : parseJson(text),
				Date.now(),
			),
		);
}

/**
 * Normalizes the request, hands its one event to the integration's object, and answers 202; a
 * refusal, the object's included, in Opsgenie's shape. A preview ends at the object (`Previewed`).
 */
async function applied(
	c: Context<AppEnv>,
	target: PushTarget,
	normalize: () => Promise<Checked<OpsgeniePush>>,
): Promise<Response> {
	const started = Date.now();
	try {
		const normalized = await normalize();
		// Opsgenie answers a body it can read but not take with 422, naming the field.
		if (!normalized.ok) throw new HttpError(422, "InvalidParameter", normalized.problem);
		await ingestPush(c, target, { events: [normalized.value.event], receipt: null });
		return c.json(
			{ result: "Request will be processed", took: took(started), requestId: c.get("requestId") },
			202,
		);
	} catch (error) {
		if (error instanceof HttpError) return opsgenieError(c, error, started);
		throw error;
	}
}

/** Opsgenie's `took`: seconds spent on the request, to the millisecond. */
const took = (started: number) => Math.max(0, Date.now() - started) / 1000;

/** What a credential refusal is to an Opsgenie client: a key that cannot do this. */
const KEY_REFUSALS = new Set([
	"InvalidIntegrationKey",
	"IntegrationNotFound",
	"IntegrationKeyRequired",
	"WrongIntegrationType",
]);

/**
 * A refusal in Opsgenie's shape (https://docs.opsgenie.com/docs/response): `{message, took,
 * requestId}`, the request id also in X-Request-Id, as Opsgenie sends it. Opsgenie's clients
 * retry 429 and 5xx only (Alertmanager, opsgenie-go-sdk), so every other status is final.
 *
 * A missing, unknown or deleted key, or one of another type's integration, is 403, where
 * Opsgenie answers 401: alertgate answers no push 401, because EventBridge (which can be pointed
 * at any HTTPS API, Opsgenie's included) retries 401 for a day, and a wrong key stays wrong.
 * Opsgenie's own clients treat 403 (Opsgenie's "this key cannot do this") as final too.
 */
export function opsgenieError(c: Context<AppEnv>, error: HttpError, started = Date.now()) {
	noteRefusal(c, error);
	const status = KEY_REFUSALS.has(error.code) ? 403 : error.status;
	return c.json(
		{ message: redactKeys(error.message), took: took(started), requestId: c.get("requestId") },
		status,
		error.headers,
	);
}
