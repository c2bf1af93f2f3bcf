import { redactKeys } from "../security/secrets";
import type { NotificationEvent } from "./event";
import type { OutboundRequest } from "./formats";
import { maskTargetSecrets, type TargetSecrets } from "./mask";
import { render } from "./render";
import { isSlackBot, NO_SLACK_CONTEXT, type SlackContext, type SlackMessage } from "./slack";
import { slackApiOutcome } from "./slack-api";
import type { Target } from "./target";
import { type UrlRules, urlProblem } from "./url";

/**
 * One attempt to deliver a notification, and what it means for the next: 2xx is delivered;
 * timeouts, network errors, 408, 429 and 5xx are retried; any other answer (another 4xx, a
 * redirect, which is never followed) is a permanent failure. Slack's Web API says in its JSON
 * (slack-api.ts).
 */

/** A target has this long to answer. */
export const SEND_TIMEOUT_MS = 5_000;
/** Bytes of a target's answer read (for the excerpt); the rest is cancelled. */
const MAX_RESPONSE_BYTES = 1_024;
/**
 * Bytes of a Slack Web API answer read: it echoes the message posted, and the `ts` that later
 * updates need is in it (alertgate's messages are a few KiB).
 */
const SLACK_ANSWER_BYTES = 64 * 1024;
/** Characters of a target's answer kept with a delivery. */
const EXCERPT_CHARS = 200;

export type Attempt = {
	outcome: "delivered" | "retry" | "rejected";
	/** The HTTP status, or null when no answer came (timeout, network error, refused URL). */
	status: number | null;
	/**
	 * A short, secret-free description of what happened. Of a delivered attempt, worked out
	 * when read (nothing stores it).
	 */
	readonly detail: string;
	/** From `Retry-After` on 429 and 503. */
	retryAfterMs: number | null;
	/** A Slack bot's message: the one posted (kept for updates), or null when it is gone. */
	slackMessage?: SlackMessage | null;
};

export type SendOptions = {
	now?: number;
	slackContext?: SlackContext;
	/**
	 * Whether a delivered attempt's answer is read, for its `detail` (the test notification
	 * shows it; the outbox keeps none, and only cancels the body). True by default.
	 */
	readDelivered?: boolean;
};

/**
 * Renders `event` for `target` as it is now and sends it once: what the outbox and the test
 * notification both do. Never throws; a failure to render is an attempt to retry.
 */
export async function sendNotification(
	target: Target,
	event: NotificationEvent,
	rules: UrlRules,
	{ now = Date.now(), slackContext = NO_SLACK_CONTEXT, readDelivered = true }: SendOptions = {},
): Promise<Attempt> {
	try {
		const request = await render(target, event, now, slackContext);
		const secrets = [target.secret, target.previous_secret ?? ""];
		if (!isSlackBot(target)) {
			return await attempt(request, secrets, rules, fetch, now, readDelivered);
		}
		// Slack's Web API answers 200 whether the call worked or not: its JSON says.
		const answer = await exchange(request, secrets, rules, fetch, true, SLACK_ANSWER_BYTES);
		if ("outcome" in answer) return answer;
		if (answer.status < 200 || answer.status >= 300) return judge(answer, now);
		return slackApiOutcome(answer.status, answer.text, answer.tidy, slackContext.message !== null);
	} catch (error) {
		const detail = `could not be sent: ${error instanceof Error ? error.name : "error"}`;
		return { outcome: "retry", status: null, detail, retryAfterMs: null };
	}
}

export async function attempt(
	request: OutboundRequest,
	secrets: readonly string[],
	rules: UrlRules,
	fetcher: typeof fetch = fetch,
	now = Date.now(),
	readDelivered = true,
): Promise<Attempt> {
	const answer = await exchange(request, secrets, rules, fetcher, readDelivered);
	return "outcome" in answer ? answer : judge(answer, now);
}

/** What a target answered: its status and the start of its body, and a secret-free excerpt. */
type Answer = {
	status: number;
	headers: Headers;
	/** The body's first bytes as sent: never stored nor logged (`tidy` makes text fit to). */
	text: string;
	detail: string;
	tidy: (text: string) => string;
};

