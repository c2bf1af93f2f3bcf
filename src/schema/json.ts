import * as z from "zod/mini";

/**
 * A column or value stored as JSON text, read through `schema`. Writes are `JSON.stringify` of a
 * value the type system already holds to the schema.
 */
export const jsonText = <T extends z.ZodMiniType>(schema: T) =>
	z.codec(z.string(), schema, {
		decode: (text) => JSON.parse(text),
		encode: (value) => JSON.stringify(value),
	});
