import type * as z from "zod/mini";
import { parseWellFormed } from "../schema/json";
import { InvalidParameter } from "./errors";

/** `labels.team`, `images[0].src`: the path as a sender would write it. */
export function fieldPath(path: readonly PropertyKey[]): string {
	let out = "";
	for (const part of path) {
		if (typeof part === "number") out += `[${part}]`;
		else out += out === "" ? String(part) : `.${String(part)}`;
	}
	return out;
}

/**
 * Parses wire data with a schema, or throws a 400 whose message names the first bad field.
 * `at` is where `input` sits in the body (`settings`), for the message.
 */
export function parseOrThrow<S extends z.ZodMiniType>(
	schema: S,
	input: unknown,
	at?: string,
): z.output<S> {
	const parsed = schema.safeParse(input);
	if (parsed.success) return parsed.data;
	const issue = parsed.error.issues[0];
	if (issue === undefined) throw new InvalidParameter("the body is invalid");
	const where = fieldPath(at === undefined ? issue.path : [at, ...issue.path]);
	throw new InvalidParameter(`${where === "" ? "the body" : where} ${issue.message}`);
}

/** Parses JSON text, or throws a 400 that says the body is not JSON. */
export function parseJson(text: string): unknown {
	try {
		return parseWellFormed(text);
	} catch {
		throw new InvalidParameter(
			"the body is not valid JSON: send a JSON object with Content-Type: application/json",
		);
	}
}
