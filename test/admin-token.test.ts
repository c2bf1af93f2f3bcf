import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import { BASE } from "./helpers";

const randomBase64 = (bytes: number) =>
	btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(bytes))));

/** An admin call to the worker configured with `token` as ADMIN_TOKEN, sending it as bearer. */
async function adminCallWith(token: string) {
	const response = await worker.fetch(
		new Request(`${BASE}/api/v1/integrations`, {
			headers: { Authorization: `Bearer ${token.trim() || "x"}` },
		}),
		{ ...env, ADMIN_TOKEN: token },
		createExecutionContext(),
	);
	const body = (await response.json()) as { error?: { code: string; message: string } };
	return { status: response.status, headers: response.headers, body };
}

describe("the admin API with a weak ADMIN_TOKEN configured", () => {
	it.each([
		["32 spaces", " ".repeat(32), "whitespace"],
		["a strong token with a trailing newline", `${randomBase64(32)}\n`, "whitespace"],
		["one letter repeated", "x".repeat(48), "not random"],
		["two letters in turn", "ab".repeat(20), "not random"],
	])("is disabled for %s, with 503 saying how to make one", async (_label, token, problem) => {
		const reply = await adminCallWith(token);
		expect(reply.status).toBe(503);
		expect(reply.headers.get("Retry-After")).toBe("5");
		expect(reply.body.error?.code).toBe("AdminTokenWeak");
		expect(reply.body.error?.message).toContain(problem);
		expect(reply.body.error?.message).toContain("openssl rand -base64 32");
	});

	it("works with `openssl rand -base64 32`", async () => {
		const reply = await adminCallWith(randomBase64(32));
		expect(reply.status).toBe(200);
	});
});
