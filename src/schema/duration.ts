import * as z from "zod/mini";

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d{1,6})([smhd])$/;

/** "90s", "30m", "4h", "7d" → milliseconds; null when the text is not such a duration. */
export function parseDuration(text: string): number | null {
	const match = DURATION.exec(text);
	if (match === null) return null;
	const [, amount = "", unit = ""] = match;
	return Number(amount) * (UNIT_MS[unit] ?? Number.NaN);
}

/** A duration written with a unit, from `minMs` to `maxMs` inclusive; `hint` is the whole message. */
export function durationWithin(minMs: number, maxMs: number, hint: string) {
	return z.string({ error: hint }).check(
		z.refine((text) => {
			const ms = parseDuration(text);
			return ms !== null && ms >= minMs && ms <= maxMs;
		}, hint),
	);
}
