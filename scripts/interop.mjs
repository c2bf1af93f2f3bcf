// `npm run interop`: a real Alertmanager against a local alertgate, on loopback only. Not part of
// CI, and it installs nothing: it needs Debian's `prometheus-alertmanager` package (which also
// brings `amtool`), and says so when it is missing.
//
// It starts alertgate with `wrangler dev` (fresh local D1 and Durable Objects in a temporary
// directory), creates an `alertmanager` and a `pagerduty` integration, and starts Alertmanager
// with a webhook receiver (Bearer auth) and a PagerDuty receiver whose `url` is alertgate's
// /v2/enqueue. Then, with `amtool`:
//   1. an alert posted to Alertmanager must open an alert and an incident in both integrations;
//   2. an alert posted straight to alertgate's Alertmanager API v2 (as Prometheus would) must open;
//   3. ending both must resolve every one of them, incidents included.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const TIMEOUT_MS = 60_000;
const ADMIN_TOKEN = `interop_${randomBytes(24).toString("base64url")}`;

const alertmanagerBin = ["prometheus-alertmanager", "alertmanager"].find(onPath);
if (alertmanagerBin === undefined || !onPath("amtool")) {
	console.error(
		"npm run interop needs Alertmanager and amtool on PATH: on Debian or Ubuntu, `sudo apt-get install prometheus-alertmanager`.",
	);
	process.exit(1);
}

const work = mkdtempSync(path.join(tmpdir(), "alertgate-interop-"));
const children = [];
let failed = false;

try {
	const gatewayPort = await freePort();
	const alertmanagerPort = await freePort();
	const base = `http://127.0.0.1:${gatewayPort}`;
	const alertmanagerUrl = `http://127.0.0.1:${alertmanagerPort}`;

	step("alertgate: local D1 migrations, then wrangler dev on", base);
	run("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", work]);
	children.push(
		start("npx", [
			"wrangler",
			"dev",
			"--ip",
			"127.0.0.1",
			"--port",
			String(gatewayPort),
			"--persist-to",
			work,
			"--var",
			`ADMIN_TOKEN:${ADMIN_TOKEN}`,
			"--show-interactive-dev-session=false",
		]),
	);
	await until("alertgate answers /healthz", async () => (await fetch(`${base}/healthz`)).ok);

	const admin = async (method, route, body) => {
		const response = await fetch(`${base}/api/v1${route}`, {
			method,
			headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const reply = await response.json();
		if (!response.ok) throw new Error(`${method} ${route}: ${JSON.stringify(reply)}`);
		return reply.data;
	};
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

	step("1. an alert posted to Alertmanager reaches both receivers");
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
	for (const integration of [webhook, pagerDuty]) {
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
	for (const integration of [webhook, pagerDuty]) {
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
		"\ninterop: a real Alertmanager's webhook and PagerDuty receivers and its API v2 client all work",
	);
} catch (error) {
	failed = true;
	console.error(`\ninterop failed: ${error.message}`);
} finally {
	for (const child of children) {
		try {
			process.kill(-child.pid, "SIGTERM");
		} catch {}
	}
	rmSync(work, { recursive: true, force: true });
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

function run(command, args) {
	const result = spawnSync(command, args, { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
	if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} exited ${result.status}`);
}

/** A long-running child in its own process group, so it is stopped with all of its children. */
function start(command, args) {
	const child = spawn(command, args, {
		cwd: root,
		detached: true,
		stdio: ["ignore", "ignore", "pipe"],
		env: { ...process.env, CI: "true" },
	});
	let stderr = "";
	child.stderr.on("data", (chunk) => {
		stderr = (stderr + chunk).slice(-4000);
	});
	child.on("exit", (code) => {
		if (code !== null && code !== 0) console.error(`${command} exited ${code}:\n${stderr}`);
	});
	return child;
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

/** Polls `probe` until it gives something truthy, or fails after TIMEOUT_MS. */
async function until(what, probe) {
	const deadline = Date.now() + TIMEOUT_MS;
	for (;;) {
		try {
			const value = await probe();
			if (value) {
				console.log(`   ok: ${what}`);
				return value;
			}
		} catch {}
		if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

function freePort() {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.unref();
		server.on("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const { port } = server.address();
			server.close(() => resolve(port));
		});
	});
}
