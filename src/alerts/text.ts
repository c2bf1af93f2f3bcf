import { sha256Hex } from "../security/secrets";

/** Cuts a string to at most `max` UTF-16 units without splitting a surrogate pair. */
export function truncate(value: string, max: number): string {
	if (value.length <= max) return value;
	const cut = value.charCodeAt(max - 1);
	// A high surrogate at the cut would be left without its partner.
	const end = cut >= 0xd800 && cut <= 0xdbff ? max - 1 : max;
	return value.slice(0, end);
}

const KEY_HASH_CHARS = 64;

/**
 * Alert keys longer than the limit keep a readable prefix and gain the SHA-256 of the whole key,
 * so two long keys that share a prefix stay two alerts instead of silently merging.
 */
export async function fitAlertKey(key: string, max: number): Promise<string> {
	if (key.length <= max) return key;
	const prefix = truncate(key, max - KEY_HASH_CHARS - 1);
	return `${prefix}~${await sha256Hex(key)}`;
}

/** A stable key from what identifies an alert when the sender gave none: title and labels. */
export async function deriveAlertKey(title: string, labels: Record<string, string>) {
	const sorted = Object.keys(labels)
		.sort()
		.map((name) => [name, labels[name]]);
	return (await sha256Hex(JSON.stringify([title, sorted]))).slice(0, 32);
}
