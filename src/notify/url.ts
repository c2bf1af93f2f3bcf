/**
 * Where alertgate may send a notification: checked when a target is saved, and again before
 * each send (the rules may have tightened since). HTTPS to a named host only; plain HTTP only to
 * loopback, and only when the deployment allows it (`ALLOW_HTTP_LOOPBACK`, set by `npm run dev`).
 */

const MAX_URL_LENGTH = 2_048;
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

export type UrlRules = { allowHttpLoopback: boolean };

/** The deployment's rules, from its `ALLOW_HTTP_LOOPBACK` variable. */
export const urlRulesOf = (env: { ALLOW_HTTP_LOOPBACK?: string }): UrlRules => ({
	allowHttpLoopback: env.ALLOW_HTTP_LOOPBACK === "true",
});

/** Null when `text` is a URL a notification may go to; otherwise what is wrong, as a phrase. */
export function urlProblem(text: string, rules: UrlRules): string | null {
	if (text.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
	const url = URL.parse(text);
	if (url === null) return "must be an absolute URL such as https://example.com/hook";
	if (url.username !== "" || url.password !== "") {
		return "must not carry a user name or password (put tokens in the path or query)";
	}
	const loopback = LOOPBACK_HOSTS.has(url.hostname);
	if (url.protocol === "http:" && loopback && rules.allowHttpLoopback) return null;
	if (url.protocol !== "https:") {
		return rules.allowHttpLoopback
			? "must use https:// (http:// is allowed only for localhost)"
			: "must use https://";
	}
	if (loopback || IPV4.test(url.hostname) || url.hostname.startsWith("[")) {
		return "must name a public host, not an IP address or localhost";
	}
	if (!url.hostname.includes(".")) return "must name a fully qualified host (example.com)";
	return null;
}

/** Slack incoming webhooks (and Workflow Builder webhooks) live on these hosts only. */
const SLACK_HOSTS = new Set(["hooks.slack.com", "hooks.slack-gov.com"]);

export function slackUrlProblem(text: string, rules: UrlRules): string | null {
	const problem = urlProblem(text, rules);
	if (problem !== null) return problem;
	const url = new URL(text);
	if (url.protocol === "http:") return null;
	return SLACK_HOSTS.has(url.hostname)
		? null
		: "must be a Slack incoming-webhook URL (https://hooks.slack.com/services/…)";
}

/** PagerDuty's Events API v2, per service region. */
export const PAGERDUTY_ENDPOINTS = {
	us: "https://events.pagerduty.com/v2/enqueue",
	eu: "https://events.eu.pagerduty.com/v2/enqueue",
} as const;

/** The region of a PagerDuty target, from the endpoint it sends to. */
export function pagerdutyRegion(url: string): keyof typeof PAGERDUTY_ENDPOINTS {
	return url === PAGERDUTY_ENDPOINTS.eu ? "eu" : "us";
}
