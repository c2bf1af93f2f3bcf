import * as z from "zod/mini";
import { ENDPOINTS } from "../api";
import type { Endpoint } from "../http/endpoint";
import { AlertmanagerWebhook } from "../sources/alertmanager/schema";
import { EventBridgeEvent } from "../sources/eventbridge/envelope";
import { StandardAlertBody } from "../sources/standard/schema";

/**
 * The OpenAPI 3.1 document, built from the endpoints the app serves: their query and body schemas
 * (input side), answers (output side), refusals and summaries. `npm run openapi` writes it to
 * public/openapi.json, which Workers Static Assets serve at `/openapi.json`, so neither this
 * module nor zod's JSON Schema code is in the worker's bundle. A test checks that the file is
 * current, validates it, and checks that it lists exactly the routes the app serves.
 */

type Schema = Record<string, unknown>;

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) of what a client sends or gets. */
function jsonSchema(schema: z.core.$ZodType, io: "input" | "output"): Schema {
	const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
		io,
		// Refinements and transforms (a duration's syntax, a cursor's decoding) cannot be written
		// as JSON Schema: those fields are described by their type and the description.
		unrepresentable: "any",
	}) as Schema;
	return rest;
}

/** `/openapi.json`: served by Workers Static Assets before the worker (wrangler.toml `[assets]`). */
const THIS_DOCUMENT: Endpoint = {
	method: "get",
	path: "/openapi.json",
	tag: "Health",
	auth: "none",
	summary: "This document",
	answer: {
		status: 200,
		data: z.record(z.string(), z.unknown()),
		raw: true,
		description: "The OpenAPI 3.1 document.",
	},
	handle: () => {
		throw new Error("served as a static asset");
	},
};

/** Other bodies the push URL takes, by integration type, for the document's components. */
const PUSH_BODIES: Record<string, z.ZodMiniType> = {
	StandardEvent: StandardAlertBody,
	EventBridgeEvent,
	AlertmanagerWebhook,
};

const ErrorEnvelope: Schema = {
	type: "object",
	required: ["request_id", "error"],
	properties: {
		request_id: { type: "string", description: "Also in the X-Request-Id header." },
		error: {
			type: "object",
			required: ["code", "message"],
			properties: {
				code: { type: "string", description: "Stable, e.g. InvalidParameter." },
				message: { type: "string", description: "What to fix, naming the field." },
			},
		},
	},
	example: {
		request_id: "5b0c6f1e2a7d4c3b9e8f0a1b2c3d4e5f",
		error: {
			code: "InvalidParameter",
			message:
				"event_status must be one of Critical, Warning, Info, Ok, or a severity word such as major, minor, high, low, error, P1 to P5 or Sev0 to Sev4",
		},
	},
};

function envelope(data: Schema): Schema {
	return {
		type: "object",
		required: ["request_id", "data"],
		properties: { request_id: { type: "string" }, data },
	};
}

function parameters(op: Endpoint): Schema[] {
	const inPath = [...op.path.matchAll(/\{(\w+)\}/g)].map((match) => ({
		name: match[1],
		in: "path",
		required: true,
		schema: { type: "string" },
		...(match[1] === "key" ? { description: "The integration key (agk_…)." } : {}),
	}));
	const query = op.query === undefined ? [] : Object.entries(op.query.shape);
	return [
		...inPath,
		...query.map(([name, schema]) => ({
			name,
			in: "query",
			required: false,
			schema: jsonSchema(schema, "input"),
		})),
	];
}

const isRole = (auth: Endpoint["auth"]) => auth !== "key" && auth !== "none";

