import type { Context, Hono } from "hono";
import type * as z from "zod/mini";
import type { Role } from "../access/role";
import type { AppEnv } from "./app-env";
import { readJsonBody } from "./body";
import { ok } from "./envelope";
import { onlyMethods } from "./middleware";
import { parseOrThrow, parseQuery } from "./validation";

/**
 * An endpoint is declared once: its method and path, what it reads (query, body), what it
 * answers, the refusals worth documenting, and its handler. The app registers the handlers from
 * these declarations (`mount`), and `npm run openapi` builds the OpenAPI document from the same
 * ones, so the two cannot drift.
 */

const METHODS = ["get", "post", "put", "patch", "delete"] as const;
export type Method = (typeof METHODS)[number];

export type Endpoint = {
	method: Method;
	/** OpenAPI's style, `{param}`; Hono's `:param` is derived. */
	path: string;
	tag: "Admin" | "Push" | "Health" | "Slack";
	summary: string;
	/**
	 * A role (read, write, admin): the least a credential of the admin API must hold (an API
	 * token, ADMIN_TOKEN, a Cloudflare Access identity); key: an integration key; none: public.
	 */
	auth: Role | "key" | "none";
	/**
	 * How a token limited to channels reaches it (src/admin/authorize.ts): the channel, the
	 * integration (private to a channel), the incident or the silence its `{id}` names; `list`:
	 * the handler keeps to the token's channels itself; `unscoped`: only a token without a limit.
	 */
	scope?: "channel" | "integration" | "incident" | "silence" | "list" | "unscoped";
	/**
	 * The audit log's action for a change (`integration.update`: resource type, then verb), or
	 * `false` for a POST that changes nothing (a preview, a test notification).
	 */
	audit?: string | false;
	query?: z.ZodMiniObject;
	body?: { schema: z.ZodMiniType; example: unknown };
	/** The answer's `data` (in the envelope), or, when `raw`, a protocol's own answer. */
	answer: {
		status: 200 | 201 | 202;
		data: z.ZodMiniType;
		description: string;
		raw?: true;
		/** A raw answer in plain text (heartbeat pings), not JSON. */
		text?: true;
	};
	/** Refusals worth listing beyond 400 (and 401 for admin), with what they mean here. */
	refusals?: Partial<Record<401 | 403 | 404 | 409 | 413 | 422 | 429 | 503, string>>;
	handle: (c: Context<AppEnv>) => Response | Promise<Response>;
	/** The answer's `data` without the envelope: the audit log reads a resource's state with it. */
	data?: (c: Context<AppEnv>) => Promise<unknown>;
};

/** The names of a path's `{param}`s. */
type ParamNames<P extends string> = P extends `${string}{${infer Name}}${infer Rest}`
	? Name | ParamNames<Rest>
	: never;

type Input<P extends string, Q, B> = {
	/** The path's parameters by name (`{id}` → `params.id`). */
	params: { [Name in ParamNames<P>]: string };
	query: Q extends z.ZodMiniObject ? z.output<Q> : undefined;
	/**
	 * The body, read and checked when the handler asks: a handler that first looks up what the
	 * path names answers 404 for a missing thing, whatever the body holds.
	 */
	body: () => Promise<B extends z.ZodMiniType ? z.output<B> : undefined>;
};

type JsonEndpoint<P extends string, Q, B, D extends z.ZodMiniType> = Omit<
	Endpoint,
	"handle" | "path" | "query" | "body" | "answer"
> & {
	path: P;
	query?: Q;
	body?: { schema: B; example: unknown };
	answer: { status: 200 | 201 | 202; data: D; description: string };
	/** What goes in the envelope's `data`: checked against the answer's schema at compile time. */
	handler: (c: Context<AppEnv>, input: Input<P, Q, B>) => Promise<z.output<D>>;
};

/** An endpoint that answers in the `{request_id, data}` envelope. */
export function endpoint<
	P extends string,
	D extends z.ZodMiniType,
	Q extends z.ZodMiniObject | undefined = undefined,
	B extends z.ZodMiniType | undefined = undefined,
>(declared: JsonEndpoint<P, Q, B, D>): Endpoint {
	const { handler, query, body, ...rest } = declared;
	const data = (c: Context<AppEnv>) => {
		const input = {
			params: c.req.param() as Input<P, Q, B>["params"],
			query: query === undefined ? undefined : parseQuery(query, c.req.query()),
			body: async () =>
				body?.schema === undefined
					? undefined
					: parseOrThrow(body.schema, await readJsonBody(c.req.raw)),
		} as Input<P, Q, B>;
		return handler(c, input);
	};
	return {
		...rest,
		...(query === undefined ? {} : { query }),
		...(body === undefined ? {} : { body: body as Endpoint["body"] & object }),
		handle: async (c) => ok(c, await data(c), declared.answer.status),
		data,
	};
}

/** `/api/v1/x/{id}` as Hono writes it: `/api/v1/x/:id`. */
export function honoPath(path: string): string {
	return path.replace(/\{(\w+)\}/g, ":$1");
}

/**
 * Registers the endpoints path by path, in the order the paths are first declared (a fixed path
 * before a parameter that could match it), each path's methods followed by a 405 that names them.
 */
export function mount(app: Hono<AppEnv>, endpoints: readonly Endpoint[]): void {
	const byPath = new Map<string, Endpoint[]>();
	for (const one of endpoints) byPath.set(one.path, [...(byPath.get(one.path) ?? []), one]);
	for (const [path, declared] of byPath) {
		for (const one of declared) app.on(one.method.toUpperCase(), honoPath(path), one.handle);
		const allowed = METHODS.filter((method) => declared.some((one) => one.method === method));
		app.all(honoPath(path), onlyMethods(...allowed.map((method) => method.toUpperCase())));
	}
}
