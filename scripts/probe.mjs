// `npm run probe`: replays the hostile inputs whose cost alertgate bounds against a running
// gateway, and prints what each cost and whether the bound held. For a change to be checked the
// same way as the last. Loopback only: BASE must name localhost or 127.0.0.1; every loop is
// bounded in count, and the whole run stops by itself.
//
//   npm run dev                      # in one terminal
//   npm run probe                    # in another (BASE and ADMIN_TOKEN default to npm run dev's)
//
// It creates its own integrations, channels, silences and inhibit rules (named `probe …`) and
// deletes them at the end. Exit status 1 when a bound did not hold.
import { readFileSync } from "node:fs";

const BASE = (process.env.BASE ?? `http://localhost:${process.env.PORT ?? 8787}`).replace(
	/\/+$/,
	"",
);
const host = new URL(BASE).hostname;
if (!["localhost", "127.0.0.1", "[::1]", "::1"].includes(host)) {
	console.error(`npm run probe: BASE must be a loopback address, not ${host}`);
	process.exit(2);
}
const ADMIN_TOKEN =
	process.env.ADMIN_TOKEN ??
	/^ADMIN_TOKEN=(.+)$/m.exec(readFileSync(new URL("../.dev.vars", import.meta.url), "utf8"))?.[1];
if (!ADMIN_TOKEN) {
	console.error("npm run probe: set ADMIN_TOKEN, or start npm run dev once to write .dev.vars");
	process.exit(2);
}

async function call(method, path, { body, headers = {}, raw } = {}) {
	const started = performance.now();
	const response = await fetch(`${BASE}${path}`, {
		method,
		headers: {
			...(body !== undefined && raw === undefined ? { "Content-Type": "application/json" } : {}),
			...headers,
		},
		body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
		redirect: "manual",
	});
	const text = await response.text();
	let json = null;
	try {
		json = JSON.parse(text);
	} catch {}
	return {
		status: response.status,
		json,
		headers: response.headers,
		ms: performance.now() - started,
	};
}

const admin = (method, path, body) =>
	call(method, `/api/v1${path}`, { body, headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });

const created = { integrations: [], channels: [], silences: [], inhibitRules: [] };

async function integration(type = "standard", settings = {}) {
	const reply = await admin("POST", "/integrations", { name: `probe ${type}`, type, settings });
	if (reply.status !== 201)
		throw new Error(`creating an integration: ${reply.status} ${JSON.stringify(reply.json)}`);
	created.integrations.push(reply.json.data.id);
	return reply.json.data;
}

const event = (alert_key, labels = {}, status = "Warning") => ({
	event_status: status,
	title_rule: `probe ${alert_key}`,
	alert_key,
	labels,
});

/** The median of `runs` timings of `run()`, in ms. */
async function median(runs, run) {
	const times = [];
	for (let i = 0; i < runs; i++) times.push((await run()).ms);
	times.sort((a, b) => a - b);
	return times[Math.floor(times.length / 2)];
}

const results = [];
function report(name, held, observed) {
	results.push({ name, held, observed });
	console.log(`${held ? "held  " : "BROKEN"}  ${name}: ${observed}`);
}

// 1. Inhibit rules: a push opening a source among many firing targets costs about what it costs
//    among a few (an index on the `equal` labels' values, not a scan of everything firing).
async function inhibitCost() {
	const timing = async (targets) => {
		const { integration_key, id } = await integration();
		const rule = await admin("POST", "/inhibit-rules", {
			source_matchers: [{ field: "labels.role", op: "equals", value: "source" }],
			target_matchers: [{ field: "labels.role", op: "equals", value: "target" }],
			equal: ["grp"],
			integration_ids: [id],
			comment: "probe",
		});
		created.inhibitRules.push(rule.json?.data?.id);
		for (let start = 0; start < targets; start += 100) {
			const events = [];
			for (let i = start; i < Math.min(targets, start + 100); i++)
				events.push(event(`t${i}`, { role: "target", grp: `g${i % 50}` }));
			await call("POST", `/push/${integration_key}/batch`, { body: { events } });
		}
		let n = 0;
		return median(5, () =>
			call("POST", `/push/${integration_key}`, {
				body: event(`s${n++}`, { role: "source", grp: `g${n % 50}` }),
			}),
		);
	};
	const few = await timing(10);
	const many = await timing(2_000);
	report(
		"a push opening an inhibit source, 10 vs 2,000 firing targets",
		many < few * 3 + 20,
		`${few.toFixed(1)} ms vs ${many.toFixed(1)} ms`,
	);
}

