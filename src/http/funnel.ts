import type { Hono } from "hono";
import { redactKeys } from "../security/secrets";
import type { AppEnv } from "./app-env";
import { errorBody } from "./envelope";
import { DatabaseNotMigrated, DatabaseUnavailable, HttpError } from "./errors";
import { noteRefusal } from "./refusals";

/**
 * What every request ends in, whichever app serves it (the edge's, or the admin app loaded on
 * demand): a 404 that names the route, and the one error funnel.
 */
export function funnel(app: Hono<AppEnv>): Hono<AppEnv> {
	app.notFound((c) => {
		discardBody(c.req.raw);
		return c.json(
			errorBody(c.get("requestId"), "RouteNotFound", `no route for ${c.req.method} ${c.req.path}`),
			404,
		);
	});

	// Client mistakes carry their own status, code and message; D1 missing its tables or failing
	// is a 503 that says so; anything else is a generic 500 (which senders retry), logged with the
	// request id and never with the payload. Keys are masked in every message and log line, since
	// a key may stand in the path.
	app.onError((error, c) => {
		const id = c.get("requestId");
		discardBody(c.req.raw);
		if (error instanceof HttpError) {
			noteRefusal(c, error);
			return c.json(errorBody(id, error.code, error.message), error.status, error.headers);
		}
		if (NOT_MIGRATED.test(error.message)) {
			// A setup step missed, not a fault: say which command fixes it, and log that it happened.
			console.error(JSON.stringify({ event: "database_not_migrated", request_id: id }));
			const missing = new DatabaseNotMigrated();
			return c.json(errorBody(id, missing.code, missing.message), missing.status, missing.headers);
		}
		const message = redactKeys(error.message);
		if (D1_FAILURE.test(error.message)) {
			// An outage of D1, not a fault of ours or the caller's: say to retry, and log the line
			// (D1's message names tables and columns, never values).
			console.error(
				JSON.stringify({
					event: "database_unavailable",
					request_id: id,
					integration_id: c.get("integrationId") ?? null,
					method: c.req.method,
					route: c.req.routePath,
					message,
				}),
			);
			const down = new DatabaseUnavailable();
			return c.json(errorBody(id, down.code, down.message), down.status, down.headers);
		}
		console.error(
			JSON.stringify({
				event: "unhandled_error",
				request_id: id,
				integration_id: c.get("integrationId") ?? null,
				method: c.req.method,
				// The route's pattern, not the path: a key may stand in the path.
				route: c.req.routePath,
				name: error.name,
				message,
			}),
		);
		return c.json(errorBody(id, "InternalError", "something went wrong; retry later"), 500);
	});
	return app;
}

/** D1's error for a table that is not there: the migrations were never applied to this database. */
const NOT_MIGRATED = /\bno such table: \w+/;

/**
 * D1's errors: every query failure the binding throws starts with `D1_ERROR` (network lost,
 * overloaded, reset, timed out, and SQLite's own refusals), and its overload and reset messages
 * name the "D1 DB". Its other prefixes (`D1_TYPE_ERROR`, `D1_EXEC_ERROR`, `D1_COLUMN_NOTFOUND`)
 * are mistakes in our statements, which a retry cannot fix: they stay a 500.
 */
const D1_FAILURE = /^D1_ERROR\b|\bD1 DB\b/;

/**
 * A refused request's unread body is cancelled, so the sender is answered without uploading the
 * rest, whatever proxy sits in front (wrangler's local one waits for the whole upload otherwise).
 */
function discardBody(request: Request): void {
	if (request.body !== null && !request.bodyUsed) request.body.cancel().catch(() => {});
}
