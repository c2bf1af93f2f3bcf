// Not part of `npm run bench`: a CPU profile of one kind of push, to see where its time goes.
// `node bench/profile.mjs [batch|single]` bundles as `wrangler deploy` does, runs it in Miniflare
// with the V8 inspector on, sends the pushes, and prints the functions with the most self time
// (worker and Durable Object share one isolate).
import { sign } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { buildWorker, builtModules } from "../scripts/build.mjs";
// Node 24 strips the types: the signer the tests use, and the worker's own string-to-sign.
import { stringToSign } from "../src/sources/sns/message.ts";
import { makeTestSigningIdentity } from "../test/node/signing-identity.ts";
import { ADMIN_TOKEN, adminCall, applyMigrations } from "./admin.mjs";
import { cpuMicros, measureIdle, untilQuiet, workerdPids } from "./measure.mjs";

const require = createRequire(import.meta.url);
const {
	Miniflare,
	Response: MiniflareResponse,
	convertV4MiniflareOptions,
} = createRequire(require.resolve("wrangler"))("miniflare");
const root = path.resolve(import.meta.dirname, "..");
const INSPECTOR = 9231;
/**
 * batch: 100 repeats in one request; single: one repeat; sns: a new signed CloudWatch alarm;
 * new: one new alert (and incident) per request; newbatch: 100 new alerts per request;
 * notified: as new, in a channel with three targets (each request sends three notifications).
 */
const kind = process.argv[2] ?? "batch";
const CERT_URL =
	"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem";
const identity = makeTestSigningIdentity();
/** New alerts per integration stay under its cap of 10,000 firing. */
const REQUESTS = Number(process.env.PROFILE_REQUESTS ?? (kind === "newbatch" ? 15 : 400));
const WARMUP = kind === "newbatch" ? 5 : 50;

const outdir = mkdtempSync(path.join(tmpdir(), "alertgate-profile-"));
process.on("exit", () => rmSync(outdir, { recursive: true, force: true }));
// Not minified, so the profile names functions as the source does.
await buildWorker(outdir, { minify: false, logLevel: "silent" });
// As in bench/run.mjs: no static assets, whose local router would show in the worker's profile.
const {
	modulesRules: _rules,
	assets: _assets,
	...workerOptions
} = unstable_getMiniflareWorkerOptions(path.join(root, "wrangler.toml")).workerOptions;
const mf = new Miniflare(
	convertV4MiniflareOptions({
		inspectorPort: INSPECTOR,
		workers: [
			{
				...workerOptions,
				name: "alertgate",
				unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
				modules: builtModules(outdir),
				bindings: { ...workerOptions.bindings, ADMIN_TOKEN },
				outboundService: (request) =>
					request.url === CERT_URL
						? new MiniflareResponse(identity.certificatePem)
						: TARGETS.some((target) => request.url.startsWith(target.url ?? "https://events."))
							? new MiniflareResponse("ok", { status: 202 })
							: new MiniflareResponse("unexpected outbound request", { status: 502 }),
			},
		],
	}),
);
await mf.ready;
// As in bench/run.mjs: pushes reach the worker through a socket of its own, not through
// Miniflare's entry worker, which Cloudflare does not run.
const direct = await mf.unsafeGetDirectURL("alertgate");
await applyMigrations(mf);
/** notified: the targets of its channel (a signed webhook, Slack, PagerDuty), answered 202 here. */
const TARGETS = [
	{ type: "webhook", url: "https://receiver.profile.example/hook" },
	{ type: "slack", url: "https://hooks.slack.com/services/T0/B0/profile" },
	{ type: "pagerduty", routing_key: "R0123456789abcdefghijklmnopqrstu" },
];
/** A channel without targets, or (notified) with TARGETS. */
async function quietChannel() {
	const channel = await adminCall(mf, "POST", "/channels", { name: kind });
	if (kind === "notified") {
		for (const target of TARGETS)
			await adminCall(mf, "POST", `/channels/${channel.id}/targets`, { name: "t", ...target });
	}
	return channel.id;
}
/** More than one spreads the requests round-robin, for runs longer than one integration's cap. */
const INTEGRATIONS = Number(process.env.PROFILE_INTEGRATIONS ?? 1);
const channelId =
	(kind.startsWith("new") || kind === "notified") && !process.env.PROFILE_UNROUTED
		? await quietChannel()
		: undefined;
