import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { ADMIN_TOKEN, admin, call, createIntegration, getIntegration, type Reply } from "./helpers";
import { createCloudWatchIntegration } from "./sns-helpers";

/**
 * Property-based fuzzing of every public endpoint and every source type: whatever the body,
 * alertgate answers in the envelope, never with a 5xx, and a refused request writes nothing.
 * Runs are kept small so the suite stays well under a minute.
 */
const RUNS = 100;
// A property's 100 runs take about 2 s alone, and over Vitest's 5 s default when other test runs
// share the CPU; a slow run is not a finding, a 5xx or a write is.
vi.setConfig({ testTimeout: 30_000 });

/** Names that have tripped JavaScript parsers and mergers before. */
const NASTY_KEYS = [
	"__proto__",
	"constructor",
	"prototype",
	"toString",
	"hasOwnProperty",
	"valueOf",
	// Read by zod's length checks on a value of any type.
	"length",
	"size",
	"",
	"a".repeat(300),
	"\ud800",
	"event_status",
	"labels",
	"settings",
];

const nastyString = fc.oneof(
	fc.string({ unit: "binary", maxLength: 40 }),
	fc.string({ unit: "grapheme", maxLength: 40 }),
	fc.constantFrom("Critical", "Ok", "ALARM", "\u0000", "\ud800", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "x".repeat(5_000)),
);
const leaf = fc.oneof(
	nastyString,
	fc.integer(),
	fc.double(),
	fc.boolean(),
	fc.constant(null),
	fc.constantFrom(1e308, -0, 1e11, Number.MAX_SAFE_INTEGER + 2),
	// An object that cannot become a string or a number, once parsed.
	fc.constant({ toString: false, valueOf: false }),
);
/** Deep, wide, and with the keys above: JSON values no sender should send. */
const hostileJson = fc.letrec((tie) => ({
	value: fc.oneof(
		{ depthSize: "small", withCrossShrink: true },
		leaf,
		fc.array(tie("value"), { maxLength: 5 }),
		fc.dictionary(fc.oneof(fc.constantFrom(...NASTY_KEYS), nastyString), tie("value"), {
			maxKeys: 6,
		}),
	),
})).value;

const key = fc.oneof(fc.constantFrom(...NASTY_KEYS), nastyString);
/** Usually a well-typed value, sometimes anything: so most bodies get past parsing. */
const mostly = <T>(valid: fc.Arbitrary<T>) =>
	fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: hostileJson });
/** A standard alert that is almost right: valid skeleton, hostile values. */
const nearStandard = fc.record(
	{
		event_status: mostly(fc.constantFrom("Critical", "warning", "INFO", "Ok", " ok ")),
		title_rule: mostly(nastyString),
		alert_key: mostly(nastyString),
		description: mostly(nastyString),
		labels: mostly(fc.dictionary(key, mostly(nastyString), { maxKeys: 60 })),
		images: mostly(
			fc.array(fc.record({ src: nastyString, alt: mostly(nastyString), href: nastyString }), {
				maxLength: 25,
			}),
		),
		event_time: mostly(fc.integer({ min: 0, max: 2e9 })),
	},
	{ requiredKeys: ["event_status", "title_rule"] },
);
/** An EventBridge event that is almost right: known sources, hostile details. */
const nearEventBridge = fc.record({
	version: fc.constant("0"),
	id: fc.oneof(fc.uuid(), nastyString),
	"detail-type": fc.constantFrom(
		"CloudWatch Alarm State Change",
		"GuardDuty Finding",
		"AWS Health Event",
		"Security Hub Findings - Imported",
		"EC2 Instance State-change Notification",
		"ECS Task State Change",
		"CodePipeline Pipeline Execution State Change",
		"Something Else",
	),
	source: fc.constantFrom(
		"aws.cloudwatch",
		"aws.guardduty",
		"aws.health",
		"aws.securityhub",
		"aws.ec2",
		"aws.ecs",
		"aws.codepipeline",
		"acme.app",
	),
	account: fc.oneof(fc.constant("123456789012"), nastyString),
	time: fc.oneof(
		fc.date().map((d) => (Number.isNaN(d.getTime()) ? "x" : d.toISOString())),
		nastyString,
	),
	region: nastyString,
	resources: fc.oneof(fc.array(nastyString, { maxLength: 3 }), hostileJson),
	detail: fc.dictionary(key, hostileJson, { maxKeys: 8 }),
});

