const encoder = new TextEncoder();

/** Bytes of randomness in an integration key: 256 bits, so a plain SHA-256 may store it (ASVS V6.5.2). */
const INTEGRATION_KEY_BYTES = 32;
/** A recognisable prefix lets secret scanners find leaked keys. */
const INTEGRATION_KEY_PREFIX = "agk_";
/** Keys are URL-safe; anything else cannot be one of ours and is refused without a D1 lookup. */
const INTEGRATION_KEY_SHAPE = /^agk_[A-Za-z0-9_-]{43}$/;

export function generateIntegrationKey(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(INTEGRATION_KEY_BYTES));
	return INTEGRATION_KEY_PREFIX + base64url(bytes);
}

export function looksLikeIntegrationKey(value: string): boolean {
	return INTEGRATION_KEY_SHAPE.test(value);
}

export async function sha256Hex(value: string): Promise<string> {
	const digest = await crypto.subtle.digest("SHA-256", encoder.encode(value));
	return toHex(new Uint8Array(digest));
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

function toHex(bytes: Uint8Array): string {
	let out = "";
	for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
	return out;
}

export function base64url(bytes: Uint8Array): string {
	let binary = "";
	for (const byte of bytes) binary += String.fromCharCode(byte);
	return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
