// `npm run bench`: throughput, latency and workerd CPU per request for pushes, each printed next
// to floors measured in the same run on the same machine: a trivial worker answering 202, a
// worker making one empty Durable Object RPC, and one whose RPC also commits one SQLite write.
// Every case is reported as CPU over those floors, with the goals it is held to beside it.
//
// The worker is built exactly as `wrangler deploy` builds it (scripts/build.mjs) and run in Miniflare
// directly, without the `wrangler dev` proxy, with local D1 and SQLite-backed Durable Objects.
// Load comes from autocannon over loopback. CPU is read from the workerd process in /proc, all in:
// until workerd is idle again after the load (bench/measure.mjs). Each case's integrations count
// the rows they read and write, priced per million alerts (bench/cost.mjs).
//
// `npm run bench -- --against-alertmanager` also runs Prometheus Alertmanager on loopback
// (bench/alertmanager.mjs) in the same rounds, taking the same kinds of pushes.
import { sign } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import {
	buildWorker,
	builtModules,
	PUSH_BUDGET_KIB,
	pushModules,
	workerBuild,
} from "../scripts/build.mjs";
// Node 24 strips the types: the same signer the tests use, and the worker's own string-to-sign.
import { stringToSign } from "../src/sources/sns/message.ts";
import { makeTestSigningIdentity } from "../test/node/signing-identity.ts";
import { ADMIN_TOKEN, adminCall, applyMigrations, integrationIds } from "./admin.mjs";
import { alertmanagerAvailable } from "./alertmanager.mjs";
import { COST_NOTES, costTable, readUsage, usedBetween } from "./cost.mjs";
import {
	goals,
	NEW_BATCH_CASE,
	NOTIFICATION_POST,
	NOTIFIED,
	QUIET,
	SUSTAINED_CASE,
} from "./goals.mjs";
import { cpuMicros, measureIdle, median, run, settle, workerdPids } from "./measure.mjs";
import { spread, summarize, times } from "./stats.mjs";
import { newBatches, quietChannel, sustainedIntake } from "./throughput.mjs";
import {
	alertgateTimeToPage,
	PAGE_URL,
	pageArrived,
	pagedIntegration,
	pageStats,
	timeToPageTable,
} from "./time-to-page.mjs";
import { anchorCases, startAnchor, versusTable } from "./versus.mjs";

const require = createRequire(import.meta.url);
// The Miniflare (and so the workerd) that wrangler itself runs.
const {
	Miniflare: MiniflareV5,
	Response: MiniflareResponse,
	convertV4MiniflareOptions,
} = createRequire(require.resolve("wrangler"))("miniflare");
/** Miniflare 5 with the familiar v4 option shape (the one wrangler's helper returns). */
const startMiniflare = (options) => new MiniflareV5(convertV4MiniflareOptions(options));

const root = path.resolve(import.meta.dirname, "..");
/**
 * One scratch directory for the run, under the temporary directory (TMPDIR), removed when it
 * ends: the builds, Miniflare's SQLite files (its Durable Objects' and local D1's) and
 * Alertmanager's data all go under it. `TMPDIR=/dev/shm` measures with them in memory, without
 * the disk's flushes (docs/benchmark.md, "Storage").
 */
const SCRATCH = mkdtempSync(path.join(tmpdir(), "alertgate-bench-"));
process.env.TMPDIR = SCRATCH;
process.on("exit", () => rmSync(SCRATCH, { recursive: true, force: true }));
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 4);
/**
 * Cases are measured in interleaved rounds and reported as medians, so drift hits all alike.
 * Cases that open a new alert per push spread them over three integrations (`pushEach`): past
 * about 27,000 pushes in all, they reach each one's 10,000 firing alerts and stop the bench.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
/** BENCH_ONLY=<regex>: only the matching cases (and the floors, `/healthz`), to iterate on one path. */
const ONLY = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY, "i") : null;
/** Alertmanager beside alertgate, in the same rounds (bench/versus.mjs). */
const AGAINST_ALERTMANAGER = process.argv.slice(2).includes("--against-alertmanager");
if (AGAINST_ALERTMANAGER && !alertmanagerAvailable()) {
	console.error(
		"--against-alertmanager needs Prometheus Alertmanager on PATH: sudo apt-get install prometheus-alertmanager",
	);
	process.exit(1);
}
const TOPIC = "arn:aws:sns:us-east-1:123456789012:bench-alarms";
const CERT_URL =
	"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem";
/**
 * Distinct signed notifications: each request is a new MessageId and a newer state change. Enough
 * for 1,500 a second through the warm-up and every round (this machine verifies about 850).
 */
const SNS_MESSAGES = Number(process.env.BENCH_SNS_MESSAGES ?? 1_500 * (2 + ROUNDS * DURATION_S));
const HEALTHZ = "alertgate GET /healthz";
/** What BENCH_ONLY is matched against to run time to page (bench/time-to-page.mjs). */
const TIME_TO_PAGE = "time to page";

/** The worker built as `wrangler deploy` builds it (scripts/build.mjs), into a fresh directory. */
async function bundle() {
	const outdir = mkdtempSync(path.join(tmpdir(), "alertgate-bench-"));
	const metafile = await buildWorker(outdir, { logLevel: "silent" });
	return { outdir, push: pushModules(metafile) };
}

/** The dependencies whose weight in the push's modules the bench reports, by their import specifiers. */
const DEPENDENCIES = { re2js: ["re2js"], zod: ["zod", "zod/*"], hono: ["hono", "hono/*"] };

/**
 * What each dependency weighs in the modules a push loads, gzipped: the worker built with it left
 * out (external), subtracted from the whole.
 */
async function bundleShares() {
	const gzippedKiB = async (external) => {
		const outdir = mkdtempSync(path.join(tmpdir(), "alertgate-share-"));
		const metafile = await buildWorker(outdir, {
			external: [...workerBuild.external, ...external],
			logLevel: "silent",
		});
		return pushModules(metafile).kib;
	};
	const whole = await gzippedKiB([]);
	const shares = {};
	for (const [name, specifiers] of Object.entries(DEPENDENCIES)) {
		shares[name] = whole - (await gzippedKiB(specifiers));
	}
	return { shares, own: await gzippedKiB(Object.values(DEPENDENCIES).flat()) };
}

/**
 * Starts a Miniflare and finds its workerd among this process's children. Load goes to the first
 * worker through a socket of its own (`url`): Miniflare's own entry worker, which fronts its usual
 * URL (`entryUrl`) and runs in the same workerd, cost about three times the trivial worker's CPU
 * a request here, and Cloudflare runs no such worker. Only `/cdn-cgi/local/email` needs it.
 */
