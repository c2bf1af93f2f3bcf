import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { attempt } from "../../src/notify/send";
import { urlProblem } from "../../src/notify/url";

const strict = { allowHttpLoopback: false };
const dev = { allowHttpLoopback: true };

/** Each refused URL, and the words its refusal must hold (the rule it broke). */
const REFUSED: [string, string][] = [
	// Single-label names and loopback, in every spelling.
	["https://router/hook", "single-label"],
	["https://localhost/hook", "localhost"],
	["https://localhost./hook", "localhost"],
	["https://LOCALHOST/hook", "localhost"],
	["https://localhost%E3%80%82/hook", "localhost"],
	["https://foo.localhost/hook", "under .localhost"],
	["https://foo.localhost./hook", "under .localhost"],
	["https://router./hook", "single-label"],
	// Special-use and private names (RFC 6761, 6762, 8375, 7686, 9476; ICANN).
	["https://printer.local/hook", "under .local: the local network's multicast DNS (RFC 6762)"],
	["https://api.default.svc.cluster.local/hook", "under .local"],
	["https://kubernetes.default.svc/hook", "under .svc"],
	["https://metadata.google.internal/computeMetadata/v1/", "under .internal"],
	["https://ip-10-0-0-1.ec2.internal/hook", "under .internal"],
	["https://ip-10-0-0-1.eu-west-1.compute.internal/hook", "under .internal"],
	["https://router.lan/hook", "under .lan"],
	["https://router.lan./hook", "under .lan"],
	["https://nas.home.arpa/hook", "under .home.arpa: home networks (RFC 8375)"],
	["https://1.0.0.127.in-addr.arpa/hook", "under .arpa"],
	["https://wiki.intranet/hook", "under .intranet"],
	["https://hooks.corp/hook", "under .corp"],
	["https://hooks.home/hook", "under .home"],
	["https://hooks.mail/hook", "under .mail"],
	["https://hooks.private/hook", "under .private"],
	["https://box.localdomain/hook", "under .localdomain"],
	["https://x.invalid/hook", "under .invalid"],
	["https://abc.onion/hook", "under .onion"],
	["https://x.alt/hook", "under .alt"],
	// Names that spell an address, and services that answer with loopback.
	["https://127.0.0.1.nip.io/hook", "spells or stands for an IP address (nip.io-style)"],
	["https://app.10.0.0.1.nip.io/hook", "spells or stands for an IP address"],
	["https://app-0a000001.nip.io/hook", "spells or stands for an IP address (nip.io-style)"],
	["https://10-0-0-1.sslip.io/hook", "spells or stands for an IP address (sslip.io-style)"],
	["https://--1.sslip.io/hook", "spells or stands for an IP address (sslip.io-style)"],
	["https://169.254.169.254.xip.io/hook", "spells or stands for an IP address"],
	["https://localtest.me/hook", "spells or stands for an IP address (localtest.me-style)"],
	["https://anything.lvh.me/hook", "spells or stands for an IP address (lvh.me-style)"],
	["https://192-168-1-1.example.com/hook", "spells or stands for an IP address"],
	["https://10.0.0.1.example.com/hook", "spells or stands for an IP address"],
	// IP literals in every form the URL parser takes.
	["https://127.0.0.1/hook", "not an IP address"],
	["https://127.0.0.1./hook", "not an IP address"],
	["https://0x7f000001/hook", "not an IP address"],
	["https://2130706433/hook", "not an IP address"],
	["https://017700000001/hook", "not an IP address"],
	["https://127.1/hook", "not an IP address"],
	["https://10.0.0.1/hook", "not an IP address"],
	["https://172.16.0.1/hook", "not an IP address"],
	["https://192.168.0.1/hook", "not an IP address"],
	["https://100.64.0.1/hook", "not an IP address"],
	["https://169.254.169.254/latest/meta-data/", "not an IP address"],
	["https://224.0.0.1/hook", "not an IP address"],
	["https://0.0.0.0/hook", "not an IP address"],
	["https://8.8.8.8/hook", "not an IP address"],
	["https://[::1]/hook", "not an IP address"],
	["https://[::]/hook", "not an IP address"],
	["https://[::ffff:127.0.0.1]/hook", "not an IP address"],
	["https://[::ffff:a00:1]/hook", "not an IP address"],
	["https://[fd00::1]/hook", "not an IP address"],
	["https://[fe80::1]/hook", "not an IP address"],
	["https://[ff02::1]/hook", "not an IP address"],
	["https://[64:ff9b::a00:1]/hook", "not an IP address"],
	// Ports: 443 and 8443 only.
	["https://example.com:22/hook", "port 443 or 8443"],
	["https://example.com:6379/hook", "port 443 or 8443"],
	["https://example.com:80/hook", "port 443 or 8443"],
	["https://example.com:8080/hook", "port 443 or 8443"],
	// Empty labels.
	["https://example..com/hook", "no empty label"],
	["https://.example.com/hook", "no empty label"],
];