const keys = [];
for (let i = 0; i < INTEGRATIONS; i++) {
	const created = await adminCall(mf, "POST", "/integrations", {
		name: `p${i}`,
		type: kind === "sns" ? "aws_cloudwatch" : "standard",
		// New alerts open incidents only where they are routed: a channel without targets.
		...(channelId ? { channel_id: channelId } : {}),
		settings: { rate_limit: null, ...JSON.parse(process.env.PROFILE_SETTINGS ?? "{}") },
	});
	keys.push(created.integration_key);
}
const hosts = Array.from({ length: 100 }, (_, i) => `web-${i}`);
let fresh = 0;
const newEvent = () => ({
	event_status: "Critical",
	title_rule: "queue depth high",
	alert_key: `queue-${fresh++}`,
	labels: { queue: "orders" },
});
const body =
	kind === "batch"
		? JSON.stringify({
				events: hosts.map((host) => ({
					event_status: "Warning",
					title_rule: `high latency on ${host}`,
					alert_key: `latency-${host}`,
					labels: { host, service: "web" },
				})),
			})
		: JSON.stringify({
				event_status: "Warning",
				title_rule: "high latency",
				alert_key: "latency",
				labels: { service: "web" },
			});
let sent = 0;
let requested = 0;
const url = () =>
	`${direct.origin}/push/${keys[requested++ % keys.length]}${kind.includes("batch") ? "/batch" : ""}`;
/** A new signed SNS Notification each time: a CloudWatch alarm still in ALARM, one second on. */
function snsNotification() {
	const n = sent++;
	const message = {
		Type: "Notification",
		MessageId: crypto.randomUUID(),
		TopicArn: "arn:aws:sns:us-east-1:123456789012:profile-alarms",
		Subject: 'ALARM: "api-5xx-rate" in US East (N. Virginia)',
		Message: JSON.stringify({
			AlarmName: "api-5xx-rate",
			AWSAccountId: "123456789012",
			NewStateValue: "ALARM",
			OldStateValue: "ALARM",
			NewStateReason: "Threshold Crossed",
			StateChangeTime: new Date(Date.UTC(2026, 10, 21) + n * 1000)
				.toISOString()
				.replace("Z", "+0000"),
			Region: "US East (N. Virginia)",
			AlarmArn: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:api-5xx-rate",
			Trigger: { MetricName: "5XXError", Namespace: "AWS/ApiGateway", Dimensions: [] },
		}),
		Timestamp: new Date(Date.now() - 60_000).toISOString(),
		SignatureVersion: "2",
		SigningCertURL: CERT_URL,
	};
	message.Signature = sign(
		"sha256",
		Buffer.from(stringToSign(message)),
		identity.privateKey,
	).toString("base64");
	return JSON.stringify(message);
}
const send = async () => {
	const sns = kind === "sns";
	const response = await fetch(url(), {
		method: "POST",
		headers: sns
			? { "Content-Type": "text/plain; charset=UTF-8", "x-amz-sns-message-type": "Notification" }
			: { "Content-Type": "application/json" },
		body: sns
			? snsNotification()
			: kind === "new" || kind === "notified"
				? JSON.stringify(newEvent())
				: kind === "newbatch"
					? JSON.stringify({ events: Array.from({ length: 100 }, newEvent) })
					: body,
	});
	if (!response.ok) throw new Error(`push failed: ${response.status} ${await response.text()}`);
	await response.arrayBuffer();
};
/** PROFILE_CONCURRENCY=<n>: the requests sent n at a time, as the bench's connections do. */
const CONCURRENCY = Number(process.env.PROFILE_CONCURRENCY ?? 1);
async function sendAll() {
	let left = REQUESTS;
	const worker = async () => {
		while (left-- > 0) await send();
	};
	await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}
for (let i = 0; i < WARMUP; i++) await send();

if (process.env.PROFILE_CPU_ONLY) {
	// workerd's CPU per request, without the profiler: for comparing two builds. All in, as the
	// bench measures a case: the requests and the work they leave behind (the alarm's mirror and
	// notifications) until workerd is quiet again, less its idle rate over that wait.
	const [pid] = workerdPids();
	const instance = { pid };
	await measureIdle([instance], 2_000);
	const samples = [];
	const during = [];
	for (let round = 0; round < 5; round++) {
		const before = cpuMicros(pid);
		await sendAll();
		const stopped = performance.now();
		during.push((cpuMicros(pid) - before) / REQUESTS);
		const quiet = await untilQuiet(pid);
		samples.push((quiet.cpu - before - instance.idlePerMs * (quiet.at - stopped)) / REQUESTS);
	}
	during.sort((a, b) => a - b);
	console.log(`while answering (median): ${during[2].toFixed(0)} µs per request`);
	const inOrder = samples.map((v) => v.toFixed(0)).join(", ");
	samples.sort((a, b) => a - b);
	console.log(
		`${kind}: workerd CPU per request, median of 5 rounds of ${REQUESTS}: ${samples[2].toFixed(0)} µs (in order: ${inOrder})`,
	);
	await mf.dispose();
	process.exit(0);
}

