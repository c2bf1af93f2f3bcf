import type { Severity } from "../../alerts/event";
import { severityFromWord } from "../../alerts/severity";
import { compilePattern, MAX_MATCH_INPUT_CHARS } from "../../routing/rules";

/**
 * A mail's subject read as an alert: its title (the subject cleaned by `strip_patterns`), whether
 * the tool says it changes no state (`ignore_patterns`), whether it is a recovery
 * (`resolve_patterns`, unless a `problem_patterns` match says it is a problem), the text its
 * alert key is taken from (the title without what the problem's and the recovery's subjects do
 * not share) and its severity words. Pure; the patterns run in RE2 (loaded by the caller), each
 * on at most MAX_MATCH_INPUT_CHARS characters.
 *
 * The ignore, resolve and problem patterns count only whole tokens: a match that begins or ends
 * inside a word, a host or an interface name (`UP` in `UP-LINK`, `OK` in `OK-DB01`, `DOWN` in
 * `sw-1/DOWN`) is not a match. RE2 has no lookaround, so `\b` alone cannot say this: it takes
 * `-`, `.` and `/` for boundaries, and those join the names monitoring tools put in subjects.
 */

/** Letters, digits and `_`: what a token is made of. */
const WORD = /[\p{L}\p{N}_]/u;
/** What joins two parts of one name (`web-1.example/eth0`, `ops@example`) into one token. */
const JOINER = /[-./@]/;

const word = (text: string, at: number) => at >= 0 && WORD.test(text.charAt(at));
const joiner = (text: string, at: number) => at >= 0 && JOINER.test(text.charAt(at));

/** Whether a match edge between `text[at - 1]` and `text[at]` falls inside a token. */
function cutsToken(text: string, at: number): boolean {
	if (word(text, at - 1) && word(text, at)) return true;
	// "UP|-LINK": a joiner that a word continues.
	if (word(text, at - 1) && joiner(text, at) && word(text, at + 1)) return true;
	// "sw-1/|UP": a word a joiner continues.
	return joiner(text, at - 1) && word(text, at) && word(text, at - 2);
}

/**
 * Matches that cut a token are passed over, and the search goes on one character later (the
 * pattern may match whole further on): at most this many times per pattern, so that a pattern
 * matching inside every word costs a bounded number of RE2 scans of the (bounded) subject.
 */
const MAX_CUT_MATCHES = 32;

/** The `[start, end)` ranges where `pattern` matches whole tokens of `text`. */
function wholeMatches(pattern: string, text: string): [number, number][] {
	const matcher = compilePattern(pattern).matcher(text);
	const found: [number, number][] = [];
	let from = 0;
	let cut = 0;
	while (from <= text.length && matcher.find(from)) {
		const start = matcher.start();
		const end = matcher.end();
		if (!cutsToken(text, start) && !cutsToken(text, end)) {
			found.push([start, end]);
			from = end > start ? end : start + 1;
		} else {
			if (++cut > MAX_CUT_MATCHES) break;
			from = start + 1;
		}
	}
	return found;
}

/** Whether any pattern matches whole tokens of `text`. */
export function matchesAny(patterns: readonly string[], text: string): boolean {
	return patterns.some((pattern) => wholeMatches(pattern, text).length > 0);
}

/** `text` with every whole-token match of the patterns replaced by a space, pattern by pattern. */
function removeWhole(patterns: readonly string[], text: string): string {
	return patterns.reduce((rest, pattern) => {
		let out = "";
		let at = 0;
		for (const [start, end] of wholeMatches(pattern, rest)) {
			out += `${rest.slice(at, start)} `;
			at = end;
		}
		return out + rest.slice(at);
	}, text);
}

const collapse = (text: string) => text.replace(/\s+/g, " ").trim();

/** The subject, on one line and bounded, cleaned by the strip patterns (anywhere, not by token). */
export function cleanSubject(subject: string, stripPatterns: readonly string[]): string {
	const one = collapse(subject).slice(0, MAX_MATCH_INPUT_CHARS);
	return collapse(
		stripPatterns.reduce(
			(rest, pattern) => compilePattern(pattern).matcher(rest).replaceAll(""),
			one,
		),
	);
}

/**
 * A recovery: a resolve pattern matches and no problem pattern does. A problem word wins, so
 * that "Problem: RAID status is not OK" or "** PROBLEM … UP-LINK is CRITICAL **" never resolve
 * anything: read wrongly as a recovery, a problem opens no alert and nobody is told, while a
 * recovery read as a problem leaves an alert firing that people can see.
 */
export function isRecovery(
	subject: string,
	resolvePatterns: readonly string[],
	problemPatterns: readonly string[],
): boolean {
	return matchesAny(resolvePatterns, subject) && !matchesAny(problemPatterns, subject);
}

/**
 * The alert key's text: the cleaned subject without the resolve and problem patterns' matches,
 * and with the punctuation left around them ("**", "[]", "!", ":") folded, so that a problem and
 * its recovery give the same text. Empty when nothing is left.
 */
export function keyTextOf(
	subject: string,
	resolvePatterns: readonly string[],
	problemPatterns: readonly string[],
): string {
	const rest = removeWhole(problemPatterns, removeWhole(resolvePatterns, subject));
	return rest.replace(/[^\p{L}\p{N}._/@-]+/gu, " ").trim();
}

const ORDER: Record<Severity, number> = { critical: 3, warning: 2, info: 1 };

const most = (found: Severity[]) =>
	found.reduce<Severity | null>((a, b) => (a === null || ORDER[b] > ORDER[a] ? b : a), null);

/**
 * The severity a subject names: words of the one vocabulary (alerts/severity.ts) written as the
 * tools write a state (CRITICAL, WARNING) or set apart in brackets ([High], (P2)), the most
 * severe of them; mixed-case prose ("High CPU", "Host Alert", "low disk") names none.
 */
export function subjectSeverity(subject: string): Severity | null {
	const found: Severity[] = [];
	for (const match of subject.slice(0, MAX_MATCH_INPUT_CHARS).matchAll(/[A-Za-z0-9]+/g)) {
		const word = match[0];
		const at = match.index;
		const before = subject.charAt(at - 1);
		const after = subject.charAt(at + word.length);
		const capitals = /[A-Z]/.test(word) && word === word.toUpperCase();
		const bracketed =
			"[(".includes(before) && before !== "" && "])".includes(after) && after !== "";
		if (!capitals && !bracketed) continue;
		const severity = severityFromWord(word);
		if (severity !== null) found.push(severity);
	}
	return most(found);
}

/** A `Severity: High` line near the top of the body (Zabbix's default message has one). */
export function bodySeverity(text: string): Severity | null {
	const line = /^[ \t]*(?:Severity|Priority)[ \t]*:[ \t]*([A-Za-z0-9 -]{1,24}?)[ \t]*$/im.exec(
		text.slice(0, 4096),
	);
	return line?.[1] === undefined ? null : severityFromWord(line[1]);
}
