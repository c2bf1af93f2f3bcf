/**
 * Glob matching with `*` (any run of characters) and `?` (one character), case-insensitive.
 * Linear-time greedy matching with one backtrack point: no regex, so a pattern cannot make one
 * event burn the CPU budget.
 */
export function wildcardMatch(pattern: string, text: string): boolean {
	const p = pattern.toLowerCase();
	const t = text.toLowerCase();
	let pi = 0;
	let ti = 0;
	let starP = -1;
	let starT = 0;
	while (ti < t.length) {
		if (pi < p.length && (p[pi] === "?" || p[pi] === t[ti])) {
			pi++;
			ti++;
		} else if (pi < p.length && p[pi] === "*") {
			starP = pi++;
			starT = ti;
		} else if (starP !== -1) {
			pi = starP + 1;
			ti = ++starT;
		} else {
			return false;
		}
	}
	while (pi < p.length && p[pi] === "*") pi++;
	return pi === p.length;
}
