import * as z from "zod/mini";

/**
 * zod's own length checks, run only on strings and arrays. zod runs `z.minLength` and
 * `z.maxLength` on any value that has a `length`, even one its type check has already refused,
 * and compares that `length` with a number: a body such as `{"events": {"length": {"toString":
 * false}}}` then throws a TypeError (a 500) instead of failing the parse with the field's
 * message. A value that is not a string or an array has failed its type check already, which
 * names the field.
 */
const stringOrArray = (payload: { value: unknown }) =>
	typeof payload.value === "string" || Array.isArray(payload.value);

/** `z.minLength`, for a string or an array only. */
export function minLength(minimum: number, message?: string) {
	const check = z.minLength(minimum, message);
	check._zod.def.when = stringOrArray;
	return check;
}

/** `z.maxLength`, for a string or an array only. */
export function maxLength(maximum: number, message?: string) {
	const check = z.maxLength(maximum, message);
	check._zod.def.when = stringOrArray;
	return check;
}
