import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ENDPOINTS } from "../src/api";
import worker from "../src/index";
import { forgetIntegrations } from "../src/push/lookup";
import { alarmEvent, createEventBridgeIntegration, pushEvent } from "./eventbridge-helpers";
import {
	ADMIN_TOKEN,
	admin,
	appTables,
	BASE,
	type CreatedIntegration,
	createIntegration,
	expectError,
	push,
	runAlarm,
} from "./helpers";
import { createChannel } from "./incident-helpers";

/**
 * D1 down: every table alertgate keeps is taken away (listed from sqlite_master; `d1_migrations`
 * and Cloudflare's `_cf_` tables stay), then either left missing or replaced by a view that
 * fails every read and refuses every write with a D1_ERROR, as an outage does. Admin calls
 * answer 503 with Retry-After; pushes, which need no D1, are still answered 200.
 */

/**
 * Runs `during` with every table away, restoring them after whatever happens. "failing": each
 * table's name is a view whose rows cannot be computed (abs() of the smallest integer
 * overflows), so a query fails as it runs, not as a missing table.
 */
async function withD1Down(mode: "missing" | "failing", during: () => Promise<void>) {
	const tables = await appTables();
	expect(tables.length).toBeGreaterThanOrEqual(9);
	for (const table of tables)
		await env.DB.exec(`ALTER TABLE "${table}" RENAME TO "${table}_away";`);
	try {
		if (mode === "failing") {
			for (const table of tables) {
				await env.DB.exec(
					`CREATE VIEW "${table}" AS SELECT * FROM "${table}_away" WHERE abs(-9223372036854775807 - 1) > 0;`,
				);
			}
		}
		await during();
	} finally {
		if (mode === "failing") {
			for (const table of tables) await env.DB.exec(`DROP VIEW IF EXISTS "${table}";`);
		}
		for (const table of tables)
			await env.DB.exec(`ALTER TABLE "${table}_away" RENAME TO "${table}";`);
	}
	expect(await appTables()).toEqual(tables);
}

/** Every admin list (a GET whose path does not end in an id), as the API declares them. */
const LISTS = ENDPOINTS.filter(
	(one) =>
		one.method === "get" && one.auth !== "key" && one.auth !== "none" && !one.path.endsWith("}"),
).map((one) => one.path.replace(/^\/api\/v1/, ""));

let integration: CreatedIntegration;
let eventbridge: CreatedIntegration;
let channelId: string;
let incidentId: string;

/** A list's path with its ids filled in. */
function listPath(path: string): string {
	return path
		.replace(/^\/integrations\/\{id\}/, `/integrations/${integration.id}`)
		.replace(/^\/channels\/\{id\}/, `/channels/${channelId}`)
		.replace(/^\/incidents\/\{id\}/, `/incidents/${incidentId}`);
}

beforeAll(async () => {
	integration = await createIntegration();
	eventbridge = await createEventBridgeIntegration();
	channelId = (await createChannel()).id;
	// An incident D1 lists, so a list under it reads its row (an unknown id reads none).
	await push(integration.integration_key, { ...trigger, alert_key: "listed" });
	await runAlarm(integration.id);
	const listed = await admin("GET", `/incidents?integration_id=${integration.id}`);
	incidentId = listed.body.data.incidents[0].id;
});

afterEach(() => forgetIntegrations());

const trigger = { event_status: "Warning", title_rule: "disk full", alert_key: "disk" };

/** The pushes that must not notice: answered 200 in an isolate that knows no integration. */
async function expectPushesAccepted() {
	forgetIntegrations();
	expect((await push(integration.integration_key, trigger)).status).toBe(200);
	const event = alarmEvent("ALARM", "2026-11-21T05:00:00Z");
	expect((await pushEvent(eventbridge.integration_key, event)).status).toBe(200);
}

