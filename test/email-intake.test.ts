import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { forgetIntegrations } from "../src/push/lookup";
import { generateEmailKey } from "../src/security/secrets";
import {
	DOMAIN,
	dated,
	deliver,
	emailIntegration,
	mail,
	retitled,
	SENDER,
	withHeader,
} from "./email-helpers";
import { admin, expectError, listAlerts, push, runAlarm } from "./helpers";
import { createChannel, incidentsOf } from "./incident-helpers";
import { createTarget, receivedBodies, unique, webhook } from "./notify-helpers";

/**
 * Mail through the worker's real `email()` handler, into real Durable Objects and D1: the
 * monitoring tools' own problem and recovery mails (test/fixtures/email/SOURCE.md) open, route,
 * notify and resolve alerts; what cannot be taken is refused with a reason and writes nothing.
 */

afterEach(() => forgetIntegrations());

async function alertsOf(id: string) {
	return (await listAlerts(id)).alerts;
}

describe("a monitoring tool's problem and recovery mails", () => {
	it("open an alert that routes and notifies, and resolve it (Nagios host)", async () => {
		const path = unique("mail");
		const { id: channelId } = await createChannel();
		await createTarget(channelId, webhook(path));
		const { id, address } = await emailIntegration({}, channelId);

		expect(await deliver(mail("nagios-host-problem.eml"), address)).toEqual({
			rejected: null,
			read: true,
		});
		const [opened] = await alertsOf(id);
		expect(opened).toMatchObject({
			alert_key: "Host Alert web-1 is",
			status: "firing",
			severity: "critical",
			title: "** PROBLEM Host Alert: web-1 is DOWN **",
			labels: { "email.from": SENDER, "email.envelope_from": SENDER },
		});
		expect(opened?.description).toContain("Info: CRITICAL - Host Unreachable (192.0.2.10)");
		await runAlarm(id);
		const [incident] = await incidentsOf(id);
		expect(incident).toMatchObject({ status: "triggered", channel_id: channelId });
		expect((await receivedBodies(path)).map((body) => body.type)).toEqual(["incident.triggered"]);

		expect((await deliver(mail("nagios-host-recovery.eml"), address)).rejected).toBeNull();
		const [resolved] = await alertsOf(id);
		expect(resolved).toMatchObject({ id: opened?.id, status: "resolved" });
		await runAlarm(id);
		expect((await receivedBodies(path)).map((body) => body.type)).toEqual([
			"incident.triggered",
			"incident.resolved",
		]);
	});

	it.each([
		["nagios-service-problem.eml", "nagios-service-recovery.eml", "critical", SENDER],
		// The envelope sender Debian's Icinga 2 script gives (it sets only the From header).
		["icinga2-host-problem.eml", "icinga2-host-recovery.eml", "warning", "root@vm"],
		["zabbix-problem.eml", "zabbix-resolved.eml", "critical", "zabbix@monitoring.example.com"],
	])("give %s and its recovery one alert key", async (problem, recovery, severity, from) => {
		// Icinga's host mail names no severity: the setting's default.
		const { id, address } = await emailIntegration({ severity: "warning" });
		expect((await deliver(mail(problem), address, { from })).rejected).toBeNull();
		const [opened] = await alertsOf(id);
		expect(opened).toMatchObject({ status: "firing", severity });
		expect((await deliver(mail(recovery), address, { from })).rejected).toBeNull();
		const alerts = await alertsOf(id);
		expect(alerts).toHaveLength(1);
		expect(alerts[0]).toMatchObject({ alert_key: opened?.alert_key, status: "resolved" });
	});

	it("applies the same Message-ID once, as a retried delivery", async () => {
		const { id, address } = await emailIntegration();
		await deliver(mail("zabbix-problem.eml"), address);
		await deliver(mail("zabbix-problem.eml"), address);
		const [alert] = await alertsOf(id);
		expect(alert?.event_count).toBe(1);
		// Another mail of the same problem, sent later (its own Message-ID and Date), counts.
		await deliver(dated(mail("zabbix-problem.eml"), Date.now() - 1000), address);
		expect((await alertsOf(id))[0]?.event_count).toBe(2);
	});

	it("tells another mail that reuses a Message-ID from a retry", async () => {
		const { id, address } = await emailIntegration();
		const same = (raw: string) => raw.replace(/^Message-Id: <[^>]+>$/m, "Message-Id: <same@vm>");
		expect((await deliver(same(mail("nagios-host-problem.eml")), address)).rejected).toBeNull();
		expect((await deliver(same(mail("nagios-host-recovery.eml")), address)).rejected).toBeNull();
		const alerts = await alertsOf(id);
		expect(alerts.map((a) => [a.status, a.event_count])).toEqual([["resolved", 2]]);
		// Long Message-IDs that share their first 250 characters are two mails too.
		const long = (raw: string, tail: string) =>
			raw.replace(/^Message-Id: <[^>]+>$/m, `Message-Id: <${"x".repeat(250)}${tail}@vm>`);
		const other = await emailIntegration();
		await deliver(long(mail("zabbix-problem.eml"), "a"), other.address);
		await deliver(long(mail("zabbix-resolved.eml"), "b"), other.address);
		expect((await alertsOf(other.id)).map((a) => a.status)).toEqual(["resolved"]);
	});

	it("orders mails by their Date: a problem retried after its recovery reopens nothing", async () => {
		const { id, address } = await emailIntegration();
		const minute = 60_000;
		const t = Date.now() - 30 * minute;
		const problem = mail("nagios-host-problem.eml");
		const recovery = mail("nagios-host-recovery.eml");
		// The problem was refused for now (a rate limit, an outage) and its sender retries it after
		// the recovery came, which found nothing open.
		await deliver(dated(recovery, t + 2 * minute), address);
		expect(await alertsOf(id)).toEqual([]);
		expect((await deliver(dated(problem, t), address)).rejected).toBeNull();
		expect(await alertsOf(id)).toEqual([]);
		// Open, resolved, then an older problem's retry: it stays resolved.
		await deliver(dated(problem, t + 10 * minute), address);
		await deliver(dated(recovery, t + 12 * minute), address);
		await deliver(dated(problem, t + 11 * minute), address);
		const alerts = await alertsOf(id);
		expect(alerts.map((a) => a.status)).toEqual(["resolved"]);
		// Its time is the problem's Date (a whole second), not when the mail came.
		const sent = t + 10 * minute;
		expect(alerts[0]?.first_event_at).toBe(new Date(sent - (sent % 1000)).toISOString());
		// A newer problem opens it again.
		await deliver(dated(problem, t + 20 * minute), address);
		expect((await alertsOf(id)).map((a) => a.status)).toEqual(["firing", "resolved"]);
	});

	it("takes a Date far back as days old at most, and one ahead as now", async () => {
		const { id, address } = await emailIntegration();
		const now = Date.now();
		await deliver(
			dated(mail("nagios-host-problem.eml"), Date.parse("2001-01-01T00:00:00Z")),
			address,
		);
		const [old] = await alertsOf(id);
		const opened = Date.parse(old?.first_event_at ?? "");
		expect(opened).toBeGreaterThanOrEqual(now - 5 * 24 * 3_600_000);
		expect(opened).toBeLessThan(now - 4 * 24 * 3_600_000);
		// A recovery from a clock a year ahead is taken as happening now, and closes it.
		await deliver(dated(mail("nagios-host-recovery.eml"), now + 365 * 24 * 3_600_000), address);
		const [closed] = await alertsOf(id);
		expect(closed?.status).toBe("resolved");
		expect(Date.parse(closed?.resolved_at ?? "")).toBeLessThan(now + 3_600_000);
	});

	it("takes the key from X-Alert-Key when the sender sets one", async () => {
		const { id, address } = await emailIntegration();
		await deliver(withHeader(mail("nagios-host-problem.eml"), "X-Alert-Key: web-1-ping"), address);
		const recovery = withHeader(mail("icinga2-host-recovery.eml"), "X-Alert-Key: web-1-ping");
		await deliver(recovery, address);
		const alerts = await alertsOf(id);
		expect(alerts.map((a) => [a.alert_key, a.status])).toEqual([["web-1-ping", "resolved"]]);
	});
});

