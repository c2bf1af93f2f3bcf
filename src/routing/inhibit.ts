import * as z from "zod/mini";
import { allHold, Condition, type Routable } from "./rules";

/**
 * An inhibit rule, with Alertmanager's semantics: while an alert matching `source_matchers`
 * fires, alerts matching `target_matchers` whose labels named in `equal` have the same values
 * (a label missing on both counts as equal) are muted. An alert matching both sides is not
 * muted by another alert matching both, so two such alerts cannot silence each other.
 * Sources and targets are alerts of the same integration (Flashduty's integration-level rules).
 */
export const InhibitRule = z.object({
	id: z.string(),
	source_matchers: z.array(Condition),
	target_matchers: z.array(Condition),
	equal: z.array(z.string()),
});
export type InhibitRule = z.infer<typeof InhibitRule>;

type Candidate = Routable & { id: string };

/** The firing alert that inhibits `target` under `rules` (null: none does); `firing` lists them. */
export function inhibitor(
	target: Candidate,
	rules: readonly InhibitRule[],
	firing: () => readonly Candidate[],
): string | null {
	let sources: readonly Candidate[] | undefined;
	for (const rule of rules) {
		if (!allHold(rule.target_matchers, target)) continue;
		const targetIsSource = allHold(rule.source_matchers, target);
		// Read only once some rule's targets match: most alerts are nobody's target.
		sources ??= firing();
		for (const source of sources) {
			if (source.id === target.id || !allHold(rule.source_matchers, source)) continue;
			if (targetIsSource && allHold(rule.target_matchers, source)) continue;
			if (rule.equal.every((name) => label(source, name) === label(target, name))) return source.id;
		}
	}
	return null;
}

/** Whether `alert` is a source of some rule: its opening or closing can change what is muted. */
export function isSource(alert: Routable, rules: readonly InhibitRule[]): boolean {
	return rules.some((rule) => allHold(rule.source_matchers, alert));
}

/** A label's value, missing read as empty (Alertmanager's rule for `equal`). */
function label(alert: Routable, name: string): string {
	return Object.hasOwn(alert.labels, name) ? (alert.labels[name] ?? "") : "";
}
