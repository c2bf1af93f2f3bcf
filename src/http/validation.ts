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

/** Names people reach for to page a list; alertgate pages with `cursor`. */
const PAGING_NAMES = new Set(["page", "offset", "skip", "per_page", "page_size", "start", "after"]);

/**
 * A query string read with `schema`: a parameter the list does not take is refused, naming it and
 * what the list does take, rather than ignored (a silently ignored `page=2` repeats page 1).
 */
export function parseQuery<S extends z.ZodMiniObject>(
	schema: S,
	query: Record<string, string>,
): z.output<S> {
	const known = Object.keys(schema.shape);
	const unknown = Object.keys(query).find((name) => !known.includes(name));
	if (unknown !== undefined) {
		const paging = PAGING_NAMES.has(unknown.toLowerCase())
			? ": lists are paged with cursor, set to the next_cursor of the previous page"
			: "";
		throw new InvalidParameter(
			`unknown query parameter ${unknown}${paging} (this list takes ${known.join(", ")})`,
		);
	}
	return parseOrThrow(schema, query);
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
