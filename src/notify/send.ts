import { redactKeys } from "../security/secrets";
import type { NotificationEvent } from "./event";
import { type OutboundRequest, render } from "./formats";
import { maskTargetSecrets, type TargetSecrets } from "./mask";
import type { Target } from "./target";
import { type UrlRules, urlProblem } from "./url";

/**
 * One attempt to deliver a notification, and what it means for the next: 2xx is delivered;
 * timeouts, network errors, 408, 429 and 5xx are retried; any other answer (another 4xx, a
 * redirect, which is never followed) is a permanent failure.
 */

/** A target has this long to answer. */
export const SEND_TIMEOUT_MS = 5_000;
/** Bytes of a target's answer read (for the excerpt); the rest is cancelled. */
const MAX_RESPONSE_BYTES = 1_024;
/** Characters of a target's answer kept with a delivery. */
const EXCERPT_CHARS = 200;

export type Attempt = {
	outcome: "delivered" | "retry" | "rejected";
	/** The HTTP status, or null when no answer came (timeout, network error, refused URL). */
	status: number | null;
	/** A short, secret-free description of what happened. */
	detail: string;
	/** From `Retry-After` on 429 and 503. */
	retryAfterMs: number | null;
};

/**
 * Renders `event` for `target` as it is now and sends it once: what the outbox and the test
 * notification both do. Never throws; a failure to render is an attempt to retry.
 */
export async function sendNotification(
	target: Target,
	event: NotificationEvent,
	rules: UrlRules,
	now = Date.now(),
): Promise<Attempt> {
	try {
		const request = await render(target, event, now);
		return await attempt(request, [target.secret, target.previous_secret ?? ""], rules, fetch, now);
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
): Promise<Attempt> {
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
	// A receiver may echo what it was sent: the signature is kept out of the excerpt too.
	const signature = request.headers["webhook-signature"];
	const hidden = signature === undefined ? secrets : [...secrets, signature];
	const { text, cut } = await readStart(response);
	const excerpt = clean(text, { url: request.url, secrets: hidden }, cut);
	const status = response.status;
	const detail = `HTTP ${status}${excerpt === "" ? "" : `: ${excerpt}`}`;
	if (status >= 200 && status < 300) {
		return { outcome: "delivered", status, detail, retryAfterMs: null };
	}
	if (status === 408 || status === 429 || status >= 500) {
		const retryAfterMs = retryAfter(response.headers.get("Retry-After"), now);
		return { outcome: "retry", status, detail, retryAfterMs };
	}
	const why = status >= 300 && status < 400 ? " (redirects are not followed)" : "";
	return { outcome: "rejected", status, detail: detail + why, retryAfterMs: null };
}

/** The first bytes of a body, as text; the rest is never read (then `cut`). */
async function readStart(response: Response): Promise<{ text: string; cut: boolean }> {
	if (response.body === null) return { text: "", cut: false };
	const reader = response.body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	try {
		while (size < MAX_RESPONSE_BYTES) {
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
	const cut = size >= MAX_RESPONSE_BYTES;
	// Streaming mode leaves out a character cut in two by the limit, rather than writing U+FFFD.
	const text = new TextDecoder().decode(bytes.subarray(0, MAX_RESPONSE_BYTES), { stream: cut });
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