const ALLOWED = [
	"https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
	"https://hooks.slack-gov.com/services/T0/B0/x",
	"https://example.com/hook",
	"https://example.com./hook",
	"https://EXAMPLE.com/hook",
	"https://example.com:443/hook",
	"https://example.com:8443/hook",
	"https://prod-12.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=x",
	"https://events.pagerduty.com/v2/enqueue",
	"https://xn--e1afmkfd.xn--p1ai/hook",
	"https://пример.рф/hook",
	"https://xn--bcher-kva.example/hook",
	"https://api.v2.example.io/hook",
	"https://hooks.local-news.com/hook",
	"https://internal.example.com/hook",
	"https://lan.example.org/hook",
	"https://receiver.test/hook",
	"https://build-2024-01-02.example.com/hook",
];

describe("target hosts", () => {
	it.each(REFUSED)("refuses %s, naming the rule", (url, rule) => {
		expect(urlProblem(url, strict)).toContain(rule);
		// Allowing plain HTTP to loopback in development allows nothing more over HTTPS.
		expect(urlProblem(url, dev)).toContain(rule);
	});

	it.each(ALLOWED)("allows %s", (url) => {
		expect(urlProblem(url, strict)).toBeNull();
	});

	it("allows plain HTTP to localhost and 127.0.0.1 on any port in development only", () => {
		for (const url of ["http://localhost:8787/hook", "http://127.0.0.1:9000/hook"]) {
			expect(urlProblem(url, dev)).toBeNull();
			expect(urlProblem(url, strict)).toBe("must use https://");
		}
		for (const url of [
			"http://localhost.:8787/hook",
			"http://foo.localhost:8787/hook",
			"http://127.0.0.2:8787/hook",
			"http://10.0.0.1:8787/hook",
			"http://127.0.0.1.nip.io:8787/hook",
			"http://router.lan/hook",
			"http://example.com/hook",
		]) {
			expect(urlProblem(url, dev)).toBe(
				"must use https:// (http:// is allowed only for localhost)",
			);
		}
	});

	const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);
	const octet = fc.integer({ min: 0, max: 255 });

	it("refuses any name under a private suffix, with or without the final dot", () => {
		const suffix = fc.constantFrom(
			"localhost",
			"local",
			"cluster.local",
			"svc.cluster.local",
			"internal",
			"ec2.internal",
			"lan",
			"home.arpa",
			"intranet",
			"corp",
			"private",
		);
		fc.assert(
			fc.property(
				fc.array(label, { minLength: 1, maxLength: 3 }),
				suffix,
				fc.boolean(),
				(labels, end, dot) => {
					const problem = urlProblem(
						`https://${[...labels, end].join(".")}${dot ? "." : ""}/x`,
						strict,
					);
					expect(problem).toMatch(/^must name a public host/);
				},
			),
		);
	});

	it("refuses every spelling of an IPv4 address, and names that spell one", () => {
		const address = fc.tuple(octet, octet, octet, octet);
		fc.assert(
			fc.property(address, label, (parts, name) => {
				const number = parts.reduce((n, part) => n * 256 + part, 0);
				for (const host of [
					parts.join("."),
					String(number),
					`0x${number.toString(16)}`,
					`${parts.join(".")}.nip.io`,
					`${name}-${parts.join("-")}.sslip.io`,
					`${parts.join("-")}.${name}.com`,
					`${parts.join(".")}.${name}.com`,
				]) {
					expect(urlProblem(`https://${host}/x`, strict)).toMatch(/^must name a public host/);
				}
			}),
		);
	});

	it("refuses every port but 443 and 8443", () => {
		fc.assert(
			fc.property(fc.integer({ min: 1, max: 65_535 }), (port) => {
				const problem = urlProblem(`https://example.com:${port}/x`, strict);
				if (port === 443 || port === 8443) expect(problem).toBeNull();
				else expect(problem).toBe("must use port 443 or 8443");
			}),
		);
	});

	it("allows public names of letters, digits and hyphens, IDNs included", () => {
		const tld = fc.constantFrom("com", "io", "net", "org", "dev", "de", "xn--p1ai", "xn--fiqs8s");
		const word = fc.stringMatching(/^[a-z]([a-z-]{0,20}[a-z])?$/);
		fc.assert(
			fc.property(fc.array(word, { minLength: 1, maxLength: 3 }), tld, (labels, end) => {
				const host = [...labels, end].join(".");
				fc.pre(
					!/^(local|localhost|internal|lan|intranet|corp|home|private|mail|svc)$/.test(
						labels.at(-1) ?? "",
					),
				);
				expect(urlProblem(`https://${host}/x`, strict)).toBeNull();
			}),
		);
	});
});

describe("a send to a URL saved under older rules", () => {
	it("is refused for good before any request is made", async () => {
		const fetcher = vi.fn<typeof fetch>();
		for (const [url, rule] of REFUSED) {
			const sent = await attempt({ url, headers: {}, body: "{}" }, [], strict, fetcher);
			expect(sent).toMatchObject({ outcome: "rejected", status: null });
			expect(sent.detail).toContain(rule);
		}
		expect(fetcher).not.toHaveBeenCalled();
	});
});
