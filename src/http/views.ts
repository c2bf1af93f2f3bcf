import * as z from "zod/mini";
import { DOCS } from "../schema/docs";

/** What every list answers: a page of `field`, and the cursor to the next page (null: the last). */
export const Page = <K extends string, T extends z.ZodMiniType>(field: K, item: T) =>
	z.object({ [field]: z.array(item), next_cursor: z.nullable(z.string()) } as {
		[P in K]: z.ZodMiniArray<T>;
	} & { next_cursor: z.ZodMiniNullable<z.ZodMiniString> });

/** What a DELETE answers. */
export const Deleted = DOCS && z.object({ id: z.string(), deleted: z.literal(true) });
