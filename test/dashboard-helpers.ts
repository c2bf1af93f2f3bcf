import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import worker from "../src/index";
import { ADMIN_TOKEN, BASE } from "./helpers";

export type PageReply = {
	status: number;
	location: string | null;
	setCookie: string | null;
	headers: Headers;
	html: string;
};

/**
 * A browser-like request to the dashboard: same-origin forms, the session cookie if any. With
 * `adminToken`, the worker runs with that ADMIN_TOKEN instead of the configured one (a rotation).
 */
export async function page(
	method: "GET" | "POST",
	path: string,
	opts: {
		cookie?: string;
		form?: Record<string, string>;
		origin?: string;
		adminToken?: string;
	} = {},
): Promise<PageReply> {
	const headers: Record<string, string> = {};
	if (opts.cookie !== undefined) headers.Cookie = opts.cookie;
	let body: string | undefined;
	if (opts.form !== undefined) {
		headers["Content-Type"] = "application/x-www-form-urlencoded";
		headers.Origin = opts.origin ?? BASE;
		body = new URLSearchParams(opts.form).toString();
	}
	const request = new Request(`${BASE}${path}`, { method, headers, body, redirect: "manual" });
	const response =
		opts.adminToken === undefined
			? await exports.default.fetch(request)
			: await worker.fetch(
					request,
					{ ...env, ADMIN_TOKEN: opts.adminToken },
					createExecutionContext(),
				);
	return {
		status: response.status,
		location: response.headers.get("Location"),
		setCookie: response.headers.get("Set-Cookie"),
		headers: response.headers,
		html: await response.text(),
	};
}

/** Signs in (with the configured admin token unless told another) and returns the cookie. */
export async function signIn(adminToken?: string): Promise<string> {
	const reply = await page("POST", "/dashboard/login", {
		form: { token: adminToken ?? ADMIN_TOKEN },
		...(adminToken === undefined ? {} : { adminToken }),
	});
	expect(reply.status).toBe(303);
	const cookie = reply.setCookie?.split(";")[0];
	if (cookie === undefined) throw new Error("no session cookie");
	return cookie;
}

export const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";
