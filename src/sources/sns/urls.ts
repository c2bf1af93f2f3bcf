import { parseTopicArn, type TopicParts } from "./topic-arn";

/**
 * Validators for the two URLs an SNS message asks us to fetch. Security-critical: a URL that
 * passes here is fetched by the worker, so each rule closes a known bypass
 * (AWS, "Verifying the signatures of Amazon SNS messages",
 * https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html, and the
 * validators' advisories): S3-hosted or look-alike hosts (django-ses, novu),
 * arbitrary `.pem` paths on the real SNS host (CVE-2021-41163), userinfo/port/encoding tricks,
 * and SubscribeURL SSRF (CVE-2019-6715, CVE-2026-32096).
 */

export type UrlCheck = { ok: true; url: string } | { ok: false; reason: string };

/** The only host allowed to serve keys and confirmations for a topic: its own region's SNS. */
export function snsHostFor(topic: TopicParts): string {
	const suffix = topic.partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
	return `sns.${topic.region}.${suffix}`;
}

/**
 * The certificate URL must be exactly `https://sns.<topic region>.amazonaws.com[.cn]/
 * SimpleNotificationService-<32 hex>.pem`. Matching the raw string (not a parsed URL) leaves no
 * room for userinfo, ports, queries, fragments, percent-encoding or parser differentials.
 */
export function checkSigningCertUrl(url: string, topicArn: string): UrlCheck {
	const topic = parseTopicArn(topicArn);
	if (topic === null) return { ok: false, reason: "TopicArn is not an SNS topic ARN" };
	const host = snsHostFor(topic).replaceAll(".", "\\.");
	const shape = new RegExp(`^https://${host}/SimpleNotificationService-[0-9a-f]{32}\\.pem$`);
	if (!shape.test(url)) {
		return {
			ok: false,
			reason: `SigningCertURL must be https://${snsHostFor(topic)}/SimpleNotificationService-<hex>.pem for a topic in ${topic.region}`,
		};
	}
	return { ok: true, url };
}

/**
 * The confirmation URL must be `https://sns.<topic region>.amazonaws.com[.cn]/?Action=
 * ConfirmSubscription&TopicArn=<the message's topic>&Token=…` and nothing else.
 */
export function checkSubscribeUrl(url: string, topicArn: string): UrlCheck {
	const topic = parseTopicArn(topicArn);
	if (topic === null) return { ok: false, reason: "TopicArn is not an SNS topic ARN" };
	const host = snsHostFor(topic);
	const refuse = (why: string): UrlCheck => ({ ok: false, reason: `SubscribeURL ${why}` });
	if (!url.startsWith(`https://${host}/?`)) return refuse(`must start with https://${host}/?`);
	const parsed = URL.parse(url);
	if (
		parsed === null ||
		parsed.host !== host ||
		parsed.pathname !== "/" ||
		parsed.username !== "" ||
		parsed.password !== "" ||
		parsed.hash !== ""
	) {
		return refuse("is not a plain SNS API URL");
	}
	const params = parsed.searchParams;
	const names = [...params.keys()].sort().join(",");
	if (names !== "Action,Token,TopicArn")
		return refuse("must carry only Action, TopicArn and Token");
	if (params.get("Action") !== "ConfirmSubscription") {
		return refuse("must have Action=ConfirmSubscription");
	}
	if (params.get("TopicArn") !== topicArn) return refuse("names another topic");
	if (!/^[0-9a-f]{1,2048}$/i.test(params.get("Token") ?? "")) return refuse("has no valid Token");
	return { ok: true, url };
}
