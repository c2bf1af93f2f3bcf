import type * as z from "zod/mini";

/**
 * What pure code makes of wire data: the value, or what is wrong with it, said so that a sender
 * knows what to fix ("labels.team must be a string"). Pure code returns it; the HTTP layer
 * answers a problem as a 400.
 */
export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

export const problem = (text: string): { ok: false; problem: string } => ({
	ok: false,
	problem: text,
});

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
 * Parses wire data with a schema; a problem names the first bad field. `at` is where `input`
 * sits in the body (`settings`, `events[3]`), for the message.
 */
export function check<S extends z.ZodMiniType>(
	schema: S,
	input: unknown,
	at?: string,
): Checked<z.output<S>> {
	const parsed = schema.safeParse(input);
	if (parsed.success) return { ok: true, value: parsed.data };
	const issue = parsed.error.issues[0];
	if (issue === undefined) return problem("the body is invalid");
	const where = fieldPath(at === undefined ? issue.path : [at, ...issue.path]);
	return problem(`${where === "" ? "the body" : where} ${issue.message}`);
}
