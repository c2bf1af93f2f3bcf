import * as z from "zod/mini";
import { Cursor, pageOf } from "../http/cursor";
import { maxLength, minLength } from "../schema/length";
import { requiredAs } from "../schema/messages";

/** The name of an integration or a channel. */
export const Name = z
	.string(requiredAs("a string"))
	.check(
		z.trim(),
		minLength(1, "must be 1 to 100 characters"),
		maxLength(100, "must be 1 to 100 characters"),
	);

/** A list of label names (a channel's `group_by`, an inhibit rule's `equal`). */
export const LabelNames = (max: number) =>
	z
		.array(
			z
				.string({ error: "must be label names" })
				.check(
					minLength(1, "must not hold an empty name"),
					maxLength(128, "must hold names of at most 128 characters"),
				),
			{ error: "must be a list of label names" },
		)
		.check(maxLength(max, `must have at most ${max} label names`));

/** Free text about a thing (a channel's description, an inhibit rule's comment). */
export const Description = z
	.string({ error: "must be a string" })
	.check(maxLength(1000, "must be at most 1000 characters"));

const pageHint = (max: number) => `must be a whole number from 1 to ${max}`;

/** `?limit=`: a page size from 1 to `max`, in decimal digits. */
export const PageLimit = (max: number, fallback: number) =>
	z._default(
		z.pipe(
			z.string({ error: pageHint(max) }).check(z.regex(/^\d{1,6}$/, pageHint(max))),
			z.pipe(
				z.transform(Number),
				z.number().check(z.minimum(1, pageHint(max)), z.maximum(max, pageHint(max))),
			),
		),
		fallback,
	);

/** `?status=`-style filters: one of `values`, in any letter case (as `event_status` is read). */
export const QueryEnum = <T extends string>(values: { options: T[] }, error: string) =>
	z.pipe(
		z.pipe(
			z.string({ error }),
			z.transform((value: string) => value.toLowerCase()),
		),
		z.custom<T>((value) => (values.options as unknown[]).includes(value), error),
	);

/** A time in a body or a query, as ISO 8601 with its offset; read as epoch milliseconds. */
export const IsoTime = z.pipe(
	z.iso.datetime({ offset: true, error: "must be an ISO 8601 time such as 2026-11-22T18:00:00Z" }),
	z.transform((text: string) => Date.parse(text)),
);

/** `?cursor=` of a list sorted by (created_at, id), newest first: the previous page's last row. */
export const CreatedCursor = z.optional(
	z.pipe(
		Cursor(z.tuple([z.int(), z.string()])),
		z.transform(([created_at, id]) => ({ created_at, id })),
	),
);

/** `?limit=&cursor=` of a list sorted by (created_at, id), newest first. */
export const CreatedPageQuery = z.object({ limit: PageLimit(100, 50), cursor: CreatedCursor });

/**
 * One page of a list sorted by (created_at, id), newest first: `read` is asked for one row more
 * than the page holds, so the cursor is given only when there is a next page.
 */
export async function newestFirst<Row extends { created_at: number; id: string }>(
	query: z.output<typeof CreatedPageQuery>,
	read: (range: { limit: number; after: z.output<typeof CreatedCursor> }) => Promise<Row[]>,
) {
	const rows = await read({ limit: query.limit + 1, after: query.cursor });
	return pageOf(rows, query.limit, (last) => [last.created_at, last.id]);
}

/**
 * Every admin endpoint needs a credential (src/admin/auth.ts) holding at least its role
 * (src/access/role.ts): `read` to look, `write` to act on incidents and noise, `admin` for the rest.
 */
export const READ = { tag: "Admin", auth: "read" } as const;
export const WRITE = { tag: "Admin", auth: "write" } as const;
export const ADMIN = { tag: "Admin", auth: "admin" } as const;
