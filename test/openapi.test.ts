import { validate } from "@readme/openapi-parser";
import { describe, expect, it } from "vitest";
import { version } from "../package.json";
import committed from "../public/openapi.json";
import { adminApp } from "../src/admin-app";
import { ENDPOINTS } from "../src/api";
import { app } from "../src/index";
import { openApiDocument } from "../src/openapi/document";

/** Paths Workers Static Assets answer before the worker (wrangler.toml `[assets]`). */
const STATIC_ASSETS = ["GET /openapi.json"];

/**
 * HTML pages are for people (the dashboard, action links' pages): the one rule that keeps routes
 * out of the document.
 */
const forPeople = (path: string) =>
	path === "/dashboard" || path.startsWith("/dashboard/") || path.startsWith("/actions/");

/** Every route the edge's app or the admin app answers. */
const routes = () => [...app.routes, ...adminApp.routes];

/**
 * Every route the apps answer, as `METHOD /path` in OpenAPI's `{param}` style (405 catch-alls,
 * middleware and the edge's hand-over to the admin app aside).
 */
function servedRoutes(): string[] {
	const served = routes()
		.filter((route) => route.method !== "ALL" && !forPeople(route.path))
		.map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, "{$1}")}`);
	return [...new Set([...served, ...STATIC_ASSETS])].sort();
}

/** Every operation of the committed document, as `METHOD /path`. */
function documentedRoutes(): string[] {
	const paths = (committed as { paths: Record<string, Record<string, unknown>> }).paths;
	return Object.entries(paths).flatMap(([path, methods]) =>
		Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
	);
}

describe("/openapi.json (public/openapi.json, a static asset)", () => {
	it("is the document the schemas describe, and a valid OpenAPI 3.1 one", async () => {
		// The browser test (npm run test:browser) checks that wrangler serves this very file.
		expect(
			committed,
			"public/openapi.json is stale: run `npm run openapi` and commit the file",
		).toEqual(JSON.parse(JSON.stringify(openApiDocument(version))));
		const document = committed as Record<string, unknown>;
		expect(document.openapi).toBe("3.1.0");
		const result = await validate(structuredClone(document) as never);
		expect(result.valid ? [] : result.errors).toEqual([]);
		expect(result.warnings).toEqual([]);
		// The validator is not vacuous: a broken copy fails it.
		const broken = structuredClone(document) as {
			paths: Record<string, Record<string, Record<string, unknown>>>;
		};
		const health = broken.paths["/healthz"]?.get;
		if (health !== undefined) health.responses = { "200": { content: {} } };
		expect((await validate(broken as never)).valid).toBe(false);
	});

	it("lists exactly the routes the app serves, and the app serves every one it lists", () => {
		expect(documentedRoutes().sort()).toEqual(servedRoutes());
		// Not vacuous: both sides hold the API's routes, and the dashboard's routes are served.
		expect(servedRoutes()).toContain("PUT /api/v1/integrations/{id}/routes");
		expect(adminApp.routes.some((route) => forPeople(route.path))).toBe(true);
	});

	it("gives every admin endpoint, and only those, a role and a channel scope", () => {
		for (const one of ENDPOINTS) {
			const admin = one.path.startsWith("/api/v1/");
			expect(["read", "write", "admin"].includes(one.auth), `${one.method} ${one.path}`).toBe(
				admin,
			);
			expect(one.scope !== undefined, `${one.method} ${one.path}`).toBe(admin);
		}
	});

	it("describes each body with the schema that validates it, and gives an example", async () => {
		const document = committed as unknown as {
			paths: Record<string, Record<string, Record<string, unknown>>>;
		};
		const create = document.paths["/api/v1/integrations"]?.post as {
			requestBody: {
				content: { "application/json": { schema: Record<string, unknown>; example: unknown } };
			};
		};
		const body = create.requestBody.content["application/json"];
		expect(body.schema).toMatchObject({
			type: "object",
			required: expect.arrayContaining(["name", "type"]),
			properties: { type: { enum: expect.arrayContaining(["standard", "pagerduty"]) } },
			additionalProperties: false,
		});
		expect(body.example).toMatchObject({ type: "standard" });
		// A push refusal is described by the error envelope.
		const push = document.paths["/push/{key}"]?.post as { responses: Record<string, unknown> };
		expect(push.responses["400"]).toMatchObject({
			content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
		});
		// Every operation documents its answer and every body has an example.
		for (const [path, methods] of Object.entries(document.paths)) {
			for (const [method, op] of Object.entries(methods)) {
				const responses = op.responses as Record<string, unknown>;
				expect(Object.keys(responses).length, `${method} ${path}`).toBeGreaterThan(0);
				const requestBody = op.requestBody as
					| { content: Record<string, { example?: unknown }> }
					| undefined;
				if (requestBody !== undefined) {
					const [content] = Object.values(requestBody.content);
					expect(content?.example, `${method} ${path}`).toBeDefined();
				}
			}
		}
	});
});
