import { describe, expect, it } from "vitest";
import { checkSigningCertUrl, checkSubscribeUrl } from "../src/sources/sns/urls";
import { admin, call, expectError, listAlerts } from "./helpers";
import { BEHAVIOURS, TEST_CERT_HEX } from "./sns-constants";
import {
	alarm,
	certUrlFor,
	confirmation,
	createCloudWatchIntegration,
	notification,
	outboundLog,
	pushSns,
	signSns,
	uniqueTopic,
} from "./sns-helpers";

const TOPIC = "arn:aws:sns:us-east-1:123456789012:alerts";
const GOOD_CERT = `https://sns.us-east-1.amazonaws.com/SimpleNotificationService-${TEST_CERT_HEX}.pem`;

describe("SigningCertURL validation (pure)", () => {
	it("accepts the topic region's SNS host, in the aws, aws-cn and aws-us-gov partitions", () => {
		expect(checkSigningCertUrl(GOOD_CERT, TOPIC).ok).toBe(true);
		expect(
			checkSigningCertUrl(
				`https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-${TEST_CERT_HEX}.pem`,
				"arn:aws-cn:sns:cn-north-1:123456789012:alerts",
			).ok,
		).toBe(true);
		expect(
			checkSigningCertUrl(
				`https://sns.us-gov-west-1.amazonaws.com/SimpleNotificationService-${TEST_CERT_HEX}.pem`,
				"arn:aws-us-gov:sns:us-gov-west-1:123456789012:alerts",
			).ok,
		).toBe(true);
	});

	const pem = `SimpleNotificationService-${TEST_CERT_HEX}.pem`;
	it.each([
		["http://", `http://sns.us-east-1.amazonaws.com/${pem}`],
		["a foreign host", `https://sns.evil.com/${pem}`],
		["a look-alike suffix", `https://sns.us-east-1.amazonaws.com.evil.com/${pem}`],
		["the host in the path", `https://evil.com/sns.us-east-1.amazonaws.com/${pem}`],
		["an S3 bucket", `https://sns.s3.amazonaws.com/${pem}`],
		["an S3 regional bucket", `https://sns.s3-us-east-1.amazonaws.com/${pem}`],
		["userinfo", `https://sns.us-east-1.amazonaws.com@evil.com/${pem}`],
		["userinfo before the host", `https://evil.com@sns.us-east-1.amazonaws.com/${pem}`],
		["a percent-encoded host", `https://sns%2eus-east-1%2eamazonaws%2ecom/${pem}`],
		["a percent-encoded dot", `https://sns.us-east-1.amazonaws.com%2eevil.com/${pem}`],
		["another region", `https://sns.eu-west-1.amazonaws.com/${pem}`],
		["the China suffix outside aws-cn", `https://sns.us-east-1.amazonaws.com.cn/${pem}`],
		["a port", `https://sns.us-east-1.amazonaws.com:8443/${pem}`],
		["a query string", `https://sns.us-east-1.amazonaws.com/${pem}?x=1`],
		["a fragment", `https://sns.us-east-1.amazonaws.com/${pem}#x`],
		["another .pem path (CVE-2021-41163)", "https://sns.us-east-1.amazonaws.com/?Action=x&y=.pem"],
		["a path before the file", `https://sns.us-east-1.amazonaws.com/a/${pem}`],
		[
			"upper-case hex",
			`https://sns.us-east-1.amazonaws.com/SimpleNotificationService-${TEST_CERT_HEX.toUpperCase()}.pem`,
		],
		["an upper-case host", `https://SNS.us-east-1.amazonaws.com/${pem}`],
		["a trailing dot host", `https://sns.us-east-1.amazonaws.com./${pem}`],
		["whitespace", ` ${GOOD_CERT}`],
	])("refuses %s", (_why, url) => {
		const check = checkSigningCertUrl(url, TOPIC);
		expect(check.ok).toBe(false);
	});

	it("refuses everything when the TopicArn is not an SNS ARN", () => {
		expect(checkSigningCertUrl(GOOD_CERT, "arn:aws:sqs:us-east-1:123456789012:q").ok).toBe(false);
	});
});

describe("SubscribeURL validation (pure)", () => {
	const token = "abc123";
	const good = `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=${token}`;

	it("accepts a ConfirmSubscription URL for the message's topic", () => {
		expect(checkSubscribeUrl(good, TOPIC)).toEqual({ ok: true, url: good });
	});

	it.each([
		["another host", good.replace("sns.us-east-1.amazonaws.com", "evil.com")],
		["another region", good.replace("us-east-1.amazonaws", "eu-west-1.amazonaws")],
		["http", good.replace("https:", "http:")],
		["userinfo", good.replace("https://", "https://sns.us-east-1.amazonaws.com@")],
		["another action", good.replace("ConfirmSubscription", "Unsubscribe")],
		["another topic", good.replace(":alerts", ":other")],
		["an extra parameter", `${good}&Endpoint=https://evil.com`],
		["no token", good.replace(`&Token=${token}`, "")],
		["a path", good.replace(".com/?", ".com/x?")],
		["a fragment", `${good}#x`],
	])("refuses %s", (_why, url) => {
		expect(checkSubscribeUrl(url, TOPIC).ok).toBe(false);
	});
});