const targets = await (await fetch(`http://127.0.0.1:${INSPECTOR}/json/list`)).json();
const target = targets.find((t) => t.title?.includes("alertgate")) ?? targets[0];
const ws = new WebSocket(target.webSocketDebuggerUrl);
await new Promise((resolve) => ws.addEventListener("open", resolve));
let nextId = 1;
const pending = new Map();
ws.addEventListener("message", (message) => {
	const data = JSON.parse(message.data);
	if (data.id !== undefined) pending.get(data.id)?.(data.result);
});
const rpc = (method, params = {}) =>
	new Promise((resolve) => {
		const id = nextId++;
		pending.set(id, resolve);
		ws.send(JSON.stringify({ id, method, params }));
	});
// In this order: workerd keeps the interval only when it is set after enabling.
await rpc("Profiler.enable");
await rpc("Profiler.setSamplingInterval", { interval: 50 });
await rpc("Profiler.start");
await sendAll();
// The work the pushes leave behind: the alarm that mirrors to D1 and sends notifications.
await new Promise((resolve) => setTimeout(resolve, Number(process.env.PROFILE_AFTER_MS ?? 4_000)));
const { profile } = await rpc("Profiler.stop");

const self = new Map();
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const counts = new Map();
for (const sample of profile.samples) counts.set(sample, (counts.get(sample) ?? 0) + 1);
let total = 0;
for (const [id, count] of counts) {
	const frame = byId.get(id).callFrame;
	if (frame.functionName === "(idle)") continue;
	const name = `${frame.functionName || "(anonymous)"} ${frame.url ? `${path.basename(frame.url)}:${frame.lineNumber}:${frame.columnNumber}` : ""}`;
	self.set(name, (self.get(name) ?? 0) + count);
	total += count;
}
const interval = (profile.endTime - profile.startTime) / profile.samples.length;
console.log(
	`${kind}: ${profile.samples.length} samples of ~${interval.toFixed(0)} µs, ${REQUESTS} requests`,
);
for (const [name, count] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 45)) {
	console.log(
		`${((count / total) * 100).toFixed(1).padStart(5)}%  ${((count * interval) / REQUESTS).toFixed(1).padStart(6)} µs/req  ${name}`,
	);
}
const WRAPPERS = new Set(["exec", "flush", "run", "writeMany", "send", ""]);
// Who calls the native functions that take the most: their callers' share.
const parent = new Map();
for (const node of profile.nodes)
	for (const child of node.children ?? []) parent.set(child, node.id);
for (const native of ["exec", "(program)", "transactionSync"]) {
	const callers = new Map();
	for (const [id, count] of counts) {
		if (byId.get(id).callFrame.functionName !== native) continue;
		// Past the storage wrappers (the meter's and the write-behind's `exec` and flushes, and the
		// anonymous functions `aroundExec` makes).
		let up = byId.get(parent.get(id));
		const via = [];
		while (up !== undefined && WRAPPERS.has(up.callFrame.functionName)) {
			via.push(up.callFrame.functionName);
			up = byId.get(parent.get(up.id));
		}
		const name =
			up === undefined
				? "?"
				: `${up.callFrame.functionName} ${up.callFrame.lineNumber}:${up.callFrame.columnNumber}${via.includes("flush") ? " (held)" : ""}`;
		callers.set(name, (callers.get(name) ?? 0) + count);
	}
	console.log(`callers of ${native}:`);
	for (const [name, count] of [...callers].sort((a, b) => b[1] - a[1]).slice(0, 8)) {
		console.log(`   ${((count * interval) / REQUESTS).toFixed(1).padStart(6)} µs/req  ${name}`);
	}
}
// PROFILE_INCLUSIVE=<regex>: the functions it names, with everything they call (their total).
if (process.env.PROFILE_INCLUSIVE) {
	const wanted = new RegExp(process.env.PROFILE_INCLUSIVE);
	const inclusive = new Map();
	for (const [id, count] of counts) {
		const seen = new Set();
		for (let node = byId.get(id); node !== undefined; node = byId.get(parent.get(node.id))) {
			const name = node.callFrame.functionName;
			if (wanted.test(name)) seen.add(`${name} ${node.callFrame.lineNumber}`);
		}
		for (const name of seen) inclusive.set(name, (inclusive.get(name) ?? 0) + count);
	}
	console.log("inclusive:");
	for (const [name, count] of [...inclusive].sort((a, b) => b[1] - a[1])) {
		console.log(
			`${((count / total) * 100).toFixed(1).padStart(5)}%  ${((count * interval) / REQUESTS).toFixed(1).padStart(7)} µs/req  ${name}`,
		);
	}
}
ws.close();
await mf.dispose();
