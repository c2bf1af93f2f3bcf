import { readTextLimited } from "../../http/body";
import { CertificateError, derFromPem, spkiFromCertificate } from "./certificate";

const CERT_FETCH_TIMEOUT_MS = 3_000;
/** Real SNS certificates are about 2 KB; the AWS Java SDK caps them at 10 KB too. */
const CERT_MAX_BYTES = 10 * 1024;
/** A failed fetch is remembered this long, so a flood cannot hammer SNS, nor a blip linger. */
const CERT_FAILURE_TTL_MS = 10_000;
const MAX_CACHED_CERTS = 64;

export type SnsHash = "SHA-1" | "SHA-256";
export type Fetcher = (url: string, init: RequestInit) => Promise<Response>;

/** The certificate could not be obtained now; SNS should retry (answer 503). */
export class CertificateUnavailable extends Error {}

type Entry = { expires: number; spki: Promise<Uint8Array> };

/**
 * Public keys of SNS signing certificates, cached in isolate memory by URL (the Cache API does
 * nothing on workers.dev). Certificates change only when AWS rotates them, which changes the URL,
 * so a cached key never goes stale. Only call `key()` with a URL that passed checkSigningCertUrl.
 */
export class SigningKeys {
	private readonly certificates = new Map<string, Entry>();
	private readonly keys = new Map<string, Promise<CryptoKey>>();

	constructor(private readonly fetcher: Fetcher) {}

	async key(url: string, hash: SnsHash): Promise<CryptoKey> {
		const cacheKey = `${hash} ${url}`;
		let key = this.keys.get(cacheKey);
		if (key === undefined) {
			key = this.spki(url).then((spki) =>
				crypto.subtle.importKey("spki", spki, { name: "RSASSA-PKCS1-v1_5", hash }, false, [
					"verify",
				]),
			);
			this.keys.set(cacheKey, key);
			key.catch(() => this.keys.delete(cacheKey));
		}
		return key;
	}

	private spki(url: string): Promise<Uint8Array> {
		const now = Date.now();
		const cached = this.certificates.get(url);
		if (cached !== undefined && cached.expires > now) return cached.spki;
		if (this.certificates.size >= MAX_CACHED_CERTS) this.certificates.clear();

		const spki = this.download(url);
		const entry: Entry = { expires: Number.POSITIVE_INFINITY, spki };
		this.certificates.set(url, entry);
		spki.catch(() => {
			entry.expires = Date.now() + CERT_FAILURE_TTL_MS;
		});
		return spki;
	}

	private async download(url: string): Promise<Uint8Array> {
		let response: Response;
		try {
			// No redirects: the validated host must answer itself.
			response = await this.fetcher(url, {
				redirect: "manual",
				signal: AbortSignal.timeout(CERT_FETCH_TIMEOUT_MS),
			});
		} catch (error) {
			throw new CertificateUnavailable(`fetching the signing certificate failed: ${String(error)}`);
		}
		if (response.status !== 200) {
			await response.body?.cancel();
			throw new CertificateUnavailable(
				`fetching the signing certificate answered ${response.status}`,
			);
		}
		const pem = await readTextLimited(
			response,
			CERT_MAX_BYTES,
			() => new CertificateError("the signing certificate is larger than 10 KiB"),
		);
		return spkiFromCertificate(derFromPem(pem));
	}
}

/** The isolate's cache, shared by every request it serves. */
export const signingKeys = new SigningKeys((url, init) => fetch(url, init));