/** Sends the request; an attempt when no answer came (or the URL was refused), else the answer. */
async function exchange(
	request: OutboundRequest,
	secrets: readonly string[],
	rules: UrlRules,
	fetcher: typeof fetch,
	readDelivered: boolean,
	answerBytes = MAX_RESPONSE_BYTES,
): Promise<Attempt | Answer> {
	const problem = urlProblem(request.url, rules);
	if (problem !== null) {
		return { outcome: "rejected", status: null, detail: `the URL ${problem}`, retryAfterMs: null };
	}
	let response: Response;
	try {
		response = await fetcher(request.url, {
			method: "POST",
			headers: request.headers,
			body: request.body,
			redirect: "manual",
			signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
		});
	} catch (error) {
		const timedOut = error instanceof Error && error.name === "TimeoutError";
		const detail = timedOut
			? `no answer within ${SEND_TIMEOUT_MS / 1000}s`
			: `network error: ${clean(String(error), { url: request.url, secrets })}`;
		return { outcome: "retry", status: null, detail, retryAfterMs: null };
	}
	const status = response.status;
	if (!readDelivered && status >= 200 && status < 300) {
		// Nothing will read it: the body is let go unread.
		response.body?.cancel().catch(() => {});
		const detail = `HTTP ${status}`;
		return { status, headers: response.headers, text: "", detail, tidy: (words) => words };
	}
	// A receiver may echo what it was sent: the signature and the bot token's header are kept
	// out of the excerpt too.
	const sent = [request.headers["webhook-signature"], request.headers.Authorization];
	const hidden = [...secrets, ...sent.filter((value) => value !== undefined)];
	const { text, cut } = await readStart(response, answerBytes);
	const tidy = (words: string) => clean(words, { url: request.url, secrets: hidden });
	// Made when read: a delivered notification keeps no excerpt, and masking an answer works out
	// every spelling of the attempt's own signature, a new one each time.
	let detail: string | undefined;
	const describe = () => {
		if (detail !== undefined) return detail;
		const excerpt = clean(text, { url: request.url, secrets: hidden }, cut);
		detail = `HTTP ${status}${excerpt === "" ? "" : `: ${excerpt}`}`;
		return detail;
	};
	return {
		status,
		headers: response.headers,
		text,
		get detail() {
			return describe();
		},
		tidy,
	};
}

/** What an HTTP answer means for the notification, by its status. */
function judge(answer: Answer, now: number): Attempt {
	const { status, headers } = answer;
	if (status >= 200 && status < 300) {
		return {
			outcome: "delivered",
			status,
			get detail() {
				return answer.detail;
			},
			retryAfterMs: null,
		};
	}
	if (status === 408 || status === 429 || status >= 500) {
		const retryAfterMs = retryAfter(headers.get("Retry-After"), now);
		return { outcome: "retry", status, detail: answer.detail, retryAfterMs };
	}
	const why = status >= 300 && status < 400 ? " (redirects are not followed)" : "";
	return { outcome: "rejected", status, detail: answer.detail + why, retryAfterMs: null };
}

/** The first bytes of a body, as text; the rest is never read (then `cut`). */
async function readStart(
	response: Response,
	limit: number,
): Promise<{ text: string; cut: boolean }> {
	if (response.body === null) return { text: "", cut: false };
	const reader = response.body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	try {
		while (size < limit) {
			const { done, value } = await reader.read();
			if (done) break;
			chunks.push(value);
			size += value.byteLength;
		}
	} catch {
		// A body cut short still leaves what was read.
	} finally {
		reader.cancel().catch(() => {});
	}
	const bytes = new Uint8Array(size);
	let offset = 0;
	for (const chunk of chunks) {
		bytes.set(chunk, offset);
		offset += chunk.byteLength;
	}
	const cut = size >= limit;
	// Streaming mode leaves out a character cut in two by the limit, rather than writing U+FFFD.
	const text = new TextDecoder().decode(bytes.subarray(0, limit), { stream: cut });
	return { text, cut };
}

/**
 * An excerpt fit to store and show: no URL, no secret nor any part of the URL that could be one
 * (the one place an attempt's text is made, so stored errors, answers and logs hold none), one
 * line, bounded. Masked before it is cut to length, so no secret is left half-shown.
 */
function clean(text: string, target: TargetSecrets, cut = false): string {
	const line = text.replace(/\s+/g, " ").trim();
	const out = redactKeys(maskTargetSecrets(line, target, cut));
	return out.length <= EXCERPT_CHARS ? out : `${out.slice(0, EXCERPT_CHARS - 1)}…`;
}

/** `Retry-After` as seconds or an HTTP date, in ms from now; null when absent or unreadable. */
export function retryAfter(value: string | null, now: number): number | null {
	if (value === null) return null;
	if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
	const at = Date.parse(value);
	return Number.isNaN(at) ? null : Math.max(0, at - now);
}
