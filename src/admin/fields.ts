import * as z from "zod";
import { requiredAs } from "../schema/messages";

/** The name of an integration or a channel. */
export const Name = z
	.string(requiredAs("a string"))
	.trim()
	.min(1, "must be 1 to 100 characters")
	.max(100, "must be 1 to 100 characters");

const pageHint = (max: number) => `must be a whole number from 1 to ${max}`;

/** `?limit=`: a page size from 1 to `max`. */
export const PageLimit = (max: number, fallback: number) =>
	z.coerce
		.number({ error: pageHint(max) })
		.int(pageHint(max))
		.min(1, pageHint(max))
		.max(max, pageHint(max))
		.default(fallback);