/** A date-time as senders write it, or not. */
const dateTime = mostly(
	fc.oneof(
		fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
		fc.constantFrom("0001-01-01T00:00:00Z", "2015-07-17T08:42:58.315+0000", "yesterday"),
	),
);
/** An Opsgenie Create Alert request that is almost right. */
const nearOpsgenie = fc.record(
	{
		message: mostly(nastyString),
		alias: mostly(nastyString),
		description: mostly(nastyString),
		priority: mostly(fc.constantFrom("P1", "P2", "P3", "P4", "P5", "p1", "P0")),
		tags: mostly(fc.array(mostly(nastyString), { maxLength: 5 })),
		details: hostileJson,
		entity: mostly(nastyString),
		source: mostly(nastyString),
		responders: hostileJson,
	},
	{ requiredKeys: [] },
);
/** A PagerDuty Events v2 event that is almost right. */
const nearPagerDuty = (routingKey: string) =>
	fc.record(
		{
			routing_key: mostly(fc.constant(routingKey)),
			event_action: mostly(fc.constantFrom("trigger", "acknowledge", "resolve")),
			dedup_key: mostly(nastyString),
			payload: mostly(
				fc.record(
					{
						summary: mostly(nastyString),
						source: mostly(nastyString),
						severity: mostly(fc.constantFrom("critical", "error", "warning", "info")),
						timestamp: dateTime,
						component: mostly(nastyString),
						custom_details: hostileJson,
					},
					{ requiredKeys: [] },
				),
			),
			images: hostileJson,
			links: mostly(fc.array(fc.record({ href: nastyString, text: mostly(nastyString) }))),
			client_url: mostly(nastyString),
		},
		{ requiredKeys: ["routing_key"] },
	);
/** One Alertmanager alert (webhook or API v2) that is almost right. */
const nearAlertmanagerAlert = fc.record(
	{
		status: mostly(fc.constantFrom("firing", "resolved")),
		labels: mostly(fc.dictionary(key, mostly(nastyString), { maxKeys: 8 })),
		annotations: mostly(fc.dictionary(key, mostly(nastyString), { maxKeys: 4 })),
		startsAt: dateTime,
		endsAt: dateTime,
		generatorURL: mostly(nastyString),
		fingerprint: mostly(nastyString),
		imageURL: mostly(nastyString),
	},
	{ requiredKeys: ["labels"] },
);

/** Bodies: hostile JSON, near-valid objects with fields of the wrong type, and raw text. */
const body = fc.oneof(
	nearStandard.map((value) => JSON.stringify(value)),
	nearEventBridge.map((value) => JSON.stringify(value)),
	hostileJson.map((value) => JSON.stringify(value) ?? "null"),
	fc
		.record(
			{
				event_status: leaf,
				title_rule: leaf,
				alert_key: leaf,
				labels: hostileJson,
				images: hostileJson,
				event_time: leaf,
				"detail-type": leaf,
				source: leaf,
				id: leaf,
				detail: hostileJson,
				Type: leaf,
				Signature: leaf,
				SigningCertURL: leaf,
			},
			{ requiredKeys: [] },
		)
		.map((value) => JSON.stringify(value)),
	fc.string({ unit: "binary", maxLength: 200 }),
	fc.constant(`[${"[".repeat(5_000)}${"]".repeat(5_000)}]`),
	fc.constant(`{"a":${'{"a":'.repeat(2_000)}1${"}".repeat(2_000)}}`),
);

