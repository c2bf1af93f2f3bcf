/**
 * Where alertgate may send a notification: checked when a target is saved, and again before
 * each send (the rules may have tightened since a target was saved). HTTPS on port 443 or 8443
 * to a public DNS name only; plain HTTP only to loopback, and only when the deployment allows it
 * (`ALLOW_HTTP_LOOPBACK`, set by `npm run dev`).
 *
 * A target URL is chosen by whoever holds the admin token, and the gateway then POSTs to it from
 * inside the deployment: every name that can only mean a private machine (a cloud's metadata
 * service, a cluster's service, a home router) is refused, so a target cannot be pointed inward.
 * These are name rules: they cannot see where a public name resolves (DNS rebinding), which is
 * the platform's egress to stop.
 */

const MAX_URL_LENGTH = 2_048;
/** The only hosts plain HTTP may reach, and only with `ALLOW_HTTP_LOOPBACK`. */
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);
/** HTTPS ports a receiver may listen on: the default and the common alternative. */
const HTTPS_PORTS = new Set(["", "443", "8443"]);
/**
 * The URL parser writes every IPv4 form (hex `0x7f000001`, decimal `2130706433`, octal, short
 * `127.1`, a trailing dot) as four decimals, and every IPv6 one in brackets (IPv4-mapped
 * included): these two shapes are every IP literal there is.
 */
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Name suffixes that never lead to a public service, and why. The special-use names of the IETF
 * registry and the names ICANN keeps out of the root zone, and the private names that networks
 * use without any delegation.
 */
const PRIVATE_SUFFIXES: ReadonlyMap<string, string> = new Map([
	// RFC 6761 §6.3: always the machine itself.
	["localhost", "loopback (RFC 6761)"],
	// RFC 6761 §6.4: never resolves.
	["invalid", "never resolves (RFC 6761)"],
	// RFC 6762: multicast DNS on the local link; Kubernetes' `svc.cluster.local` is under it.
	["local", "the local network's multicast DNS (RFC 6762)"],
	// RFC 8375: home networks; RFC 3172: the rest of .arpa is infrastructure (reverse lookups).
	["home.arpa", "home networks (RFC 8375)"],
	["arpa", "infrastructure, not hosts (RFC 3172)"],
	// RFC 7686 (Tor) and RFC 9476 (names outside the DNS).
	["onion", "Tor onion services (RFC 7686)"],
	["alt", "outside the DNS (RFC 9476)"],
	// ICANN reserved .internal for private use in 2024: metadata.google.internal, *.ec2.internal.
	["internal", "private networks (ICANN reserves .internal for them)"],
	// ICANN deferred .corp, .home and .mail indefinitely in 2018 for their name collisions.
	["corp", "private networks (ICANN name collision: never delegated)"],
	["home", "private networks (ICANN name collision: never delegated)"],
	["mail", "private networks (ICANN name collision: never delegated)"],
	// In wide private use, never delegated: routers, intranets, Kubernetes' `<name>.<ns>.svc`.
	["lan", "private networks (never delegated)"],
	["intranet", "private networks (never delegated)"],
	["private", "private networks (never delegated)"],
	["localdomain", "the machine itself (never delegated)"],
	["svc", "Kubernetes services (never delegated)"],
]);

/**
 * Public DNS services that answer any name under them with the address the name spells
 * (`10.0.0.1.nip.io`, `10-0-0-1.sslip.io`, hex `0a000001`) or with loopback (`lvh.me`): a
 * public-looking way to name a private address.
 */
const ADDRESS_ECHO_DOMAINS = [
	"nip.io",
	"sslip.io",
	"xip.io",
	"traefik.me",
	"localtest.me",
	"lvh.me",
	"vcap.me",
	"localhost.direct",
];
/** An IPv4 address spelt inside a name, dotted over labels or dashed in one (`ip-10-0-0-1`). */
const SPELT_IPV4 = /(^|[^0-9])\d{1,3}([.-])\d{1,3}\2\d{1,3}\2\d{1,3}($|[^0-9])/;

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
	// Exactly these hosts: `localhost.` or `foo.localhost` are not local development.
	const loopback = LOOPBACK_HOSTS.has(url.hostname);
	if (url.protocol === "http:" && loopback && rules.allowHttpLoopback) return null;
	if (url.protocol !== "https:") {
		return rules.allowHttpLoopback
			? "must use https:// (http:// is allowed only for localhost)"
			: "must use https://";
	}
	if (!HTTPS_PORTS.has(url.port)) return "must use port 443 or 8443";
	return hostProblem(url.hostname);
}

