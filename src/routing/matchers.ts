import * as z from "zod/mini";
import { maxLength, minLength } from "../schema/length";
import { Condition, withinRegexBudget } from "./rules";

/**
 * Matchers of silences and inhibit rules: route conditions (`{field, op, value}`), all of which
 * must hold, under the same RE2 cost limits as a rule set.
 */
const MAX_MATCHERS = 20;

export const Matchers = z
	.array(Condition, { error: "must be a list of conditions {field, op, value}" })
	.check(
		minLength(1, "must hold at least one condition"),
		maxLength(MAX_MATCHERS, `must hold at most ${MAX_MATCHERS} conditions`),
		withinRegexBudget((matchers: Condition[]) => matchers),
	);
