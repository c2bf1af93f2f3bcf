const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d{1,6})(s|m|h|d)$/;

/** "90s", "30m", "4h", "7d" → milliseconds; null when the text is not such a duration. */
export function parseDuration(text: string): number | null {
	const match = DURATION.exec(text);
	if (match === null) return null;
	const [, amount, unit] = match;
	return Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
}
