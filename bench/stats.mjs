// How the bench states a figure measured in several rounds: the median, the range, and how many
// rounds meet a goal.
import { median } from "./measure.mjs";

/** The median and range of one figure's values, one per round. */
export const summarize = (values) => ({
	median: median(values),
	min: Math.min(...values),
	max: Math.max(...values),
	values,
});

/** Judged on the median; how many rounds meet the goal is shown beside it. */
export const verdict = (stat, meets) =>
	`${meets(stat.median) ? "yes" : "no"} (met in ${stat.values.filter(meets).length} of ${stat.values.length} rounds)`;

export const times = (value) => `${value.toFixed(2)}×`;
export const micros = (value) => `${Math.round(value)} µs`;
export const spread = (stat, show) =>
	stat.values.length === 1
		? show(stat.median)
		: `${show(stat.median)} (rounds: ${show(stat.min)}–${show(stat.max)})`;
