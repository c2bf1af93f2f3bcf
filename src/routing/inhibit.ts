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

/**
 * Finds a firing source of `rule` whose `equal` labels read `equal` (`equalValues`), other than
 * the target, and, when the target matches the rule's source matchers too, one that does not
 * also match its target matchers. The object answers from an index (state/inhibit-index.ts), so
 * a new alert costs the same with 10 or 10,000 alerts firing.
 */
export type SourceLookup = (
	rule: InhibitRule,
	equal: string,
	targetIsSource: boolean,
) => string | null;

/** The firing alert that inhibits `target` under `rules` (null: none does), found by `sourceOf`. */
export function inhibitorBy(
	target: Routable,
	rules: readonly InhibitRule[],
	sourceOf: SourceLookup,
): string | null {
	for (const rule of rules) {
		if (!allHold(rule.target_matchers, target)) continue;
		const found = sourceOf(rule, equalValues(rule, target), allHold(rule.source_matchers, target));
		if (found !== null) return found;
	}
	return null;
}

/**
 * `inhibitorBy` over a list of what fires, read once some rule's targets match (most alerts are
 * nobody's target): the meaning the object's index must keep, at the cost of a scan.
 */
export function inhibitor(
	target: Candidate,
	rules: readonly InhibitRule[],
	firing: () => readonly Candidate[],
): string | null {
	let sources: readonly Candidate[] | undefined;
	return inhibitorBy(target, rules, (rule, equal, targetIsSource) => {
		sources ??= firing();
		const found = sources.find(
			(source) =>
				source.id !== target.id &&
				allHold(rule.source_matchers, source) &&
				!(targetIsSource && allHold(rule.target_matchers, source)) &&
				equalValues(rule, source) === equal,
		);
		return found?.id ?? null;
	});
}

/** The values of the rule's `equal` labels on `alert`, as one key (a missing label is empty). */
export function equalValues(rule: Pick<InhibitRule, "equal">, alert: Routable): string {
	return JSON.stringify(rule.equal.map((name) => label(alert, name)));
}

/** A label's value, missing read as empty (Alertmanager's rule for `equal`). */
function label(alert: Routable, name: string): string {
	return Object.hasOwn(alert.labels, name) ? (alert.labels[name] ?? "") : "";
}
