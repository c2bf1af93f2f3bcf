import * as z from "zod/mini";
import { requiredAs } from "../../schema/messages";

/**
 * Opsgenie's Alert API requests, as Opsgenie documents them
 * (https://docs.opsgenie.com/docs/alert-api): Create Alert's body, and the body and
 * `identifierType` of Close Alert and Acknowledge Alert. Unknown fields are ignored, as Opsgenie
 * ignores them.
 */

const text = z.string({ error: "must be a string" });
const requiredText = z
	.string(requiredAs("a string"))
	.check(z.refine((value) => value.trim() !== "", "must not be blank"));

/** Opsgenie's five priorities; P3 when absent, as in Opsgenie. */
export const OpsgeniePriority = z.enum(["P1", "P2", "P3", "P4", "P5"], {
	error: "must be P1, P2, P3, P4 or P5",
});
export type OpsgeniePriority = z.output<typeof OpsgeniePriority>;

/**
 * Create Alert. `responders`, `visibleTo`, `actions`, `note` and `user` route, show or annotate
 * the alert inside Opsgenie; alertgate routes by its own routes and channels, so they are taken
 * and not read.
 */
export const CreateAlert = z.object(
	{
		message: requiredText,
		alias: z.nullish(text),
		description: z.nullish(text),
		priority: z.nullish(OpsgeniePriority),
		tags: z.nullish(z.array(text, { error: "must be an array of strings" })),
		details: z.nullish(
			z.record(z.string(), z.unknown(), { error: "must be an object of names and values" }),
		),
		entity: z.nullish(text),
		source: z.nullish(text),
		responders: z.optional(z.unknown()),
		visibleTo: z.optional(z.unknown()),
		actions: z.optional(z.unknown()),
		note: z.optional(z.unknown()),
		user: z.optional(z.unknown()),
	},
	{ error: "must be a JSON object (an Opsgenie Create Alert request)" },
);
export type CreateAlert = z.output<typeof CreateAlert>;

/**
 * Close Alert's and Acknowledge Alert's body: `user`, `source` and `note`, all optional and
 * annotations inside Opsgenie, so taken and not read. The body itself may be left out.
 */
export const AlertAction = z.object(
	{ user: z.optional(z.unknown()), source: z.optional(z.unknown()), note: z.optional(z.unknown()) },
	{ error: "must be a JSON object ({user, source, note}, all optional)" },
);

/**
 * How the path's identifier names the alert. Opsgenie's default is `id`, the alert id its Get
 * Request Status endpoint returns; alertgate serves no such endpoint and has only the alias, so
 * every type names the alert by its alias.
 */
export const IdentifierType = z.enum(["id", "alias", "tiny"], {
	error: "must be id, alias or tiny",
});
