// Runs in Node (imported by vitest.config.ts), not in workerd: it answers every outbound fetch
// the worker or the tests make, so no test reaches AWS or anything beyond this process.
//
// - Certificate URLs serve the real AWS signing certificates from test/fixtures/sns by their hex
//   name, or the self-signed test certificate made below (TEST_CERT_HEX), or a failure chosen
//   by the hex name (see BEHAVIOURS).
// - SubscribeURLs answer like SNS's ConfirmSubscription, or 500 for topics named *confirm-fails*.
// - https://outbound.test/log lists every URL requested so far, so tests can assert what was
//   (and was not) fetched. Test files run in parallel, so tests filter it by their own names.
// - Notification receivers are in ./receivers.ts.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Response } from "miniflare";
import { BEHAVIOURS, TEST_CERT_HEX } from "../sns-constants.ts";
import { accessCerts } from "./access-certs.ts";
import { isReceiver, receive, receivedMatching } from "./receivers.ts";

const fixtures = path.join(import.meta.dirname, "..", "fixtures", "sns");
const requested: string[] = [];

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
		if (url.host === "outbound.test" && url.pathname === "/received") {
			return Response.json(receivedMatching(url.searchParams.get("match") ?? ""));
		}
		const access = accessCerts(request, url);
		if (access !== null) return access;
		requested.push(request.url);
		if (isReceiver(url)) return receive(request);

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
