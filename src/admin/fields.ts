import * as z from "zod/mini";
import { requiredAs } from "../schema/messages";

/** The name of an integration or a channel. */
export const Name = z
	.string(requiredAs("a string"))
	.check(
		z.trim(),
		z.minLength(1, "must be 1 to 100 characters"),
		z.maxLength(100, "must be 1 to 100 characters"),
	);

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
