import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { redactKeys } from "../security/secrets";
import type { AppEnv } from "./app-env";

/**
 * Every response, success or error, is `{request_id, data}` or `{request_id, error}`, the
 * Flashduty shape, with the same id in `X-Request-Id` (set by the request-id middleware).
 */
export function ok<T>(c: Context<AppEnv>, data: T, status: ContentfulStatusCode = 200) {
	return c.json({ request_id: c.get("requestId"), data }, status);
}

export function errorBody(requestId: string, code: string, message: string) {
	return { request_id: requestId, error: { code, message: redactKeys(message) } };
}