describe("a subject's state", () => {
	it("is a problem when a problem word is in it, whatever recovery word is too", async () => {
		const { id, address } = await emailIntegration();
		const nagios = mail("nagios-service-problem.eml");
		for (const subject of [
			"** PROBLEM Service Alert: sw-1/UP-LINK is CRITICAL **",
			"Problem: RAID status is not OK",
			"[PROBLEM] OK-DB01 ping on OK-DB01 is CRITICAL!",
		]) {
			expect((await deliver(retitled(nagios, subject), address)).rejected).toBeNull();
		}
		const alerts = await alertsOf(id);
		expect(alerts.map((a) => [a.alert_key, a.status]).sort()).toEqual([
			["OK-DB01 ping on OK-DB01 is", "firing"],
			["RAID status is not", "firing"],
			["Service Alert sw-1/UP-LINK is", "firing"],
		]);
		// And each one's recovery resolves it.
		await deliver(retitled(nagios, "** RECOVERY Service Alert: sw-1/UP-LINK is OK **"), address);
		await deliver(retitled(nagios, "[RECOVERY] OK-DB01 ping on OK-DB01 is OK!"), address);
		await deliver(retitled(nagios, "Resolved in 1m 2s: RAID status is not OK"), address);
		expect((await alertsOf(id)).map((a) => a.status)).toEqual(["resolved", "resolved", "resolved"]);
	});

	it("opens nothing for an acknowledgement, a downtime, flapping or a Zabbix update", async () => {
		const { id, address } = await emailIntegration();
		const icinga = mail("icinga2-host-problem.eml");
		const nagios = mail("nagios-host-problem.eml");
		const zabbix = mail("zabbix-problem.eml");
		const sent = [
			retitled(icinga, "[PROBLEM] http on web-1 is CRITICAL!"),
			retitled(icinga, "[ACKNOWLEDGEMENT] http on web-1 is CRITICAL!"),
			retitled(nagios, "** DOWNTIMESTART Host Alert: web-1 is DOWN **"),
			retitled(nagios, "** FLAPPINGSTART Host Alert: web-1 is DOWN **"),
			retitled(nagios, "** FLAPPINGSTOP Host Alert: web-1 is UP **"),
			retitled(nagios, "** DOWNTIMEEND Host Alert: web-1 is UP **"),
			zabbix,
			retitled(zabbix, "Updated problem in 5m 3s: High CPU utilization on web-1"),
			retitled(zabbix, "Updated problem in 9m 1s: High CPU utilization on web-1"),
		];
		for (const raw of sent) {
			// Taken: a bounce would tell the tool's administrator something went wrong.
			expect((await deliver(raw, address)).rejected).toBeNull();
		}
		expect((await alertsOf(id)).map((a) => [a.alert_key, a.status]).sort()).toEqual([
			["High CPU utilization on web-1", "firing"],
			["http on web-1 is", "firing"],
		]);
		await deliver(retitled(icinga, "[RECOVERY] http on web-1 is OK!"), address);
		await deliver(mail("zabbix-resolved.eml"), address);
		expect((await alertsOf(id)).map((a) => a.status)).toEqual(["resolved", "resolved"]);
	});

	it("gives a subject longer than the title its recovery's key", async () => {
		const { id, address } = await emailIntegration();
		const name = `High CPU ${"x".repeat(530)} on web-1`;
		await deliver(retitled(mail("zabbix-problem.eml"), `Problem: ${name}`), address);
		await deliver(retitled(mail("zabbix-resolved.eml"), `Resolved in 5m 3s: ${name}`), address);
		const alerts = await alertsOf(id);
		expect(alerts).toHaveLength(1);
		expect(alerts[0]).toMatchObject({ status: "resolved" });
		expect(alerts[0]?.title).toHaveLength(512);
	});
});