function operation(op: Endpoint): Schema {
	const answer = jsonSchema(op.answer.data, "output");
	const responses: Schema = {
		[op.answer.status]: {
			description: op.answer.description,
			content: {
				[op.answer.text ? "text/plain" : "application/json"]: {
					schema: op.answer.raw ? answer : envelope(answer),
				},
			},
		},
		...(op.body !== undefined || op.query !== undefined || op.auth === "key"
			? {
					400: {
						description: "Bad input: the message names the field",
						content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
					},
				}
			: {}),
		...(isRole(op.auth)
			? {
					401: {
						description: "A missing, wrong, expired or revoked credential",
						content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
					},
					403: {
						description: `The credential's role is below ${op.auth}${op.scope === "unscoped" ? ", or it is limited to channels" : ""}`,
						content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
					},
				}
			: {}),
		...Object.fromEntries(
			Object.entries(op.refusals ?? {}).map(([status, description]) => [
				status,
				{
					description,
					content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
				},
			]),
		),
	};
	return {
		tags: [op.tag],
		summary: op.summary,
		operationId: `${op.method}${op.path.replace(/[^a-zA-Z0-9]+(\w)?/g, (_m, c: string = "") => c.toUpperCase())}`,
		...(isRole(op.auth)
			? { security: [{ apiToken: [] }, { cloudflareAccess: [] }], "x-role": op.auth }
			: {}),
		...(op.auth === "key" && !op.path.includes("{key}")
			? { security: [{ integrationKeyHeader: [] }, { integrationKeyBearer: [] }] }
			: {}),
		...(op.auth === "key" && op.path.includes("{key}") ? { security: [] } : {}),
		...(op.auth === "none" ? { security: [] } : {}),
		parameters: parameters(op),
		...(op.body === undefined
			? {}
			: {
					requestBody: {
						required: true,
						content: {
							"application/json": {
								schema: jsonSchema(op.body.schema, "input"),
								example: op.body.example,
							},
						},
					},
				}),
		responses,
	};
}

let built: Schema | undefined;

/** The document, built once per isolate. `version` is the package's. */
export function openApiDocument(version: string): Schema {
	if (built !== undefined) return built;
	const paths: Record<string, Schema> = {};
	for (const op of [...ENDPOINTS, THIS_DOCUMENT]) {
		paths[op.path] = { ...paths[op.path], [op.method]: operation(op) };
	}
	built = {
		openapi: "3.1.0",
		info: {
			title: "alertgate",
			version,
			description:
				"Alert intake gateway: push URLs for monitors, and the admin API for integrations, channels, routes, notification targets and incidents. Every answer is {request_id, data} or {request_id, error} unless an endpoint speaks another protocol (PagerDuty, Alertmanager).",
			license: { name: "Apache-2.0", identifier: "Apache-2.0" },
		},
		tags: [
			{ name: "Push", description: "Where monitors send alerts." },
			{
				name: "Admin",
				description: "Integrations, channels, routes, targets, incidents, silences, inhibit rules.",
			},
			{ name: "Health", description: "Liveness and this document." },
			{ name: "Slack", description: "Clicks on the buttons of alertgate's Slack messages." },
		],
		paths,
		components: {
			schemas: {
				Error: ErrorEnvelope,
				...Object.fromEntries(
					Object.entries(PUSH_BODIES).map(([name, schema]) => [name, jsonSchema(schema, "input")]),
				),
			},
			securitySchemes: {
				apiToken: {
					type: "http",
					scheme: "bearer",
					description:
						"An API token (`agt_…`, POST /api/v1/tokens) or ADMIN_TOKEN; the operation's `x-role` is the least role it needs",
				},
				cloudflareAccess: {
					type: "apiKey",
					in: "header",
					name: "Cf-Access-Jwt-Assertion",
					description:
						"Set by Cloudflare Access in front of the worker (ACCESS_TEAM_DOMAIN, ACCESS_AUD, ACCESS_ROLES)",
				},
				integrationKeyHeader: { type: "apiKey", in: "header", name: "X-Integration-Key" },
				integrationKeyBearer: {
					type: "http",
					scheme: "bearer",
					description: "The integration key as Bearer (or as a Basic password)",
				},
			},
		},
	};
	return built;
}
