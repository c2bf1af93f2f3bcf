import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * Every failure a client can cause is an HttpError: a status, a stable code, and a message that
 * says what to fix. One handler (the app's `onError`) turns them into the envelope.
 *
 * Status choices follow what senders retry: SNS retries only 5xx and 429, EventBridge also retries
 * 401/407/409. So a 4xx means "this delivery can never succeed as sent", and 401 is kept for the
 * admin API, where no sender retries.
 */
export class HttpError extends Error {
	/** What a log line says instead of the message, when the message quotes what was sent. */
	logReason?: string;

	constructor(
		readonly status: ContentfulStatusCode,
		readonly code: string,
		message: string,
		readonly headers: Record<string, string> = {},
	) {
		super(message);
		this.name = code;
	}
}

export class InvalidParameter extends HttpError {
	constructor(message: string) {
		super(400, "InvalidParameter", message);
	}
}

export class Unauthorized extends HttpError {
	constructor(message: string) {
		super(401, "Unauthorized", message, { "WWW-Authenticate": 'Bearer realm="alertgate"' });
	}
}

/** A credential that stands but whose role (or channel limit) does not reach this. */
export class Forbidden extends HttpError {
	constructor(message: string) {
		super(403, "Forbidden", message);
	}
}

export class NotFound extends HttpError {
	constructor(code: string, message: string) {
		super(404, code, message);
	}
}

export class IntegrationNotFound extends NotFound {
	constructor() {
		super(
			"IntegrationNotFound",
			"no integration has this key: it may be mistyped, rotated or deleted",
		);
	}
}

/**
 * A credential sent in a header that matches no integration. 403, not 401: EventBridge retries
 * 401 for 24 hours, and a mistyped key stays mistyped.
 */
export class InvalidIntegrationKey extends HttpError {
	constructor(header: string) {
		super(
			403,
			"InvalidIntegrationKey",
			`the integration key in the ${header} header matches no integration: check the key (for EventBridge, the connection's API key value); rotated and deleted keys stop working at once`,
		);
	}
}

/**
 * A push that belongs to an integration of another type: a protocol endpoint given another
 * type's key, or a body in another type's format. 400: SNS drops every 4xx but 429 and
 * EventBridge every 4xx but 401, 407, 409 and 429, and no retry can fix the configuration.
 */
export class WrongIntegrationType extends HttpError {
	constructor(message: string) {
		super(400, "WrongIntegrationType", message);
	}
}

export class MethodNotAllowed extends HttpError {
	constructor(method: string, allowed: readonly string[]) {
		super(405, "MethodNotAllowed", `${method} is not allowed here; use ${allowed.join(" or ")}`, {
			Allow: allowed.join(", "),
		});
	}
}

export class Conflict extends HttpError {
	constructor(code: string, message: string) {
		super(409, code, message);
	}
}

export class PayloadTooLarge extends HttpError {
	constructor(limitBytes: number) {
		super(413, "PayloadTooLarge", `the body is larger than ${limitBytes / 1024} KiB`);
	}
}

export class ServiceUnavailable extends HttpError {
	constructor(code: string, message: string) {
		super(503, code, message, { "Retry-After": "5" });
	}
}

/** D1 has no tables: a deployment whose migrations were never applied. */
export class DatabaseNotMigrated extends ServiceUnavailable {
	constructor() {
		super(
			"DatabaseNotMigrated",
			"the D1 database has no alertgate tables yet: apply the migrations with `npx wrangler d1 migrations apply DB --remote` (locally `--local`, which `npm run dev` runs on every start)",
		);
	}
}

/**
 * D1 failed a query: an outage, an overload or a reset on Cloudflare's side, gone on a retry. 503
 * with Retry-After, which clients and senders retry, where a 500 would read as our fault.
 */
export class DatabaseUnavailable extends ServiceUnavailable {
	constructor() {
		super(
			"DatabaseUnavailable",
			"D1, which holds the admin data, is unavailable right now: retry after the Retry-After delay (pushes do not need it)",
		);
	}
}
