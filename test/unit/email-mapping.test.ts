import { beforeAll, describe, expect, it } from "vitest";
import { loadRegexEngine } from "../../src/routing/regex-engine";
import { base32, fromBase32 } from "../../src/security/base32";
import { generateEmailKey, readIntegrationKey, redactKeys } from "../../src/security/secrets";
import { emailAddressFor, keyFromRecipient } from "../../src/sources/email/address";
import {
	authProblem,
	emailRoutingResults,
	parseAuthenticationResults,
	summary,
} from "../../src/sources/email/auth-results";
import { htmlToText, MAX_HTML_CHARS } from "../../src/sources/email/html-text";
import {
	DEFAULT_IGNORE_PATTERNS,
	DEFAULT_PROBLEM_PATTERNS,
	DEFAULT_RESOLVE_PATTERNS,
	DEFAULT_STRIP_PATTERNS,
} from "../../src/sources/email/settings";
import {
	bodySeverity,
	cleanSubject,
	isRecovery,
	keyTextOf,
	matchesAny,
	subjectSeverity,
} from "../../src/sources/email/subject";

beforeAll(() => loadRegexEngine());

describe("email keys", () => {
	it("are base32 of RFC 4648 (lowercase, no padding)", () => {
		// RFC 4648 §10's vectors, lowercased and unpadded.
		const vectors = ["", "my", "mzxq", "mzxw6", "mzxw6yq", "mzxw6ytb", "mzxw6ytboi"];
		const inputs = ["", "f", "fo", "foo", "foob", "fooba", "foobar"];
		for (const [i, input] of inputs.entries()) {
			const bytes = new TextEncoder().encode(input);
			expect(base32(bytes)).toBe(vectors[i]);
			expect(fromBase32(vectors[i] ?? "")).toEqual(bytes);
		}
		// Leftover bits that are not zero: a second spelling, refused.
		expect(fromBase32("mz")).toBeNull();
		expect(fromBase32("MY")).toBeNull();
	});

	it("carry their integration's id in 61 lowercase characters that fit a local part", () => {
		const id = crypto.randomUUID();
		const keys = new Set(Array.from({ length: 100 }, () => generateEmailKey(id)));
		expect(keys.size).toBe(100);
		for (const key of keys) {
			expect(key).toMatch(/^agk[a-z2-7]{58}$/);
			expect(readIntegrationKey(key)).toEqual({ kind: "addressed", integrationId: id });
		}
	});

	it("are read from the recipient, whole or after the last +, in any case", () => {
		const key = generateEmailKey(crypto.randomUUID());
		expect(keyFromRecipient(`${key}@alerts.example.com`)).toBe(key);
		expect(keyFromRecipient(`${key.toUpperCase()}@ALERTS.example.com`)).toBe(key);
		expect(keyFromRecipient(`a+b+${key}@alerts.example.com`)).toBe(null);
		expect(keyFromRecipient(`a+${key}@alerts.example.com`)).toBe(key);
		for (const bad of [key, `${key}@`.slice(1), `x${key}@d`, `${key.slice(1)}@d`, "@d", ""]) {
			expect(keyFromRecipient(bad)).toBeNull();
		}
	});

	it("are masked in messages and log lines, in an address too", () => {
		const key = generateEmailKey(crypto.randomUUID());
		expect(redactKeys(`mail to ${key}@alerts.example.com`)).toBe("mail to agk…@alerts.example.com");
		expect(redactKeys(`to a+${key}@d`)).toBe("to a+agk…@d");
		expect(redactKeys(`/push/${key}`)).toBe("/push/agk…");
		expect(redactKeys(`x${key}`)).toBe(`x${key}`);
		// Mail systems may change an address's case; the worker takes the key in any case.
		expect(redactKeys(`to ${key.toUpperCase()}@ALERTS.example.com`)).toBe(
			"to agk…@ALERTS.example.com",
		);
	});

	it("make the address shown on create, with or without EMAIL_DOMAIN", () => {
		expect(emailAddressFor("agkx", "alerts.example.com")).toEqual({
			email_address: "agkx@alerts.example.com",
		});
		expect(emailAddressFor("agkx", "@alerts.example.com").email_address).toBe(
			"agkx@alerts.example.com",
		);
		const bare = emailAddressFor("agkx", undefined);
		expect(bare.email_address).toBe("agkx@");
		expect(bare.email_address_hint).toContain("EMAIL_DOMAIN");
	});
});

