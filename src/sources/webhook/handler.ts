import { HttpError } from "../../http/errors";
import { parseJson } from "../../http/validation";
import type { Checked } from "../../schema/problem";
import { ingest, type PushHandler, settingsReader } from "../ingest";
import { idempotencyReceipt } from "../standard/handler";
import type { CompiledMapping } from "./mapping";
import { WebhookSettings } from "./settings";

const readSettings = settingsReader(WebhookSettings);

/** Each settings object's mapping, parsed once: the same one serves every push until it changes. */
const compiled = new WeakMap<WebhookSettings, CompiledMapping>();

/** The mapping language, loaded by the first webhook push (or settings check) an isolate sees. */
const language = () => import("./compile");

/**
 * A `webhook` integration takes any JSON body and turns it into alerts with its mapping (a preset
 * or JSONata expressions of its own). What the mapping cannot turn into an alert is a 400 that
 * names the mapping's field; nothing is stored. An Idempotency-Key makes a retry safe, as for
 * standard pushes. The answer lists each alert's outcome (none when the mapping split the body
 * into none).
 */
export const handleWebhookPush: PushHandler = async (c, target, text) => {
	const body = parseJson(text);
	const settings = readSettings(target);
	const { compileSettings, evaluateMapping } = await language();
	let mapping = compiled.get(settings);
	if (mapping === undefined) {
		// Saved settings compiled when they were saved; a preset renamed since would land here.
		mapping = mapped(compileSettings(settings));
		compiled.set(settings, mapping);
	}
	const events = mapped(await evaluateMapping(mapping, body, Date.now()));
	const receipt = await idempotencyReceipt(c.req.header("Idempotency-Key"), text);
	return ingest(c, target, { events, receipt }, (results) => ({ results }));
};

/** The settings' problem before they are saved (an unknown preset, an expression that does not parse), or null. */
export async function checkWebhookSettings(settings: WebhookSettings): Promise<string | null> {
	const checked = (await language()).compileSettings(settings);
	return checked.ok ? null : checked.problem;
}

/**
 * 400 MappingFailed: the body (or the mapping) is the one to change; a retry cannot succeed. The
 * answer quotes JSONata's message, which may quote the body; the log line names only the field
 * and JSONata's error code.
 */
function mapped<T>(checked: Checked<T>): T {
	if (checked.ok) return checked.value;
	const error = new HttpError(400, "MappingFailed", checked.problem);
	const field = /^settings\.mapping(\.\w+)?( \(alerts\[\d+\]\))?/.exec(checked.problem)?.[0];
	const code = /\(([A-Z]\d{4})\)$/.exec(checked.problem)?.[1];
	error.logReason = `${field ?? "settings.mapping"} failed${code === undefined ? "" : ` (${code})`}`;
	throw error;
}