async function start(options) {
	const before = new Set(workerdPids());
	const [first, ...rest] = options.workers;
	const mf = startMiniflare({
		...options,
		workers: [{ ...first, unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }] }, ...rest],
	});
	const entryUrl = (await mf.ready).href.replace(/\/$/, "");
	const url = (await mf.unsafeGetDirectURL(first.name)).href.replace(/\/$/, "");
	const pid = workerdPids().find((p) => !before.has(p));
	if (pid === undefined) throw new Error("workerd process not found");
	return { mf, pid, url, entryUrl };
}

const FLOOR_RESPONSE = `new Response('{"request_id":"x","data":{}}', { status: 202, headers: { "Content-Type": "application/json" } })`;

/**
 * A worker alone, and a worker with one SQLite-backed Durable Object it calls per request; then a
 * worker making one outbound request per request (answered 202 by a local outbound service, the
 * same path alertgate's notifications take): over the trivial worker, what a bare subrequest costs.
 * Last, a notification's request as alertgate sends it, from a Durable Object: a POST of 1.5 KB
 * of JSON (the bench's three targets send 1.4 to 1.7 KB) with a signed webhook's headers, its
 * answer let go unread; over the empty RPC floor, what sending a notification costs alone.
 */
const FLOORS = [
	{
		name: "floor: trivial 202 worker",
		script: `export default { fetch() { return ${FLOOR_RESPONSE}; } };`,
	},
	{
		name: "floor: one empty Durable Object RPC",
		script: `import { DurableObject } from "cloudflare:workers";
			export class Floor extends DurableObject { noop() { return 1; } }
			export default { async fetch(request, env) {
				await env.FLOOR.getByName("one").noop();
				return ${FLOOR_RESPONSE};
			} };`,
	},
	{
		name: "floor: one Durable Object RPC that commits one write",
		script: `import { DurableObject } from "cloudflare:workers";
			export class Floor extends DurableObject {
				constructor(ctx, env) {
					super(ctx, env);
					ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, n INTEGER)");
				}
				write() {
					this.ctx.storage.sql.exec("INSERT INTO t VALUES ('k', 1) ON CONFLICT (k) DO UPDATE SET n = n + 1");
					return 1;
				}
			}
			export default { async fetch(request, env) {
				await env.FLOOR.getByName("one").write();
				return ${FLOOR_RESPONSE};
			} };`,
	},
	{
		name: "floor: trivial worker making one outbound fetch per request",
		script: `export default { async fetch() {
				await (await fetch("https://receiver.bench.example/floor")).arrayBuffer();
				return ${FLOOR_RESPONSE};
			} };`,
	},
	{
		name: NOTIFICATION_POST,
		script: `import { DurableObject } from "cloudflare:workers";
			const body = JSON.stringify({ text: "x".repeat(1_480) });
			export class Floor extends DurableObject {
				async send() {
					const response = await fetch("https://receiver.bench.example/floor", {
						method: "POST",
						headers: {
							"Content-Type": "application/json",
							"User-Agent": "alertgate",
							"webhook-id": "evt_01a24b0d467d7099a33fbf5e932c9511",
							"webhook-timestamp": "1796555490",
							"webhook-signature": "v1,3a+hwDhdhb0XHwaxsus/3nDMiiR9qSmIgBBpfyv0sdg=",
						},
						body,
						redirect: "manual",
						signal: AbortSignal.timeout(5_000),
					});
					response.body?.cancel().catch(() => {});
					return response.status;
				}
			}
			export default { async fetch(request, env) {
				await env.FLOOR.getByName("one").send();
				return ${FLOOR_RESPONSE};
			} };`,
	},
];

/**
 * The floor of a mail: `/cdn-cgi/local/email` (Miniflare parses the mail itself to log it, in the
 * same workerd) handing it to an email() handler that only reads it. What a mail costs alertgate
 * is its CPU over this.
 */
const EMAIL_FLOOR = {
	name: "floor: email() handler that only reads the mail, via /cdn-cgi/local/email",
	script:
		"export default { async email(message) { await new Response(message.raw).arrayBuffer(); } };",
};

/** The outbound service's answer to a page (PAGE_URL): timed for time to page, then 202. */
async function answerPage(request) {
	await pageArrived(request);
	return new MiniflareResponse("ok", { status: 202 });
}

/** Whether a floor's worker calls a Durable Object (its class is named Floor). */
const callsObject = (script) => script.includes("DurableObject");

/** A floor's worker; one that fetches gets `outbound` as its outbound service (202 by default). */
function floorOptions({ script, outbound = () => new MiniflareResponse("ok", { status: 202 }) }) {
	const withObject = callsObject(script);
	const withFetch = script.includes('fetch("https://');
	return {
		workers: [
			{
				name: "floor",
				modules: true,
				compatibilityDate: "2026-11-01",
				script,
				...(withObject
					? { durableObjects: { FLOOR: { className: "Floor", useSQLite: true } } }
					: {}),
				...(withFetch ? { outboundService: outbound } : {}),
			},
		],
	};
}

/** SNS Notifications carrying a CloudWatch ALARM, each signed (SHA-256) like SNS would. */
function signedAlarmNotifications(privateKey, count) {
	const start = Date.UTC(2026, 10, 21);
	const published = Date.now() - 60_000;
	return Array.from({ length: count }, (_, i) => {
		const message = {
			Type: "Notification",
			MessageId: crypto.randomUUID(),
			TopicArn: TOPIC,
			Subject: 'ALARM: "api-5xx-rate" in US East (N. Virginia)',
			Message: JSON.stringify({
				AlarmName: "api-5xx-rate",
				AlarmDescription: "5xx above 1% severity=critical",
				AWSAccountId: "123456789012",
				NewStateValue: "ALARM",
				OldStateValue: "ALARM",
				NewStateReason:
					"Threshold Crossed: 1 datapoint [4.2] was greater than the threshold (1.0).",
				StateChangeTime: new Date(start + i * 1000).toISOString().replace("Z", "+0000"),
				Region: "US East (N. Virginia)",
				AlarmArn: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:api-5xx-rate",
				Trigger: {
					MetricName: "5XXError",
					Namespace: "AWS/ApiGateway",
					Dimensions: [{ value: "prod-api", name: "ApiName" }],
				},
			}),
			// Recent, as SNS would send it: the integration accepts messages up to two hours old.
			Timestamp: new Date(published).toISOString(),
			SignatureVersion: "2",
			SigningCertURL: CERT_URL,
		};
		message.Signature = sign("sha256", Buffer.from(stringToSign(message)), privateKey).toString(
			"base64",
		);
		return JSON.stringify(message);
	});
}

