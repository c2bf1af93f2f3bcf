import * as z from "zod";

/** A column or value stored as JSON text, read and written through `schema`. */
export const jsonText = <T extends z.ZodType>(schema: T) =>
	z.codec(z.string(), schema, {
		decode: (text) => JSON.parse(text),
		encode: (value) => JSON.stringify(value),
	});
