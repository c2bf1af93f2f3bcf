/**
 * The public key of an SNS signing certificate, with WebCrypto only. A ~40-line DER walk
 * replaces an X.509 library (asn1js with pkijs adds tens of KB gzipped to the bundle):
 * we need the SubjectPublicKeyInfo and nothing else. Trust comes from where the certificate was
 * fetched (the validated SNS host over TLS), not from its contents, so no chain or date check.
 */

/**
 * Exactly one PEM certificate and nothing around it but whitespace. The Ruby validator's fix for
 * CVE-2021-41163: the real SNS host can be made to echo attacker text that contains a PEM block.
 * The body's character class excludes `-`, so a second BEGIN/END pair cannot hide inside.
 */
const SINGLE_PEM =
	/^\s*-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END CERTIFICATE-----\s*$/;

export class CertificateError extends Error {}

export function derFromPem(pem: string): Uint8Array {
	const match = SINGLE_PEM.exec(pem);
	if (match?.[1] === undefined) {
		throw new CertificateError("the signing certificate is not exactly one PEM certificate");
	}
	try {
		return Uint8Array.fromBase64(match[1]);
	} catch {
		throw new CertificateError("the signing certificate is not valid base64");
	}
}

type Tlv = { tag: number; start: number; valueStart: number; end: number };

function readTlv(der: Uint8Array, offset: number, limit: number): Tlv {
	const tag = der[offset];
	const first = der[offset + 1];
	if (tag === undefined || first === undefined) throw new CertificateError("truncated DER");
	let length = first;
	let header = 2;
	if (first & 0x80) {
		const count = first & 0x7f;
		// Indefinite lengths (0x80) are not DER; more than 4 length bytes is no certificate.
		if (count === 0 || count > 4) throw new CertificateError("unsupported DER length");
		length = 0;
		for (let i = 0; i < count; i++) {
			const byte = der[offset + 2 + i];
			if (byte === undefined) throw new CertificateError("truncated DER");
			length = length * 256 + byte;
		}
		header += count;
	}
	const end = offset + header + length;
	if (end > limit) throw new CertificateError("DER length runs past its container");
	return { tag, start: offset, valueStart: offset + header, end };
}

const SEQUENCE = 0x30;
const EXPLICIT_VERSION = 0xa0;

/**
 * Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber,
 * signature, issuer, validity, subject, subjectPublicKeyInfo, … }, … }
 */
export function spkiFromCertificate(der: Uint8Array): Uint8Array {
	const certificate = readTlv(der, 0, der.length);
	if (certificate.tag !== SEQUENCE) throw new CertificateError("not a DER certificate");
	const tbs = readTlv(der, certificate.valueStart, certificate.end);
	if (tbs.tag !== SEQUENCE) throw new CertificateError("not a DER certificate");
	let field = readTlv(der, tbs.valueStart, tbs.end);
	if (field.tag === EXPLICIT_VERSION) field = readTlv(der, field.end, tbs.end);
	// serialNumber, signature, issuer, validity, subject: skip five fields.
	for (let skipped = 1; skipped < 5; skipped++) field = readTlv(der, field.end, tbs.end);
	const spki = readTlv(der, field.end, tbs.end);
	if (spki.tag !== SEQUENCE) throw new CertificateError("no SubjectPublicKeyInfo found");
	return der.slice(spki.start, spki.end);
}
