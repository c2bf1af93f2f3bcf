// Node-side, for the test run and the benchmark: a signing identity like SNS's, made per run.
import { generateKeyPairSync, sign, X509Certificate } from "node:crypto";

/** A fresh RSA key and a self-signed X.509 certificate for it (CN=sns.amazonaws.com). */
export function makeTestSigningIdentity() {
	const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
	const tlv = (tag: number, ...parts: Buffer[]) => {
		const body = Buffer.concat(parts);
		const n = body.length;
		const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
		return Buffer.concat([Buffer.from([tag, ...length]), body]);
	};
	const seq = (...parts: Buffer[]) => tlv(0x30, ...parts);
	const sha256WithRsa = seq(
		tlv(0x06, Buffer.from([0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b])),
		tlv(0x05),
	);
	const name = seq(
		tlv(
			0x31,
			seq(tlv(0x06, Buffer.from([0x55, 0x04, 0x03])), tlv(0x0c, Buffer.from("sns.amazonaws.com"))),
		),
	);
	const utc = (value: string) => tlv(0x17, Buffer.from(value));
	const tbs = seq(
		tlv(0xa0, tlv(0x02, Buffer.from([2]))),
		tlv(0x02, Buffer.from([0x01, 0x23])),
		sha256WithRsa,
		name,
		seq(utc("250101000000Z"), utc("350101000000Z")),
		name,
		publicKey.export({ type: "spki", format: "der" }),
	);
	const signature = sign("sha256", tbs, privateKey);
	const der = seq(tbs, sha256WithRsa, tlv(0x03, Buffer.from([0]), signature));
	// Node parses it as a real certificate, so the worker's DER walk is tested on a real shape.
	new X509Certificate(der);
	const certificatePem = `-----BEGIN CERTIFICATE-----\n${der
		.toString("base64")
		.replace(/.{64}/g, "$&\n")
		.trimEnd()}\n-----END CERTIFICATE-----\n`;
	const privateKeyPkcs8 = privateKey.export({ type: "pkcs8", format: "der" }).toString("base64");
	return { certificatePem, privateKeyPkcs8, privateKey };
}
