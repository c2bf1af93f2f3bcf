import { RE2JS } from "re2js";

/**
 * JSONata's regular expressions (`/…/` in `$match`, `$replace`, `$split`, `$contains`), run by RE2
 * instead of the JavaScript engine. A mapping's pattern meets any body a sender pushes, and a
 * backtracking engine can take exponential time on one (`/(a+)+$/` against `aaaa…b`); RE2 takes
 * time linear in the input, whatever the pattern, as the routes' patterns do. JSONata asks only
 * for what a global RegExp offers: `exec` from `lastIndex`. Lookarounds and backreferences do not
 * compile, which the mapping's error names.
 */
export class Re2RegexEngine {
	lastIndex = 0;
	private readonly re: RE2JS;

	/** JSONata hands the RegExp its parser made of the literal. */
	constructor(pattern: RegExp) {
		let flags = 0;
		if (pattern.flags.includes("i")) flags |= RE2JS.CASE_INSENSITIVE;
		if (pattern.flags.includes("m")) flags |= RE2JS.MULTILINE;
		this.re = RE2JS.compile(pattern.source, flags);
	}

	exec(input: string): RegExpExecArray | null {
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
