import { type Checked, problem } from "../../schema/problem";
import { type CompiledMapping, compileMapping } from "./mapping";
import { PRESETS, type PresetName } from "./presets";
import type { WebhookSettings } from "./settings";

/**
 * The webhook type's module loaded on demand: the presets and the mapping language (jsonata) stay
 * out of the module every other push loads (scripts/build.mjs splits it off).
 */

export { evaluateMapping } from "./mapping";

const isPreset = (name: string): name is PresetName => Object.hasOwn(PRESETS, name);

/** The settings' mapping: the preset's fields, replaced by the mapping's own, parsed. */
export function compileSettings(settings: WebhookSettings): Checked<CompiledMapping> {
	const { preset, mapping } = settings;
	if (preset != null && !isPreset(preset)) {
		return problem(
			`settings.preset "${preset}" is not a preset; the presets are ${Object.keys(PRESETS).join(", ")}`,
		);
	}
	const merged = { ...(preset == null ? {} : PRESETS[preset].mapping), ...mapping };
	if (merged.title === undefined) {
		return problem(
			"settings.mapping.title is required: the expression that gives each alert's title (and alert_key, so that a recovery finds its alert)",
		);
	}
	return compileMapping(merged);
}
