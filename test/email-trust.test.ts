import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { forgetIntegrations } from "../src/push/lookup";
import {
	cloudflareBlock,
	deliver,
	emailIntegration,
	mail,
	SENDER,
	stamped,
	withHeader,
} from "./email-helpers";
import { admin, expectError, getIntegration, listAlerts, settingsRefusal } from "./helpers";

/**
 * What an email integration trusts and how it is set up: Email Routing's verdicts (recorded on
 * the alert, required when the settings say so), the settings' validation, and the preview of a
 * raw message.
 */

afterEach(() => forgetIntegrations());

const PASS =
	"mx.cloudflare.net; dkim=pass header.d=monitoring.example.com header.s=s1; dmarc=pass header.from=monitoring.example.com; spf=none smtp.helo=mail.monitoring.example.com; spf=pass smtp.mailfrom=nagios@monitoring.example.com";
const FAIL =
	"mx.cloudflare.net; dkim=fail header.d=monitoring.example.com; dmarc=fail header.from=monitoring.example.com; spf=softfail smtp.mailfrom=nagios@monitoring.example.com";

describe("Email Routing's Authentication-Results", () => {
	it("are recorded on the alert: dkim, spf (the envelope sender's) and dmarc", async () => {
		const { id, address } = await emailIntegration();
		await deliver(stamped(mail("nagios-host-problem.eml"), PASS), address);
		const [alert] = (await listAlerts(id)).alerts;
		expect(alert?.labels).toMatchObject({
			"email.dkim": "pass",
			"email.spf": "pass",
			"email.dmarc": "pass",
		});
	});

	it("are not taken from a mail's own headers (another server's, or a forged one)", async () => {
		const { id, address } = await emailIntegration({ require_auth: "dkim" });
		// Gmail's verdicts, in a mail that Email Routing gave none.
		const gmail = await deliver(mail("auth-results-dkim-multipart-alternative.eml"), address, {
			from: "support@papertrailapp.com",
		});
		expect(gmail.rejected).toContain("Email Routing gave this mail no verdict of its own");
		// Below Email Routing's own: only the block's is read.
		const below = stamped(
			withHeader(mail("nagios-host-problem.eml"), `Authentication-Results: ${PASS}`),
			FAIL,
		);
		expect((await deliver(below, address)).rejected).toContain("DKIM");
		// Below the sender's own Received header: written before the mail reached Email Routing.
		const forged = mail("nagios-host-problem.eml").replace(
			/\nFrom:/,
			`\nAuthentication-Results: ${PASS}\nFrom:`,
		);
		expect((await deliver(forged, address)).rejected).toContain("no verdict of its own");
		expect((await listAlerts(id)).alerts).toEqual([]);
		const labels = await emailIntegration();
		await deliver(mail("auth-results-dkim-multipart-alternative.eml"), labels.address);
		const [alert] = (await listAlerts(labels.id)).alerts;
		expect(alert?.labels).not.toHaveProperty("email.dkim");
	});

	it("are not taken when Email Routing stamped none and the sender wrote its own", async () => {
		// A sender talking to Email Routing's MX directly, on a delivery Cloudflare adds no
		// verdicts to (cloudflare/workerd#6740): its first header sits right under Cloudflare's
		// Received header.
		const { id, address } = await emailIntegration({
			require_auth: "dkim_and_spf",
			allowed_senders: [SENDER],
		});
		const [received = ""] = cloudflareBlock(PASS);
		const forged = [received, `Authentication-Results: ${PASS}`, mail("nagios-host-problem.eml")];
		const direct = await deliver(forged.join("\r\n"), address);
		expect(direct.rejected).toContain("Email Routing gave this mail no verdict of its own");
		// Nor with an ARC-Authentication-Results of its own making that disagrees with Cloudflare's.
		const block = cloudflareBlock(FAIL);
		const mixed = [...block, `Authentication-Results: ${PASS}`, mail("nagios-host-problem.eml")];
		expect((await deliver(mixed.join("\r\n"), address)).rejected).toContain("no verdict");
		// Nor when a header of the message's own stands inside the block.
		const broken = [...block.slice(0, 2), "X-Mailer: forger", ...block.slice(2)];
		const split = [...broken, `Authentication-Results: ${FAIL}`, mail("nagios-host-problem.eml")];
		expect((await deliver(split.join("\r\n"), address)).rejected).toContain("no verdict");
		expect((await listAlerts(id)).alerts).toEqual([]);
		expect((await getIntegration(id)).intake.refused_count).toEqual({
			AuthenticationResultsMissing: 3,
		});
		// Cloudflare's whole block, as it writes it: taken.
		const real = await deliver(stamped(mail("nagios-host-problem.eml"), PASS), address);
		expect(real.rejected).toBeNull();
	});

	it.each([
		["dkim", PASS, null],
		["dkim", FAIL, "found no DKIM signature of monitoring.example.com that passed"],
		["spf", PASS, null],
		["spf", FAIL, "found no SPF pass for the sender"],
		["dkim_and_spf", PASS, null],
		[
			"dkim_and_spf",
			FAIL,
			"DKIM signature of monitoring.example.com that passed and no SPF pass for the sender",
		],
	])("require_auth %s: %s", async (require, results, refusal) => {
		const { id, address } = await emailIntegration({ require_auth: require });
		const { rejected } = await deliver(stamped(mail("nagios-host-problem.eml"), results), address);
		if (refusal === null) {
			expect(rejected).toBeNull();
			expect((await listAlerts(id)).alerts).toHaveLength(1);
		} else {
			expect(rejected).toContain(refusal);
			expect((await listAlerts(id)).alerts).toEqual([]);
			expect((await getIntegration(id)).intake.refused_count).toEqual({
				AuthenticationRequired: 1,
			});
		}
	});

	it("counts a DKIM pass only for the envelope sender's domain", async () => {
		const { address } = await emailIntegration({ require_auth: "dkim" });
		const other = PASS.replace("header.d=monitoring.example.com", "header.d=attacker.example");
		const { rejected } = await deliver(stamped(mail("nagios-host-problem.eml"), other), address);
		expect(rejected).toContain("DKIM");
		const parent = PASS.replace("header.d=monitoring.example.com", "header.d=example.com");
		expect(
			(await deliver(stamped(mail("zabbix-problem.eml"), parent), address)).rejected,
		).toBeNull();
	});
});

