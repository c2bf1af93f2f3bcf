import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { admin, expectError } from "./helpers";

/** What someone who skipped a setup step gets: the command that fixes it, not a bare 500. */
describe("a deployment whose D1 migrations were never applied", () => {
	it("answers the admin API with 503 naming the migrations command, and logs no payload", async () => {
		const logged = vi.spyOn(console, "error").mockImplementation(() => {});
		await env.DB.exec("ALTER TABLE integrations RENAME TO integrations_away;");
		let reply: Awaited<ReturnType<typeof admin>>;
		let lines: string[];
		try {
			reply = await admin("GET", "/integrations");
		} finally {
			await env.DB.exec("ALTER TABLE integrations_away RENAME TO integrations;");
			lines = logged.mock.calls.map((call) => String(call[0]));
			logged.mockRestore();
		}
		const message = expectError(reply, 503, "DatabaseNotMigrated");
		expect(message).toContain("npx wrangler d1 migrations apply DB --remote");
		expect(message).toContain("--local");
		expect(reply.headers.get("Retry-After")).toBe("5");
		expect(lines).toEqual([
			JSON.stringify({ event: "database_not_migrated", request_id: reply.body.request_id }),
		]);
		// With the tables back, the same call works: nothing was left half-done.
		expect((await admin("GET", "/integrations")).status).toBe(200);
	});
});
