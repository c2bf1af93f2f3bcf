import { LIMITS } from "./event";
import { truncate } from "./text";

/** Sets labels from possibly-missing values, cut to the label limits. */
export function labelWriter(labels: Record<string, string>) {
	return (name: string, value: string | number | boolean | null | undefined) => {
		if (value === null || value === undefined || value === "") return;
		if (Object.keys(labels).length >= LIMITS.labelCount && !(name in labels)) return;
		labels[truncate(name, LIMITS.labelKey)] = truncate(String(value), LIMITS.labelValue);
	};
}
