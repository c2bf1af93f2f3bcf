import type { Severity } from "../../alerts/event";
import { severityFromWord } from "../../alerts/severity";
import { compilePattern, MAX_MATCH_INPUT_CHARS } from "../../routing/rules";

/**
 * A mail's subject read as an alert: its title (the subject cleaned by `strip_patterns`), whether
 * it is a recovery (`resolve_patterns`), the text its alert key is taken from (the title without
 * what the problem's and the recovery's subjects do not share) and its severity words. Pure; the
 * patterns run in RE2 (loaded by the caller), each on at most MAX_MATCH_INPUT_CHARS characters.
 */

const removeAll = (patterns: readonly string[], text: string) =>
	patterns.reduce((rest, pattern) => compilePattern(pattern).matcher(rest).replaceAll(""), text);

const collapse = (text: string) => text.replace(/\s+/g, " ").trim();

/** The subject as the alert's title: cleaned, on one line. */
export function titleOf(subject: string, stripPatterns: readonly string[]): string {
	const one = collapse(subject).slice(0, MAX_MATCH_INPUT_CHARS);
	return collapse(removeAll(stripPatterns, one));
}

export function isRecovery(title: string, resolvePatterns: readonly string[]): boolean {
	return resolvePatterns.some((pattern) => compilePattern(pattern).matcher(title).find());
}

/**
 * The alert key's text: the title without the resolve and problem patterns' matches, and with
 * the punctuation left around them ("**", "[]", "!", ":") folded, so that a problem and its
 * recovery give the same text. Empty when nothing is left.
 */
export function keyTextOf(
	title: string,
	resolvePatterns: readonly string[],
	problemPatterns: readonly string[],
): string {
	const rest = removeAll(problemPatterns, removeAll(resolvePatterns, title));
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
