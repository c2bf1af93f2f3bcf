import { env } from "cloudflare:workers";
import { type SnsMessage, stringToSign } from "../src/sources/sns/message";
import { parseTopicArn } from "../src/sources/sns/topic-arn";
import { snsHostFor } from "../src/sources/sns/urls";
import manifest from "./fixtures/sns/manifest.json";
import { type CreatedIntegration, call, createIntegration, moveClock } from "./helpers";
import { TEST_CERT_HEX } from "./sns-constants";

export type WireSns = Record<string, string>;

const keys = new Map<string, Promise<CryptoKey>>();

function testKey(hash: "SHA-1" | "SHA-256"): Promise<CryptoKey> {
	let key = keys.get(hash);
	if (key === undefined) {
		const pkcs8 = Uint8Array.from(atob(env.TEST_SNS_PRIVATE_KEY), (c) => c.charCodeAt(0));
		key = crypto.subtle.importKey("pkcs8", pkcs8, { name: "RSASSA-PKCS1-v1_5", hash }, false, [
			"sign",
		]);
		keys.set(hash, key);
	}
	return key;
}

/** A topic ARN no other test uses, so pins and the outbound log stay per test. */
export function uniqueTopic(region = "us-east-1", label = "alerts"): string {
	return `arn:aws:sns:${region}:123456789012:${label}-${crypto.randomUUID().slice(0, 8)}`;
}

export function certUrlFor(topicArn: string, hex = TEST_CERT_HEX): string {
	const topic = parseTopicArn(topicArn);
	if (topic === null) throw new Error(`bad topic ${topicArn}`);
	return `https://${snsHostFor(topic)}/SimpleNotificationService-${hex}.pem`;
}

/**
 * Signs an SNS message with the tests' key, as SNS would. `fields` override anything, and
 * `SigningCertURL` defaults to the stub's URL for the test certificate in the topic's region.
 */
export async function signSns(
	fields: Partial<WireSns> & { Type: SnsMessage["Type"]; TopicArn: string },
	{ version = "2" }: { version?: "1" | "2" } = {},
): Promise<WireSns> {
	const message: WireSns = {
		MessageId: crypto.randomUUID(),
		Message: "hello",
		Timestamp: new Date().toISOString(),
		SignatureVersion: version,
		SigningCertURL: certUrlFor(fields.TopicArn),
		...fields,
	};
	const key = await testKey(message.SignatureVersion === "1" ? "SHA-1" : "SHA-256");
	const signature = await crypto.subtle.sign(
		"RSASSA-PKCS1-v1_5",
		key,
		new TextEncoder().encode(stringToSign(message as SnsMessage)),
	);
	return { ...message, Signature: btoa(String.fromCharCode(...new Uint8Array(signature))) };
}

export function notification(
	topicArn: string,
	message: string | object,
	extra: Partial<WireSns> = {},
) {
	return signSns({
		Type: "Notification",
		TopicArn: topicArn,
		Message: typeof message === "string" ? message : JSON.stringify(message),
		...extra,
	});
}

export function confirmation(
	topicArn: string,
	type: "SubscriptionConfirmation" | "UnsubscribeConfirmation" = "SubscriptionConfirmation",
) {
	const token = "2336412f37fb687f5d51e6e2425929f52e8e353134fe72d55ef8b330217d82da";
	const topic = parseTopicArn(topicArn);
	if (topic === null) throw new Error(`bad topic ${topicArn}`);
	return signSns({
		Type: type,
		TopicArn: topicArn,
		Token: token,
		Message: `You have chosen to subscribe to the topic ${topicArn}.`,
		SubscribeURL: `https://${snsHostFor(topic)}/?Action=ConfirmSubscription&TopicArn=${topicArn}&Token=${token}`,
	});
}

/** A CloudWatch alarm Message in the current format; `over` replaces fields. */
export function alarm(over: Record<string, unknown> = {}) {
	return {
		AlarmName: "api-5xx-rate",
		AlarmDescription: "5xx above 1% for 5 minutes",
		AWSAccountId: "123456789012",
		NewStateValue: "ALARM",
		NewStateReason:
			"Threshold Crossed: 1 datapoint [4.2 (21/11/26 05:00:00)] was greater than the threshold (1.0).",
		StateChangeTime: "2026-11-21T05:01:00.000+0000",
		Region: "US East (N. Virginia)",
		AlarmArn: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:api-5xx-rate",
		OldStateValue: "OK",
		Trigger: {
			MetricName: "5XXError",
			Namespace: "AWS/ApiGateway",
			Statistic: "AVERAGE",
			Dimensions: [{ value: "prod-api", name: "ApiName" }],
			Period: 60,
			EvaluationPeriods: 5,
			ComparisonOperator: "GreaterThanThreshold",
			Threshold: 1.0,
		},
		...over,
	};
}

export function createCloudWatchIntegration(
	settings: Record<string, unknown> = {},
): Promise<CreatedIntegration> {
	return createIntegration("cloudwatch", "aws_cloudwatch", settings);
}

/** A push as SNS sends it: text/plain, its headers, the JSON body. */
export function pushSns(
	key: string,
	message: WireSns | string,
	headers: Record<string, string> = {},
) {
	const body = typeof message === "string" ? message : JSON.stringify(message);
	const type = typeof message === "string" ? "Notification" : (message.Type ?? "Notification");
	return call("POST", `/push/${key}`, {
		body,
		headers: {
			"Content-Type": "text/plain; charset=UTF-8",
			"x-amz-sns-message-type": type,
			"User-Agent": "Amazon Simple Notification Service Agent",
			...headers,
		},
	});
}

// Real messages signed by Amazon SNS and the real (expired) certificates that signed them.
const SNS_FILES = import.meta.glob<Record<string, string | null>>("./fixtures/sns/**/*.json", {
	eager: true,
	import: "default",
});
const SNS_CERTIFICATES = import.meta.glob<string>("./fixtures/sns/*.pem", {
	eager: true,
	query: "?raw",
	import: "default",
});

/** A JSON file of the SNS fixtures by name, parsed; fails the test when there is none. */
export function snsFixture(file: string): Record<string, string | null> {
	const parsed = SNS_FILES[`./fixtures/sns/${file}`];
	if (parsed === undefined) throw new Error(`no SNS fixture ${file}`);
	return parsed;
}

/** Every vector of the manifest with its message (`raw`) and the certificate it names. */
export const snsVectors = manifest.vectors.map((vector) => {
	const certificate = SNS_CERTIFICATES[`./fixtures/sns/${vector.cert}`];
	if (certificate === undefined) throw new Error(`missing ${vector.cert}`);
	return { ...vector, raw: snsFixture(vector.file), certificate };
});

/** The vectors are years old: the integration's clock goes back to a minute after publishing. */
export function atPublishTime(integrationId: string, timestamp: string): Promise<void> {
	return moveClock(integrationId, Date.parse(timestamp) + 60_000 - Date.now());
}

/** Every URL the outbound stub has been asked for so far (all test files). */
export async function outboundLog(): Promise<string[]> {
	return (await fetch("https://outbound.test/log")).json();
}
