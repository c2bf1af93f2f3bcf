import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_SESSIONS, SESSION_LIFETIME_MS } from "../src/db/sessions";
import { sha256Hex } from "../src/security/secrets";
import { csrfOf, page, signIn } from "./dashboard-helpers";
import { ADMIN_TOKEN } from "./helpers";

/** Another admin token, as a rotation would set: random-looking, 44 characters. */
const ROTATED_TOKEN = "q7Vh2LmX9pRt4ZsB0nWc8KdY3fJa6GuE1oTi5xNvHbM=";

const idOf = (cookie: string) => cookie.slice(cookie.indexOf("=") + 1);

async function sessionRow(cookie: string) {
	return env.DB.prepare("SELECT * FROM dashboard_sessions WHERE id_hash = ?")
		.bind(await sha256Hex(idOf(cookie)))
		.first<{ csrf_token: string; issued_at: number; expires_at: number }>();
}

/** Whether the cookie opens the incidents page (the signed-out are sent to sign in). */
async function signedIn(cookie: string, adminToken?: string): Promise<boolean> {
	const reply = await page("GET", "/dashboard", {
		cookie,
		...(adminToken === undefined ? {} : { adminToken }),
	});
	if (reply.status === 303 && reply.location === "/dashboard/login") return false;
	expect(reply.status).toBe(200);
	return true;
}

describe("dashboard sessions", () => {
	it("gives each sign-in its own random id, kept in D1 only as its SHA-256, with its own CSRF token and a 12-hour expiry", async () => {
		const before = Date.now();
		const first = await signIn();
		const second = await signIn();
		expect(idOf(first)).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(idOf(second)).not.toBe(idOf(first));
		expect(await signedIn(first)).toBe(true);
		expect(await signedIn(second)).toBe(true);

		const row = await sessionRow(first);
		expect(row).not.toBeNull();
		expect(row?.expires_at).toBe((row?.issued_at ?? 0) + SESSION_LIFETIME_MS);
		expect(row?.issued_at).toBeGreaterThanOrEqual(before);
		const stored = JSON.stringify(
			(await env.DB.prepare("SELECT * FROM dashboard_sessions").all()).results,
		);
		expect(stored).not.toContain(idOf(first));
		expect(stored).not.toContain(idOf(second));

		const csrfFirst = csrfOf((await page("GET", "/dashboard", { cookie: first })).html);
		const csrfSecond = csrfOf((await page("GET", "/dashboard", { cookie: second })).html);
		expect(csrfFirst).toBe(row?.csrf_token);
		expect(csrfSecond).not.toBe(csrfFirst);
		// One session's token does not pass another's form.
		const crossed = await page("POST", "/dashboard/logout", {
			cookie: first,
			form: { csrf: csrfSecond },
		});
		expect(crossed.status).toBe(403);
		expect(await signedIn(first)).toBe(true);
	});

	it("ends the session on the server at sign-out: the old cookie is refused at once, other sessions stay", async () => {
		const cookie = await signIn();
		const other = await signIn();
		const home = await page("GET", "/dashboard", { cookie });
		const out = await page("POST", "/dashboard/logout", {
			cookie,
			form: { csrf: csrfOf(home.html) },
		});
		expect(out).toMatchObject({ status: 303, location: "/dashboard/login" });
		expect(await sessionRow(cookie)).toBeNull();
		// A copy of the cookie kept after sign-out (another tab, a stolen one) opens nothing.
		expect(await signedIn(cookie)).toBe(false);
		expect(
			(await page("POST", "/dashboard/logout", { cookie, form: { csrf: csrfOf(home.html) } }))
				.location,
		).toBe("/dashboard/login");
		expect(await signedIn(other)).toBe(true);
	});

	it("ends every session when ADMIN_TOKEN changes: one presented under the new token is deleted, so a rollback does not revive it", async () => {
		const cookie = await signIn();
		expect(await signedIn(cookie, ROTATED_TOKEN)).toBe(false);
		expect(await sessionRow(cookie)).toBeNull();
		expect(await signedIn(cookie)).toBe(false);

		const underRotated = await signIn(ROTATED_TOKEN);
		expect(await signedIn(underRotated, ROTATED_TOKEN)).toBe(true);
		expect(await signedIn(underRotated)).toBe(false);
	});

	it("refuses a session past its lifetime whatever the browser keeps, and prunes expired ones at sign-in", async () => {
		const cookie = await signIn();
		// The browser is told the same lifetime, but the server does not rely on it.
		const fresh = await page("POST", "/dashboard/login", {
			form: { token: ADMIN_TOKEN },
		});
		expect(fresh.setCookie).toContain(`Max-Age=${SESSION_LIFETIME_MS / 1000}`);

		const issued = Date.now() - SESSION_LIFETIME_MS - 1;
		const idHash = await sha256Hex(idOf(cookie));
		await env.DB.prepare(
			"UPDATE dashboard_sessions SET issued_at = ?, expires_at = ? WHERE id_hash = ?",
		)
			.bind(issued, issued + SESSION_LIFETIME_MS, idHash)
			.run();
		expect(await signedIn(cookie)).toBe(false);
		expect(await sessionRow(cookie)).toBeNull();

		// Expired sessions nobody presents again are deleted by the next sign-in.
		const stale = Array.from({ length: 3 }, (_, i) => `expired-${i}-${crypto.randomUUID()}`);
		for (const hash of stale) {
			await env.DB.prepare(
				"INSERT INTO dashboard_sessions (id_hash, csrf_token, token_fingerprint, issued_at, expires_at) VALUES (?, 'x', 'x', ?, ?)",
			)
				.bind(hash, issued, issued + SESSION_LIFETIME_MS)
				.run();
		}
		await signIn();
		const left = await env.DB.prepare(
			"SELECT count(*) AS n FROM dashboard_sessions WHERE expires_at <= ?",
		)
			.bind(Date.now())
			.first<{ n: number }>();
		expect(left?.n).toBe(0);
	});

	it(`keeps at most ${MAX_SESSIONS} sessions: a sign-in past them ends the oldest`, async () => {
		const now = Date.now();
		const oldest = "oldest-session";
		const rows = Array.from({ length: MAX_SESSIONS }, (_, i) =>
			env.DB.prepare(
				"INSERT INTO dashboard_sessions (id_hash, csrf_token, token_fingerprint, issued_at, expires_at) VALUES (?, 'x', 'x', ?, ?)",
			).bind(
				i === 0 ? oldest : `filler-${i}-${crypto.randomUUID()}`,
				now - 60_000 + i,
				now + 3_600_000,
			),
		);
		await env.DB.batch(rows);
		const cookie = await signIn();
		const count = await env.DB.prepare("SELECT count(*) AS n FROM dashboard_sessions").first<{
			n: number;
		}>();
		expect(count?.n).toBe(MAX_SESSIONS);
		expect(await sessionRow(cookie)).not.toBeNull();
		const gone = await env.DB.prepare("SELECT 1 FROM dashboard_sessions WHERE id_hash = ?")
			.bind(oldest)
			.first();
		expect(gone).toBeNull();
	});
});
