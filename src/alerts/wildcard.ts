/**
 * Glob matching with `*` (any run of characters) and `?` (one character), case-insensitive.
 *
 * Linear in the text, whatever the pattern: a silence's or route's pattern runs on every new
 * alert inside the object's transaction, so the greedy backtracking matcher this replaces let a
 * 256-character `*aaa…ab*` cost the product of both lengths. The pattern is split at `*` into
 * parts: the first must match at the start, the last at the end, and each middle one is found
 * leftmost after the one before (taking the leftmost match never leaves less room for the rest,
 * so this is exact for globs). A part is found with a bit-parallel automaton (Shift-And, `?` set
 * in every character's mask) that reads each character once, and the next part's search starts
 * where this one's match ended: the text is read once, at ⌈part length / 32⌉ word operations a
 * character (at most 8 for the longest pattern a condition takes).
 */
export function wildcardMatch(pattern: string, text: string, tally?: WildcardTally): boolean {
	const parts = pattern.toLowerCase().split("*");
	const t = text.toLowerCase();
	const first = parts[0] ?? "";
	if (parts.length === 1) return t.length === first.length && matchesAt(first, t, 0, tally);
	const last = parts[parts.length - 1] ?? "";
	const end = t.length - last.length;
	if (end < first.length) return false;
	if (!matchesAt(first, t, 0, tally) || !matchesAt(last, t, end, tally)) return false;
	let at = first.length;
	for (const part of parts.slice(1, -1)) {
		if (part.length === 0) continue;
		const found = findPart(part, t, at, end, tally);
		if (found === -1) return false;
		at = found + part.length;
	}
	return true;
}

/** Work counted for tests and the benchmark: one step per character compared or word updated. */
export type WildcardTally = { steps: number };

/** Whether `part` (`?` matching any character) matches `text` at `at`. */
function matchesAt(part: string, text: string, at: number, tally?: WildcardTally): boolean {
	if (tally !== undefined) tally.steps += part.length;
	for (let i = 0; i < part.length; i++) {
		const p = part[i];
		if (p !== "?" && p !== text[at + i]) return false;
	}
	return true;
}

/** Where `part` first matches wholly inside `text[from, to)` (-1: nowhere). */
function findPart(
	part: string,
	text: string,
	from: number,
	to: number,
	tally?: WildcardTally,
): number {
	const words = Math.ceil(part.length / 32);
	// Bit i of a character's mask: part[i] is that character or `?`.
	const any = new Uint32Array(words);
	const masks = new Map<string, Uint32Array>();
	for (let i = 0; i < part.length; i++) {
		if (part[i] === "?") setBit(any, i);
	}
	for (let i = 0; i < part.length; i++) {
		const c = part[i];
		if (c === undefined || c === "?") continue;
		let mask = masks.get(c);
		if (mask === undefined) {
			mask = any.slice();
			masks.set(c, mask);
		}
		setBit(mask, i);
	}
	const lastWord = (part.length - 1) >>> 5;
	const lastBit = 1 << ((part.length - 1) & 31);
	// Bit i of the state: the part's first i + 1 characters end at the character just read.
	const state = new Uint32Array(words);
	for (let j = from; j < to; j++) {
		const mask = masks.get(text[j] ?? "") ?? any;
		let carry = 1;
		for (let w = 0; w < words; w++) {
			const word = state[w] ?? 0;
			state[w] = ((word << 1) | carry) & (mask[w] ?? 0);
			carry = word >>> 31;
		}
		if (tally !== undefined) tally.steps += words;
		if (((state[lastWord] ?? 0) & lastBit) !== 0) return j - part.length + 1;
	}
	return -1;
}

function setBit(words: Uint32Array, i: number): void {
	const w = i >>> 5;
	words[w] = (words[w] ?? 0) | (1 << (i & 31));
}
