import type { Context, MiddlewareHandler } from "hono";
import { type Principal, type Role, roleAllows } from "../access/role";
import { type AuditActor, recordAudit } from "../audit/record";
import type { AppEnv } from "../http/app-env";
import type { Endpoint } from "../http/endpoint";
import { Forbidden, HttpError } from "../http/errors";
import { requireWithinLimit } from "./channel-limit";

/**
 * What each admin endpoint runs before its handler, from its declaration: the role it needs,
 * the channel limit of the token, and after a change, the audit log's entry.
 */
export function authorize(one: Endpoint, all: readonly Endpoint[]): MiddlewareHandler<AppEnv> {
	const needed = one.auth;
	if (needed === "key" || needed === "none") throw new Error(`${one.path} is no admin endpoint`);
	const view = one.audit ? viewOf(one, one.audit, all) : undefined;
	return async (c, next) => {
		const principal = c.get("principal");
		if (principal === undefined) throw new Error("adminAuth runs first");
		if (!roleAllows(principal.role, needed)) throw forbidden(needed, principal);
		if (principal.channels !== null) await requireWithinLimit(c, one.scope, principal.channels);
		if (!one.audit) return next();
		const before = view === undefined ? null : await readBefore(view, c);
		await next();
		// Saved, but not yet told to every integration (503, repeated to finish): a change all
		// the same, read back as it now stands.
		const saved = !c.res.ok && (await errorCode(c.res)) === "IntegrationObjectUnavailable";
		if (!c.res.ok && !saved) return;
		const after =
			one.method === "delete"
				? null
				: saved
					? view === undefined
						? // A create's answer names no id then: the entry says it was saved.
							{ saved: true, applied_everywhere: false }
						: await readBefore(view, c)
					: await answerData(c.res);
		await audited(c, {
			actor: actorOf(principal),
			via: "api",
			action: one.audit,
			resource_id: resourceId(c, one.audit, after),
			before,
			after,
			request_id: c.get("requestId"),
		});
	};
}

/** "this needs the write role; the token has read". */
export function forbidden(needed: Role, principal: Principal): Forbidden {
	const who =
		principal.kind === "token"
			? "the token"
			: principal.kind === "access"
				? principal.name
				: "the credential";
	return new Forbidden(`this needs the ${needed} role; ${who} has ${principal.role}`);
}

export function actorOf(principal: Principal): AuditActor {
	return { kind: principal.kind, name: principal.name };
}

/**
 * The entry is written once the change has succeeded (a change to a Durable Object cannot share
 * a D1 batch), so a failure here cannot undo it: it is logged with the request id instead.
 */
export async function audited(
	c: Context<AppEnv>,
	entry: Parameters<typeof recordAudit>[1],
): Promise<void> {
	try {
		await recordAudit(c.env, entry);
	} catch (error) {
		console.error(
			JSON.stringify({
				event: "audit_not_written",
				request_id: entry.request_id,
				action: entry.action,
				message: String(error).slice(0, 200),
			}),
		);
	}
}

/**
 * How the resource a change names reads before it: the GET of the same path (routes,
 * pipeline), else of the path up to its last `{param}` (`/integrations/{id}/rotate-key` reads
 * `/integrations/{id}`). A create has nothing before it.
 */
function viewOf(one: Endpoint, action: string, all: readonly Endpoint[]) {
	if (action.endsWith(".create")) return undefined;
	const trimmed = one.path.replace(/(\/[^/{}]+)+$/, "");
	for (const path of [one.path, trimmed]) {
		const read = all.find((other) => other.method === "get" && other.path === path);
		if (read?.data !== undefined) return read.data;
	}
	return undefined;
}

/**
 * The state before a change; null when it cannot be read (a repeated DELETE of a rule kept for
 * the record): the handler gives its own answer.
 */
async function readBefore(
	view: (c: Context<AppEnv>) => Promise<unknown>,
	c: Context<AppEnv>,
): Promise<unknown> {
	try {
		return await view(c);
	} catch (error) {
		if (error instanceof HttpError) return null;
		throw error;
	}
}

/** A created thing's id, else the path's last parameter (`{target}`, `{delivery}`, `{id}`). */
function resourceId(c: Context<AppEnv>, action: string, after: unknown): string | null {
	const id = (after as { id?: unknown } | null)?.id;
	if (action.endsWith(".create") && typeof id === "string") return id;
	return Object.values(c.req.param() as Record<string, string>).at(-1) ?? null;
}

async function errorCode(response: Response): Promise<string | null> {
	try {
		const body = (await response.clone().json()) as { error?: { code?: unknown } };
		return typeof body.error?.code === "string" ? body.error.code : null;
	} catch {
		return null;
	}
}

async function answerData(response: Response): Promise<unknown> {
	try {
		return ((await response.clone().json()) as { data?: unknown }).data ?? null;
	} catch {
		return null;
	}
}