/**
 * Null when `text` may be the deployment's public address (`PUBLIC_URL`), the origin that
 * notifications link to: https:// (http:// only to loopback, as for targets), no user, path,
 * query or fragment, so every link is that origin and a path alertgate writes.
 */
export function publicUrlProblem(text: string, rules: UrlRules): string | null {
	const url = URL.parse(text);
	if (url === null) return "must be an absolute URL such as https://alerts.example.com";
	const loopback = url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname);
	if (url.protocol !== "https:" && !(loopback && rules.allowHttpLoopback)) {
		return "must use https://";
	}
	if (url.username !== "" || url.password !== "") return "must not carry a user name or password";
	if (url.pathname !== "/" || url.search !== "" || url.hash !== "" || text.endsWith("?")) {
		return "must be an origin only, such as https://alerts.example.com (no path or query)";
	}
	return null;
}

/** Null when `hostname` (as the URL parser wrote it) is a public DNS name; else the rule. */
function hostProblem(hostname: string): string | null {
	if (IPV4.test(hostname) || hostname.startsWith("[")) {
		return "must name a public host, not an IP address or localhost";
	}
	// `localhost.` and `router.lan.` are the same names as without the dot (absolute form).
	const name = hostname.endsWith(".") ? hostname.slice(0, -1) : hostname;
	const labels = name.split(".");
	if (labels.some((label) => label === "")) return "must name a valid host (no empty label)";
	if (labels.length < 2) {
		return name === "localhost"
			? "must name a public host, not an IP address or localhost"
			: "must name a fully qualified host (example.com), not a single-label name";
	}
	// The longest suffix first: `home.arpa` is named for what it is, not as the rest of .arpa.
	for (let i = 0; i < labels.length; i++) {
		const suffix = labels.slice(i).join(".");
		const why = PRIVATE_SUFFIXES.get(suffix);
		if (why !== undefined) return `must name a public host, not one under .${suffix}: ${why}`;
	}
	const echo = ADDRESS_ECHO_DOMAINS.find(
		(domain) => name === domain || name.endsWith(`.${domain}`),
	);
	if (echo !== undefined || SPELT_IPV4.test(name)) {
		const style = echo ?? "nip.io";
		return `must name a public host, not a name that spells or stands for an IP address (${style}-style)`;
	}
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

/**
 * Slack's Web API methods a bot target calls: fixed by alertgate, never given by a user, and
 * checked by `urlProblem` before each send like every target URL
 * (https://api.slack.com/methods/chat.postMessage, https://api.slack.com/methods/chat.update).
 */
export const SLACK_API = {
	postMessage: "https://slack.com/api/chat.postMessage",
	update: "https://slack.com/api/chat.update",
} as const;

/**
 * Null when `text` may be an interaction's `response_url`; else why not. The URL comes inside a
 * signed payload, yet alertgate POSTs the incident's state to it, so it is held to exactly what
 * Slack hands out (https://api.slack.com/interactivity/handling#message_responses): https on the
 * default port, host `hooks.slack.com` and a path under `/actions/`. Anything else is not fetched.
 */
export function slackResponseUrlProblem(text: string): string | null {
	const url = URL.parse(text);
	if (url === null) return "is not a URL";
	if (url.protocol !== "https:" || url.port !== "") return "is not https on the default port";
	if (url.username !== "" || url.password !== "") return "carries a user name or password";
	if (url.hostname !== "hooks.slack.com") return "is not on hooks.slack.com";
	if (!url.pathname.startsWith("/actions/")) return "is not under /actions/";
	return null;
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
