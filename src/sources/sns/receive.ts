import type { TopicCheck } from "../../durable/contract";
import { readTextLimited } from "../../http/body";
import { ok } from "../../http/envelope";
import { HttpError, ServiceUnavailable } from "../../http/errors";
import { refusalError } from "../../http/refusals";
import { fieldPath } from "../../schema/problem";
import { wrongFormat } from "../formats";
import { integrationObject, Previewed, type PushHandler, type PushTarget } from "../ingest";
import { looksSigned, SnsMessage } from "./message";
import { CertificateUnavailable, signingKeys } from "./signing-keys";
import { checkSigningCertUrl, checkSubscribeUrl } from "./urls";
import { HASH_BY_VERSION, signatureValid } from "./verify";

const CONFIRM_TIMEOUT_MS = 5_000;
const CONFIRM_MAX_BYTES = 16 * 1024;

/** What an integration's settings ask of SNS messages before they are acted on. */
export type SnsPolicy = { minSignatureVersion: 1 | 2; topicArn: string | null };

/**
 * The SNS side of an HTTPS subscription, for any source whose integration subscribes to a topic.
 * Order matters for safety: the signature is verified before anything in the message is acted
 * on, and SubscribeURL is fetched only after that, only for an accepted topic, and only once it
 * passes checkSubscribeUrl. A Notification is handed to `onNotification`, which delivers it.
 *
 * Status codes follow SNS's retry rule (only 5xx and 429 are retried, any other 4xx drops the
 * message forever): 403 for what can never verify, 503 for what a retry could fix.
 */
export async function receiveSns(
	c: Parameters<PushHandler>[0],
	target: PushTarget,
	text: string,
	policy: SnsPolicy,
	onNotification: (message: SnsMessage, topic: TopicCheck) => Promise<Response>,
): Promise<Response> {
	const message = parseSnsMessage(text, c.req.raw.headers, target);

	if (Number(message.SignatureVersion) < policy.minSignatureVersion) {
		throw new HttpError(
			403,
			"SignatureVersionRefused",
			"this integration refuses SignatureVersion 1 (SHA1) messages: set the topic's SignatureVersion attribute to 2",
		);
	}
	const topic: TopicCheck = { arn: message.TopicArn, sentAt: Date.parse(message.Timestamp) };
	// Settings that name the topic refuse others before any certificate is fetched.
	if (policy.topicArn !== null && topic.arn !== policy.topicArn) {
		throw refusalError({
			ok: false,
			reason: "topic_not_accepted",
			topic: topic.arn,
			accepted: policy.topicArn,
		});
	}
	// A preview shows what the message would do: a sample pasted from the docs is not signed
	// for this deployment, and a confirmation is never followed.
	if (target.preview) {
		if (message.Type === "Notification") return onNotification(message, topic);
		throw new Previewed({
			alerts: [],
			dropped: 0,
			note: `an SNS ${message.Type}: a push would ${message.Type === "SubscriptionConfirmation" ? "confirm the subscription to" : "record the end of the subscription to"} ${topic.arn}, and open no alert`,
		});
	}
	await verifySignature(message);

	const stub = integrationObject(c, target);
	switch (message.Type) {
		case "SubscriptionConfirmation": {
			const check = await stub.confirmationAllowed(topic, message.MessageId);
			if (!check.ok) throw refusalError(check);
			// A replay of a confirmation already followed: answered, never fetched again.
			if (check.replayed)
				return ok(c, { subscription: "confirmed", topic_arn: topic.arn, replayed: true });
			const subscriptionArn = await confirmSubscription(message);
			const recorded = await stub.recordSubscription({
				kind: "confirmed",
				topic,
				messageId: message.MessageId,
				subscriptionArn,
			});
			if (recorded !== null) throw refusalError(recorded);
			return ok(c, {
				subscription: "confirmed",
				topic_arn: topic.arn,
				subscription_arn: subscriptionArn,
			});
		}
		case "UnsubscribeConfirmation": {
			// Never follow its SubscribeURL: a GET there would subscribe us again.
			const recorded = await stub.recordSubscription({
				kind: "unsubscribed",
				topic,
				messageId: message.MessageId,
			});
			if (recorded !== null) throw refusalError(recorded);
			return ok(c, { subscription: "unsubscribed", topic_arn: topic.arn });
		}
		case "Notification":
			return onNotification(message, topic);
	}
}

