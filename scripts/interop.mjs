// `npm run interop`: a real Alertmanager against a local alertgate, on loopback only. Not part of
// CI, and it installs nothing: it needs Debian's `prometheus-alertmanager` package (which also
// brings `amtool`), and says so when it is missing.
//
// It starts alertgate with `wrangler dev` (fresh local D1 and Durable Objects in a temporary
// directory), creates an `alertmanager`, a `pagerduty` and an `opsgenie` integration, and starts
// Alertmanager with three receivers: a webhook (Bearer auth), a PagerDuty receiver whose `url` is
// alertgate's /v2/enqueue, and an Opsgenie receiver whose `api_url` is alertgate's base URL (it
// posts to /v2/alerts and closes with /v2/alerts/{alias}/close, the key as `GenieKey`). Then,
// with `amtool`:
//   1. an alert posted to Alertmanager must open an alert and an incident in all three;
//   2. an alert posted straight to alertgate's Alertmanager API v2 (as Prometheus would) must open;
//   3. ending both must resolve every one of them, incidents included (the Opsgenie receiver's by
//      its close).
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { freePort, start, startGateway, stopChild, until } from "./lib/gateway.mjs";

const alertmanagerBin = ["prometheus-alertmanager", "alertmanager"].find(onPath);
if (alertmanagerBin === undefined || !onPath("amtool")) {
	console.error(
		"npm run interop needs Alertmanager and amtool on PATH: on Debian or Ubuntu, `sudo apt-get install prometheus-alertmanager`.",
	);
	process.exit(1);
}

const children = [];
let gateway;
let failed = false;

