import { digestsEqual, hmacSha256 } from "./secrets";

/**
 * Whether a request comes from Slack, as Slack's guide says to check it
 * (https://api.slack.com/authentication/verifying-requests-from-slack): `X-Slack-Signature` is
 * `v0=` and the hex HMAC-SHA256, under the app's Signing Secret, of `v0:{timestamp}:{body}`, the
 * body exactly as it came, and `X-Slack-Request-Timestamp` is within five minutes of now.
 *
 * The window is what stops a replay: a signed request captured once (from a proxy's log, say)
 * would otherwise act again whenever it is sent. Nothing of the body is read before this passes.
 */

/** How far a request's timestamp may be from now, either way, in seconds (Slack's five minutes). */
export const SLACK_MAX_SKEW_S = 300;

const TIMESTAMP = /^\d{1,12}$/;
const SIGNATURE = /^v0=[0-9a-f]{64}$/;

export type SlackVerdict = { ok: true } | { ok: false; problem: string };

export async function verifySlackRequest(
	secret: string,
	headers: { timestamp: string | null; signature: string | null },
	rawBody: string,
	nowMs: number,
): Promise<SlackVerdict> {
	const { timestamp, signature } = headers;
	if (timestamp === null || signature === null) {
		return {
			ok: false,
			problem:
				"X-Slack-Request-Timestamp and X-Slack-Signature are required: only Slack's signed requests are taken",
		};
	}
	if (!TIMESTAMP.test(timestamp)) {
		return { ok: false, problem: "X-Slack-Request-Timestamp must be seconds since the epoch" };
	}
	if (Math.abs(nowMs / 1000 - Number(timestamp)) > SLACK_MAX_SKEW_S) {
		return {
			ok: false,
			problem: `X-Slack-Request-Timestamp is more than ${SLACK_MAX_SKEW_S / 60} minutes from now: a replayed or delayed request is not taken`,
		};
	}
	const expected = await slackSignature(secret, timestamp, rawBody);
	// Same length once the shape is checked, and that length is no secret.
	if (!SIGNATURE.test(signature) || !digestsEqual(expected, signature)) {
		return {
			ok: false,
			problem:
				"X-Slack-Signature does not match the body: check SLACK_SIGNING_SECRET against the Slack app's Signing Secret",
		};
	}
	return { ok: true };
}

/** `v0=` and the hex HMAC-SHA256 of `v0:{timestamp}:{body}` under the secret's UTF-8 bytes. */
export async function slackSignature(
	secret: string,
	timestamp: string,
	rawBody: string,
): Promise<string> {
	const key = new TextEncoder().encode(secret);
	return `v0=${(await hmacSha256(key, `v0:${timestamp}:${rawBody}`)).toHex()}`;
}
