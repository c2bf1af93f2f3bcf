import type { Severity } from "./event";

/**
 * The one severity vocabulary every source reads: the words senders use (PagerDuty's four,
 * Opsgenie's and Datadog's P1–P5, Zabbix's six, Azure Monitor's Sev0–Sev4, syslog's levels,
 * Sentry's and Google Cloud's) onto alertgate's three. A word pages (critical) when its sender
 * means "act now"; the table in docs/severity.md is this one.
 */
const WORDS: Record<string, Severity> = {
	critical: "critical",
	crit: "critical",
	fatal: "critical",
	emergency: "critical",
	emerg: "critical",
	alert: "critical",
	panic: "critical",
	disaster: "critical",
	page: "critical",
	error: "critical",
	err: "critical",
	high: "critical",
	major: "critical",
	p1: "critical",
	p2: "critical",
	sev0: "critical",
	sev1: "critical",
	warning: "warning",
	warn: "warning",
	average: "warning",
	medium: "warning",
	moderate: "warning",
	minor: "warning",
	p3: "warning",
	sev2: "warning",
	info: "info",
	information: "info",
	informational: "info",
	notice: "info",
	low: "info",
	none: "info",
	debug: "info",
	trace: "info",
	verbose: "info",
	"not classified": "info",
	p4: "info",
	p5: "info",
	sev3: "info",
	sev4: "info",
};

/** A sender's severity word (any case, `Sev 1` and `SEV-1` alike) → alertgate's; null: not one. */
export function severityFromWord(word: string): Severity | null {
	const plain = word.trim().toLowerCase();
	const compact = plain.replace(/^(sev|p)[\s_-]+(?=\d$)/, "$1");
	// Own keys only: "constructor" is not a severity.
	if (Object.hasOwn(WORDS, plain)) return WORDS[plain] ?? null;
	return Object.hasOwn(WORDS, compact) ? (WORDS[compact] ?? null) : null;
}

/** The vocabulary, word by word, for the docs and the tests. */
export const SEVERITY_WORDS: Readonly<Record<string, Severity>> = WORDS;