/**
 * SNS sends `x-amz-sns-*` headers with every delivery, raw or not: without them, and without a
 * signed envelope, the body did not come from SNS at all (someone trying the URL with curl).
 */
function fromSns(headers: Headers): boolean {
	// Names come lowercased from Headers; only a refusal asks.
	return [...headers.keys()].some((name) => name.startsWith("x-amz-sns-"));
}

function parseSnsMessage(text: string, headers: Headers, target: PushTarget): SnsMessage {
	const unsigned = () =>
		fromSns(headers)
			? new HttpError(
					403,
					"SnsMessageUnsigned",
					"this is not a signed SNS message: turn off raw message delivery on the subscription",
				)
			: new HttpError(
					400,
					"NotAnSnsMessage",
					"an aws_cloudwatch integration takes only deliveries of an SNS HTTPS subscription: subscribe this URL to the SNS topic your alarms notify (to push alerts yourself, create a standard integration)",
				);
	if (headers.get("x-amz-sns-rawdelivery")?.toLowerCase() === "true") throw unsigned();
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		throw unsigned();
	}
	// Not from SNS at all, another sender's format (an EventBridge event, a standard event) says
	// which type takes it.
	if (!looksSigned(json)) {
		throw (fromSns(headers) ? null : wrongFormat(json, target.type)) ?? unsigned();
	}
	const parsed = SnsMessage.safeParse(json);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		throw new HttpError(
			403,
			"SnsMessageMalformed",
			`the SNS message cannot be verified: ${fieldPath(issue?.path ?? [])} ${issue?.message ?? "is invalid"}`,
		);
	}
	return parsed.data;
}

async function verifySignature(message: SnsMessage): Promise<void> {
	const url = checkSigningCertUrl(message.SigningCertURL, message.TopicArn);
	if (!url.ok) throw new HttpError(403, "SigningCertUrlRefused", url.reason);
	let key: CryptoKey;
	try {
		key = await signingKeys.key(url.url, HASH_BY_VERSION[message.SignatureVersion]);
	} catch (error) {
		if (error instanceof CertificateUnavailable) {
			throw new ServiceUnavailable("SigningCertUnavailable", error.message);
		}
		throw new HttpError(403, "SigningCertInvalid", certificateProblem(error));
	}
	if (!(await signatureValid(message, key))) {
		throw new HttpError(
			403,
			"SnsSignatureInvalid",
			"the SNS signature does not verify: the message was altered or not signed by SNS",
		);
	}
}

function certificateProblem(error: unknown): string {
	return error instanceof Error && error.message.startsWith("the signing certificate")
		? error.message
		: "the signing certificate holds no usable RSA public key";
}

/** GET the validated SubscribeURL; the SubscriptionArn from AWS's answer, or a 503 to retry. */
async function confirmSubscription(message: SnsMessage): Promise<string | null> {
	const url = checkSubscribeUrl(message.SubscribeURL ?? "", message.TopicArn);
	if (!url.ok) throw new HttpError(403, "SubscribeUrlRefused", url.reason);
	let response: Response;
	try {
		response = await fetch(url.url, {
			redirect: "manual",
			signal: AbortSignal.timeout(CONFIRM_TIMEOUT_MS),
		});
	} catch (error) {
		throw confirmFailed(`the request failed (${String(error)})`);
	}
	if (response.status !== 200) {
		await response.body?.cancel();
		throw confirmFailed(`SNS answered ${response.status}`);
	}
	const body = await readTextLimited(response, CONFIRM_MAX_BYTES).catch(() => "");
	return /<SubscriptionArn>([^<]{1,512})<\/SubscriptionArn>/.exec(body)?.[1] ?? null;
}

function confirmFailed(why: string) {
	// 503, so SNS sends the confirmation again: a 2xx here would leave the subscription pending.
	return new ServiceUnavailable(
		"SubscriptionConfirmFailed",
		`confirming the subscription failed: ${why}`,
	);
}
