// Runs in Node (imported by vitest.config.ts), not in workerd: it answers every outbound fetch
// the worker or the tests make, so no test reaches AWS or anything beyond this process.
//
// - Certificate URLs serve the real AWS signing certificates from test/fixtures/sns by their hex
//   name, or the self-signed test certificate made below (TEST_CERT_HEX), or a failure chosen
//   by the hex name (see BEHAVIOURS).
// - SubscribeURLs answer like SNS's ConfirmSubscription, or 500 for topics named *confirm-fails*.
// - https://outbound.test/log lists every URL requested so far, so tests can assert what was
//   (and was not) fetched. Test files run in parallel, so tests filter it by their own names.
import { generateKeyPairSync, sign, X509Certificate } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Response } from "miniflare";
import { BEHAVIOURS, TEST_CERT_HEX } from "../sns-constants";

const fixtures = path.join(import.meta.dirname, "..", "fixtures", "sns");
const requested: string[] = [];

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
	return { certificatePem, privateKeyPkcs8 };
}

function realCertificate(hex: string): string | null {
	const file = readdirSync(fixtures).find((name) => name.endsWith(`-sns-${hex}.pem`));
	return file === undefined ? null : readFileSync(path.join(fixtures, file), "utf8");
}

function certificateResponse(hex: string, testCertificate: string): Response {
	switch (hex) {
		case TEST_CERT_HEX:
			return new Response(testCertificate);
		case BEHAVIOURS["500"]:
			return new Response("internal error", { status: 500 });
		case BEHAVIOURS.notFound:
			return new Response("not found", { status: 404 });
		case BEHAVIOURS.redirect:
			return new Response(null, {
				status: 302,
				headers: {
					Location: `https://evil.example/SimpleNotificationService-${TEST_CERT_HEX}.pem`,
				},
			});
		case BEHAVIOURS.extraContent:
			return new Response(`<ErrorResponse><Message>${testCertificate}</Message></ErrorResponse>`);
		case BEHAVIOURS.twoCertificates:
			return new Response(testCertificate + testCertificate);
		case BEHAVIOURS.oversized:
			return new Response(testCertificate + " ".repeat(20_000));
		case BEHAVIOURS.notACertificate:
			return new Response("-----BEGIN CERTIFICATE-----\nTUlJQmFk\n-----END CERTIFICATE-----\n");
	}
	const real = realCertificate(hex);
	return real === null ? new Response("no such certificate", { status: 404 }) : new Response(real);
}

export function snsOutboundService(testCertificate: string) {
	return async (request: Request): Promise<Response> => {
		const url = new URL(request.url);
		if (url.host === "outbound.test" && url.pathname === "/log") {
			return Response.json(requested);
		}
		requested.push(request.url);

		const isSnsHost = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(url.host);
		const certificate = /^\/SimpleNotificationService-([0-9a-f]{32})\.pem$/.exec(url.pathname);
		if (isSnsHost && certificate?.[1] !== undefined) {
			return certificateResponse(certificate[1], testCertificate);
		}
		if (isSnsHost && url.searchParams.get("Action") === "ConfirmSubscription") {
			const topic = url.searchParams.get("TopicArn") ?? "";
			if (topic.includes("confirm-fails")) return new Response("throttled", { status: 500 });
			return new Response(
				`<ConfirmSubscriptionResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><ConfirmSubscriptionResult><SubscriptionArn>${topic}:2d1e5a0c-0000-4000-8000-000000000001</SubscriptionArn></ConfirmSubscriptionResult></ConfirmSubscriptionResponse>`,
				{ headers: { "Content-Type": "text/xml" } },
			);
		}
		return new Response(`unexpected outbound request to ${request.url}`, { status: 502 });
	};
}