describe("email settings", () => {
	it("have defaults that name the patterns they use", async () => {
		const { settings } = await emailIntegration();
		expect(settings).toMatchObject({
			require_auth: "none",
			severity: "critical",
			allowed_senders: [],
			label_headers: [],
		});
		expect(settings.resolve_patterns).toContain("\\bRECOVERY\\b");
	});

	it.each([
		[
			{ resolve_patterns: ["(unclosed"] },
			"settings.resolve_patterns[0] is not a valid RE2 pattern",
		],
		[
			{ strip_patterns: ["a".repeat(300)] },
			"settings.strip_patterns[0] must be a pattern of 1 to 256",
		],
		[
			{ problem_patterns: "DOWN" },
			"settings.problem_patterns must be a list of at most 20 RE2 patterns",
		],
		[{ label_headers: ["X-Nagios:Host"] }, "settings.label_headers[0] must be header names"],
		...["To", "cc", "Delivered-To", "X-Original-To", "ENVELOPE-TO"].map(
			(name): [Record<string, unknown>, string] => [
				{ label_headers: ["X-Mailer", name] },
				"settings.label_headers[1] must not name a header that holds the recipient",
			],
		),
		[{ allowed_senders: ["nagios"] }, "settings.allowed_senders[0] must be addresses"],
		[{ require_auth: "dmarc" }, "settings.require_auth must be none, dkim, spf or dkim_and_spf"],
		[{ subject: "x" }, "has no setting subject"],
	])("refuse %j naming the field", async (settings, message) => {
		expect(await settingsRefusal("email", settings)).toContain(message);
	});
});

