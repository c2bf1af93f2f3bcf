import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import type { ApiAlert } from "../src/alerts/alert";
import { loadRoutingSnapshot } from "../src/db/routes";
import type { IntegrationDurableObject } from "../src/durable/integration-object";
import type { WriteBehind } from "../src/durable/state/write-behind";
import type { IntegrationType } from "../src/integrations/type";
import { generateIntegrationKey, sha256Hex } from "../src/security/secrets";

export const ADMIN_TOKEN = "test-admin-token-0123456789abcdef0123";
export const BASE = "https://alertgate.test";

export type Envelope = {
	request_id: string;
	// biome-ignore lint/suspicious/noExplicitAny: tests read envelope fields ad hoc and assert them
	data?: any;
	error?: { code: string; message: string };
};

export type Reply = { status: number; headers: Headers; body: Envelope };

/** One HTTP call through the worker's real fetch handler. */
export async function call(
	method: string,
	path: string,
	init: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply> {
	const raw =
		init.body === undefined ||
		typeof init.body === "string" ||
		init.body instanceof ReadableStream ||
		init.body instanceof Uint8Array;
	const body = raw ? (init.body as BodyInit | undefined) : JSON.stringify(init.body);
	const response = await exports.default.fetch(
		new Request(`${BASE}${path}`, { method, body, headers: init.headers }),
	);
	return { status: response.status, headers: response.headers, body: await response.json() };
}

export function admin(method: string, path: string, body?: unknown): Promise<Reply> {
	return call(method, `/api/v1${path}`, {
		body,
		headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
	});
}

export type CreatedIntegration = {
	id: string;
	integration_key: string;
	push_url: string;
	channel_id: string | null;
	settings: Record<string, unknown>;
};

/** An integration; with a `channelId`, private to that channel (its routes are not used). */
export async function createIntegration(
	name = "test integration",
	type = "standard",
	settings: Record<string, unknown> = {},
	channelId?: string,
): Promise<CreatedIntegration> {
	const reply = await admin("POST", "/integrations", {
		name,
		type,
		settings,
		channel_id: channelId,
	});
	if (reply.status !== 201) throw new Error(`create failed: ${JSON.stringify(reply.body)}`);
	return reply.body.data;
}

/**
 * Gives an integration an addressed key (`agk_` and 65, its id inside), as versions before
 * routing keys gave every `pagerduty` integration: written as their create and rotate wrote it,
 * the hash to D1 and everything a push needs to the integration's object. Returns the key.
 */
export async function giveAddressedKey(id: string): Promise<string> {
	const key = generateIntegrationKey(id);
	const keyHash = await sha256Hex(key);
	await env.DB.prepare("UPDATE integrations SET key_hash = ? WHERE id = ?").bind(keyHash, id).run();
	const row = await env.DB.prepare("SELECT type, settings FROM integrations WHERE id = ?")
		.bind(id)
		.first<{ type: IntegrationType; settings: string }>();
	if (row === null) throw new Error(`no integration ${id}`);
	const refused = await integrationStub(id).provision({
		integrationId: id,
		type: row.type,
		settings: JSON.parse(row.settings),
		keyHash,
		routing: await loadRoutingSnapshot(env.DB, id),
	});
	if (refused !== null) throw new Error(`provision refused: ${refused.reason}`);
	return key;
}

/** Creates an integration with these settings, asserts the 400 and returns its message. */
export async function settingsRefusal(type: string, settings: Record<string, unknown>) {
	const reply = await admin("POST", "/integrations", { name: "x", type, settings });
	return expectError(reply, 400, "InvalidParameter");
}

export function push(key: string, body: unknown, headers: Record<string, string> = {}) {
	return call("POST", `/push/${key}`, {
		body,
		headers: { "Content-Type": "application/json", ...headers },
	});
}

/** The integration as `GET /integrations/{id}` shows it; fails the test on any other answer than 200. */
export async function getIntegration(id: string) {
	const reply = await admin("GET", `/integrations/${id}`);
	if (reply.status !== 200) throw new Error(`read failed: ${JSON.stringify(reply.body)}`);
	return reply.body.data;
}

export async function listAlerts(id: string, query = "") {
	const reply = await admin("GET", `/integrations/${id}/alerts${query}`);
	if (reply.status !== 200) throw new Error(`list failed: ${JSON.stringify(reply.body)}`);
	return reply.body.data as { alerts: ApiAlert[]; next_cursor: string | null };
}

export function integrationStub(id: string) {
	return env.INTEGRATION.getByName(id);
}

/**
 * Every SQL statement the integration's object runs from now on, in order, as `shape` writes it
 * (by default with its white space collapsed).
 */
export async function statementsOf(
	id: string,
	shape = (query: string) => query.trim().replace(/\s+/g, " "),
): Promise<string[]> {
	const seen: string[] = [];
	await runInDurableObject(integrationStub(id), (_object, state) => {
		const sql = state.storage.sql;
		const exec = sql.exec.bind(sql);
		Object.assign(sql, {
			exec: (query: string, ...bindings: unknown[]) => {
				seen.push(shape(query));
				return exec(query, ...bindings);
			},
		});
	});
	return seen;
}

/**
 * Runs the integration's alarm, as workerd would when it is due: what it sends goes out, what
 * it mirrors lands in D1, what expired is resolved or pruned. Answers whether an alarm was set.
 */
export function runAlarm(integrationId: string): Promise<boolean> {
	return runDurableObjectAlarm(integrationStub(integrationId));
}

/** When the integration's alarm is due next, or null when none is set. */
export function alarmAt(integrationId: string): Promise<number | null> {
	return runInDurableObject(integrationStub(integrationId), (_object, state) =>
		state.storage.getAlarm(),
	);
}

/**
 * Moves an integration's clock `ms` ahead (it stays ahead until the object is evicted): what it
 * stored earlier now lies that much in the past.
 */
export async function moveClock(integrationId: string, ms: number): Promise<void> {
	await runInDurableObject(integrationStub(integrationId), (object: IntegrationDurableObject) => {
		const before = object.clock;
		object.clock = () => before() + ms;
	});
}

/** Asserts the envelope of an error reply and returns its message. */
export function expectError(reply: Reply, status: number, code: string): string {
	if (reply.status !== status || reply.body.error?.code !== code) {
		throw new Error(
			`expected ${status} ${code}, got ${reply.status} ${JSON.stringify(reply.body)}`,
		);
	}
	if (reply.headers.get("X-Request-Id") !== reply.body.request_id) {
		throw new Error("X-Request-Id does not match the envelope's request_id");
	}
	return reply.body.error.message;
}

/** Every source's golden fixtures (`src/sources/<source>/fixtures`), as text by path. */
const GOLDEN = import.meta.glob<string>("../src/sources/*/fixtures/*.json", {
	eager: true,
	query: "?raw",
	import: "default",
});

/** One fixture of a source, as text; fails the test when there is none. */
export function goldenFixture(source: string, name: string): string {
	const text = GOLDEN[`../src/sources/${source}/fixtures/${name}`];
	if (text === undefined) throw new Error(`no fixture ${source}/${name}`);
	return text;
}

/**
 * A source's golden cases: each input `<name>.json` with the parsed `<name>.expected.json`
 * beside it.
 */
export function goldenCases(source: string) {
	const folder = `../src/sources/${source}/fixtures/`;
	return Object.entries(GOLDEN)
		.filter(([path]) => path.startsWith(folder) && !path.endsWith(".expected.json"))
		.map(([path, text]) => {
			const expected = GOLDEN[path.replace(/\.json$/, ".expected.json")];
			if (expected === undefined) throw new Error(`no golden file for ${path}`);
			// biome-ignore lint/suspicious/noExplicitAny: golden files are compared field by field
			return [path.slice(folder.length), text, JSON.parse(expected) as any] as const;
		});
}

/** Every table alertgate keeps in D1 (`d1_migrations` and Cloudflare's `_cf_` tables aside). */
export async function appTables(): Promise<string[]> {
	const { results } = await env.DB.prepare(
		"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name != 'd1_migrations'",
	).all<{ name: string }>();
	return results.map((row) => row.name);
}

/** A sender that uploads `first` and then stalls for ever; `cancelled` says whether we hung up. */
export function stallingUpload(first: Uint8Array) {
	const state = { cancelled: false };
	const body = new ReadableStream<Uint8Array>({
		start(controller) {
			controller.enqueue(first);
		},
		pull: () => new Promise(() => {}),
		cancel() {
			state.cancelled = true;
		},
	});
	return { body, state };
}

/** Fails instead of hanging when the worker waits for a body that never ends. */
export async function answeredPromptly(request: Request): Promise<Response> {
	const timeout = new Promise<never>((_, reject) =>
		setTimeout(() => reject(new Error("not answered within 2 s")), 2_000),
	);
	return Promise.race([exports.default.fetch(request), timeout]);
}

/** A transaction's work with its writes held, then written, as `inTransaction` does without its savepoint. */
export function heldThenWritten<T>(behind: WriteBehind, work: () => T): T {
	const result = behind.hold(work);
	behind.flush();
	return result;
}
