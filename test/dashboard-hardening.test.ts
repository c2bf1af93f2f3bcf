import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_FORM_BYTES } from "../src/dashboard/form";
import { csrfOf, type PageReply, page, signIn } from "./dashboard-helpers";
import { ADMIN_TOKEN, answeredPromptly, BASE, stallingUpload } from "./helpers";

/** A form POST with a body and Content-Type of the test's choosing. */
async function post(
	path: string,
	body: BodyInit,
	headers: Record<string, string>,
): Promise<Response> {
	return exports.default.fetch(
		new Request(`${BASE}${path}`, {
			method: "POST",
			body,
			headers: { Origin: BASE, ...headers },
			redirect: "manual",
		}),
	);
}

const FORM = { "Content-Type": "application/x-www-form-urlencoded" };

function expectSecurityHeaders(headers: Headers, what: string) {
	const csp = headers.get("Content-Security-Policy") ?? "";
	for (const directive of [
		"default-src 'none'",
		"form-action 'self'",
		"frame-ancestors 'none'",
		"base-uri 'none'",
	]) {
		expect(csp, what).toContain(directive);
	}
	expect(csp, what).toMatch(/style-src 'sha256-[A-Za-z0-9+/]+=*'/);
	expect(headers.get("X-Content-Type-Options"), what).toBe("nosniff");
	expect(headers.get("X-Frame-Options"), what).toBe("DENY");
	expect(headers.get("Cache-Control"), what).toBe("no-store");
	expect(headers.get("Referrer-Policy"), what).toBe("same-origin");
}

describe("dashboard security headers", () => {
	it("are on every answer: pages, redirects, refusals and errors", async () => {
		const cookie = await signIn();
		const answers: [string, PageReply | Response][] = [
			["the sign-in page", await page("GET", "/dashboard/login")],
			["a refused sign-in", await page("POST", "/dashboard/login", { form: { token: "no" } })],
			["the redirect to sign in", await page("GET", "/dashboard")],
			["a signed-in page", await page("GET", "/dashboard", { cookie })],
			["a missing integration", await page("GET", "/dashboard/integrations/nope", { cookie })],
			[
				"a form without its CSRF token",
				await page("POST", "/dashboard/logout", { cookie, form: {} }),
			],
			[
				"a form from another origin",
				await page("POST", "/dashboard/login", { form: {}, origin: "https://evil.example" }),
			],
			["an unknown dashboard path", await page("GET", "/dashboard/nope", { cookie })],
			["an oversize form", await post("/dashboard/login", "x".repeat(MAX_FORM_BYTES + 1), FORM)],
			// The dashboard takes the admin API's rules for the token: one it refuses opens no page.
			[
				"an ADMIN_TOKEN too weak to serve",
				await page("POST", "/dashboard/login", {
					form: { token: "short-token" },
					adminToken: "short-token",
				}),
			],
		];
		const statuses = answers.map(([, reply]) => reply.status);
		expect(statuses).toEqual([200, 401, 303, 200, 404, 403, 403, 404, 413, 503]);
		for (const [what, reply] of answers) expectSecurityHeaders(reply.headers, what);
	});

	it("allow the page's own stylesheet by its hash and nothing else", async () => {
		const login = await page("GET", "/dashboard/login");
		const css = /<style>([^<]*)<\/style>/.exec(login.html)?.[1];
		expect(css).toBeDefined();
		const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(css));
		const hash = new Uint8Array(digest).toBase64();
		expect(login.headers.get("Content-Security-Policy")).toContain(`style-src 'sha256-${hash}'`);
		// No script, and no inline style attribute a hash would not cover.
		expect(login.html).not.toContain("<script");
		expect(login.html).not.toContain("style=");
	});
});

describe("dashboard forms are bounded before they are parsed", () => {
	it("answers an unauthenticated sign-in that never stops uploading with 413, hanging up at the limit", async () => {
		for (const headers of [FORM, { ...FORM, "Content-Length": String(64 * 1024 * 1024) }]) {
			const { body, state } = stallingUpload(
				new TextEncoder().encode(`token=${"x".repeat(2 * MAX_FORM_BYTES)}`),
			);
			const response = await answeredPromptly(
				new Request(`${BASE}/dashboard/login`, {
					method: "POST",
					body,
					headers: { Origin: BASE, ...headers },
					duplex: "half",
				} as RequestInit),
			);
			expect(response.status).toBe(413);
			expect((await response.json<{ error: { code: string } }>()).error.code).toBe(
				"PayloadTooLarge",
			);
			await new Promise((resolve) => setTimeout(resolve, 10));
			expect(state.cancelled).toBe(true);
		}
	});

	it("answers every signed-in form past the limit with 413 and does nothing", async () => {
		const cookie = await signIn();
		const csrf = csrfOf((await page("GET", "/dashboard", { cookie })).html);
		const oversize = `csrf=${csrf}&pad=${"x".repeat(MAX_FORM_BYTES)}`;
		for (const path of [
			"/dashboard/logout",
			"/dashboard/incidents/x/acknowledge",
			"/dashboard/incidents/x/resolve",
		]) {
			const response = await post(path, oversize, { ...FORM, Cookie: cookie });
			expect(response.status, path).toBe(413);
		}
		// The sign-out was not done: the session stands.
		expect((await page("GET", "/dashboard", { cookie })).status).toBe(200);
	});

	it("takes only application/x-www-form-urlencoded: multipart and others are refused with 415", async () => {
		const multipart = new FormData();
		multipart.set("token", ADMIN_TOKEN);
		const signedInByMultipart = await post("/dashboard/login", multipart, {});
		expect(signedInByMultipart.status).toBe(415);
		expect(signedInByMultipart.headers.get("Set-Cookie")).toBeNull();
		const refusal = await signedInByMultipart.json<{ error: { code: string; message: string } }>();
		expect(refusal.error.code).toBe("UnsupportedMediaType");
		expect(refusal.error.message).toContain("application/x-www-form-urlencoded");

		const json = await post("/dashboard/login", JSON.stringify({ token: ADMIN_TOKEN }), {
			"Content-Type": "application/json",
		});
		expect(json.status).toBe(415);

		const cookie = await signIn();
		const csrf = csrfOf((await page("GET", "/dashboard", { cookie })).html);
		const form = new FormData();
		form.set("csrf", csrf);
		const out = await post("/dashboard/logout", form, { Cookie: cookie });
		expect(out.status).toBe(415);
		expect((await page("GET", "/dashboard", { cookie })).status).toBe(200);
		// The same fields, urlencoded, are taken.
		const done = await post("/dashboard/logout", new URLSearchParams({ csrf }).toString(), {
			...FORM,
			Cookie: cookie,
		});
		expect(done.status).toBe(303);
	});
});
