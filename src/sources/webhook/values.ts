import { type AlertChange, type Labels, LIMITS, type Link } from "../../alerts/event";
import { labelWriter } from "../../alerts/labels";
import { severityFromWord } from "../../alerts/severity";
import { deriveAlertKey, fitAlertKey, truncate } from "../../alerts/text";
import type { Checked } from "../../schema/problem";
import { addLink, parseDateTime } from "../fields";
import type { Mapping } from "./settings";

/**
 * What a mapping's expressions gave for one item, read into the alert event: each field's value
 * checked and bounded as the other sources bound theirs, and what cannot be read named with the
 * mapping field that gave it.
 */

type Field = keyof Mapping;

export type Refuse = (field: Field, text: string) => { ok: false; problem: string };

/** What the expressions gave for one item → its event. */
export async function toEvent(
	values: Partial<Record<Field, unknown>>,
	receivedAt: number,
	refuse: Refuse,
): Promise<Checked<AlertChange>> {
	const status = values.status === undefined ? "firing" : values.status;
	const word = typeof status === "string" ? status.trim().toLowerCase() : null;
	if (word !== "firing" && word !== "resolved") {
		return refuse(
			"status",
			`the expression gave ${shown(status)}; it must give firing or resolved`,
		);
	}
	const resolved = word === "resolved";

	const title = text(values.title);
	if (title === null)
		return refuse("title", `the expression gave ${shown(values.title)}; it must give text`);
	if (!resolved && title === "") {
		return refuse("title", "the expression gave no text; a firing alert needs a title");
	}
	const description = text(values.description);
	if (description === null) {
		return refuse(
			"description",
			`the expression gave ${shown(values.description)}; it must give text`,
		);
	}

	const labels = labelsOf(values.labels);
	if (labels === null) {
		return refuse("labels", `the expression gave ${shown(values.labels)}; it must give an object`);
	}
	const links = linksOf(values.links);

	const occurred_at = timeOf(values.event_time, receivedAt);
	if (occurred_at === null) {
		return refuse(
			"event_time",
			`the expression gave ${shown(values.event_time)}; it must give unix seconds, milliseconds or an ISO 8601 date-time with a time zone`,
		);
	}

	const given = values.alert_key;
	if (
		given !== undefined &&
		given !== null &&
		typeof given !== "string" &&
		typeof given !== "number"
	) {
		return refuse(
			"alert_key",
			`the expression gave ${shown(given)}; it must give text or a number`,
		);
	}
	const key = given === undefined || given === null ? "" : String(given).trim();
	// A resolution names the alert it ends; a key derived from its title would name another.
	if (resolved && key === "") {
		return refuse(
			"alert_key",
			"a resolved alert needs the key of the alert it resolves; the expression is missing or gave nothing",
		);
	}
	const truncatedTitle = truncate(title, LIMITS.title);
	const alert_key =
		key === ""
			? await deriveAlertKey(truncatedTitle, labels)
			: await fitAlertKey(key, LIMITS.alertKey);

	const common = {
		alert_key,
		title: truncatedTitle,
		description: truncate(description, LIMITS.description),
		labels,
		images: [],
		...(links.length > 0 ? { links } : {}),
		occurred_at,
	};
	if (resolved) return { ok: true, value: { action: "resolve", ...common } };
	const severity =
		typeof values.severity === "string"
			? (severityFromWord(values.severity) ?? "warning")
			: "warning";
	return { ok: true, value: { action: "trigger", severity, ...common } };
}

/** Text from a string or a number, trimmed; nothing is empty; null: neither. */
function text(value: unknown): string | null {
	if (value === undefined || value === null) return "";
	if (typeof value === "string") return value.trim();
	if (typeof value === "number" && Number.isFinite(value)) return String(value);
	return null;
}

/** An object's entries as labels, scalars as text and the rest as JSON; null: not an object. */
function labelsOf(value: unknown): Labels | null {
	const labels: Labels = {};
	if (value === undefined || value === null) return labels;
	if (!isRecord(value)) return null;
	const set = labelWriter(labels);
	for (const [name, entry] of Object.entries(value)) {
		if (typeof entry === "string" || typeof entry === "number" || typeof entry === "boolean") {
			set(name, entry);
		} else if (typeof entry === "object" && entry !== null && !isFunction(entry)) {
			set(name, jsonOf(entry));
		}
	}
	return labels;
}

/** URLs, or `{href, text}` objects, one or an array of them; what is not an http(s) URL is left out. */
function linksOf(value: unknown): Link[] {
	const links: Link[] = [];
	for (const entry of Array.isArray(value) ? value : [value]) {
		if (typeof entry === "string") addLink(links, entry);
		else if (isRecord(entry)) {
			addLink(links, entry.href, typeof entry.text === "string" ? entry.text : null);
		}
	}
	return links;
}

/** Below this a number is unix seconds, from it milliseconds (1e11 s is the year 5138). */
const MILLISECONDS_FROM = 1e11;

/** Epoch ms from unix seconds or milliseconds (a number or its digits) or an ISO 8601 date-time. */
function timeOf(value: unknown, receivedAt: number): number | null {
	if (value === undefined || value === null || value === "") return receivedAt;
	let number = typeof value === "number" ? value : Number.NaN;
	if (typeof value === "string") {
		if (!/^\d+(\.\d+)?$/.test(value.trim())) return parseDateTime(value.trim());
		number = Number(value);
	}
	if (!Number.isFinite(number) || number < 0) return null;
	return Math.round(number >= MILLISECONDS_FROM ? number : number * 1000);
}

/** JSONata's functions are objects (`_jsonata_lambda`) or JavaScript functions: not label values. */
function isFunction(value: object): boolean {
	return typeof value === "function" || "_jsonata_lambda" in value || "_jsonata_function" in value;
}

/** An object or array as a label value: its JSON, functions left out, cut to a label's length. */
function jsonOf(value: object): string {
	try {
		const json = JSON.stringify(value, (_key, inner: unknown) =>
			typeof inner === "function" ||
			(typeof inner === "object" && inner !== null && isFunction(inner))
				? undefined
				: inner,
		);
		return truncate(json ?? "", LIMITS.labelValue);
	} catch {
		// Nested past the stack, or cyclic: said so rather than failing the push.
		return "(not representable as JSON)";
	}
}

export function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A value as a message quotes it: cut short, and named by type where JSON has no spelling. */
export function shown(value: unknown): string {
	if (value === undefined) return "nothing";
	if (typeof value === "function") return "a function";
	if (Array.isArray(value)) return "an array";
	if (isRecord(value)) return "an object";
	return truncate(JSON.stringify(value) ?? String(value), 80);
}