const keyOf = (subject: string) =>
	keyTextOf(
		cleanSubject(subject, DEFAULT_STRIP_PATTERNS),
		DEFAULT_RESOLVE_PATTERNS,
		DEFAULT_PROBLEM_PATTERNS,
	);
const recovers = (subject: string) =>
	isRecovery(
		cleanSubject(subject, DEFAULT_STRIP_PATTERNS),
		DEFAULT_RESOLVE_PATTERNS,
		DEFAULT_PROBLEM_PATTERNS,
	);
const ignored = (subject: string) =>
	matchesAny(DEFAULT_IGNORE_PATTERNS, cleanSubject(subject, DEFAULT_STRIP_PATTERNS));

describe("a subject, with the default patterns", () => {
	it.each([
		["** PROBLEM Host Alert: web-1 is DOWN **", "** RECOVERY Host Alert: web-1 is UP **"],
		[
			"** PROBLEM Service Alert: db-1/Disk Space is WARNING **",
			"** RECOVERY Service Alert: db-1/Disk Space is OK **",
		],
		["[PROBLEM] Host web-1 is DOWN!", "[RECOVERY] Host web-1 is UP!"],
		["[PROBLEM] http on web-1 is CRITICAL!", "[RECOVERY] http on web-1 is OK!"],
		[
			"** PROBLEM Service Alert: sw-1/UP-LINK is CRITICAL **",
			"** RECOVERY Service Alert: sw-1/UP-LINK is OK **",
		],
		["[PROBLEM] OK-DB01 ping on OK-DB01 is CRITICAL!", "[RECOVERY] OK-DB01 ping on OK-DB01 is OK!"],
		["Problem: High CPU on web-1", "Resolved: High CPU on web-1"],
		["PROBLEM: High CPU on web-1", "OK: High CPU on web-1"],
		["Problem: High CPU on web-1", "Resolved in 5m 3s: High CPU on web-1"],
		["Problem: High CPU on web-1", "Resolved in 1d 2h 3m: High CPU on web-1"],
	])("gives %s and its recovery one key", (problem, recovery) => {
		expect(recovers(problem)).toBe(false);
		expect(recovers(recovery)).toBe(true);
		expect(keyOf(problem)).toBe(keyOf(recovery));
		expect(keyOf(problem)).not.toBe("");
	});

	it("keeps distinct problems apart", () => {
		expect(keyOf("** PROBLEM Host Alert: web-1 is DOWN **")).not.toBe(
			keyOf("** PROBLEM Host Alert: web-2 is DOWN **"),
		);
		expect(keyOf("** PROBLEM Host Alert: web-1 is DOWN **")).toBe("Host Alert web-1 is");
	});

	it("loses reply and forward prefixes and ticket numbers in the title", () => {
		expect(cleanSubject("Re: Fwd: RE:  disk full [#1234] on db-1", DEFAULT_STRIP_PATTERNS)).toBe(
			"disk full on db-1",
		);
		expect(cleanSubject("AW: [OPS-42] backup\n failed", DEFAULT_STRIP_PATTERNS)).toBe(
			"backup failed",
		);
		// The state words stay in the title.
		expect(cleanSubject("[PROBLEM] Host web-1 is DOWN!", DEFAULT_STRIP_PATTERNS)).toBe(
			"[PROBLEM] Host web-1 is DOWN!",
		);
	});

	it("does not resolve on prose: words as the tools write them", () => {
		for (const subject of [
			"ok, looks up now",
			"Okta login failed",
			"UPS on battery",
			"Backup resolver failed",
		]) {
			expect(recovers(subject)).toBe(false);
		}
	});

	it.each([
		// State words inside names are names: UP-LINK, OK-DB01, a service called UP.
		"** PROBLEM Service Alert: sw-1/UP-LINK is CRITICAL **",
		"[PROBLEM] OK-DB01 ping on OK-DB01 is CRITICAL!",
		"sw-1/UP-LINK flaps",
		"check OK-DB01",
		// A problem word wins over a recovery word.
		"Problem: RAID status is not OK",
		"Problem: RAID status is OK",
		"** PROBLEM Host Alert: web-1 is UP **",
		"[PROBLEM] Backup RECOVERY job on db-2 is CRITICAL!",
		"Backup FAILED on db-2, status CRITICAL, last good run OK",
		"Re: [RECOVERY] http on web-1 is WARNING!",
	])("never reads the problem %s as a recovery", (subject) => {
		expect(recovers(subject)).toBe(false);
	});

	it.each([
		// Nagios 4's notification types, in notify-*-by-email's subject.
		"** ACKNOWLEDGEMENT Host Alert: web-1 is DOWN **",
		"** ACKNOWLEDGEMENT Service Alert: db-1/Disk Space is CRITICAL **",
		"** DOWNTIMESTART Host Alert: web-1 is DOWN **",
		"** DOWNTIMEEND Host Alert: web-1 is UP **",
		"** DOWNTIMECANCELLED Service Alert: db-1/Disk Space is OK **",
		"** FLAPPINGSTART Service Alert: db-1/Disk Space is CRITICAL **",
		"** FLAPPINGSTOP Service Alert: db-1/Disk Space is OK **",
		"** FLAPPINGDISABLED Host Alert: web-1 is UP **",
		"** CUSTOM Host Alert: web-1 is DOWN **",
		// Icinga 2's, in its mail scripts' subject.
		"[ACKNOWLEDGEMENT] http on web-1 is CRITICAL!",
		"[DOWNTIMESTART] Host web-1 is DOWN!",
		"[DOWNTIMEEND] Host web-1 is UP!",
		"[DOWNTIMEREMOVED] Host web-1 is UP!",
		"[FLAPPINGEND] http on web-1 is OK!",
		// Zabbix 6.0's "Problem update" template and 5.0's.
		"Updated problem in 5m 3s: High CPU utilization on web-1",
		"Updated problem: High CPU utilization on web-1",
	])("ignores %s: it changes no state", (subject) => {
		expect(ignored(subject)).toBe(true);
	});

	it("ignores no problem or recovery", () => {
		for (const subject of [
			"** PROBLEM Host Alert: web-1 is DOWN **",
			"** RECOVERY Host Alert: web-1 is UP **",
			"[PROBLEM] Host web-1 is DOWN!",
			"Problem: High CPU utilization on web-1",
			"Resolved in 5m 3s: High CPU utilization on web-1",
			"Problem: custom check on web-1",
			"** PROBLEM Service Alert: web-1/ACKNOWLEDGEMENT-queue is CRITICAL **",
		]) {
			expect(ignored(subject)).toBe(false);
		}
	});

	it("gives a Zabbix problem update its problem's key, whatever its age", () => {
		const problem = keyOf("Problem: High CPU utilization on web-1");
		expect(keyOf("Updated problem in 5m 3s: High CPU utilization on web-1")).toBe(problem);
		expect(keyOf("Updated problem in 1d 2h: High CPU utilization on web-1")).toBe(problem);
		expect(recovers("Updated problem in 5m 3s: High CPU utilization on web-1")).toBe(false);
	});

	it("names a severity in capitals or brackets, the most severe of them", () => {
		expect(subjectSeverity("** PROBLEM Service Alert: db-1/Disk is CRITICAL **")).toBe("critical");
		expect(subjectSeverity("** PROBLEM Service Alert: db-1/Disk is WARNING **")).toBe("warning");
		expect(subjectSeverity("Problem [High]: disk")).toBe("critical");
		expect(subjectSeverity("(info) nightly report")).toBe("info");
		expect(subjectSeverity("WARNING then CRITICAL")).toBe("critical");
		expect(subjectSeverity("High CPU on web-1, Host Alert, low disk")).toBeNull();
		expect(bodySeverity("Problem started at 10:15\nSeverity: High\n")).toBe("critical");
		expect(bodySeverity("Severity: Average")).toBe("warning");
		expect(bodySeverity("no such line")).toBeNull();
	});
});

