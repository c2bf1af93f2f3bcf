import { LIMITS } from "./event";
import { truncate } from "./text";

/**
 * Sets labels from possibly-missing values, cut to the label limits. Own keys only: a label named
 * `constructor` is counted like any other, and one named `__proto__` is kept as a label.
 */
export function labelWriter(labels: Record<string, string>) {
	return (name: string, value: string | number | boolean | null | undefined) => {
		if (value === null || value === undefined || value === "") return;
		const key = truncate(name, LIMITS.labelKey);
		if (Object.keys(labels).length >= LIMITS.labelCount && !Object.hasOwn(labels, key)) return;
		Object.defineProperty(labels, key, {
			value: truncate(String(value), LIMITS.labelValue),
			enumerable: true,
			writable: true,
			configurable: true,
		});
	};
}