/** An EventBridge "CloudWatch Alarm State Change" event, the n-th state change of one alarm. */
function alarmEvent(n) {
	const at = new Date(Date.UTC(2026, 10, 21) + n * 1000).toISOString();
	return JSON.stringify({
		version: "0",
		id: crypto.randomUUID(),
		"detail-type": "CloudWatch Alarm State Change",
		source: "aws.cloudwatch",
		account: "123456789012",
		time: at,
		region: "us-east-1",
		resources: ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh"],
		detail: {
			alarmName: "ServerCpuTooHigh",
			state: { value: "ALARM", reason: "Threshold Crossed", timestamp: at.replace("Z", "+0000") },
			previousState: { value: "ALARM", timestamp: at.replace("Z", "+0000") },
			configuration: { description: "CPU high" },
		},
	});
}

function gatewayOptions(outdir, certificatePem) {
	// Bindings, Durable Objects and compatibility settings from wrangler.toml; the module rules
	// are not needed, the modules being listed. Nor the static assets (/openapi.json): locally their
	// router would run in the gateway's workerd, in front of every request, and be counted as the
	// worker's CPU; on Cloudflare that routing is not the worker's, and not billed.
	const {
		modulesRules: _rules,
		assets: _assets,
		...workerOptions
	} = unstable_getMiniflareWorkerOptions(path.join(root, "wrangler.toml")).workerOptions;
	return {
		// `/cdn-cgi/local/email` hands a mail to the worker's email() handler, as wrangler dev does.
		unsafeTriggerHandlers: true,
		workers: [
			{
				...workerOptions,
				name: "alertgate",
				// The modules are passed as contents: `scriptPath` does not survive Miniflare 5's
				// conversion of v4-shaped options.
				modules: builtModules(outdir),
				bindings: { ...workerOptions.bindings, ADMIN_TOKEN },
				// The SNS signing certificate is served locally, and notification targets answer
				// here at once (2xx); nothing leaves the machine.
				outboundService: async (request) => {
					if (request.url === CERT_URL) return new MiniflareResponse(certificatePem);
					if (request.url === PAGE_URL) return answerPage(request);
					if (TARGET_HOSTS.has(new URL(request.url).host)) {
						return new MiniflareResponse("ok", { status: 202 });
					}
					return new MiniflareResponse("unexpected outbound request", { status: 502 });
				},
			},
		],
	};
}

async function gateway(outdir, certificatePem, migrations) {
	const instance = await start(gatewayOptions(outdir, certificatePem));
	await applyMigrations(instance.mf, migrations);
	return instance;
}

/**
 * workerd's CPU from its start until it is ready to serve, for alertgate's bundle and for the
 * trivial worker: the difference is what loading alertgate costs (median of 5 starts each).
 */
async function startupCpu(outdir, certificatePem) {
	const medianStart = async (options) => {
		const samples = [];
		for (let i = 0; i < 5; i++) {
			const { mf, pid } = await start(options);
			samples.push(cpuMicros(pid) / 1000);
			await mf.dispose();
		}
		return Math.round(median(samples));
	};
	return {
		trivial: await medianStart(floorOptions(FLOORS[0])),
		alertgate: await medianStart(gatewayOptions(outdir, certificatePem)),
	};
}

/** A shared integration with 20 rules (regex, wildcard, in) ahead of the one that matches. */
async function routedIntegration(mf) {
	const channel = await adminCall(mf, "POST", "/channels", {
		name: "db",
		group_by: ["cluster"],
		group_window: "30m",
	});
	const integration = await adminCall(mf, "POST", "/integrations", {
		name: "routed",
		type: "standard",
		settings: { rate_limit: null },
	});
	const rules = Array.from({ length: 19 }, (_, i) => ({
		conditions: [
			{ field: "labels.namespace", op: "regex", value: `^AWS/Service${i}(-[a-z]+)?$` },
			{ field: "title", op: "wildcard", value: `*service ${i}*` },
		],
		channel_ids: [channel.id],
	}));
	rules.push({
		conditions: [
			{ field: "labels.namespace", op: "in", value: ["AWS/RDS", "AWS/Aurora"] },
			{ field: "severity", op: "equals", value: "critical" },
		],
		channel_ids: [channel.id],
	});
	await adminCall(mf, "PUT", `/integrations/${integration.id}/routes`, { rules });
	return integration.integration_key;
}

/** Where the bench's notification targets point; the outbound service answers them. */
const TARGET_HOSTS = new Set(["receiver.bench.example", "hooks.slack.com", "events.pagerduty.com"]);

/**
 * An integration private to a channel, and its key: with three targets (a signed webhook,
 * Slack, PagerDuty) when `notified`, else none.
 */
async function channelIntegration(mf, notified) {
	const channel = await adminCall(mf, "POST", "/channels", { name: notified ? "paged" : "quiet" });
	if (notified) {
		const targets = [
			{ type: "webhook", url: "https://receiver.bench.example/hook" },
			{ type: "slack", url: "https://hooks.slack.com/services/T0/B0/bench" },
			{ type: "pagerduty", routing_key: "R0123456789abcdefghijklmnopqrstu" },
		];
		for (const target of targets) {
			await adminCall(mf, "POST", `/channels/${channel.id}/targets`, { name: "t", ...target });
		}
	}
	const integration = await adminCall(mf, "POST", "/integrations", {
		name: notified ? "notified" : "not notified",
		type: "standard",
		channel_id: channel.id,
		settings: { rate_limit: null },
	});
	return integration.integration_key;
}

/** New alerts an integration takes in a case before the next of its keys takes over. */
const NEW_ALERTS_PER_INTEGRATION = 9_000;

/**
 * A standard push with a new body each time, `alertOf(n)` for the n-th request. Cases that open
 * a new alert per push pass several integrations' keys: each takes 9,000 of them in turn, since
 * an integration holds at most 10,000 firing alerts and answers 429 past that.
 */
function pushEach(keys, alertOf) {
	const all = [keys].flat();
	let n = 0;
	return {
		method: "POST",
		path: `/push/${all[0]}`,
		headers: { "Content-Type": "application/json" },
		requests: [
			{
				setupRequest: (request) => {
					const key = all[Math.floor(n / NEW_ALERTS_PER_INTEGRATION) % all.length];
					return { ...request, path: `/push/${key}`, body: JSON.stringify(alertOf(n++)) };
				},
			},
		],
	};
}

/** `count` integrations made by `make`, for a case that opens a new alert per push. */
async function several(count, make) {
	const keys = [];
	for (let i = 0; i < count; i++) keys.push(await make());
	return keys;
}

/** A new alert key each time: a new alert, so a new incident in an ungrouped channel. */
const newIncident = (name) => (n) => ({
	event_status: "Critical",
	title_rule: "queue depth high",
	alert_key: `${name}-${n}`,
	labels: { queue: "orders" },
});

async function createIntegration(mf, type) {
	// No rate limit: the bench measures how fast one integration can go.
	const data = await adminCall(mf, "POST", "/integrations", {
		name: `bench ${type}`,
		type,
		settings: { rate_limit: null },
	});
	return data.integration_key;
}