function expectEnvelope(reply: Reply) {
	expect(reply.status, JSON.stringify(reply.body).slice(0, 300)).toBeLessThan(500);
	expect(typeof reply.body.request_id).toBe("string");
	expect(reply.headers.get("X-Request-Id")).toBe(reply.body.request_id);
	if (reply.status >= 400) {
		expect(typeof reply.body.error?.code).toBe("string");
		expect(typeof reply.body.error?.message).toBe("string");
	} else {
		expect(reply.body).toHaveProperty("data");
	}
}

async function alertCount(id: string): Promise<number> {
	return (await admin("GET", `/integrations/${id}/alerts?limit=100`)).body.data.alerts.length;
}

describe("every push source survives hostile bodies", () => {
	it.each([
		["standard", "standard"],
		["aws_eventbridge", "aws_eventbridge"],
	])("%s: never a 5xx, always the envelope, nothing written when refused", async (_label, type) => {
		const { id, integration_key } = await createIntegration("fuzz", type);
		await fc.assert(
			fc.asyncProperty(body, async (text) => {
				const before = await alertCount(id);
				const reply = await call("POST", `/push/${integration_key}`, {
					body: text,
					headers: { "Content-Type": "application/json" },
				});
				expectEnvelope(reply);
				if (reply.status >= 400) expect(await alertCount(id)).toBe(before);
			}),
			{ numRuns: RUNS },
		);
	});

	it("aws_cloudwatch (SNS): never a 5xx, nothing written, and no unsigned body is ever accepted", async () => {
		const { id, integration_key } = await createCloudWatchIntegration();
		await fc.assert(
			fc.asyncProperty(body, async (text) => {
				const reply = await call("POST", `/push/${integration_key}`, {
					body: text,
					headers: { "Content-Type": "text/plain", "x-amz-sns-message-type": "Notification" },
				});
				expectEnvelope(reply);
				expect(reply.status).toBeGreaterThanOrEqual(400);
			}),
			{ numRuns: RUNS },
		);
		expect(await alertCount(id)).toBe(0);
	});
});

