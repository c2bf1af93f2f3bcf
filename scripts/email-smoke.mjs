// `npm run test:email`: email intake through `wrangler dev`'s own email trigger, as a person tries
// it locally (docs/sources/email.md): a local alertgate on loopback, an email integration, then a
// Nagios problem mail POSTed to /cdn-cgi/local/email?from=…&to=<key>@… opens an alert, its
// recovery mail resolves it, and a mail to an unknown address is rejected. CI runs it after the
// browser test (.ci/run).
import { readFileSync } from "node:fs";
import path from "node:path";
import { root, startGateway, until } from "./lib/gateway.mjs";

const DOMAIN = "alerts.example.com";
const FROM = "nagios@monitoring.example.com";
const fixture = (name) => readFileSync(path.join(root, "test/fixtures/email", name));

let gateway;
let failed = false;
try {
	console.log("== alertgate: local D1 migrations, then wrangler dev");
	gateway = await startGateway("email");
	const { base, admin } = gateway;
	const send = (to, body) =>
		fetch(
			`${base}/cdn-cgi/local/email?from=${encodeURIComponent(FROM)}&to=${encodeURIComponent(to)}`,
			{ method: "POST", body },
		);

	console.log("== 1. an email integration and its address");
	const integration = await admin("POST", "/integrations", { name: "smoke mail", type: "email" });
	check(
		/^agk[a-z2-7]{58}$/.test(integration.integration_key),
		"its key is an address's local part",
	);
	check(integration.email_address === `${integration.integration_key}@`, "its address is shown");
	const address = `${integration.integration_key}@${DOMAIN}`;

	console.log("== 2. a Nagios problem mail opens an alert");
	const problem = await send(address, fixture("nagios-host-problem.eml"));
	check(problem.ok, `the mail is taken (${problem.status} ${await problem.text()})`);
	const [opened] = await until("the alert is listed", async () => {
		const { alerts } = await admin("GET", `/integrations/${integration.id}/alerts`);
		return alerts.length > 0 ? alerts : null;
	});
	check(opened.status === "firing", "it is firing");
	check(opened.title === "** PROBLEM Host Alert: web-1 is DOWN **", "its title is the subject");

	console.log("== 3. its recovery mail resolves it");
	const recovery = await send(address, fixture("nagios-host-recovery.eml"));
	check(recovery.ok, `the recovery is taken (${recovery.status})`);
	const resolved = await until("the alert is resolved", async () => {
		const { alerts } = await admin("GET", `/integrations/${integration.id}/alerts`);
		return alerts.length === 1 && alerts[0].status === "resolved" ? alerts[0] : null;
	});
	check(resolved.id === opened.id, "the same alert");

	console.log("== 4. an unknown address is rejected");
	const unknown = await send(`nobody@${DOMAIN}`, fixture("nagios-host-problem.eml"));
	const said = await unknown.text();
	check(
		unknown.status === 400 && said.includes("no alertgate email integration has this address"),
		`rejected with the reason (${unknown.status} ${said})`,
	);
} catch (error) {
	failed = true;
	console.error(error);
} finally {
	gateway?.stop();
}
console.log(failed ? "email smoke test: failed" : "email smoke test: passed");
process.exit(failed ? 1 : 0);

function check(ok, what) {
	if (!ok) throw new Error(`not so: ${what}`);
	console.log(`   ok: ${what}`);
}
