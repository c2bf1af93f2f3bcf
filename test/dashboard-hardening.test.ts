import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_FORM_BYTES } from "../src/dashboard/form";
import { csrfOf, page, signIn } from "./dashboard-helpers";
import { ADMIN_TOKEN, BASE } from "./helpers";

/** A sender that uploads twice the form limit and then stalls for ever. */
function stallingUpload() {
	const state = { cancelled: false };
	const body = new ReadableStream<Uint8Array>({
		start(controller) {
			controller.enqueue(new TextEncoder().encode(`token=${"x".repeat(2 * MAX_FORM_BYTES)}`));
		},
		pull: () => new Promise(() => {}),
		cancel() {
			state.cancelled = true;
		},
	});
	return { body, state };
}

/** Fails instead of hanging when the worker waits for a body that never ends. */
async function answeredPromptly(request: Request): Promise<Response> {
	const timeout = new Promise<never>((_, reject) =>
		setTimeout(() => reject(new Error("not answered within 2 s")), 2_000),
	);
	return Promise.race([exports.default.fetch(request), timeout]);
}

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

describe("dashboard forms are bounded before they are parsed", () => {
	it("answers an unauthenticated sign-in that never stops uploading with 413, hanging up at the limit", async () => {
		for (const headers of [FORM, { ...FORM, "Content-Length": String(64 * 1024 * 1024) }]) {
			const { body, state } = stallingUpload();
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