describe("forged and unusable messages over HTTP: 403 (dropped), nothing changes", () => {
	it.each([
		["a foreign certificate host", "https://sns.evil.com/SimpleNotificationService-%HEX%.pem"],
		[
			"a look-alike host",
			"https://sns.us-east-1.amazonaws.com.evil.com/SimpleNotificationService-%HEX%.pem",
		],
		["an S3 bucket", "https://sns.s3.amazonaws.com/SimpleNotificationService-%HEX%.pem"],
		[
			"userinfo",
			"https://sns.us-east-1.amazonaws.com@evil.com/SimpleNotificationService-%HEX%.pem",
		],
		["http://", "http://sns.us-east-1.amazonaws.com/SimpleNotificationService-%HEX%.pem"],
		[
			"a region other than the topic's",
			"https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-%HEX%.pem",
		],
	])("refuses a certificate URL with %s and never fetches it", async (_why, template) => {
		const { id, integration_key } = await createCloudWatchIntegration();
		const topic = uniqueTopic();
		// A hex name no other test uses, so "never fetched" cannot be confused by other files.
		const hex = crypto.randomUUID().replaceAll("-", "");
		const url = template.replace("%HEX%", hex);
		const message = await notification(topic, alarm(), { SigningCertURL: url });
		expectError(await pushSns(integration_key, message), 403, "SigningCertUrlRefused");
		expect(await outboundLog()).not.toContain(url);
		expect((await listAlerts(id)).alerts).toEqual([]);
	});

	it.each([
		["extra content around the PEM", BEHAVIOURS.extraContent, "not exactly one PEM certificate"],
		["two certificates", BEHAVIOURS.twoCertificates, "not exactly one PEM certificate"],
		["an oversized body", BEHAVIOURS.oversized, "larger than 10 KiB"],
		["a PEM that holds no certificate", BEHAVIOURS.notACertificate, "no usable RSA public key"],
	])("refuses a certificate body with %s", async (_why, hex, message) => {
		const { integration_key } = await createCloudWatchIntegration();
		const topic = uniqueTopic();
		const signed = await notification(topic, alarm(), { SigningCertURL: certUrlFor(topic, hex) });
		const reply = await pushSns(integration_key, signed);
		// The envelope's message must say why, without echoing the fetched body.
		expect(expectError(reply, 403, "SigningCertInvalid")).toContain(message);
	});

	it("refuses a message signed by another key whose certificate SNS serves", async () => {
		const { integration_key } = await createCloudWatchIntegration();
		const topic = uniqueTopic();
		const signed = await notification(topic, alarm());
		// The real 2025 AWS certificate cannot verify the tests' key's signature.
		const forged = {
			...signed,
			SigningCertURL: certUrlFor(topic, "7506a1e35b36ef5a444dd1a8e7cc3ed8"),
		};
		expectError(await pushSns(integration_key, forged), 403, "SnsSignatureInvalid");
	});

	it("refuses a message altered after signing", async () => {
		const { integration_key } = await createCloudWatchIntegration();
		const signed = await notification(uniqueTopic(), alarm());
		const altered = { ...signed, Message: signed.Message?.replace("ALARM", "OK") ?? "" };
		expectError(await pushSns(integration_key, altered), 403, "SnsSignatureInvalid");
	});

	it("refuses a signature that is not base64 or has the wrong length", async () => {
		const { integration_key } = await createCloudWatchIntegration();
		const signed = await notification(uniqueTopic(), alarm());
		for (const Signature of ["***", btoa("short")]) {
			expectError(
				await pushSns(integration_key, { ...signed, Signature }),
				403,
				"SnsSignatureInvalid",
			);
		}
	});

	it("refuses a malformed envelope naming the field", async () => {
		const { integration_key } = await createCloudWatchIntegration();
		const signed = await notification(uniqueTopic(), alarm());
		const reply = await pushSns(integration_key, { ...signed, SignatureVersion: "3" });
		expect(expectError(reply, 403, "SnsMessageMalformed")).toContain(
			"SignatureVersion must be 1 or 2",
		);
	});
});

describe("raw message delivery", () => {
	it("refuses the raw alarm body with 403 saying to turn raw delivery off", async () => {
		const { id, integration_key } = await createCloudWatchIntegration();
		const reply = await pushSns(integration_key, JSON.stringify(alarm()), {
			"x-amz-sns-rawdelivery": "true",
		});
		expect(expectError(reply, 403, "SnsMessageUnsigned")).toContain(
			"turn off raw message delivery",
		);
		expect((await listAlerts(id)).alerts).toEqual([]);
	});

	it("refuses unsigned bodies even without the header", async () => {
		const { integration_key } = await createCloudWatchIntegration();
		for (const body of [JSON.stringify(alarm()), "plain text message", "[]"]) {
			expectError(await pushSns(integration_key, body), 403, "SnsMessageUnsigned");
		}
	});
});