describe("the message", () => {
	it("decodes quoted-printable ISO-8859-1 subjects and bodies", async () => {
		const { id, address } = await emailIntegration();
		await deliver(mail("latin1-qp-encoded-word.eml"), address, { from: "dwsauder@example.com" });
		const [alert] = await alertsOf(id);
		expect(alert?.title).toBe("Die Hasen und die Frösche");
		expect(alert?.description).toContain("Die Hasen klagten einst über ihre mißliche Lage");
	});

	it("turns an HTML-only mail into text, and reads the severity its subject names", async () => {
		const { id, address } = await emailIntegration();
		await deliver(mail("html-only-base64.eml"), address, { from: "backup@ops.example.com" });
		const [alert] = await alertsOf(id);
		expect(alert).toMatchObject({
			title: "[backup] WARNING: nightly-full failed on db-2",
			severity: "warning",
		});
		expect(alert?.description).toContain("Backup FAILED on db-2");
		expect(alert?.description).toContain("failed at 02:14 & will be retried at 03:00.");
		expect(alert?.description).toContain("Größe: 0 bytes — see job 812.");
		expect(alert?.description).not.toMatch(/[<>]|padding|Backup report/);
	});

	it("falls back to the HTML part when the text part is empty", async () => {
		const { id, address } = await emailIntegration();
		await deliver(mail("auth-results-spf-multipart-mixed.eml"), address, { from: "x@bbva.mx" });
		const [alert] = await alertsOf(id);
		expect(alert?.title).toBe("Transferencia Interbancaria Banca en Línea");
		expect(alert?.description.length).toBeGreaterThan(0);
		expect(alert?.description).not.toContain("<");
	});

	it("ignores attachments and counts them, and copies the chosen headers to labels", async () => {
		const { id, address } = await emailIntegration({ label_headers: ["X-Mailer", "X-Absent"] });
		await deliver(mail("multipart-mixed-png-attachments.eml"), address, { from: "d@example.com" });
		const [alert] = await alertsOf(id);
		expect(alert?.labels).toMatchObject({
			"email.attachments": "3",
			"email.x-mailer": "Microsoft Outlook IMO, Build 9.0.2416 (9.0.2910.0)",
		});
		expect(alert?.labels).not.toHaveProperty("email.x-absent");
		expect(alert?.description).toContain("The Hare and the Tortoise");
	});

	it("never carries the integration's key into an alert, in any case", async () => {
		const { id, address, integration_key } = await emailIntegration({
			label_headers: ["X-Original-Recipient", "X-Mailer"],
		});
		const upper = address.toUpperCase();
		const raw = withHeader(
			mail("nagios-host-problem.eml")
				.replace(/^Subject: (.*)$/m, `Subject: $1 (sent to ${upper})`)
				.replace("***** Nagios *****", `***** Nagios *****\nTo: ${address}`),
			`X-Original-Recipient: ${address}, ${upper}`,
		);
		expect((await deliver(raw, address)).rejected).toBeNull();
		const [alert] = await alertsOf(id);
		expect(alert?.labels["email.x-original-recipient"]).toBe(
			"agk…@alerts.example.com, agk…@ALERTS.EXAMPLE.COM",
		);
		expect(alert?.title).toContain("(sent to agk…@ALERTS.EXAMPLE.COM)");
		expect(alert?.description).toContain("To: agk…@alerts.example.com");
		expect(JSON.stringify(alert).toLowerCase()).not.toContain(integration_key);
	});

	it("refuses a bounce: reports about mail open no alert", async () => {
		const { id, address } = await emailIntegration();
		const { rejected } = await deliver(mail("bounce-dsn-auth-results.eml"), address, { from: "" });
		expect(rejected).toContain("delivery status report");
		expect(await alertsOf(id)).toEqual([]);
	});
});