try {
	step("alertgate: local D1 migrations, then wrangler dev");
	gateway = await startGateway("interop");
	const { base, admin, work } = gateway;
	const alertmanagerPort = await freePort();
	const alertmanagerUrl = `http://127.0.0.1:${alertmanagerPort}`;

	const channel = await admin("POST", "/channels", { name: "interop" });
	const webhook = await admin("POST", "/integrations", {
		name: "Alertmanager webhook",
		type: "alertmanager",
		channel_id: channel.id,
	});
	const pagerDuty = await admin("POST", "/integrations", {
		name: "Alertmanager's PagerDuty receiver",
		type: "pagerduty",
		channel_id: channel.id,
	});
	const opsgenie = await admin("POST", "/integrations", {
		name: "Alertmanager's Opsgenie receiver",
		type: "opsgenie",
		channel_id: channel.id,
	});
	const receivers = [webhook, pagerDuty, opsgenie];

	step("Alertmanager on", alertmanagerUrl);
	const config = path.join(work, "alertmanager.yml");
	writeFileSync(
		config,
		`route:
  receiver: alertgate
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: alertgate
    webhook_configs:
      - url: ${base}/push
        http_config:
          authorization:
            credentials: ${webhook.integration_key}
    pagerduty_configs:
      - routing_key: ${pagerDuty.integration_key}
        url: ${base}/v2/enqueue
    opsgenie_configs:
      - api_key: ${opsgenie.integration_key}
        api_url: ${base}/
`,
	);
	children.push(
		start(alertmanagerBin, [
			`--config.file=${config}`,
			`--storage.path=${path.join(work, "alertmanager")}`,
			`--web.listen-address=127.0.0.1:${alertmanagerPort}`,
			"--cluster.listen-address=",
		]),
	);
	await until("Alertmanager is ready", async () => (await fetch(`${alertmanagerUrl}/-/ready`)).ok);

	const alertname = `AlertgateInterop${Date.now()}`;
	const labels = [`alertname=${alertname}`, "severity=critical", "instance=db-1:9100"];
	const annotations = ["--annotation=summary=Disk almost full on db-1"];
	const direct = `${base}/push/${webhook.integration_key}`;

	step("1. an alert posted to Alertmanager reaches all three receivers");
	amtool(alertmanagerUrl, [...labels, ...annotations]);
	const [amAlert] = await alertmanagerAlerts(alertmanagerUrl, alertname);
	const webhookAlert = await until("the webhook alert opens", async () =>
		(await alerts(admin, webhook.id)).find((a) => a.alert_key === amAlert?.fingerprint),
	);
	check(webhookAlert.severity === "critical", "labels.severity=critical is critical");
	check(webhookAlert.title === "Disk almost full on db-1", "annotations.summary is the title");
	await until("the PagerDuty receiver's alert opens", async () =>
		(await alerts(admin, pagerDuty.id)).find((a) => a.status === "firing"),
	);
	const opsgenieAlert = await until("the Opsgenie receiver's alert opens", async () =>
		(await alerts(admin, opsgenie.id)).find((a) => a.status === "firing"),
	);
	check(
		opsgenieAlert.labels.alertname === alertname,
		"the Opsgenie create's details are its labels",
	);
	check(
		opsgenieAlert.title.startsWith(`[FIRING:1] ${alertname}`),
		"the Opsgenie create's message is the title",
	);
	for (const integration of receivers) {
		await until(`an incident opens for ${integration.name}`, async () =>
			(await incidents(admin, integration.id)).find((i) => i.status === "triggered"),
		);
	}

	step("2. an alert posted straight to alertgate's Alertmanager API v2 (as Prometheus would)");
	const directLabels = [`alertname=${alertname}Direct`, "severity=warning"];
	amtool(direct, directLabels);
	const directAlert = await until("the directly posted alert opens", async () =>
		(await alerts(admin, webhook.id)).find((a) => a.labels.alertname === `${alertname}Direct`),
	);
	check(directAlert.expires_at !== null, "it resolves by itself unless posted again");

	step("3. ending both resolves everything");
	const ended = `--end=${new Date(Date.now() - 1000).toISOString()}`;
	amtool(alertmanagerUrl, [...labels, ...annotations, ended]);
	amtool(direct, [...directLabels, ended]);
	for (const integration of receivers) {
		await until(`every alert of ${integration.name} is resolved`, async () => {
			const list = await alerts(admin, integration.id);
			return list.length > 0 && list.every((a) => a.status === "resolved");
		});
		await until(`every incident of ${integration.name} is resolved`, async () => {
			const list = await incidents(admin, integration.id);
			return list.length > 0 && list.every((i) => i.status === "resolved");
		});
	}
	console.log(
		"\ninterop: a real Alertmanager's webhook, PagerDuty and Opsgenie receivers and its API v2 client all work",
	);
} catch (error) {
	failed = true;
	console.error(`\ninterop failed: ${error.message}`);
} finally {
	for (const child of children) stopChild(child);
	gateway?.stop();
}
process.exit(failed ? 1 : 0);

function onPath(command) {
	return spawnSync("sh", ["-c", `command -v ${command}`]).status === 0;
}

function step(...words) {
	console.log(`\n== ${words.join(" ")}`);
}

function check(condition, what) {
	if (!condition) throw new Error(`expected: ${what}`);
	console.log(`   ok: ${what}`);
}

function amtool(url, args) {
	const result = spawnSync("amtool", ["alert", "add", `--alertmanager.url=${url}`, ...args], {
		encoding: "utf8",
	});
	const where = url.replace(/agk_[\w-]+/, "agk_…");
	if (result.status !== 0) throw new Error(`amtool against ${where}: ${result.stderr.trim()}`);
	console.log(`   amtool alert add ${args.join(" ")} → ${where}`);
}

async function alertmanagerAlerts(url, alertname) {
	return until("Alertmanager holds the alert", async () => {
		const list = await (await fetch(`${url}/api/v2/alerts?filter=alertname%3D${alertname}`)).json();
		return list.length > 0 ? list : null;
	});
}

async function alerts(admin, integrationId) {
	return (await admin("GET", `/integrations/${integrationId}/alerts?limit=100`)).alerts;
}

async function incidents(admin, integrationId) {
	return (await admin("GET", `/incidents?integration_id=${integrationId}&limit=100`)).incidents;
}
