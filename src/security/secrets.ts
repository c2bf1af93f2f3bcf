const encoder = new TextEncoder();

/** Bytes of randomness in an integration key: 256 bits, so a plain SHA-256 may store it (ASVS V6.5.2). */
const INTEGRATION_KEY_BYTES = 32;
/** A recognisable prefix lets secret scanners find leaked keys. */
const INTEGRATION_KEY_PREFIX = "agk_";
/**
 * `agk_` + the integration id (its 16 UUID bytes, 22 base64url characters) + the secret (43).
 * The id tells the worker which Durable Object to ask, so a push needs no D1 lookup; the object
 * holds the key's hash and is the only judge of the secret.
 */
const ADDRESSED_KEY_SHAPE = /^agk_([A-Za-z0-9_-]{22})[A-Za-z0-9_-]{43}$/;
/** Keys made before 0.2.0 carry no id: they are still found by their hash in D1. */
const LEGACY_KEY_SHAPE = /^agk_[A-Za-z0-9_-]{43}$/;

/** Anything shaped like one of our keys, anywhere in a text. */
const KEY_ANYWHERE = /agk_[A-Za-z0-9_-]+/g;

/** A text with every integration key in it masked: for messages and log lines. */
export function redactKeys(text: string): string {
	return text.replace(KEY_ANYWHERE, "agk_…");
}

export function generateIntegrationKey(integrationId: string): string {
	const secret = crypto.getRandomValues(new Uint8Array(INTEGRATION_KEY_BYTES));
	return INTEGRATION_KEY_PREFIX + base64url(uuidBytes(integrationId)) + base64url(secret);
}

/**
 * What a presented key's shape says: the integration it addresses, a key of the old format, or
 * nothing (refused without a lookup: it cannot be one of ours).
 */
export type KeyShape = { kind: "addressed"; integrationId: string } | { kind: "legacy" } | null;

export function readIntegrationKey(value: string): KeyShape {
	const id = ADDRESSED_KEY_SHAPE.exec(value)?.[1];
	if (id !== undefined) {
		const bytes = fromBase64url(id);
		return bytes?.length === 16 ? { kind: "addressed", integrationId: uuidFrom(bytes) } : null;
	}
	return LEGACY_KEY_SHAPE.test(value) ? { kind: "legacy" } : null;
}

function uuidBytes(uuid: string): Uint8Array {
	const hex = uuid.replaceAll("-", "");
	if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error("integration ids are UUIDs");
	return Uint8Array.fromHex(hex);
}

function uuidFrom(bytes: Uint8Array): string {
	const hex = bytes.toHex();
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** HMAC-SHA256 of `message` under `key`: webhook signatures and the dashboard's session. */
export async function hmacSha256(key: Uint8Array, message: string): Promise<Uint8Array> {
	const cryptoKey = await crypto.subtle.importKey(
		"raw",
		key,
		{ name: "HMAC", hash: "SHA-256" },
		false,
		["sign"],
	);
	return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(message)));
}

export async function sha256Hex(value: string): Promise<string> {
	const digest = await crypto.subtle.digest("SHA-256", encoder.encode(value));
	return new Uint8Array(digest).toHex();
}

/**
 * Constant-time string comparison. Both sides are hashed first so the comparison runs over equal
 * lengths and leaks neither the content nor the length of the secret.
 */
export async function secretsEqual(given: string, expected: string): Promise<boolean> {
	const [a, b] = await Promise.all([
		crypto.subtle.digest("SHA-256", encoder.encode(given)),
		crypto.subtle.digest("SHA-256", encoder.encode(expected)),
	]);
	return crypto.subtle.timingSafeEqual(a, b);
}

/** Two SHA-256 hex digests compared in constant time (their length is no secret). */
export function digestsEqual(a: string, b: string): boolean {
	if (a.length !== b.length) return false;
	return crypto.subtle.timingSafeEqual(encoder.encode(a), encoder.encode(b));
}

export function base64url(bytes: Uint8Array): string {
	return bytes.toBase64({ alphabet: "base64url", omitPadding: true });
}

/**
 * Base64url (RFC 4648 §5, padding optional) to bytes, or null for any other character or an
 * impossible length. Bits past the last whole byte are dropped, as `atob` drops them. The
 * platform's decoder: every push reads its integration id this way.
 */
export function fromBase64url(text: string): Uint8Array | null {
	try {
		return Uint8Array.fromBase64(text, { alphabet: "base64url" });
	} catch {
		return null;
	}
}