describe("the address", () => {
	it("is refused when unknown or malformed, without waking anything or naming the key", async () => {
		const unknown = generateEmailKey(crypto.randomUUID());
		for (const to of [
			`${unknown}@${DOMAIN}`,
			`alerts@${DOMAIN}`,
			`${unknown.slice(0, -1)}@${DOMAIN}`,
			`${unknown}x@${DOMAIN}`,
			unknown,
			`"${unknown}"@${DOMAIN}`,
		]) {
			const { rejected, read } = await deliver(mail("nagios-host-problem.eml"), to);
			expect(rejected).toBe("no alertgate email integration has this address");
			expect(read).toBe(false);
		}
	});

	it("takes plus-addressing and any case, and stops at once when the key is rotated", async () => {
		const { id, integration_key } = await emailIntegration();
		// The whole local part holds at most 64 octets: the key (61) leaves two for a name.
		const plus = `ag+${integration_key}@${DOMAIN}`;
		expect((await deliver(mail("nagios-host-problem.eml"), plus)).rejected).toBeNull();
		const long = await deliver(
			mail("nagios-host-problem.eml"),
			`alerts+${integration_key}@${DOMAIN}`,
		);
		expect(long.rejected).toBe("no alertgate email integration has this address");
		const upper = `${integration_key.toUpperCase()}@${DOMAIN.toUpperCase()}`;
		expect((await deliver(mail("zabbix-problem.eml"), upper)).rejected).toBeNull();
		expect(await alertsOf(id)).toHaveLength(2);

		const rotated = await admin("POST", `/integrations/${id}/rotate-key`);
		expect(rotated.body.data.email_address).toBe(`${rotated.body.data.integration_key}@`);
		const { rejected } = await deliver(mail("icinga2-host-problem.eml"), plus);
		expect(rejected).toBe("no alertgate email integration has this address");
		expect(await alertsOf(id)).toHaveLength(2);
	});

	it("refuses a mail over 1 MiB before reading it", async () => {
		const { id, address } = await emailIntegration();
		const big = await deliver(mail("nagios-host-problem.eml"), address, {
			rawSize: 1024 * 1024 + 1,
		});
		expect(big).toEqual({
			rejected:
				"the message is 1048577 bytes, over 1048576 bytes, the most an alertgate address takes",
			read: false,
		});
		// rawSize understated: the read stops at the bound.
		const padded = `${mail("nagios-host-problem.eml")}${"x".repeat(1024 * 1024)}`;
		const lied = await deliver(padded, address, { rawSize: 1000 });
		expect(lied.rejected).toContain("more than 1048576 bytes");
		expect(await alertsOf(id)).toEqual([]);
	});

	it("is shown when the integration is made; its push URL refuses HTTP pushes", async () => {
		const made = await admin("POST", "/integrations", { name: "m", type: "email" });
		expect(made.status).toBe(201);
		const { integration_key, email_address, email_address_hint } = made.body.data;
		expect(integration_key).toMatch(/^agk[a-z2-7]{58}$/);
		expect(email_address).toBe(`${integration_key}@`);
		expect(email_address_hint).toContain("EMAIL_DOMAIN");
		const pushed = await push(integration_key, { event_status: "Warning", title_rule: "x" });
		expect(expectError(pushed, 400, "WrongIntegrationType")).toContain("email integration");
		expect(JSON.stringify(pushed.body)).not.toContain(integration_key);
	});
});

