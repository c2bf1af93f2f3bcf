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

export function regexEngine(): typeof RE2JS {
	if (engine === undefined) throw new RegexEngineMissing();
	return engine;
}

export function setRegexEngine(loaded: typeof RE2JS | undefined): void {
	engine = loaded;
}

export async function loadRegexEngine(): Promise<void> {
	engine ??= (await import("re2js")).RE2JS;
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