/** A heartbeat due every hour: a ping on time moves its deadline, as a cron job's would. */
async function heartbeatKey(mf, settings = { period: "1h", grace: "5m" }) {
	const data = await adminCall(mf, "POST", "/integrations", {
		name: "bench heartbeat",
		type: "heartbeat",
		settings,
	});
	return data.integration_key;
}

/**
 * The CPU of one alarm run, measured the only way Miniflare offers: real alarms, at their time.
 * `count` heartbeats (period 10s, grace 5s) are pinged once, the process is let go idle, and the
 * workerd CPU is read across their deadlines, less what it spends idle over as long. Each object
 * runs one alarm: it finds its heartbeat missed, opens its alert (unrouted), writes D1's list in
 * the same run and re-arms. The same run looks at the watches (`expect_within`, `watchdog`).
 */
const ALARM_HEARTBEATS = 50;
const ALARM_DEADLINE_MS = 15_000;
async function alarmRunCpu(instance, count) {
	const made = await several(count, () =>
		adminCall(instance.mf, "POST", "/integrations", {
			name: "bench alarm",
			type: "heartbeat",
			settings: { period: "10s", grace: "5s" },
		}),
	);
	const pingedAt = Date.now();
	for (const { integration_key } of made) {
		await instance.mf.dispatchFetch(`http://bench.local/ping/${integration_key}`);
	}
	const lastPing = Date.now();
	// Its own reading (settled first, as every case's): the instance keeps the rate of the rounds.
	const idle = { pid: instance.pid };
	await measureIdle([idle], 2_000);
	const idlePerMs = idle.idlePerMs;
	const start = Date.now();
	if (start > pingedAt + ALARM_DEADLINE_MS - 500)
		throw new Error("the deadlines passed before the window");
	const before = cpuMicros(instance.pid);
	await new Promise((resolve) => setTimeout(resolve, lastPing + ALARM_DEADLINE_MS + 3_000 - start));
	const window = Date.now() - start;
	const spent = cpuMicros(instance.pid) - before - idlePerMs * window;
	let down = 0;
	for (const { id } of made) {
		if ((await adminCall(instance.mf, "GET", `/integrations/${id}`)).heartbeat.status === "down")
			down++;
	}
	if (down !== count)
		throw new Error(`${count - down} of ${count} alarms did not run in the window`);
	return { cpu: spent / count, count, windowMs: window };
}

const { outdir, push } = await bundle();
const gzipKiB = push.kib;
const weights = await bundleShares();
const identity = makeTestSigningIdentity();
const notifications = signedAlarmNotifications(identity.privateKey, SNS_MESSAGES);
const startup = await startupCpu(outdir, identity.certificatePem);
const floors = [];
for (const spec of FLOORS) floors.push({ ...spec, instance: await start(floorOptions(spec)) });
const gw = await gateway(outdir, identity.certificatePem);
const { mf } = gw;
const emailFloor = await start({ unsafeTriggerHandlers: true, ...floorOptions(EMAIL_FLOOR) });

const standardKey = await createIntegration(mf, "standard");
const snsKey = await createIntegration(mf, "aws_cloudwatch");
const routedKeys = await several(3, () => routedIntegration(mf));
const ebKey = await createIntegration(mf, "aws_eventbridge");
const batchKey = await createIntegration(mf, "standard");
const alertmanagerKey = await createIntegration(mf, "alertmanager");
const pagerDutyKey = await createIntegration(mf, "pagerduty");
const pingKey = await heartbeatKey(mf);
const failingKey = await heartbeatKey(mf);
const quietKeys = await several(3, () => channelIntegration(mf, false));
const notifiedKeys = await several(3, () => channelIntegration(mf, true));
let nextSns = 0;
let sequence = 0;
const cases = [
	...floors.map(({ name, instance }) => ({
		name,
		instance,
		request: { method: "POST", path: "/", body: "{}" },
	})),
	{ name: HEALTHZ, instance: gw, request: { method: "GET", path: "/healthz" } },
	{
		name: "standard push (dedup into a firing alert)",
		key: "standard",
		instance: gw,
		keys: [standardKey],
		request: {
			method: "POST",
			path: `/push/${standardKey}`,
			headers: { "Content-Type": "application/json" },
			body: JSON.stringify({
				event_status: "Critical",
				title_rule: "disk full on db-1",
				alert_key: "disk-db-1",
				labels: { host: "db-1", team: "storage" },
			}),
		},
	},
	{
		name: "CloudWatch alarm via SNS (verified, cert cached)",
		key: "sns",
		instance: gw,
		keys: [snsKey],
		request: {
			method: "POST",
			path: `/push/${snsKey}`,
			headers: {
				"Content-Type": "text/plain; charset=UTF-8",
				"x-amz-sns-message-type": "Notification",
			},
			// Every request is a new signed message, so each is verified and applied, not replayed.
			requests: [
				{
					setupRequest: (request) => {
						if (nextSns >= notifications.length) throw new Error("raise BENCH_SNS_MESSAGES");
						return { ...request, body: notifications[nextSns++] };
					},
				},
			],
		},
	},
	{
		name: "standard push opening a new alert, routed by 20 rules into a grouped incident",
		instance: gw,
		keys: routedKeys,
		// A new alert key each time: every request is routed (routing runs when an alert opens).
		request: pushEach(routedKeys, (n) => ({
			event_status: "Critical",
			title_rule: "replica lag high",
			alert_key: `lag-${n}`,
			labels: { namespace: "AWS/RDS", cluster: `c${n % 50}` },
		})),
	},
	{
		name: "EventBridge CloudWatch alarm event (X-Integration-Key)",
		instance: gw,
		keys: [ebKey],
		request: {
			method: "POST",
			path: "/push",
			headers: { "Content-Type": "application/json", "X-Integration-Key": ebKey },
			// A new event id and a later state change each time, so every request is applied.
			requests: [{ setupRequest: (request) => ({ ...request, body: alarmEvent(sequence++) }) }],
		},
	},
];

cases.push(
	{
		name: QUIET,
		instance: gw,
		keys: quietKeys,
		request: pushEach(quietKeys, newIncident("quiet")),
	},
	{
		name: NOTIFIED,
		instance: gw,
		keys: notifiedKeys,
		request: pushEach(notifiedKeys, newIncident("notified")),
	},
);