describe("Authentication-Results", () => {
	// Email Routing's, as a Worker received it (docs/sources/email.md).
	const CLOUDFLARE = `mx.cloudflare.net;
	dkim=pass header.d=gmail.com header.s=20251104 header.b=L6CZ3OJ0;
	dmarc=pass header.from=gmail.com policy.dmarc=none;
	spf=none (mx.cloudflare.net: no SPF records found for postmaster@mail-yw1-x112d.google.com) smtp.helo=mail-yw1-x112d.google.com;
	spf=pass (mx.cloudflare.net: domain of joe@gmail.com designates 2607:f8b0:4864:20::112d as permitted sender) smtp.mailfrom=joe@gmail.com;
	arc=pass smtp.remote-ip="2607:f8b0:4864:20::112d"`;

	it("are parsed: authserv-id, each method's result and properties, comments dropped", () => {
		const parsed = parseAuthenticationResults(CLOUDFLARE);
		expect(parsed.authservId).toBe("mx.cloudflare.net");
		expect(parsed.results.map((r) => `${r.method}=${r.result}`)).toEqual([
			"dkim=pass",
			"dmarc=pass",
			"spf=none",
			"spf=pass",
			"arc=pass",
		]);
		expect(parsed.results[0]?.props["header.d"]).toBe("gmail.com");
		expect(parsed.results[4]?.props["smtp.remote-ip"]).toBe("2607:f8b0:4864:20::112d");
		expect(summary(parsed.results, "spf")).toBe("pass");
		expect(summary(parsed.results, "dkim")).toBe("pass");
		// Gmail's older form, with a comment holding a semicolon-free explanation.
		const gmail = parseAuthenticationResults(
			"mx.google.com; spf=pass (google.com: domain of x@y.com designates 1.2.3.4 as permitted sender) smtp.mail=x@y.com; dkim=pass header.i=@papertrailapp.com",
		);
		expect(gmail.results.map((r) => r.result)).toEqual(["pass", "pass"]);
	});

	it("are read only from Email Routing's whole block on top of the message", () => {
		const h = (key: string, value: string) => ({ key, value });
		const cf = h("received", "from x (192.0.2.1)\r\n by cloudflare-email.net (cloudflare) id 1");
		const seal = h(
			"arc-seal",
			"i=1; a=rsa-sha256; s=cf2024-1; d=cloudflare-email.net; cv=none; b=x",
		);
		const sig = h("arc-message-signature", "i=1; a=rsa-sha256; d=cloudflare-email.net; b=x");
		const arc = h("arc-authentication-results", `i=1; ${CLOUDFLARE}`);
		const spf = h(
			"received-spf",
			"pass (mx.cloudflare.net: …)\r\n\treceiver=mx.cloudflare.net; client-ip=192.0.2.1;",
		);
		const ours = h("authentication-results", CLOUDFLARE);
		const theirs = h("received", "from a by mail.example.com");
		expect(emailRoutingResults([cf, seal, sig, arc, spf, ours, theirs])).toHaveLength(5);
		// Straight under Cloudflare's Received header, with no block: the sender's first header.
		expect(emailRoutingResults([cf, ours, theirs])).toBeNull();
		// Not topmost, not Cloudflare's, a header of the message inside the block, an ARC set of
		// another signer, or ARC verdicts that are not the same: not the block.
		expect(emailRoutingResults([theirs, cf, seal, sig, arc, spf, ours])).toBeNull();
		expect(emailRoutingResults([theirs, seal, sig, arc, spf, ours])).toBeNull();
		expect(emailRoutingResults([cf, seal, h("x-mailer", "m"), arc, spf, ours])).toBeNull();
		const google = h("arc-seal", "i=1; a=rsa-sha256; d=google.com; b=x");
		expect(emailRoutingResults([cf, google, sig, arc, spf, ours])).toBeNull();
		const other = h("arc-authentication-results", "i=1; mx.cloudflare.net; dkim=fail");
		expect(emailRoutingResults([cf, seal, sig, other, spf, ours])).toBeNull();
		const gmail = h("authentication-results", "mx.google.com; dkim=pass");
		expect(emailRoutingResults([cf, seal, sig, arc, spf, gmail])).toBeNull();
	});

	it("split on `;` only outside quoted strings and comments", () => {
		// An envelope sender whose quoted local part spells verdicts, echoed by Email Routing.
		const sender = `"a;dkim=pass header.d=victim.example;spf=pass smtp.mailfrom=x@victim.example;"@victim.example`;
		const value = `mx.cloudflare.net; dkim=none; dmarc=none; spf=fail (mx.cloudflare.net: domain of ${sender} does not designate 198.51.100.1 as permitted sender; see (nested; comment)) smtp.mailfrom=${sender}`;
		const parsed = parseAuthenticationResults(value);
		expect(parsed.results.map((r) => `${r.method}=${r.result}`)).toEqual([
			"dkim=none",
			"dmarc=none",
			"spf=fail",
		]);
		expect(parsed.results[2]?.props["smtp.mailfrom"]).toBe(sender);
		expect(authProblem("dkim_and_spf", parsed.results, sender)).toContain(
			"found no DKIM signature of victim.example that passed and no SPF pass",
		);
		// A quoted value is read as the string it quotes.
		const quoted = parseAuthenticationResults(
			'mx.example.net; spf=pass smtp.mailfrom="a\\"b;c@example.com"; dkim=pass header.d=example.com',
		);
		expect(quoted.results.map((r) => r.method)).toEqual(["spf", "dkim"]);
		expect(quoted.results[0]?.props["smtp.mailfrom"]).toBe('a"b;c@example.com');
	});

	it("meet SPF only for the whole envelope sender, not another address of its domain", () => {
		const results = parseAuthenticationResults(
			"mx.cloudflare.net; spf=pass smtp.mailfrom=x@victim.example",
		).results;
		expect(authProblem("spf", results, "x@victim.example")).toBeNull();
		expect(authProblem("spf", results, "X@Victim.example")).toBeNull();
		expect(authProblem("spf", results, "nagios@victim.example")).toContain("SPF pass");
	});

	it("meet a requirement only when tied to the envelope sender", () => {
		const results = parseAuthenticationResults(CLOUDFLARE).results;
		expect(authProblem("dkim_and_spf", results, "joe@gmail.com")).toBeNull();
		expect(authProblem("dkim", results, "x@mail.gmail.com")).toBeNull();
		expect(authProblem("dkim", results, "x@evil.example")).toContain(
			"DKIM signature of evil.example",
		);
		expect(authProblem("spf", results, "x@evil.example")).toContain("SPF pass");
		expect(authProblem("spf", [], "joe@gmail.com")).toContain("SPF pass");
	});
});

describe("an HTML part as text", () => {
	it("drops tags, scripts and styles, breaks blocks and decodes entities", () => {
		const html =
			"<html><head><title>t</title><style>p{x}</style></head><body><h1>Disk&nbsp;full</h1><p>on <b>db-1</b> &amp; db-2</p><script>alert(1)</script><table><tr><td>a</td><td>b</td></tr></table>&#x2014;&#8212;&unknown;</body></html>";
		// Blocks are paragraphs: a blank line between them.
		expect(htmlToText(html)).toBe("Disk full\n\non db-1 & db-2\n\na b\n\n——&unknown;");
	});

	it("reads at most MAX_HTML_CHARS of a part; an unclosed tag or script ends it", () => {
		expect(htmlToText("<p>a</p><script>x")).toBe("a");
		expect(htmlToText("a &# c")).toBe("a &# c");
		expect(htmlToText("a".repeat(MAX_HTML_CHARS + 1_000))).toBe("a".repeat(MAX_HTML_CHARS));
		// Markup that never closes, repeated: still one pass, still bounded.
		const hostile = "&#".repeat(MAX_HTML_CHARS);
		expect(htmlToText(hostile)).toBe("&#".repeat(MAX_HTML_CHARS / 2));
	});
});
