import * as z from "zod/mini";
import { ROLES } from "../access/role";
import { Iso, IsoOrNull, iso, isoOrNull } from "../alerts/alert";
import {
	deleteTokenStatement,
	insertTokenStatement,
	listTokens,
	MAX_TOKENS,
	type TokenRow,
	tokenById,
} from "../db/tokens";
import { endpoint } from "../http/endpoint";
import { Conflict, InvalidParameter, NotFound } from "../http/errors";
import { Deleted, Page } from "../http/views";
import { DOCS } from "../schema/docs";
import { minLength } from "../schema/length";
import { unknownFieldOr } from "../schema/messages";
import { generateApiToken, sha256Hex } from "../security/secrets";
import { ADMIN, CreatedPageQuery, IsoTime, Name, newestFirst } from "./fields";
import { requireChannels } from "./integrations";
import { Ids } from "./scope";

/**
 * API tokens: a name, a role, an optional limit to channels and an optional expiry. The token
 * (`agt_` and 256 random bits) is in the creation's answer only; D1 keeps its SHA-256. Revoking
 * deletes it, and every request looks its token up, so it stops at once. Tokens are made with an
 * admin credential without a channel limit: ADMIN_TOKEN makes the first.
 */

const CreateToken = z.strictObject(
	{
		name: Name,
		role: z.enum(ROLES, { error: "must be read, write or admin" }),
		channel_ids: z.optional(
			Ids("channel", 20).check(minLength(1, "must name at least one channel, or be left out")),
		),
		expires_at: z.optional(z.nullable(IsoTime)),
	},
	{ error: unknownFieldOr("must be a JSON object") },
);

const TokenView =
	DOCS &&
	z.object({
		id: z.string(),
		name: z.string(),
		role: z.enum(ROLES),
		channel_ids: z.nullable(z.array(z.string())),
		created_at: Iso,
		created_by: z.string(),
		expires_at: IsoOrNull,
		last_used_at: IsoOrNull,
	});
type TokenView = z.output<typeof TokenView>;

function tokenToApi(row: TokenRow): TokenView {
	return {
		id: row.id,
		name: row.name,
		role: row.role,
		channel_ids: row.channel_ids,
		created_at: iso(row.created_at),
		created_by: row.created_by,
		expires_at: isoOrNull(row.expires_at),
		last_used_at: isoOrNull(row.last_used_at),
	};
}

const NO_TOKEN = { 404: DOCS && "No token has this id" };
const tokenNotFound = (id: string) =>
	new NotFound("TokenNotFound", `no token has id ${JSON.stringify(id)}`);

export const tokenEndpoints = [
	endpoint({
		method: "post",
		path: "/api/v1/tokens",
		...ADMIN,
		scope: "unscoped",
		audit: "token.create",
		summary: DOCS && "Create an API token; the token is in this answer only",
		body: {
			schema: CreateToken,
			example: DOCS && {
				name: "deploy pipeline",
				role: "write",
				channel_ids: ["0b7c6a52-4d5e-4b59-9a0e-3f1f3c1d2e4a"],
				expires_at: "2027-01-01T00:00:00Z",
			},
		},
		answer: {
			status: 201,
			data: DOCS && z.extend(TokenView, { token: z.string() }),
			description: DOCS && "The token, with its secret `token` (shown this once).",
		},
		refusals: { 409: DOCS && `The deployment holds the most tokens it can (${MAX_TOKENS})` },
		handler: async (c, { body }) => {
			const input = await body();
			const now = Date.now();
			if (input.expires_at != null && input.expires_at <= now) {
				throw new InvalidParameter("expires_at is in the past: a token must expire in the future");
			}
			if (input.channel_ids !== undefined) {
				await requireChannels(c.env.DB, input.channel_ids, "channel_ids");
			}
			const token = generateApiToken();
			const row: TokenRow = {
				id: crypto.randomUUID(),
				name: input.name,
				role: input.role,
				channel_ids: input.channel_ids === undefined ? null : [...new Set(input.channel_ids)],
				token_hash: await sha256Hex(token),
				created_at: now,
				created_by: c.get("principal")?.name ?? "admin token",
				expires_at: input.expires_at ?? null,
				last_used_at: null,
			};
			const written = await insertTokenStatement(c.env.DB, row).run();
			if (written.meta.changes === 0) {
				throw new Conflict(
					"TokenLimitReached",
					`this deployment already has ${MAX_TOKENS} tokens, the most it holds: revoke unused ones first`,
				);
			}
			return { ...tokenToApi(row), token };
		},
	}),
	endpoint({
		method: "get",
		path: "/api/v1/tokens",
		...ADMIN,
		scope: "unscoped",
		summary: DOCS && "List API tokens (never their secrets), newest first",
		query: CreatedPageQuery,
		answer: {
			status: 200,
			data: DOCS && Page("tokens", TokenView),
			description: DOCS && "A page of tokens.",
		},
		handler: async (c, { query }) => {
			const { page, next_cursor } = await newestFirst(query, (range) =>
				listTokens(c.env.DB, range),
			);
			return { tokens: page.map(tokenToApi), next_cursor };
		},
	}),
	endpoint({
		method: "get",
		path: "/api/v1/tokens/{id}",
		...ADMIN,
		scope: "unscoped",
		summary: DOCS && "One API token (never its secret)",
		answer: { status: 200, data: DOCS && TokenView, description: DOCS && "The token." },
		refusals: NO_TOKEN,
		handler: async (c, { params }) => {
			const row = await tokenById(c.env.DB, params.id);
			if (row === null) throw tokenNotFound(params.id);
			return tokenToApi(row);
		},
	}),
	endpoint({
		method: "delete",
		path: "/api/v1/tokens/{id}",
		...ADMIN,
		scope: "unscoped",
		audit: "token.revoke",
		summary: DOCS && "Revoke an API token: it is refused from the next request",
		answer: { status: 200, data: DOCS && Deleted, description: DOCS && "The token is revoked." },
		refusals: NO_TOKEN,
		handler: async (c, { params }) => {
			const result = await deleteTokenStatement(c.env.DB, params.id).run();
			if (result.meta.changes === 0) throw tokenNotFound(params.id);
			return { id: params.id, deleted: true as const };
		},
	}),
];