/** 100 alerts that keep firing: after the first request each one updates its alert. */
const BATCH = 100;
const hosts = Array.from({ length: BATCH }, (_, i) => `web-${i}`);
cases.push(
	{
		name: "standard batch of 100 events (each updates its firing alert)",
		alerts: BATCH,
		instance: gw,
		keys: [batchKey],
		request: {
			method: "POST",
			path: `/push/${batchKey}/batch`,
			headers: { "Content-Type": "application/json" },
			body: JSON.stringify({
				events: hosts.map((host) => ({
					event_status: "Warning",
					title_rule: `high latency on ${host}`,
					alert_key: `latency-${host}`,
					labels: { host, service: "web" },
				})),
			}),
		},
	},
	{
		name: "Alertmanager webhook of 100 alerts (each updates its firing alert)",
		alerts: BATCH,
		instance: gw,
		keys: [alertmanagerKey],
		request: {
			method: "POST",
			path: `/push/${alertmanagerKey}`,
			headers: { "Content-Type": "application/json" },
			body: JSON.stringify(alertmanagerWebhook(hosts)),
		},
	},
	{
		name: "PagerDuty Events v2 trigger at /v2/enqueue (dedup into a firing alert)",
		instance: gw,
		keys: [pagerDutyKey],
		request: {
			method: "POST",
			path: "/v2/enqueue",
			headers: { "Content-Type": "application/json" },
			body: JSON.stringify({
				routing_key: pagerDutyKey,
				event_action: "trigger",
				dedup_key: "disk-db-1",
				payload: { summary: "disk full on db-1", source: "db-1", severity: "critical" },
			}),
		},
	},
	{
		name: "heartbeat success ping GET /ping/{key} (moves its deadline and alarm)",
		instance: gw,
		keys: [pingKey],
		request: { method: "GET", path: `/ping/${pingKey}` },
	},
	{
		name: "heartbeat failure ping POST /ping/{key}/1, 1 KB output (updates its firing alert)",
		instance: gw,
		keys: [failingKey],
		request: { method: "POST", path: `/ping/${failingKey}/1`, body: "x".repeat(1_000) },
	},
);

/**
 * New alerts in batches of 100, each opening an incident in a channel without targets: what one
 * costs when it comes with 99 others, and how fast one integration takes them (bench/throughput.mjs).
 */
const newAlertsChannel = await quietChannel(mf, "new batches");
cases.push(
	{ name: NEW_BATCH_CASE, instance: gw, ...newBatches(mf, newAlertsChannel) },
	{ name: SUSTAINED_CASE, instance: gw, ...sustainedIntake(mf, newAlertsChannel) },
);

/**
 * An integration with an inhibit rule of the README's shape (`equal: ["grp"]`) and `targets`
 * firing targets, ten to a `grp` value. Each request is a batch that opens a source in one of
 * those groups (muting its ten targets) and resolves it (freeing them), so every request does
 * the same work and the number firing stays put; only how many fire beside it differs.
 */
async function inhibitCase(mf, targets) {
	const integration = await adminCall(mf, "POST", "/integrations", {
		name: `inhibit ${targets}`,
		type: "standard",
		settings: { rate_limit: null },
	});
	const key = integration.integration_key;
	for (let start = 0; start < targets; start += 100) {
		const events = Array.from({ length: Math.min(100, targets - start) }, (_, i) => ({
			event_status: "Warning",
			title_rule: "target",
			alert_key: `t${start + i}`,
			labels: { kind: "target", grp: `g${Math.floor((start + i) / 10)}` },
		}));
		const response = await mf.dispatchFetch(`http://bench.local/push/${key}/batch`, {
			method: "POST",
			headers: { "Content-Type": "application/json" },
			body: JSON.stringify({ events }),
		});
		if (!response.ok) throw new Error(`filling targets: ${response.status}`);
		await response.arrayBuffer();
	}
	await adminCall(mf, "POST", "/inhibit-rules", {
		source_matchers: [{ field: "labels.kind", op: "equals", value: "source" }],
		target_matchers: [{ field: "labels.kind", op: "equals", value: "target" }],
		equal: ["grp"],
		integration_ids: [integration.id],
	});
	const groups = Math.ceil(targets / 10);
	let n = 0;
	const spec = {
		method: "POST",
		path: `/push/${key}/batch`,
		headers: { "Content-Type": "application/json" },
		requests: [
			{
				setupRequest: (request) => {
					const source = `source-${n}`;
					const grp = `g${n++ % groups}`;
					const events = [
						{
							event_status: "Critical",
							title_rule: "node down",
							alert_key: source,
							labels: { kind: "source", grp },
						},
						{ event_status: "Ok", alert_key: source },
					];
					return { ...request, body: JSON.stringify({ events }) };
				},
			},
		],
	};
	return { keys: [key], request: spec };
}

/**
 * A shared integration whose 20 routes each test the description with one wildcard `pattern`,
 * none of which matches: every new alert is matched against all 20 (routing runs when an alert
 * opens).
 */
async function wildcardIntegration(mf, name, pattern) {
	const channel = await adminCall(mf, "POST", "/channels", { name });
	const integration = await adminCall(mf, "POST", "/integrations", {
		name,
		type: "standard",
		settings: { rate_limit: null },
	});
	const rules = Array.from({ length: 20 }, () => ({
		conditions: [{ field: "description", op: "wildcard", value: pattern }],
		channel_ids: [channel.id],
	}));
	await adminCall(mf, "PUT", `/integrations/${integration.id}/routes`, { rules });
	return integration.integration_key;
}

/** A description of 1,024 characters (all that matching reads) on which `*aaa…ab*` fails late. */
const LONG_DESCRIPTION = "a".repeat(1024);
const PATHOLOGICAL = `*${"a".repeat(253)}b*`;
const pathologicalKeys = await several(3, () =>
	wildcardIntegration(mf, "wildcard 256", PATHOLOGICAL),
);
const shortKeys = await several(3, () => wildcardIntegration(mf, "wildcard short", "*b*"));
const wildcardAlert = (name) => (n) => ({
	event_status: "Warning",
	title_rule: "wildcard routing",
	description: LONG_DESCRIPTION,
	alert_key: `${name}-${n}`,
});
cases.push(
	{
		name: "standard batch opening and resolving an inhibit source, 10 targets firing",
		alerts: 2,
		instance: gw,
		...(await inhibitCase(mf, 10)),
	},
	{
		// The firing-alert cap is 10,000: one more is the source each request opens.
		name: "standard batch opening and resolving an inhibit source, 9,999 targets firing",
		alerts: 2,
		instance: gw,
		...(await inhibitCase(mf, 9_999)),
	},
	{
		name: "standard push opening a new alert, 20 routes of wildcard *b* on a 1,024-character description",
		instance: gw,
		keys: shortKeys,
		request: pushEach(shortKeys, wildcardAlert("short")),
	},
	{
		name: "standard push opening a new alert, 20 routes of a 256-character wildcard *aaa…ab* on it",
		instance: gw,
		keys: pathologicalKeys,
		request: pushEach(pathologicalKeys, wildcardAlert("long")),
	},
);

