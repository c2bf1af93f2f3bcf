import type { Context, MiddlewareHandler } from "hono";
import { type Role, roleAllows } from "../access/role";
import { forbidden } from "../admin/authorize";
import type { AppEnv } from "../http/app-env";
import { HttpError } from "../http/errors";
import { secretsEqual } from "../security/secrets";
import { readForm } from "./form";
import { MessagePage, type Viewer } from "./layout";
import { signedInAs, signInReturn } from "./session";

/** What every signed-in page and action goes through: who, their role, a form's CSRF token. */

/** Most rows a page reads per list: a dashboard, not an export. */
export const PAGE_ROWS = 100;

export const signedIn: MiddlewareHandler<AppEnv> = async (c, next) => {
	const current = await signedInAs(c);
	if (current === null) {
		// A page (a notification's link) is shown after signing in; an action is not replayed.
		const back = c.req.method === "GET" ? signInReturn(new URL(c.req.url).pathname) : null;
		return c.redirect(
			back === null ? "/dashboard/login" : `/dashboard/login?next=${asQueryValue(back)}`,
			303,
		);
	}
	c.set("csrf", current.csrf);
	c.set("principal", current.principal);
	await next();
};

/**
 * An action's role, checked on the server whatever the page showed: a role below it gets a
 * 403 page naming the role needed.
 */
export const needs =
	(role: Role): MiddlewareHandler<AppEnv> =>
	async (c, next) => {
		const principal = c.get("principal");
		if (principal !== undefined && !roleAllows(principal.role, role)) {
			const refusal = forbidden(role, principal);
			return c.html(
				<MessagePage title="Not allowed" message={refusal.message} viewer={viewerOf(c)} />,
				403,
			);
		}
		await next();
	};

/** A path as a query value that reads as written: only what a query would take apart is escaped. */
const asQueryValue = (path: string) => path.replace(/[%&+#=]/g, (ch) => encodeURIComponent(ch));

/** An action's form must carry this session's CSRF token; its fields once it does. */
export async function checkForm(c: Context<AppEnv>, maxBytes?: number): Promise<URLSearchParams> {
	const form = await readForm(c.req.raw, maxBytes);
	const given = form.get("csrf");
	const expected = c.get("csrf");
	if (given === null || expected === undefined || !(await secretsEqual(given, expected))) {
		throw new HttpError(
			403,
			"CsrfTokenInvalid",
			"the form is stale: reload the page and try again",
		);
	}
	return form;
}

export function notFound(
	c: Context<AppEnv>,
	title = "No such incident",
	message = "It may have been deleted with its integration, or pruned after its retention.",
) {
	return c.html(<MessagePage title={title} message={message} viewer={viewerOf(c)} />, 404);
}

/** Set by `signedIn` on every page behind it. */
export function viewerOf(c: Context<AppEnv>): Viewer {
	const principal = c.get("principal");
	return {
		csrf: c.get("csrf") ?? "",
		name: principal?.name ?? "",
		role: principal?.role ?? "read",
		access: principal?.kind === "access",
	};
}
