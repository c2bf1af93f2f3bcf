/**
 * The keys of `alertKeys` that `known` (a store's memory of what storage holds per key) has no
 * answer for, to read in one statement; an empty list when one key or none is left, or more
 * than `max`. Room is made for them: a memory that would outgrow `max` starts over.
 */
export function keysToRead<T>(
	alertKeys: readonly string[],
	known: Map<string, T>,
	max: number,
): string[] {
	const unknown = [...new Set(alertKeys)].filter((key) => !known.has(key));
	if (unknown.length < 2 || unknown.length > max) return [];
	if (known.size + unknown.length > max) known.clear();
	return unknown;
}