describe("who may send", () => {
	it("takes only allowed senders when the list is set", async () => {
		const { id, address } = await emailIntegration({
			allowed_senders: ["@monitoring.example.com", "zabbix@other.example.com"],
		});
		expect((await deliver(mail("nagios-host-problem.eml"), address)).rejected).toBeNull();
		const other = await deliver(mail("zabbix-problem.eml"), address, {
			from: "x@other.example.com",
		});
		expect(other.rejected).toBe(
			"the sender x@other.example.com is not among this integration's allowed_senders",
		);
		const sub = await deliver(mail("zabbix-problem.eml"), address, {
			from: "zabbix@sub.monitoring.example.com",
		});
		expect(sub.rejected).toContain("allowed_senders");
		// A quoted local part is where crafted text hides: never on a list.
		const quoted = await deliver(mail("zabbix-problem.eml"), address, {
			from: '"x;dkim=pass"@monitoring.example.com',
		});
		expect(quoted.rejected).toContain("allowed_senders");
		// Icinga 2's own mail, with the envelope sender Debian's script gives it: not on the list,
		// whatever its From header says (docs/sources/email.md says how to set it).
		const icinga = await deliver(mail("icinga2-host-problem.eml"), address, { from: "root@vm" });
		expect(icinga.rejected).toBe(
			"the sender root@vm is not among this integration's allowed_senders",
		);
		expect((await alertsOf(id)).map((a) => a.alert_key)).toEqual(["Host Alert web-1 is"]);
	});

	it("throws, never rejects, when the integration's object fails (the sender retries)", async () => {
		const { id, address } = await emailIntegration();
		const failing = {
			...env,
			INTEGRATION: {
				getByName: (name: string) => {
					const real = env.INTEGRATION.getByName(name);
					return {
						describe: (hash: string) => real.describe(hash),
						ingest: () => Promise.reject(new Error("the object is unreachable")),
					};
				},
			},
		} as unknown as Env;
		let rejected: string | null = "not called";
		await expect(
			deliver(mail("nagios-host-problem.eml"), address, { env: failing }).then((d) => {
				rejected = d.rejected;
			}),
		).rejects.toThrow("the object is unreachable");
		expect(rejected).toBe("not called");
		expect(await alertsOf(id)).toEqual([]);
		// The retry goes through.
		expect((await deliver(mail("nagios-host-problem.eml"), address)).rejected).toBeNull();
	});
});