// 2. Wildcards: a long pathological pattern costs about what a short one does, and silences of
//    them are refused past the deployment's budget.
async function wildcardCost() {
	const { integration_key, id } = await integration();
	const long = `*${"a".repeat(254)}b`;
	let accepted = 0;
	for (let i = 0; i < 30; i++) {
		const reply = await admin("POST", "/silences", {
			matchers: Array.from({ length: 20 }, () => ({
				field: "labels.v",
				op: "wildcard",
				value: long,
			})),
			ends_at: new Date(Date.now() + 3_600_000).toISOString(),
			comment: "probe",
			created_by: "probe",
			integration_ids: [id],
		});
		if (reply.status === 201) {
			accepted++;
			created.silences.push(reply.json.data.id);
		} else break;
	}
	let n = 0;
	const value = "a".repeat(1_024);
	const ms = await median(5, () =>
		call("POST", `/push/${integration_key}`, { body: event(`w${n++}`, { v: value }) }),
	);
	// Expired, they leave the budget to the next case.
	for (const silence of created.silences.splice(0)) await admin("DELETE", `/silences/${silence}`);
	report(
		"silences of 20 pathological 256-character wildcards",
		accepted < 30,
		`${accepted} accepted before the budget refused one; a new alert against them ${ms.toFixed(1)} ms`,
	);
}

// 3. Budgets cannot be raced: 12 concurrent creates of costly silences stay within 5,000.
async function budgetRace() {
	const { id } = await integration();
	// Five patterns of 198 RE2 instructions: 990 for one silence, so at most 5 fit in 5,000.
	const costly = [..."vwxyz"].map((c) => ({ field: "title", op: "regex", value: `${c}{195}y` }));
	const replies = await Promise.all(
		Array.from({ length: 12 }, () =>
			admin("POST", "/silences", {
				matchers: costly,
				ends_at: new Date(Date.now() + 3_600_000).toISOString(),
				comment: "probe race",
				created_by: "probe",
				integration_ids: [id],
			}),
		),
	);
	for (const reply of replies) if (reply.status === 201) created.silences.push(reply.json.data.id);
	const accepted = replies.filter((reply) => reply.status === 201).length;
	report(
		"12 concurrent costly silence creates",
		accepted <= 5,
		`${accepted} accepted, ${12 - accepted} refused (${[...new Set(replies.map((r) => r.status))].join(", ")})`,
	);
}

// 4. The rate limit counts alerts: batches beyond the burst are refused, not applied.
async function rateLimitAlerts() {
	const { integration_key } = await integration("standard", {
		rate_limit: { per_second: 1, burst: 5 },
	});
	let applied = 0;
	const statuses = new Set();
	for (let i = 0; i < 20; i++) {
		const events = Array.from({ length: 25 }, (_, j) => event(`r${i}-${j}`));
		const reply = await call("POST", `/push/${integration_key}/batch`, { body: { events } });
		statuses.add(reply.status);
		if (reply.status === 200) applied += events.length;
	}
	report(
		"20 batches of 25 events at 1/s burst 5",
		applied <= 25,
		`${applied} events applied; answers ${[...statuses].join(", ")}`,
	);
}

// 5. One request carries a bounded number of alerts in every format.
async function perRequestCap() {
	const { integration_key } = await integration("alertmanager");
	// 1,500 alerts of about 180 bytes: under the 512 KiB body limit, over the per-request cap.
	const alerts = Array.from({ length: 1_500 }, (_, i) => ({
		status: "firing",
		labels: { alertname: "Probe", n: String(i) },
		annotations: {},
		startsAt: new Date().toISOString(),
		endsAt: "0001-01-01T00:00:00Z",
		fingerprint: i.toString(16).padStart(16, "0"),
	}));
	const reply = await call("POST", `/push/${integration_key}`, {
		body: {
			version: "4",
			status: "firing",
			receiver: "probe",
			groupKey: "{}",
			groupLabels: {},
			commonLabels: {},
			commonAnnotations: {},
			externalURL: "http://probe",
			alerts,
		},
	});
	report(
		"an Alertmanager webhook of 1,500 alerts",
		reply.status === 413,
		`${reply.status} in ${reply.ms.toFixed(0)} ms`,
	);
}

// 6. The unauthenticated sign-in form is bounded before parsing.
async function signInForm() {
	const reply = await call("POST", "/dashboard/login", {
		raw: `token=${"x".repeat(64 * 1024)}`,
		headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: BASE },
	});
	report(
		"a 64 KiB sign-in form",
		reply.status === 413,
		`${reply.status} in ${reply.ms.toFixed(0)} ms`,
	);
}

// 7. Sign-out ends the session on the server.
async function sessionRevocation() {
	const login = await call("POST", "/dashboard/login", {
		raw: new URLSearchParams({ token: ADMIN_TOKEN }).toString(),
		headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: BASE },
	});
	const cookie = login.headers.get("Set-Cookie")?.split(";")[0] ?? "";
	const before = await fetch(`${BASE}/dashboard`, {
		headers: { Cookie: cookie },
		redirect: "manual",
	});
	const html = await before.text();
	const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";
	await fetch(`${BASE}/dashboard/logout`, {
		method: "POST",
		headers: { Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded", Origin: BASE },
		body: new URLSearchParams({ csrf }).toString(),
		redirect: "manual",
	});
	const after = await fetch(`${BASE}/dashboard`, {
		headers: { Cookie: cookie },
		redirect: "manual",
	});
	await after.body?.cancel();
	report(
		"the session cookie after sign-out",
		before.status === 200 && after.status === 303,
		`before ${before.status}, after ${after.status}`,
	);
}