/**
 * One parsed mail: Nagios's own problem mail (test/fixtures/email), each with a new Message-ID so
 * that every one is parsed, mapped and applied (deduplicated into its firing alert), never
 * answered as a replay. Beside it, the floor of a mail through the same local trigger.
 */
const mailKey = await createIntegration(mf, "email");
const nagiosProblem = readFileSync(
	path.join(root, "test/fixtures/email/nagios-host-problem.eml"),
	"utf8",
);
let nextMail = 0;
const mailRequest = (to) => ({
	method: "POST",
	path: `/cdn-cgi/local/email?from=nagios%40monitoring.example.com&to=${encodeURIComponent(to)}`,
	requests: [
		{
			setupRequest: (request) => ({
				...request,
				body: nagiosProblem.replace(
					/^Message-Id: <[^>]+>/m,
					`Message-Id: <bench-${nextMail++}@vm>`,
				),
			}),
		},
	],
});
const EMAIL_CASE =
	"email: a Nagios problem mail parsed into its firing alert (a new Message-ID each)";
cases.push(
	{
		name: EMAIL_FLOOR.name,
		instance: emailFloor,
		request: mailRequest("floor@alerts.example.com"),
	},
	{
		name: EMAIL_CASE,
		instance: gw,
		keys: [mailKey],
		request: mailRequest(`${mailKey}@alerts.example.com`),
	},
);

/** What Alertmanager 0.25 posts for a group of firing alerts (the shape recorded in the tests). */
function alertmanagerWebhook(hosts) {
	const alerts = hosts.map((host, i) => ({
		status: "firing",
		labels: { alertname: "HighLatency", instance: `${host}:9100`, job: "web", severity: "warning" },
		annotations: { summary: `High latency on ${host}`, description: "p99 over 500 ms for 5m" },
		startsAt: "2026-11-22T06:32:35.707807058Z",
		endsAt: "0001-01-01T00:00:00Z",
		generatorURL: "http://prometheus:9090/graph?g0.expr=latency%3E0.5",
		fingerprint: (0x1000000000000000n + BigInt(i)).toString(16),
	}));
	return {
		receiver: "alertgate",
		status: "firing",
		alerts,
		groupLabels: { alertname: "HighLatency" },
		commonLabels: { alertname: "HighLatency", job: "web", severity: "warning" },
		commonAnnotations: { description: "p99 over 500 ms for 5m" },
		externalURL: "http://alertmanager:9093",
		version: "4",
		groupKey: '{}:{alertname="HighLatency"}',
		truncatedAlerts: 0,
	};
}

// BENCH_AGAINST=<another build's directory, or its index.mjs> (`npm run build`'s dist/, or
// `wrangler deploy --dry-run --outdir`) runs the standard push and the batch of new alerts against
// that build too, in the same rounds: an A/B of one change, each round hitting both builds alike.
// Both builds get this tree's D1 migrations, or the other's those in BENCH_AGAINST_MIGRATIONS (a
// directory of them, such as the other tree's `migrations/`), for an A/B of a D1 schema change.
let other;
if (process.env.BENCH_AGAINST) {
	const given = path.resolve(process.env.BENCH_AGAINST);
	const otherDir = given.endsWith("js") ? path.dirname(given) : given;
	const otherMigrations = process.env.BENCH_AGAINST_MIGRATIONS;
	other = await gateway(
		otherDir,
		identity.certificatePem,
		otherMigrations === undefined ? undefined : path.resolve(otherMigrations),
	);
	const standard = cases.find((c) => c.key === "standard");
	const otherKey = await createIntegration(other.mf, "standard");
	cases.splice(cases.indexOf(standard) + 1, 0, {
		...standard,
		name: "standard push, BENCH_AGAINST's bundle",
		key: "against",
		against: standard.name,
		instance: other,
		keys: [otherKey],
		request: { ...standard.request, path: `/push/${otherKey}` },
	});
	// And the batch of new alerts, whose cost moves with what a build writes and mirrors.
	const newBatch = cases.find((c) => c.name === NEW_BATCH_CASE);
	cases.splice(cases.indexOf(newBatch) + 1, 0, {
		name: `${NEW_BATCH_CASE}, BENCH_AGAINST's bundle`,
		against: NEW_BATCH_CASE,
		instance: other,
		...newBatches(other.mf, await quietChannel(other.mf, "new batches")),
	});
	// And a new incident without targets and with three: what a build's notifications cost.
	for (const [name, notified] of [
		[QUIET, false],
		[NOTIFIED, true],
	]) {
		const ours = cases.find((c) => c.name === name);
		const keys = await several(3, () => channelIntegration(other.mf, notified));
		cases.splice(cases.indexOf(ours) + 1, 0, {
			name: `${name}, BENCH_AGAINST's bundle`,
			against: name,
			instance: other,
			keys,
			request: pushEach(keys, newIncident(`${notified ? "notified" : "quiet"}-other`)),
		});
	}
}
// Alertmanager's counterparts of four alertgate cases, in the same rounds (bench/versus.mjs), each
// run right after its own, so a pair meets the same moment of the machine.
let anchor;
if (AGAINST_ALERTMANAGER) {
	anchor = await startAnchor();
	const counterparts = anchorCases(anchor.instance, {
		repeat: "standard push (dedup into a firing alert)",
		new: QUIET,
		repeatBatch: "standard batch of 100 events (each updates its firing alert)",
		newBatch: NEW_BATCH_CASE,
	});
	for (const counterpart of counterparts) {
		const ours = cases.findIndex((c) => c.name === counterpart.versus);
		cases.splice(ours === -1 ? cases.length : ours + 1, 0, counterpart);
	}
}
// BENCH_ONLY=<regex> measures only the matching cases (and the floors, `/healthz`), to iterate on
// one path; Alertmanager's cases go with the alertgate case each is set against.
if (ONLY) {
	const kept = new Set(
		cases.filter((c, i) => i < FLOORS.length + 2 || ONLY.test(c.name)).map((c) => c.name),
	);
	const paired = cases.filter((c) => kept.has(c.name) || kept.has(c.versus));
	cases.splice(0, cases.length, ...paired);
}
const pagedKey = !ONLY || ONLY.test(TIME_TO_PAGE) ? await pagedIntegration(mf) : null;
/** A time-to-page floor's worker, its outbound service the receiver alertgate's pages reach. */
const pageFloorOptions = (script) => floorOptions({ script, outbound: answerPage });
/** A floor's page sent: the POST's alert key where the receiver looks for it. */
const SEND_PAGE = `fetch(${JSON.stringify(PAGE_URL)}, {
	method: "POST",
	body: JSON.stringify({ incident: { alerts: [{ alert_key }] } }),
})`;
/**
 * Time to page's floors, timed as alertgate is. A trivial worker that forwards each POST to the
 * receiver (one subrequest) before it answers: what this machine takes for a request and a
 * subrequest with the same pauses between them, before any work. And a durable page: a Durable
 * Object that writes the alert key, then sends it as alertgate sends a page: from the object,
 * held by the runtime until the write is committed, the answer not waiting for it. What
 * committing before paging costs here, before anything alertgate does.
 */