describe("admin calls during a D1 outage", () => {
	it("has every admin list to check", () => {
		expect(LISTS).toEqual(
			expect.arrayContaining([
				"/integrations",
				"/integrations/{id}/alerts",
				"/channels",
				"/channels/{id}/targets",
				"/channels/{id}/deliveries",
				"/incidents",
				"/silences",
				"/inhibit-rules",
			]),
		);
	});

	it("answer 503 DatabaseUnavailable with Retry-After when every query fails; pushes 200", async () => {
		const logged = vi.spyOn(console, "error").mockImplementation(() => {});
		const replies: Array<[string, Awaited<ReturnType<typeof admin>>]> = [];
		let logs: string[] = [];
		try {
			await withD1Down("failing", async () => {
				for (const path of LISTS) replies.push([path, await admin("GET", listPath(path))]);
				replies.push(["POST /channels", await admin("POST", "/channels", { name: "down" })]);
				await expectPushesAccepted();
			});
		} finally {
			logs = logged.mock.calls.map((call) => String(call[0]));
			logged.mockRestore();
		}
		const failed = new Set<string>();
		for (const [path, reply] of replies) {
			const message = expectError(reply, 503, "DatabaseUnavailable");
			expect(message, path).toContain("retry");
			expect(reply.headers.get("Retry-After"), path).toBe("5");
			failed.add(reply.body.request_id);
		}
		// One structured line per call, with its request id and route and no request body.
		const lines = logs.map((line) => JSON.parse(line));
		const outages = lines.filter((line) => line.event === "database_unavailable");
		expect(new Set(outages.map((line) => line.request_id))).toEqual(failed);
		for (const line of outages) {
			expect(Object.keys(line).sort()).toEqual(
				["event", "integration_id", "message", "method", "request_id", "route"].sort(),
			);
			expect(line.message).toMatch(/^D1_ERROR: /);
			expect(JSON.stringify(line)).not.toContain("down");
		}
		// D1 back: the same calls work.
		for (const path of LISTS) expect((await admin("GET", listPath(path))).status).toBe(200);
	});

	it("answer 503 with Retry-After when every table is missing; pushes 200", async () => {
		const logged = vi.spyOn(console, "error").mockImplementation(() => {});
		const replies: Array<Awaited<ReturnType<typeof admin>>> = [];
		try {
			await withD1Down("missing", async () => {
				for (const path of LISTS) replies.push(await admin("GET", listPath(path)));
				await expectPushesAccepted();
			});
		} finally {
			logged.mockRestore();
		}
		for (const reply of replies) {
			expectError(reply, 503, "DatabaseNotMigrated");
			expect(reply.headers.get("Retry-After")).toBe("5");
		}
	});

	it("answer a write D1 refuses with 503 DatabaseUnavailable, and nothing is written", async () => {
		await env.DB.exec(
			"CREATE TRIGGER refuse_channels BEFORE INSERT ON channels BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
		);
		let reply: Awaited<ReturnType<typeof admin>>;
		try {
			reply = await admin("POST", "/channels", { name: "refused" });
		} finally {
			await env.DB.exec("DROP TRIGGER refuse_channels;");
		}
		expectError(reply, 503, "DatabaseUnavailable");
		expect(reply.headers.get("Retry-After")).toBe("5");
		const { results } = await env.DB.prepare(
			"SELECT id FROM channels WHERE name = 'refused'",
		).all();
		expect(results).toEqual([]);
	});
});

/** A D1 binding whose every query fails with `message`, as the binding reports an outage. */
function failingD1(message: string): D1Database {
	const fail = () => Promise.reject(new Error(message));
	const statement = { bind: () => statement, all: fail, first: fail, run: fail, raw: fail };
	// A stand-in for the binding: only the methods the worker calls.
	return { prepare: () => statement, batch: fail, exec: fail } as unknown as D1Database;
}

async function listChannelsWith(db: D1Database) {
	const response = await worker.fetch(
		new Request(`${BASE}/api/v1/channels`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } }),
		{ ...env, DB: db },
		createExecutionContext(),
	);
	const body = (await response.json()) as { error: { code: string } };
	return {
		status: response.status,
		code: body.error.code,
		retryAfter: response.headers.get("Retry-After"),
	};
}

describe("which failures are an outage", () => {
	it.each([
		"D1_ERROR: Network connection lost.",
		"D1_ERROR: D1 DB is overloaded. Too many requests queued.",
		"D1_ERROR: D1 DB storage operation exceeded timeout which caused object to be reset.",
		"D1_ERROR: Cannot resolve D1 DB due to transient issue on remote node.",
		"D1 DB is overloaded. Requests queued for too long.",
	])("answers %s with 503 DatabaseUnavailable", async (message) => {
		const logged = vi.spyOn(console, "error").mockImplementation(() => {});
		try {
			expect(await listChannelsWith(failingD1(message))).toEqual({
				status: 503,
				code: "DatabaseUnavailable",
				retryAfter: "5",
			});
		} finally {
			logged.mockRestore();
		}
	});

	it.each([
		"D1_TYPE_ERROR: Type 'undefined' not supported for value 'undefined'",
		"D1_COLUMN_NOTFOUND: no such column",
		"Cannot read properties of undefined (reading 'id')",
	])("keeps a mistake of ours (%s) a 500", async (message) => {
		const logged = vi.spyOn(console, "error").mockImplementation(() => {});
		try {
			expect(await listChannelsWith(failingD1(message))).toMatchObject({
				status: 500,
				code: "InternalError",
			});
		} finally {
			logged.mockRestore();
		}
	});
});
