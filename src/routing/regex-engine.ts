import type { RE2JS } from "re2js";

/**
 * RE2 (re2js) runs every regex condition, and is about 45 KiB of gzipped code: a third of what a
 * push would load, for a feature most integrations never use. So a push does not load it. Code
 * that matches or compiles a pattern asks `regexEngine()`, which throws `RegexEngineMissing` until
 * the engine is in this isolate. The integration object answers that by loading it (with other
 * events held) and running the work again: its transactions roll back on a throw, so the second
 * run starts from what the first saw. Code loaded on demand already (the admin API, D1's routing
 * reads) loads it first with `loadRegexEngine`.
 */
let engine: typeof RE2JS | undefined;

/** Thrown by `regexEngine` before the engine is loaded; never caught as "no match" or "invalid". */
export class RegexEngineMissing extends Error {
	constructor() {
		super("the RE2 engine is not loaded in this isolate");
	}
}

/**
 * Whether patterns can be checked here. Schemas check patterns (their RE2 program size, a rule
 * set's budget) only then: the admin API and D1's routing reads load the engine before they
 * validate anything, and the integration object decodes its stored routing (checked when it was
 * saved) without needing the engine, so reading it never fails for want of it.
 */
export const regexEngineLoaded = (): boolean => engine !== undefined;

export function regexEngine(): typeof RE2JS {
	if (engine === undefined) throw new RegexEngineMissing();
	return engine;
}

/** Sets the engine (undefined: as in a fresh isolate); what the old one compiled is forgotten. */
export function setRegexEngine(loaded: typeof RE2JS | undefined): void {
	engine = loaded;
	compiled.clear();
	invalid.clear();
}

export async function loadRegexEngine(): Promise<void> {
	engine ??= (await import("re2js")).RE2JS;
}

/** Patterns compiled, and why others did not compile, once per isolate (bounded: routes change rarely). */
const compiled = new Map<string, RE2JS>();
const invalid = new Map<string, Error>();
const MAX_REMEMBERED = 1000;

/** `pattern` compiled by RE2 (remembered), or the error that says why it does not compile. */
export function compilePattern(pattern: string): RE2JS {
	const known = compiled.get(pattern);
	if (known !== undefined) return known;
	const refused = invalid.get(pattern);
	if (refused !== undefined) throw refused;
	let re: RE2JS;
	try {
		re = regexEngine().compile(pattern);
	} catch (error) {
		if (error instanceof RegexEngineMissing || !(error instanceof Error)) throw error;
		if (invalid.size >= MAX_REMEMBERED) invalid.clear();
		invalid.set(pattern, error);
		throw error;
	}
	if (compiled.size >= MAX_REMEMBERED) compiled.clear();
	compiled.set(pattern, re);
	return re;
}

/**
 * Runs `work`, and when it needed the engine before it was loaded, loads it (through `hold`,
 * which keeps other work out meanwhile) and runs `work` again. `work` must leave nothing behind
 * when it throws (one transaction).
 */
export async function withRegexEngine<T>(
	work: () => T,
	hold: (load: () => Promise<void>) => Promise<void>,
): Promise<T> {
	try {
		return work();
	} catch (error) {
		if (!(error instanceof RegexEngineMissing)) throw error;
	}
	await hold(loadRegexEngine);
	return work();
}
