import { RE2JS } from "re2js";
import { MAX_PROGRAM_SIZE } from "../../routing/rules";

/**
 * JSONata's regular expressions (`/…/` in `$match`, `$replace`, `$split`, `$contains`), run by RE2
 * instead of the JavaScript engine. A mapping's pattern meets any body a sender pushes, and a
 * backtracking engine can take exponential time on one (`/(a+)+$/` against `aaaa…b`); RE2 takes
 * time linear in the input, whatever the pattern, as the routes' patterns do. Linear is not free:
 * each match is charged to the push's step budget by the characters it may scan times the
 * pattern's size, and a pattern is held to the routes' MAX_PROGRAM_SIZE instructions. JSONata asks
 * only for what a global RegExp offers: `exec` from `lastIndex`. Lookarounds and backreferences do
 * not compile, which the mapping's error names when it is saved.
 */
export class Re2RegexEngine {
	lastIndex = 0;
	private readonly re: RE2JS;

	/** JSONata hands the RegExp its parser made of the literal, each time it is evaluated. */
	constructor(
		pattern: RegExp,
		private readonly charge: (steps: number) => void = () => {},
	) {
		this.re = re2Of(pattern);
	}

	exec(input: string): RegExpExecArray | null {
		this.charge(
			Math.ceil(
				(Math.max(0, input.length - this.lastIndex) * this.re.programSize()) / CHARS_PER_STEP,
			),
		);
		const matcher = this.re.matcher(input);
		if (this.lastIndex > input.length || !matcher.find(this.lastIndex)) {
			this.lastIndex = 0;
			return null;
		}
		const groups: (string | undefined)[] = [];
		for (let group = 0; group <= matcher.groupCount(); group++) {
			groups.push(matcher.group(group) ?? undefined);
		}
		this.lastIndex = matcher.end();
		return Object.assign(groups as [string, ...string[]], {
			index: matcher.start(),
			input,
		}) as RegExpExecArray;
	}
}

/**
 * RE2 instructions times characters scanned that cost one evaluation step (about 1–2 µs; re2js
 * takes about 20 ns per instruction and character): a 20-instruction pattern over a 100-character
 * title costs 32 steps, over 1 KiB 320, and a 200-instruction one over 512 KiB more than the
 * whole budget.
 */
const CHARS_PER_STEP = 64;

/**
 * An engine whose matches are charged to one push's budget: JSONata makes its engine with `new`,
 * and an object returned from a constructor is what `new` gives.
 */
export function chargedRegexEngine(charge: (steps: number) => void): RegExpConstructor {
	return function Engine(pattern: RegExp) {
		return new Re2RegexEngine(pattern, charge);
	} as unknown as RegExpConstructor;
}

/**
 * Each literal compiled once per isolate: JSONata makes a new engine every time it evaluates the
 * literal (once per alert of a body). Bounded, since mappings change.
 */
const COMPILED = new Map<string, RE2JS>();
const MAX_COMPILED = 256;

function re2Of(pattern: RegExp): RE2JS {
	const key = `${pattern.flags}/${pattern.source}`;
	let re = COMPILED.get(key);
	if (re === undefined) {
		let flags = 0;
		if (pattern.flags.includes("i")) flags |= RE2JS.CASE_INSENSITIVE;
		if (pattern.flags.includes("m")) flags |= RE2JS.MULTILINE;
		re = RE2JS.compile(pattern.source, flags);
		if (COMPILED.size >= MAX_COMPILED) COMPILED.clear();
		COMPILED.set(key, re);
	}
	return re;
}

/**
 * Why a parsed expression's regular expressions cannot run on RE2 (a lookaround, a
 * backreference), for refusing the mapping when it is saved rather than every push; null: they
 * can. `ast` is JSONata's parse tree, whose regex nodes hold the literal as a RegExp.
 */
export function unsupportedPattern(ast: unknown): string | null {
	const pending: unknown[] = [ast];
	const seen = new Set<object>();
	while (pending.length > 0) {
		const node = pending.pop();
		if (node === null || typeof node !== "object" || seen.has(node)) continue;
		seen.add(node);
		if (node instanceof RegExp) {
			let size: number;
			try {
				size = re2Of(node).programSize();
			} catch (error) {
				const why = error instanceof Error ? error.message : String(error);
				return `the pattern /${node.source}/ is not RE2 syntax (${why}): RE2 has no lookarounds or backreferences`;
			}
			if (size > MAX_PROGRAM_SIZE) {
				return `the pattern /${node.source}/ is too costly: it compiles to ${size} RE2 instructions, at most ${MAX_PROGRAM_SIZE} (use smaller repeat counts or fewer alternatives)`;
			}
			continue;
		}
		pending.push(...Object.values(node));
	}
	return null;
}
