import * as z from "zod/mini";
import { en } from "zod/v4/locales";

// zod/mini carries no messages of its own: English ones for the checks we do not word ourselves.
z.config(en());

/**
 * Zod `error` options shared by every schema that reads wire data, so a client's mistake is
 * worded the same way wherever it is made.
 */

/** One message for a missing field, another for a mistyped one. */
export function requiredAs(type: string) {
	return {
		error: (issue: { input: unknown }) =>
			issue.input === undefined || issue.input === null ? "is required" : `must be ${type}`,
	};
}

/**
 * For strict objects: name the unknown fields, or say what was expected. `unknown` words the
 * first case (`has unknown field x` by default; settings say `has no setting x …`).
 */
export function unknownFieldOr(
	fallback: string,
	unknown: (keys: string) => string = (keys) => `has unknown field ${keys}`,
) {
	return (issue: { code?: string; keys?: string[] }) =>
		issue.code === "unrecognized_keys" && issue.keys !== undefined
			? unknown(issue.keys.join(", "))
			: fallback;
}