describe("preview of a raw message", () => {
	const preview = (id: string, raw: string) => admin("POST", `/integrations/${id}/preview`, raw);

	it("shows the alert a problem mail would open, and stores nothing", async () => {
		const { id } = await emailIntegration();
		const reply = await preview(id, mail("zabbix-problem.eml"));
		expect(reply.status).toBe(200);
		expect(reply.body.data.alerts).toEqual([
			expect.objectContaining({
				alert_key: "High CPU utilization on web-1",
				status: "firing",
				result: "opened",
				title: "Problem: High CPU utilization on web-1",
				severity: "critical",
				labels: {
					"email.from": "zabbix@monitoring.example.com",
					"email.envelope_from": "zabbix@monitoring.example.com",
				},
			}),
		]);
		expect((await listAlerts(id)).alerts).toEqual([]);
		const recovery = await preview(id, mail("zabbix-resolved.eml"));
		expect(recovery.body.data.alerts[0]).toMatchObject({ status: "resolved", result: "ignored" });
	});

	it("answers a refusal as the mail would get it", async () => {
		const { id } = await emailIntegration({ allowed_senders: [SENDER] });
		const zabbix = await preview(id, mail("zabbix-problem.eml"));
		expect(expectError(zabbix, 422, "SenderNotAllowed")).toContain("zabbix@monitoring.example.com");
		const bounce = await preview(id, mail("bounce-dsn-auth-results.eml"));
		expect(bounce.status).toBe(422);
	});
});

describe("any message", () => {
	/** What the integration counted: mails applied (or replayed) and mails refused. */
	async function tally(id: string) {
		const { intake } = await getIntegration(id);
		const refused = Object.values(intake.refused_count as Record<string, number>);
		return {
			taken: intake.accepted_count + intake.replayed_count,
			refused: refused.reduce((a, b) => a + b, 0),
		};
	}

	it("is taken (applied, counted) or refused with a reason (counted), never thrown", async () => {
		// No ignore patterns: every mail taken is applied, so each delivery has one outcome to see.
		const { id, address } = await emailIntegration({ ignore_patterns: [] });
		const header = fc.constantFrom(
			"Subject: ",
			"Content-Type: multipart/mixed; boundary=b\r\n",
			"--b\r\n",
			"Content-Transfer-Encoding: base64\r\n",
			"=?utf-8?B?",
			"\r\n\r\n",
			"From: ",
		);
		const message = fc.array(fc.oneof(header, fc.string(), fc.string({ unit: "binary" })), {
			maxLength: 20,
		});
		await fc.assert(
			fc.asyncProperty(message, async (parts) => {
				const before = await tally(id);
				const { rejected } = await deliver(parts.join(""), address);
				const after = await tally(id);
				if (rejected === null) {
					expect(after).toEqual({ taken: before.taken + 1, refused: before.refused });
				} else {
					expect(rejected).toMatch(/^(?:the message|this |the mail has no subject)/);
					expect(after).toEqual({ taken: before.taken, refused: before.refused + 1 });
				}
			}),
			{ numRuns: 40 },
		);
	});

	it("is refused, not thrown, past the parser's bounds", async () => {
		const { address } = await emailIntegration();
		const head = "From: a@example.com\r\nSubject: x\r\nMessage-ID: <m@x>\r\nMIME-Version: 1.0\r\n";
		let nested = "";
		for (let i = 0; i < 60; i++) {
			nested += `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n`;
		}
		const part = "--z\r\nContent-Type: text/plain\r\n\r\nhi\r\n";
		const parts = `Content-Type: multipart/mixed; boundary=z\r\n\r\n${part.repeat(700)}--z--\r\n`;
		expect((await deliver(`${head}${nested}x`, address)).rejected).toBe(
			"the message could not be read as MIME (EMAXNESTINGDEPTH)",
		);
		expect((await deliver(`${head}${parts}`, address)).rejected).toBe(
			"the message could not be read as MIME (EMAXPARTCOUNT)",
		);
	});
});
