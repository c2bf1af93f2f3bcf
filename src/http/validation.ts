import type * as z from "zod/mini";
import { parseWellFormed } from "../schema/json";
import { type Checked, check } from "../schema/problem";
import { InvalidParameter } from "./errors";

/**
 * Parses wire data with a schema, or throws a 400 whose message names the first bad field.
 * `at` is where `input` sits in the body (`settings`), for the message.
 */
export function parseOrThrow<S extends z.ZodMiniType>(
	schema: S,
	input: unknown,
	at?: string,
): z.output<S> {
	return valueOrThrow(check(schema, input, at));
}

/** The value, or a 400 that says what is wrong with the body. */
export function valueOrThrow<T>(checked: Checked<T>): T {
	if (!checked.ok) throw new InvalidParameter(checked.problem);
	return checked.value;
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
