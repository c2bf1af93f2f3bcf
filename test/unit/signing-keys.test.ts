import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
	CertificateError,
	derFromPem,
	spkiFromCertificate,
} from "../../src/sources/sns/certificate";
import { CertificateUnavailable, SigningKeys } from "../../src/sources/sns/signing-keys";

const URL_A =
	"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem";

function countingFetcher(respond: () => Response) {
	const calls: RequestInit[] = [];
	const fetcher = async (_url: string, init: RequestInit) => {
		calls.push(init);
		return respond();
	};
	return { calls, fetcher };
}

describe("SigningKeys", () => {
	it("fetches a certificate once, without following redirects, and serves both hashes from it", async () => {
		const { calls, fetcher } = countingFetcher(() => new Response(env.TEST_SNS_CERTIFICATE));
		const keys = new SigningKeys(fetcher);
		const [a, b, c] = await Promise.all([
			keys.key(URL_A, "SHA-256"),
			keys.key(URL_A, "SHA-256"),
			keys.key(URL_A, "SHA-1"),
		]);
		expect(a).toBe(b);
		expect(c.algorithm).toMatchObject({ name: "RSASSA-PKCS1-v1_5", hash: { name: "SHA-1" } });
		expect(calls).toHaveLength(1);
		expect(calls[0]?.redirect).toBe("manual");
		expect(calls[0]?.signal).toBeInstanceOf(AbortSignal);
	});

	it("reports network failures and non-200 answers as unavailable (so SNS retries)", async () => {
		for (const respond of [
			() => {
				throw new TypeError("connection reset");
			},
			() => new Response("", { status: 503 }),
			() => new Response(null, { status: 301, headers: { Location: "https://evil.example/" } }),
		]) {
			const keys = new SigningKeys(async () => respond());
			await expect(keys.key(URL_A, "SHA-256")).rejects.toBeInstanceOf(CertificateUnavailable);
		}
	});

	it("reports a bad body as a certificate error (never retried into acceptance)", async () => {
		const keys = new SigningKeys(async () => new Response(`junk\n${env.TEST_SNS_CERTIFICATE}`));
		await expect(keys.key(URL_A, "SHA-256")).rejects.toBeInstanceOf(CertificateError);
	});
});

describe("the DER walk", () => {
	it("finds the SubjectPublicKeyInfo WebCrypto can import", async () => {
		const spki = spkiFromCertificate(derFromPem(env.TEST_SNS_CERTIFICATE));
		const key = await crypto.subtle.importKey(
			"spki",
			spki,
			{ name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
			true,
			["verify"],
		);
		expect(key.type).toBe("public");
	});

	it.each([
		["empty", new Uint8Array([])],
		["not a sequence", new Uint8Array([0x02, 0x01, 0x00])],
		["a length past the end", new Uint8Array([0x30, 0x82, 0x10, 0x00, 0x30])],
		["an indefinite length", new Uint8Array([0x30, 0x80, 0x00, 0x00])],
		["five length bytes", new Uint8Array([0x30, 0x85, 1, 0, 0, 0, 0])],
	])("refuses %s", (_why, der) => {
		expect(() => spkiFromCertificate(der)).toThrow(CertificateError);
	});

	it("refuses a truncated certificate", () => {
		const der = derFromPem(env.TEST_SNS_CERTIFICATE);
		expect(() => spkiFromCertificate(der.slice(0, 200))).toThrow(CertificateError);
	});
});
