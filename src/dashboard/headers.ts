import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/app-env";
import { PAGE_CSS } from "./layout";

/**
 * Headers on every dashboard answer, pages, redirects and errors alike. The pages run no script
 * and load nothing: the CSP allows only the layout's own `<style>` (by its hash, so an injected
 * style cannot read a form's token through selectors either), forms to this origin, and no
 * framing (clickjacking the Acknowledge button). `no-store`: pages show incidents and carry a
 * CSRF token, so no cache, shared or the browser's, may keep them.
 */
const FIXED_HEADERS = {
	"X-Content-Type-Options": "nosniff",
	"X-Frame-Options": "DENY",
	"Cache-Control": "no-store",
	// Not `no-referrer`: under it browsers send `Origin: null` with a form's POST, and the
	// same-origin check in front of every form needs the real origin.
	"Referrer-Policy": "same-origin",
} as const;

let policy: Promise<string> | undefined;

/** The CSP, made once per isolate: the stylesheet's hash needs an async digest. */
function contentSecurityPolicy(): Promise<string> {
	policy ??= crypto.subtle
		.digest("SHA-256", new TextEncoder().encode(PAGE_CSS))
		.then((digest) =>
			[
				"default-src 'none'",
				`style-src 'sha256-${new Uint8Array(digest).toBase64()}'`,
				"form-action 'self'",
				"frame-ancestors 'none'",
				"base-uri 'none'",
			].join("; "),
		);
	return policy;
}

export const securityHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
	await next();
	const headers = c.res.headers;
	headers.set("Content-Security-Policy", await contentSecurityPolicy());
	for (const [name, value] of Object.entries(FIXED_HEADERS)) headers.set(name, value);
};
