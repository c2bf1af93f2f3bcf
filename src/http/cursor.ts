import * as z from "zod/mini";
import { base64url, fromBase64url } from "../security/secrets";

/**
 * Every list's `next_cursor`: the last row's sort key as a JSON array, base64url-encoded. Opaque
 * to clients; `Cursor(schema)` reads it back in `?cursor=` and refuses anything it did not make.
 */
export function encodeCursor(position: readonly (string | number)[]): string {
	return base64url(new TextEncoder().encode(JSON.stringify(position)));
}

function decode(cursor: string): unknown {
	const bytes = fromBase64url(cursor);
	try {
		return bytes === null ? undefined : JSON.parse(new TextDecoder().decode(bytes));
	} catch {
		return undefined;
	}
}

export function Cursor<T extends z.ZodMiniType>(position: T) {
	return z.pipe(
		z.string(),
		z.transform((cursor: string, ctx): z.output<T> => {
			const parsed = position.safeParse(decode(cursor));
			if (parsed.success) return parsed.data;
			ctx.issues.push({
				code: "custom",
				input: cursor,
				message: "must be a next_cursor from a previous page",
			});
			return z.NEVER;
		}),
	);
}

/**
 * One page of a list read with `limit + 1` rows: the first `limit`, and the cursor to the next
 * page (from the last row's sort key) when there was one more.
 */
export function pageOf<T>(
	rows: readonly T[],
	limit: number,
	position: (last: T) => readonly (string | number)[],
): { page: T[]; next_cursor: string | null } {
	const page = rows.slice(0, limit);
	const last = page.at(-1);
	return {
		page,
		next_cursor: rows.length > limit && last !== undefined ? encodeCursor(position(last)) : null,
	};
}
