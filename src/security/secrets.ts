import { base32, fromBase32 } from "./base32";

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

/**
 * A routing key: 32 characters, as PagerDuty documents its integration keys ("the 32 character
 * Integration Key") and as some senders check (Gatus refuses any other length). `agk` and 29
 * lowercase letters or digits, drawn uniformly: 29 × log2(36) ≈ 150 bits of randomness, so a
 * plain SHA-256 may still store it. 32 characters cannot carry the integration's id (16 bytes)
 * beside 128 bits of secret, so the worker finds such a key's integration in D1 by its hash
 * (`push/lookup.ts`); the integration's object stays the judge of the key.
 */
const ROUTING_KEY_SHAPE = /^agk[0-9a-z]{29}$/;
const ROUTING_KEY_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";
const ROUTING_KEY_SECRET_CHARS = 29;

/**
 * An email key: the local part of an address (`<key>@<domain>`), so lowercase (mail systems may
 * change the case of an address) and at most 64 octets (RFC 5321 §4.5.3.1.1). `agk` + the
 * integration id (its 16 UUID bytes, 26 base32 characters) + the secret (20 random bytes, 160
 * bits, 32 characters): 61 characters. As with an addressed key, the id names the Durable Object
 * to ask and the object alone judges the secret; 160 bits still let a plain SHA-256 store it.
 */
const EMAIL_KEY_SHAPE = /^agk([a-z2-7]{26})[a-z2-7]{32}$/;
const EMAIL_KEY_SECRET_BYTES = 20;

/**
 * Anything shaped like one of our keys or API tokens, anywhere in a text (routing and email keys:
 * whole words only; an email key inside an address, after a `+` or before the `@`, is a whole
 * word). Routing and email keys in any case: mail systems may change an address's case, and the
 * worker takes an email key in any case.
 */
const KEY_ANYWHERE =
	/ag[kt]_[A-Za-z0-9_-]+|(?<![0-9A-Za-z])[aA][gG][kK](?:[a-zA-Z2-7]{58}|[0-9a-zA-Z]{29})(?![0-9A-Za-z])/g;

/** A text with every integration key and API token in it masked: for messages and log lines. */
export function redactKeys(text: string): string {
	return text.replace(KEY_ANYWHERE, (key) =>
		key.startsWith("agk_") ? "agk_…" : key.startsWith("agt_") ? "agt_…" : "agk…",
	);
}

/** An API token: `agt_` (for secret scanners) and 256 random bits, 43 base64url characters. */
export const API_TOKEN_SHAPE = /^agt_[A-Za-z0-9_-]{43}$/;

export function generateApiToken(): string {
	return `agt_${base64url(crypto.getRandomValues(new Uint8Array(32)))}`;
}

export function generateIntegrationKey(integrationId: string): string {
	const secret = crypto.getRandomValues(new Uint8Array(INTEGRATION_KEY_BYTES));
	return INTEGRATION_KEY_PREFIX + base64url(uuidBytes(integrationId)) + base64url(secret);
}

/** A 61-character email key (`email` integrations): see EMAIL_KEY_SHAPE. */
export function generateEmailKey(integrationId: string): string {
	const secret = crypto.getRandomValues(new Uint8Array(EMAIL_KEY_SECRET_BYTES));
	return `agk${base32(uuidBytes(integrationId))}${base32(secret)}`;
}

/** A 32-character routing key (`pagerduty` integrations): see ROUTING_KEY_SHAPE. */
export function generateRoutingKey(): string {
	let key = "agk";
	while (key.length < 3 + ROUTING_KEY_SECRET_CHARS) {
		for (const byte of crypto.getRandomValues(new Uint8Array(ROUTING_KEY_SECRET_CHARS))) {
			// 252 = 7 × 36: bytes above it are dropped, so that every character is equally likely.
			if (byte < 252 && key.length < 3 + ROUTING_KEY_SECRET_CHARS) {
				key += ROUTING_KEY_ALPHABET.charAt(byte % 36);
			}
		}
	}
	return key;
}

/**
 * What a presented key's shape says: the integration it addresses, a routing key or a key of the
 * old format (both found by their hash), or nothing (refused without a lookup: it cannot be one
 * of ours).
 */
export type KeyShape =
	| { kind: "addressed"; integrationId: string }
	| { kind: "routing" }
	| { kind: "legacy" }
	| null;

export function readIntegrationKey(value: string): KeyShape {
	const id = ADDRESSED_KEY_SHAPE.exec(value)?.[1];
	if (id !== undefined) {
		const bytes = fromBase64url(id);
		return bytes?.length === 16 ? { kind: "addressed", integrationId: uuidFrom(bytes) } : null;
	}
	const emailId = EMAIL_KEY_SHAPE.exec(value)?.[1];
	if (emailId !== undefined) {
		const bytes = fromBase32(emailId);
		return bytes?.length === 16 ? { kind: "addressed", integrationId: uuidFrom(bytes) } : null;
	}
	if (ROUTING_KEY_SHAPE.test(value)) return { kind: "routing" };
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
	const cryptoKey = await hmacKey(key);
	return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(message)));
}

/**
 * Imported HMAC keys, by their bytes: a notification signs with the same few keys (its target's
 * secret, the action links' key) several times, and each import cost about as much as a
 * signature. Non-extractable keys, held only in the isolate's memory.
 */
const hmacKeys = new Map<string, Promise<CryptoKey>>();
const MAX_HMAC_KEYS = 64;

function hmacKey(key: Uint8Array): Promise<CryptoKey> {
	const id = key.toBase64();
	const known = hmacKeys.get(id);
	if (known !== undefined) return known;
	if (hmacKeys.size >= MAX_HMAC_KEYS) hmacKeys.clear();
	const imported = crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, [
		"sign",
	]);
	hmacKeys.set(id, imported);
	// A failed import is not kept.
	imported.catch(() => hmacKeys.delete(id));
	return imported;
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
