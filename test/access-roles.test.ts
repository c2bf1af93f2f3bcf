import { beforeAll, describe, expect, it } from "vitest";
import { ROLES, type Role, roleAllows } from "../src/access/role";
import { ADMIN_ENDPOINTS } from "../src/admin/api";
import { makeToken, withToken } from "./access-helpers";
import { admin, expectError } from "./helpers";

/**
 * Every admin endpoint, as declared, called with a token of each role: a role below the
 * declared one gets exactly 403 naming the role needed; the declared role and those above get
 * anything but 401 and 403 (ids here name nothing, so mostly 404 or 400). A new endpoint is in
 * this table by being declared.
 */

const tokens = {} as Record<Role, string>;

beforeAll(async () => {
	for (const role of ROLES) tokens[role] = (await makeToken({ role })).token;
});

/** The declared path with every `{param}` naming nothing. */
const concrete = (path: string) =>
	path.replace(/^\/api\/v1/, "").replace(/\{\w+\}/g, "00000000-0000-4000-8000-000000000000");

/** The admin API: every endpoint under its path needs a role. */
const API = ADMIN_ENDPOINTS.filter((one) => one.path.startsWith("/api/v1/"));

describe("each role against each endpoint", () => {
	it("declares a role for every admin endpoint", () => {
		for (const one of API) {
			expect(ROLES as readonly string[], `${one.method} ${one.path}`).toContain(one.auth);
		}
		// Not vacuous: the table holds each role.
		for (const role of ROLES) expect(API.some((one) => one.auth === role)).toBe(true);
		// The admin app's other endpoints carry their own credential (Slack's signature), outside
		// the API's path.
		for (const one of ADMIN_ENDPOINTS.filter((e) => !API.includes(e))) {
			expect([one.path, one.auth]).toEqual(["/slack/interactions", "none"]);
		}
	});

	for (const one of API) {
		const route = `${one.method.toUpperCase()} ${one.path}`;
		it(`${route} (needs ${one.auth})`, async () => {
			for (const role of ROLES) {
				const body = one.method === "get" || one.method === "delete" ? undefined : {};
				const reply = await withToken(
					tokens[role],
					one.method.toUpperCase(),
					concrete(one.path),
					body,
				);
				if (roleAllows(role, one.auth as Role)) {
					expect([401, 403], `${route} with ${role}: ${JSON.stringify(reply.body)}`).not.toContain(
						reply.status,
					);
					// Not vacuous: the route answered, not the catch-all.
					expect(reply.body.error?.code, route).not.toBe("RouteNotFound");
				} else {
					const message = expectError(reply, 403, "Forbidden");
					expect(message).toBe(`this needs the ${one.auth} role; the token has ${role}`);
				}
			}
		});
	}
});

describe("credentials refused", () => {
	it("answers 401 alike for no token, a wrong one, an unknown agt_ token, an expired and a revoked one", async () => {
		const expiring = await makeToken({
			role: "admin",
			expires_at: new Date(Date.now() + 1500).toISOString(),
		});
		const revoked = await makeToken({ role: "admin" });
		expect((await withToken(revoked.token, "GET", "/integrations")).status).toBe(200);
		expect((await withToken(expiring.token, "GET", "/integrations")).status).toBe(200);
		expect((await admin("DELETE", `/tokens/${revoked.id}`)).status).toBe(200);
		await new Promise((resolve) => setTimeout(resolve, 1600));
		const unknown = `agt_${"A".repeat(43)}`;
		const messages = new Set<string>();
		for (const token of ["x", unknown, expiring.token, revoked.token]) {
			messages.add(
				expectError(await withToken(token, "GET", "/integrations"), 401, "Unauthorized"),
			);
		}
		expect(messages.size).toBe(1);
		// The revoked token is gone from the list; the expired one stays listed.
		const listed = (await admin("GET", "/tokens")).body.data.tokens.map(
			(one: { id: string }) => one.id,
		);
		expect(listed).not.toContain(revoked.id);
		expect(listed).toContain(expiring.id);
	});

	it("shows the secret once and keeps only its SHA-256", async () => {
		const made = await makeToken({ role: "read" });
		expect(made.token).toMatch(/^agt_[A-Za-z0-9_-]{43}$/);
		const one = await admin("GET", `/tokens/${made.id}`);
		expect(JSON.stringify(one.body)).not.toContain(made.token);
		expect(one.body.data).toMatchObject({
			role: "read",
			channel_ids: null,
			created_by: "admin token",
		});
	});

	it("refuses bad token bodies with 400 naming the field", async () => {
		for (const [body, field] of [
			[{ name: "x", role: "owner" }, "role"],
			[{ name: "", role: "read" }, "name"],
			[{ name: "x", role: "read", channel_ids: [] }, "channel_ids"],
			[{ name: "x", role: "read", channel_ids: ["nope"] }, "channel_ids"],
			[{ name: "x", role: "read", expires_at: "2001-01-01T00:00:00Z" }, "expires_at"],
			[{ name: "x", role: "read", extra: 1 }, "extra"],
		] as const) {
			expect(expectError(await admin("POST", "/tokens", body), 400, "InvalidParameter")).toContain(
				field,
			);
		}
	});

	it("notes last_used_at on first use, not on every request", async () => {
		const made = await makeToken({ role: "read" });
		expect((await admin("GET", `/tokens/${made.id}`)).body.data.last_used_at).toBeNull();
		await withToken(made.token, "GET", "/channels");
		await new Promise((resolve) => setTimeout(resolve, 50));
		const first = (await admin("GET", `/tokens/${made.id}`)).body.data.last_used_at;
		expect(first).not.toBeNull();
		await withToken(made.token, "GET", "/channels");
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect((await admin("GET", `/tokens/${made.id}`)).body.data.last_used_at).toBe(first);
	});

	it("lets an admin token make tokens, and never a write one", async () => {
		const adminToken = await makeToken({ role: "admin" });
		const write = await makeToken({ role: "write" });
		const made = await withToken(adminToken.token, "POST", "/tokens", { name: "ci", role: "read" });
		expect(made.status).toBe(201);
		expect(made.body.data.created_by).toBe(adminToken.name);
		const refused = await withToken(write.token, "POST", "/tokens", { name: "ci", role: "admin" });
		expect(expectError(refused, 403, "Forbidden")).toContain("needs the admin role");
	});
});