// 8. Targets on internal hosts are refused.
async function internalTargets() {
	const channel = await admin("POST", "/channels", { name: "probe targets" });
	created.channels.push(channel.json.data.id);
	const hosts = [
		"https://localhost./x",
		"https://foo.localhost/x",
		"https://metadata.google.internal/x",
		"https://ip-10-0-0-1.ec2.internal/x",
		"https://api.default.svc.cluster.local/x",
		"https://127.0.0.1.nip.io/x",
		"https://router.lan./x",
		"https://example.com:22/x",
		"https://example.com:6379/x",
	];
	const accepted = [];
	for (const url of hosts) {
		const reply = await admin("POST", `/channels/${channel.json.data.id}/targets`, {
			type: "webhook",
			name: "probe",
			url,
		});
		if (reply.status !== 400) accepted.push(`${url} (${reply.status})`);
	}
	report(
		"targets on internal hosts and ports",
		accepted.length === 0,
		accepted.length === 0 ? `all ${hosts.length} refused` : `accepted: ${accepted.join(", ")}`,
	);
}

// 9. A sender cannot freeze an alarm with a date in the future: an EventBridge OK dated 2999
//    must not make the real ALARM that follows stale.
async function futureDates() {
	const { integration_key } = await integration("aws_eventbridge");
	const alarm = (value, timestamp) => ({
		version: "0",
		id: crypto.randomUUID(),
		"detail-type": "CloudWatch Alarm State Change",
		source: "aws.cloudwatch",
		account: "123456789012",
		time: timestamp,
		region: "us-east-1",
		resources: ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:ProbeFuture"],
		detail: {
			alarmName: "ProbeFuture",
			state: { value, reason: "probe", timestamp },
			previousState: { value: value === "OK" ? "ALARM" : "OK", timestamp },
			configuration: { description: "probe" },
		},
	});
	const headers = { "X-Integration-Key": integration_key };
	await call("POST", "/push", { body: alarm("OK", "2999-01-01T00:00:00.000+0000"), headers });
	const reply = await call("POST", "/push", {
		body: alarm("ALARM", new Date().toISOString().replace("Z", "+0000")),
		headers,
	});
	const result = reply.json?.data?.results?.[0]?.result;
	report(
		"an EventBridge ALARM after an OK dated 2999",
		result === "opened",
		`the ALARM was ${result ?? `answered ${reply.status}`}`,
	);
}

// 10. Webhook mappings: a backtracking pattern meets a hostile body, and a mapping that never
//     ends meets any body. RE2 and the step budget answer both at once, with a 400 that says why.
async function webhookMappings() {
	const { integration_key: regexKey } = await integration("webhook", {
		mapping: { title: "$contains(text, /(a+)+$/) ? 'matched' : 'no match'" },
	});
	const hostile = { text: `${"a".repeat(5_000)}b` };
	const regex = await call("POST", `/push/${regexKey}`, { body: hostile });
	const { integration_key: loopKey } = await integration("webhook", {
		mapping: { title: "($f := function($n) { $n > 0 ? $f($n - 1) : 'x' }; $f(10000000))" },
	});
	const loop = await call("POST", `/push/${loopKey}`, { body: {} });
	report(
		"a webhook mapping's backtracking regex on 5,000 a's, and a runaway recursion",
		regex.status === 200 && regex.ms < 2_000 && loop.status === 400 && loop.ms < 5_000,
		`regex answered ${regex.status} in ${regex.ms.toFixed(1)} ms; recursion answered ${loop.status} ${loop.json?.error?.code ?? ""} in ${loop.ms.toFixed(1)} ms`,
	);
}

const cases = [
	inhibitCost,
	wildcardCost,
	budgetRace,
	rateLimitAlerts,
	perRequestCap,
	signInForm,
	sessionRevocation,
	internalTargets,
	futureDates,
	webhookMappings,
];
const deadline = Date.now() + 5 * 60_000;
try {
	for (const run of cases) {
		if (Date.now() > deadline) {
			console.log("npm run probe: stopped at its 5-minute bound");
			break;
		}
		try {
			await run();
		} catch (error) {
			report(run.name, false, `failed to run: ${error.message}`);
		}
	}
} finally {
	for (const id of created.silences) await admin("DELETE", `/silences/${id}`);
	for (const id of created.inhibitRules.filter(Boolean))
		await admin("DELETE", `/inhibit-rules/${id}`);
	for (const id of created.integrations) await admin("DELETE", `/integrations/${id}`);
	for (const id of created.channels) await admin("DELETE", `/channels/${id}`);
}
const broken = results.filter((result) => !result.held);
console.log(`\n${results.length - broken.length} held, ${broken.length} broken`);
process.exit(broken.length === 0 ? 0 : 1);
