import { type SnsMessage, stringToSign } from "./message";
import type { SnsHash } from "./signing-keys";

export const HASH_BY_VERSION: Record<SnsMessage["SignatureVersion"], SnsHash> = {
	"1": "SHA-1",
	"2": "SHA-256",
};

const encoder = new TextEncoder();

/** RSASSA-PKCS1-v1_5 over the canonical string: SHA-1 for SignatureVersion 1, SHA-256 for 2. */
export async function signatureValid(message: SnsMessage, key: CryptoKey): Promise<boolean> {
	let signature: Uint8Array;
	try {
		signature = Uint8Array.fromBase64(message.Signature);
	} catch {
		return false;
	}
	try {
		return await crypto.subtle.verify(
			"RSASSA-PKCS1-v1_5",
			key,
			signature,
			encoder.encode(stringToSign(message)),
		);
	} catch {
		// workerd throws (rather than answering false) on a signature of the wrong length.
		return false;
	}
}
