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

/** A JSON escape of a UTF-16 surrogate, the only way text that decoded as UTF-8 can hold one. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/**
 * JSON.parse, with every string (keys included) made well-formed: a lone surrogate becomes
 * U+FFFD here, once, so what is stored is exactly what is listed and matched later. Throws on
 * invalid JSON as JSON.parse does.
 */
export function parseWellFormed(text: string): unknown {
	if (!SURROGATE_ESCAPE.test(text)) return JSON.parse(text);
	return JSON.parse(text, (_key, value: unknown) => {
		if (typeof value === "string") return value.toWellFormed();
		if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
		const entries = Object.entries(value);
		if (entries.every(([key]) => key.isWellFormed())) return value;
		return Object.fromEntries(entries.map(([key, inner]) => [key.toWellFormed(), inner]));
	});
}