describe("every compatible protocol survives hostile bodies", () => {
	/** Answers in the protocol's own shape: never a 5xx, and a refusal writes nothing. */
	async function survives(
		type: string,
		bodies: (key: string) => fc.Arbitrary<string>,
		send: (key: string, text: string) => Promise<Reply>,
		shaped: (reply: Reply) => void,
	) {
		const { id, integration_key } = await createIntegration("fuzz", type);
		await fc.assert(
			fc.asyncProperty(bodies(integration_key), async (text) => {
				const before = await alertCount(id);
				const reply = await send(integration_key, text);
				expect(reply.status, JSON.stringify(reply.body).slice(0, 300)).toBeLessThan(500);
				expect(reply.headers.get("X-Request-Id")).toBeTruthy();
				shaped(reply);
				if (reply.status >= 400) expect(await alertCount(id)).toBe(before);
			}),
			{ numRuns: RUNS },
		);
	}
	const post = (path: string, text: string) =>
		call("POST", path, { body: text, headers: { "Content-Type": "application/json" } });

	it("PagerDuty Events v2 at /v2/enqueue: PagerDuty's answer shapes", async () => {
		await survives(
			"pagerduty",
			(routingKey) =>
				fc.oneof(
					body,
					nearPagerDuty(routingKey).map((value) => JSON.stringify(value)),
				),
			(_key, text) => post("/v2/enqueue", text),
			(reply) => {
				const answer = reply.body as unknown as { status: string; errors?: string[] };
				if (reply.status === 202) expect(answer.status).toBe("success");
				else expect(Array.isArray(answer.errors)).toBe(true);
			},
		);
	});

	it("Opsgenie's Alert API at /v2/alerts and its close: Opsgenie's answer shapes", async () => {
		const opsgenieShape = (reply: Reply) => {
			const answer = reply.body as unknown as { result?: string; message?: string };
			if (reply.status === 202) expect(answer.result).toBe("Request will be processed");
			else expect(typeof answer.message).toBe("string");
			expect((reply.body as unknown as { requestId: string }).requestId).toBe(
				reply.headers.get("X-Request-Id"),
			);
		};
		const genie = (key: string, path: string, text: string) =>
			call("POST", path, {
				body: text,
				headers: { "Content-Type": "application/json", Authorization: `GenieKey ${key}` },
			});
		await survives(
			"opsgenie",
			() =>
				fc.oneof(
					body,
					nearOpsgenie.map((value) => JSON.stringify(value)),
				),
			(key, text) => genie(key, "/v2/alerts", text),
			opsgenieShape,
		);
		await survives(
			"opsgenie",
			() => body,
			(key, text) => genie(key, "/v2/alerts/a%2Fb/close?identifierType=alias", text),
			opsgenieShape,
		);
	});

	it("PagerDuty change events at /v2/change/enqueue: PagerDuty's answer shapes", async () => {
		await survives(
			"pagerduty",
			(routingKey) =>
				fc.oneof(
					body,
					nearPagerDuty(routingKey).map((value) => JSON.stringify(value)),
				),
			(_key, text) => post("/v2/change/enqueue", text),
			(reply) => {
				const answer = reply.body as unknown as { status: string; errors?: string[] };
				if (reply.status === 202) expect(answer.status).toBe("success");
				else expect(Array.isArray(answer.errors)).toBe(true);
			},
		);
	});

	it("Alertmanager and Grafana webhooks at the push URL: the envelope", async () => {
		await survives(
			"alertmanager",
			() =>
				fc.oneof(
					body,
					fc
						.record({ alerts: mostly(fc.array(nearAlertmanagerAlert, { maxLength: 5 })) })
						.map((value) => JSON.stringify(value)),
				),
			(key, text) => post(`/push/${key}`, text),
			expectEnvelope,
		);
	});

	it("Prometheus at <push URL>/api/v2/alerts: a JSON string when refused", async () => {
		await survives(
			"alertmanager",
			() =>
				fc.oneof(
					body,
					mostly(fc.array(nearAlertmanagerAlert, { maxLength: 5 })).map(
						(value) => JSON.stringify(value) ?? "null",
					),
				),
			(key, text) => post(`/push/${key}/api/v2/alerts`, text),
			(reply) => {
				if (reply.status >= 400) expect(typeof reply.body).toBe("string");
				else expect(reply.body).toHaveProperty("data");
			},
		);
	});

	it("standard batches: the envelope, all or nothing", async () => {
		await survives(
			"standard",
			() =>
				fc.oneof(
					body,
					fc
						.record({ events: mostly(fc.array(nearStandard, { maxLength: 8 })) })
						.map((value) => JSON.stringify(value)),
				),
			(key, text) => post(`/push/${key}/batch`, text),
			expectEnvelope,
		);
	});
});

/**
 * The property of every admin write: an envelope, never a 5xx, and when refused, the state
 * `snapshot` reads is what it was before.
 */
function refusedChangesNothing(snapshot: () => Promise<string>) {
	return async (value: unknown, [method, path]: readonly [string, string]) => {
		const before = await snapshot();
		const reply = await admin(method, path, value);
		expectEnvelope(reply);
		if (reply.status >= 400) expect(await snapshot()).toBe(before);
	};
}