const pageFloors =
	pagedKey === null
		? null
		: {
				floor: await start(
					pageFloorOptions(`export default { async fetch(request) {
						const { alert_key } = await request.json();
						await (await ${SEND_PAGE}).arrayBuffer();
						return ${FLOOR_RESPONSE};
					} };`),
				),
				durableFloor: await start(
					pageFloorOptions(`import { DurableObject } from "cloudflare:workers";
					export class Floor extends DurableObject {
						constructor(ctx, env) {
							super(ctx, env);
							ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS pages (alert_key TEXT PRIMARY KEY)");
						}
						page(alert_key) {
							this.ctx.storage.sql.exec("INSERT INTO pages VALUES (?)", alert_key);
							this.ctx.waitUntil(${SEND_PAGE}.then((response) => response.arrayBuffer()));
							return 1;
						}
					}
					export default { async fetch(request, env) {
						const { alert_key } = await request.json();
						await env.FLOOR.getByName("one").page(alert_key);
						return ${FLOOR_RESPONSE};
					} };`),
				),
			};

/**
 * One run of a case, all in (bench/measure.mjs), with the rows its integrations read and wrote
 * meanwhile. Their usage is read outside the CPU window, before the run settles and after it.
 */
async function measure(c, duration) {
	await c.prepare?.(duration);
	const keys = typeof c.keys === "function" ? c.keys() : c.keys;
	const ids = keys?.map((key) => integrationIds.get(key));
	// Another build (BENCH_AGAINST) may not count its rows.
	const before = ids && (await readUsage(c.instance.mf, ids).catch(() => null));
	const result = await run(c.instance, c.request, duration, {
		connections: CONNECTIONS,
		afterLoad: c.afterLoad,
	});
	if (before) {
		const after = c.touched?.().map((key) => integrationIds.get(key)) ?? ids;
		result.used = usedBetween(before, await readUsage(c.instance.mf, after));
	}
	return result;
}

/** New alerts per round of time to page, and alertgate's figures (with Alertmanager's) per round. */
const PAGES = 250;
const timeToPage = [];
/**
 * Before each series of pages: the bench's own process collects its garbage (`npm run bench` runs
 * node with --expose-gc). Its full collections took up to about 100 ms here and, landing inside a
 * series, were counted as a slow page of whichever server was being timed. It collects at the
 * start of the quiet spell, not at its end: the collection's sweeping goes on in helper threads
 * after it returns, and on two cores it slowed the series' first pages.
 */
const collectGarbage = () => globalThis.gc?.();
/**
 * Each server's series starts after at least this long without pages to it, so that its first page
 * is the first after a quiet spell, as an alert after a quiet night is: by then an idle Durable
 * Object has been taken out of memory (Cloudflare does so after 10 s without requests or events:
 * https://developers.cloudflare.com/durable-objects/concepts/durable-object-lifecycle/; workerd
 * did here too), and its first push builds it again. With Alertmanager beside it, the other
 * servers' series take longer than this, so only the first round waits.
 */
const IDLE_BEFORE_SERIES_MS = 15_000;
/** Time for that collection's helper threads to finish, when the quiet spell is already over. */
const AFTER_COLLECTION_MS = 1_000;
const lastPaged = new Map();
async function series(who, run) {
	const since = performance.now() - (lastPaged.get(who) ?? Number.NEGATIVE_INFINITY);
	collectGarbage();
	await delay(Math.max(AFTER_COLLECTION_MS, IDLE_BEFORE_SERIES_MS - since));
	try {
		return pageStats(await run());
	} finally {
		lastPaged.set(who, performance.now());
	}
}
async function timeToPageRound(count) {
	await settle(gw);
	const alertgate = await series("alertgate", () =>
		alertgateTimeToPage({ url: gw.url, key: pagedKey, count }),
	);
	const floorStats = {};
	for (const [name, floor] of Object.entries(pageFloors)) {
		floorStats[name] = await series(name, () =>
			alertgateTimeToPage({ url: floor.url, key: "floor", count }),
		);
	}
	if (!anchor) return { alertgate, ...floorStats };
	await settle(anchor.instance);
	const alertmanager = await series("alertmanager", () => anchor.timeToPage(count));
	return { alertgate, ...floorStats, alertmanager };
}

const samples = new Map(cases.map((c) => [c.name, []]));
let alarmRun = null;
try {
	// Warm-up once per case: isolate start, first Durable Object, JIT.
	for (const c of cases) await measure(c, 2);
	await measureIdle([...new Set([gw, ...cases.map((c) => c.instance)])]);
	for (let round = 0; round < ROUNDS; round++) {
		for (const c of cases) samples.get(c.name).push(await measure(c, DURATION_S));
	}
	if (pagedKey !== null) {
		// The signed SNS messages (about 27 MB at the default rounds) were only for the load cases.
		// Kept, they made each of this process's concurrent markings during a series take both
		// cores for tens of ms, which the page being timed then waited for.
		notifications.length = 0;
		await timeToPageRound(10);
		for (let round = 0; round < ROUNDS; round++) timeToPage.push(await timeToPageRound(PAGES));
	}
	if (!process.env.BENCH_ONLY || /alarm/i.test(process.env.BENCH_ONLY)) {
		alarmRun = await alarmRunCpu(gw, ALARM_HEARTBEATS);
	}
} finally {
	await mf.dispose();
	await other?.mf.dispose();
	for (const { instance } of floors) await instance.mf.dispose();
	await emailFloor.mf.dispose();
	for (const floor of Object.values(pageFloors ?? {})) await floor.mf.dispose();
	await anchor?.stop();
}

const rows = cases.map((c) => {
	const runs = samples.get(c.name);
	return {
		name: c.name,
		"req/s": Math.round(median(runs.map((r) => r.rps))),
		"p50 ms": median(runs.map((r) => r.p50)),
		"p99 ms": median(runs.map((r) => r.p99)),
		"CPU µs/req": Math.round(median(runs.map((r) => r.cpu))),
		"CPU µs/alert": Math.round(median(runs.map((r) => r.cpu)) / (c.alerts ?? 1)),
		"tail s": Number(median(runs.map((r) => r.tail)).toFixed(2)),
		requests: runs.reduce((sum, r) => sum + r.sent, 0),
	};
});
const byName = (name) => rows.find((row) => row.name === name);

/**
 * The same figures as the markdown table in docs/benchmark.md, with the line that says when and
 * where they were measured: paste both over the page's table. The over-floor columns stay empty
 * where they compare nothing (a floor with itself or a cheaper floor, `/healthz`, Alertmanager).
 */
