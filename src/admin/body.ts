import { readTextLimited } from "../http/body";
import { parseJson } from "../http/validation";

const MAX_ADMIN_BODY_BYTES = 64 * 1024;

export async function readJsonBody(request: Request): Promise<unknown> {
	return parseJson(await readTextLimited(request, MAX_ADMIN_BODY_BYTES));
}

/** Zod's `error` option for strict objects: name the unknown field, or say what was expected. */
export function unknownFieldOr(fallback: string) {
	return (issue: { code?: string; keys?: string[] }) =>
		issue.code === "unrecognized_keys" && issue.keys !== undefined
			? `unknown field ${issue.keys.join(", ")}`
			: fallback;
}
