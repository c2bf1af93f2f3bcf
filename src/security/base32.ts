/**
 * Base32 (RFC 4648 §6), lowercase and without padding: the alphabet of email keys, which must
 * survive mail systems that change the case of an address and fit a 64-octet local part.
 */
const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

export function base32(bytes: Uint8Array): string {
	let out = "";
	let buffer = 0;
	let bits = 0;
	for (const byte of bytes) {
		buffer = (buffer << 8) | byte;
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out += ALPHABET.charAt((buffer >>> bits) & 31);
		}
		buffer &= (1 << bits) - 1;
	}
	if (bits > 0) out += ALPHABET.charAt((buffer << (5 - bits)) & 31);
	return out;
}

/**
 * Lowercase base32 to bytes, or null for another character or for bits left over that are not
 * zero (a second spelling of the same bytes, which no key of ours has).
 */
export function fromBase32(text: string): Uint8Array | null {
	const out = new Uint8Array(Math.floor((text.length * 5) / 8));
	let buffer = 0;
	let bits = 0;
	let at = 0;
	for (const char of text) {
		const value = ALPHABET.indexOf(char);
		if (value === -1) return null;
		buffer = (buffer << 5) | value;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[at++] = (buffer >>> bits) & 255;
		}
		buffer &= (1 << bits) - 1;
	}
	return buffer === 0 ? out : null;
}