function printMarkdown(table) {
	const cpus = require("node:os").cpus();
	const wrangler = require("wrangler/package.json").version;
	const workerd = createRequire(require.resolve("wrangler"))("workerd/package.json").version;
	const n = (value) => Math.round(value).toLocaleString("en-US");
	const floorIndex = (name) => FLOORS.findIndex((floor) => floor.name === name);
	const lines = [
		`Measured on ${new Date().toISOString().slice(0, 10)} on ${cpus.length} cores (${cpus[0]?.model?.trim()}, ${Math.round(require("node:os").totalmem() / 2 ** 30)} GiB), Node ${process.version.slice(1)}, wrangler ${wrangler} (workerd ${workerd}); ${ROUNDS} round${ROUNDS === 1 ? "" : "s"} of ${DURATION_S} s per case, medians, ${CONNECTIONS} connections. CPU is all in: from the load's start until the process is idle again (tail: how long after the load that took), per request sent.`,
		"",
		"| Case | req/s | p50 ms | p99 ms | CPU µs/req | CPU µs/alert | tail s | over RPC floor | over RPC + commit floor |",
		"|---|---|---|---|---|---|---|---|---|",
	];
	table.forEach((row, i) => {
		const floor = floorIndex(row.name);
		const measured =
			!row.name.startsWith("floor:") && row.name !== HEALTHZ && cases[i].versus === undefined;
		const perAlert = cases[i].alerts ? n(row["CPU µs/alert"]) : "";
		// A floor that calls a Durable Object is shown over the RPC floor, as a case is.
		const withObject = floor >= 0 && callsObject(FLOORS[floor].script);
		const overRpc = measured || withObject ? n(row["over RPC floor µs"]) : "";
		const overCommit = measured || floor === 2 ? n(row["over RPC+commit floor µs"]) : "";
		const name = row.name.replace(/(GET |at )(\/\S*)/, "$1`$2`");
		lines.push(
			`| ${name} | ${n(row["req/s"])} | ${row["p50 ms"]} | ${row["p99 ms"]} | ${n(row["CPU µs/req"])} | ${perAlert} | ${row["tail s"].toFixed(2)} | ${overRpc} | ${overCommit} |`,
		);
	});
	console.log(`\nFor docs/benchmark.md:\n\n${lines.join("\n")}\n`);
}
const [trivial, rpc, commit] = rows;
for (const row of rows) {
	row["over RPC floor µs"] = row["CPU µs/req"] - rpc["CPU µs/req"];
	row["over RPC+commit floor µs"] = row["CPU µs/req"] - commit["CPU µs/req"];
}
console.log(
	`\n${ROUNDS} rounds of ${DURATION_S}s per case (medians), ${CONNECTIONS} connections, Node ${process.version}, ${require("node:os").cpus().length} cores (${require("node:os").cpus()[0]?.model})`,
);
console.table(rows);
printMarkdown(rows);

// What a million alerts cost, for every case whose integrations counted their rows.
const costCases = cases
	.filter((c) => c.keys !== undefined && samples.get(c.name).every((r) => r.used))
	.map((c) => {
		const per = c.alerts ?? 1;
		const runs = samples.get(c.name).map((r) => ({
			cpu: r.cpu / per,
			requests: 1 / per,
			used: Object.fromEntries(
				Object.entries(r.used).map(([name, count]) => [name, count / (r.sent * per)]),
			),
		}));
		return { name: c.name.replace(/(GET |at )(\/\S*)/, "$1`$2`"), runs };
	});
if (costCases.length > 0) {
	console.log(
		`Cost per million alerts (medians; the total's range over the rounds):\n\n${costTable(costCases)}\n\n${COST_NOTES.map((note) => `- ${note}`).join("\n")}\n`,
	);
}
if (anchor) {
	console.log(
		`alertgate and Alertmanager ${anchor.version}, the same pushes in the same rounds (CPU all in, per alert; median and range):\n\n${versusTable(cases, samples, anchor.version)}\n`,
	);
}
// BENCH_AGAINST: each pair's CPU in each round, this build's over the other's.
for (const c of cases.filter((one) => one.against !== undefined)) {
	const ours = samples.get(c.against);
	const theirs = samples.get(c.name);
	if (ours === undefined || ours.length === 0) continue;
	const ratio = summarize(ours.map((run, i) => run.cpu / theirs[i].cpu));
	console.log(
		`this build over BENCH_AGAINST's, ${c.against}: ${spread(ratio, times)} (per round: ${ratio.values.map(times).join(", ")})`,
	);
}
if (timeToPage.length > 0) {
	console.log(`${timeToPageTable(timeToPage, PAGES, anchor?.version)}\n`);
}
const sustained = samples.get(SUSTAINED_CASE);
if (sustained !== undefined) {
	const rate = median(sustained.map((r) => r.alertsPerS));
	const lag = median(sustained.map((r) => r.lag));
	console.log(
		`sustained intake, one integration: ${Math.round(rate).toLocaleString("en-US")} new alerts/s in batches of 100 (9,000 a run); D1 listed all 9,000 incidents ${lag.toFixed(2)} s after the last answer (medians)\n`,
	);
}
if (alarmRun !== null) {
	console.log(
		`alarm run (a missed heartbeat opening its alert, D1's list written in the same run): ${Math.round(alarmRun.cpu).toLocaleString("en-US")} µs CPU each, ${alarmRun.count} alarms over ${(alarmRun.windowMs / 1000).toFixed(1)} s, less idle\n`,
	);
}
const mailRow = byName(EMAIL_CASE);
const mailFloorRow = byName(EMAIL_FLOOR.name);
if (mailRow !== undefined && mailFloorRow !== undefined) {
	console.log(
		`one parsed mail: ${mailRow["CPU µs/req"].toLocaleString("en-US")} µs CPU, ${(mailRow["CPU µs/req"] - mailFloorRow["CPU µs/req"]).toLocaleString("en-US")} µs over the email() floor (Miniflare's own parse of the mail is in both)\n`,
	);
}

const { list, skipped } = goals({
	samples,
	rows: new Map(rows.map((row) => [row.name, row])),
	rounds: ROUNDS,
	bundle: { kib: gzipKiB, budgetKiB: PUSH_BUDGET_KIB, ...weights },
	startup,
	timeToPage,
});
console.table(list);
// The goals as the list under the table in docs/benchmark.md.
console.log(
	`\nFor docs/benchmark.md:\n\n${list.map(({ goal, measured, met }) => `- ${goal}: ${measured}. Met: ${met}.`).join("\n")}\n`,
);
if (skipped.length > 0) console.log(`goals left out, their cases not run: ${skipped.join("; ")}\n`);
console.log(`trivial worker floor: ${trivial["CPU µs/req"]} µs/req`);