describe("every admin endpoint survives hostile bodies and queries", () => {
	const count = async (path: string, field: string) =>
		(await admin("GET", path)).body.data[field].length as number;

	it("POST /integrations and /channels: never a 5xx, nothing created when refused", async () => {
		await fc.assert(
			fc.asyncProperty(body, fc.constantFrom("/integrations", "/channels"), async (text, path) => {
				const field = path.slice(1);
				const before = await count(`${path}?limit=100`, field);
				const reply = await call("POST", `/api/v1${path}`, {
					body: text,
					headers: {
						Authorization: `Bearer ${ADMIN_TOKEN}`,
						"Content-Type": "application/json",
					},
				});
				expectEnvelope(reply);
				if (reply.status >= 400) expect(await count(`${path}?limit=100`, field)).toBe(before);
			}),
			{ numRuns: RUNS },
		);
	});

	it("PATCH an integration, PUT its routes, PATCH a channel: never a 5xx, nothing changed when refused", async () => {
		const { id } = await createIntegration();
		const channel = (await admin("POST", "/channels", { name: "fuzz" })).body.data;
		const snapshot = async () =>
			JSON.stringify([
				await getIntegration(id),
				(await admin("GET", `/integrations/${id}/routes`)).body.data,
				(await admin("GET", `/channels/${channel.id}`)).body.data,
			]);
		await fc.assert(
			fc.asyncProperty(
				fc.oneof(
					hostileJson,
					fc.record({ settings: hostileJson, name: leaf, channel_id: leaf }, { requiredKeys: [] }),
					fc.record({ rules: hostileJson, default_channel_id: leaf }, { requiredKeys: [] }),
				),
				fc.constantFrom(
					["PATCH", `/integrations/${id}`],
					["PUT", `/integrations/${id}/routes`],
					["PATCH", `/channels/${channel.id}`],
				),
				refusedChangesNothing(snapshot),
			),
			{ numRuns: RUNS },
		);
	});

	it("POST and PATCH a channel's targets: never a 5xx, nothing changed when refused", async () => {
		const channel = (await admin("POST", "/channels", { name: "fuzz targets" })).body.data;
		const made = (
			await admin("POST", `/channels/${channel.id}/targets`, {
				name: "t",
				type: "webhook",
				url: "https://example.com/hook",
			})
		).body.data;
		const snapshot = async () =>
			JSON.stringify((await admin("GET", `/channels/${channel.id}/targets`)).body.data);
		const nearTarget = fc.record(
			{
				name: leaf,
				type: fc.oneof(leaf, fc.constantFrom("webhook", "slack", "teams", "pagerduty")),
				url: fc.oneof(
					leaf,
					fc.constantFrom("https://example.com/h", "http://localhost/x", "https://[::1]/x"),
				),
				routing_key: fc.oneof(leaf, fc.constant("R0123456789abcdefghijklmnopqrstu")),
				region: leaf,
				events: hostileJson,
				min_severity: leaf,
				delay: leaf,
				repeat: hostileJson,
			},
			{ requiredKeys: [] },
		);
		await fc.assert(
			fc.asyncProperty(
				fc.oneof(hostileJson, nearTarget),
				fc.constantFrom(
					["POST", `/channels/${channel.id}/targets`],
					["PATCH", `/channels/${channel.id}/targets/${made.id}`],
				),
				refusedChangesNothing(snapshot),
			),
			{ numRuns: RUNS },
		);
	});

	it("list queries: never a 5xx", async () => {
		const { id } = await createIntegration();
		const channel = (await admin("POST", "/channels", { name: "fuzz lists" })).body.data;
		const param = fc.oneof(nastyString, fc.constantFrom("0x10", "1e2", " 5", "-1", "[]", "%zz"));
		await fc.assert(
			fc.asyncProperty(
				fc.constantFrom(
					"/incidents",
					`/integrations/${id}/alerts`,
					"/integrations",
					"/channels",
					`/channels/${channel.id}/deliveries`,
				),
				fc.dictionary(
					fc.constantFrom(
						"limit",
						"cursor",
						"status",
						"channel_id",
						"unrouted",
						"target_id",
						"__proto__",
						"page",
					),
					param,
					{ maxKeys: 3 },
				),
				async (path, query) => {
					const search = new URLSearchParams(
						Object.entries(query).map(([key, value]) => [key, value.toWellFormed()]),
					);
					expectEnvelope(await admin("GET", `${path}?${search}`));
				},
			),
			{ numRuns: RUNS },
		);
	});
});