describe("a push that did not come from SNS", () => {
	it("says the type takes only SNS deliveries, not to turn off raw delivery", async () => {
		const { id, integration_key } = await createCloudWatchIntegration();
		// A standard event is named as such, with the type that takes it.
		const standard = await call("POST", `/push/${integration_key}`, {
			body: '{"event_status": "Critical", "title_rule": "tried with curl"}',
			headers: { "Content-Type": "application/json" },
		});
		expect(expectError(standard, 400, "WrongIntegrationType")).toContain(
			"this is a standard alert event: standard events go to a standard integration's push URL; this integration is aws_cloudwatch",
		);
		for (const body of ['{"hello": "world"}', "plain text"]) {
			const reply = await call("POST", `/push/${integration_key}`, {
				body,
				headers: { "Content-Type": "application/json" },
			});
			const message = expectError(reply, 400, "NotAnSnsMessage");
			expect(message).toContain("takes only deliveries of an SNS HTTPS subscription");
			expect(message).toContain("create a standard integration");
			expect(message).not.toContain("raw message delivery");
		}
		expect((await listAlerts(id)).alerts).toEqual([]);
	});
});

describe("certificate fetch failures: 503 so SNS retries", () => {
	it.each([
		["answers 500", BEHAVIOURS["500"]],
		["answers 404", BEHAVIOURS.notFound],
		["redirects (never followed)", BEHAVIOURS.redirect],
	])("answers 503 when the certificate URL %s", async (_why, hex) => {
		const { id, integration_key } = await createCloudWatchIntegration();
		const topic = uniqueTopic();
		const signed = await notification(topic, alarm(), { SigningCertURL: certUrlFor(topic, hex) });
		const reply = await pushSns(integration_key, signed);
		expectError(reply, 503, "SigningCertUnavailable");
		expect(reply.headers.get("Retry-After")).not.toBeNull();
		expect((await listAlerts(id)).alerts).toEqual([]);
		expect((await outboundLog()).some((url) => url.startsWith("https://evil.example"))).toBe(false);
	});
});

describe("signature version policy", () => {
	it("accepts SignatureVersion 1 and 2 by default", async () => {
		const { integration_key } = await createCloudWatchIntegration();
		const topic = uniqueTopic();
		for (const version of ["1", "2"] as const) {
			const message = await signSns(
				{
					Type: "Notification",
					TopicArn: topic,
					Message: JSON.stringify(alarm({ AlarmName: `v${version}` })),
				},
				{ version },
			);
			expect((await pushSns(integration_key, message)).status).toBe(200);
		}
	});

	it("refuses SHA1 (version 1) when min_signature_version is 2, saying how to fix it", async () => {
		const { id, integration_key } = await createCloudWatchIntegration({ min_signature_version: 2 });
		const topic = uniqueTopic();
		const v1 = await signSns(
			{ Type: "Notification", TopicArn: topic, Message: JSON.stringify(alarm()) },
			{ version: "1" },
		);
		expect(
			expectError(await pushSns(integration_key, v1), 403, "SignatureVersionRefused"),
		).toContain("SignatureVersion attribute to 2");
		const v2 = await signSns({
			Type: "Notification",
			TopicArn: topic,
			Message: JSON.stringify(alarm()),
		});
		expect((await pushSns(integration_key, v2)).status).toBe(200);
		expect((await listAlerts(id)).alerts).toHaveLength(1);
	});

	it("is settable by PATCH and validated", async () => {
		const { id, integration_key } = await createCloudWatchIntegration();
		const patched = await admin("PATCH", `/integrations/${id}`, {
			settings: { min_signature_version: 2 },
		});
		expect(patched.body.data.settings.min_signature_version).toBe(2);
		const v1 = await signSns(
			{ Type: "Notification", TopicArn: uniqueTopic(), Message: "x" },
			{ version: "1" },
		);
		expectError(await pushSns(integration_key, v1), 403, "SignatureVersionRefused");
		const bad = await admin("PATCH", `/integrations/${id}`, {
			settings: { min_signature_version: 3 },
		});
		expect(expectError(bad, 400, "InvalidParameter")).toContain(
			"settings.min_signature_version must be 1 or 2",
		);
	});
});

describe("confirmation of a forged or refused subscription", () => {
	it("never fetches the SubscribeURL of a confirmation whose signature fails", async () => {
		const { integration_key } = await createCloudWatchIntegration();
		const topic = uniqueTopic();
		const signed = await confirmation(topic);
		const forged = {
			...signed,
			SubscribeURL: signed.SubscribeURL?.replace("Token=", "Token=0") ?? "",
		};
		expectError(await pushSns(integration_key, forged), 403, "SnsSignatureInvalid");
		const confirmations = (await outboundLog()).filter(
			(url) => url.includes("Action=ConfirmSubscription") && url.includes(topic),
		);
		expect(confirmations).toEqual([]);
	});
});
