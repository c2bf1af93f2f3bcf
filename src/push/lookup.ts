import { findIntegrationByKeyHash, findIntegrationIdByKeyHash } from "../db/integrations";
import type { IntegrationConfig, Refusal } from "../durable/contract";
import { refusalError } from "../http/refusals";
import type { PushTarget } from "../sources/ingest";

/**
 * Who a push is for. A key of the current format names its integration, whose Durable Object
 * is the authority: the worker asks it once per isolate (`describe`) and keeps the answer as a
 * hint; every push is checked again by the object (key hash and settings version). A routing
 * key (32 characters, too short to carry the id) is first looked up in D1 by its hash, once per
 * isolate, then goes the same way. A key of the old format is looked up in D1 by its hash.
 */

/** Bounded: a flood of distinct keys cannot grow an isolate's memory. */
const MAX_CACHED = 10_000;
const known = new Map<string, { keyHash: string; config: IntegrationConfig }>();

const UNKNOWN_KEY: Refusal = { ok: false, reason: "unknown_key" };

export function remember(integrationId: string, keyHash: string, config: IntegrationConfig): void {
	if (known.size >= MAX_CACHED) known.clear();
	known.set(integrationId, { keyHash, config });
}

export async function addressedIntegration(
	env: Env,
	integrationId: string,
	keyHash: string,
	keyHeader: string | null,
): Promise<PushTarget> {
	let entry = known.get(integrationId);
	if (entry === undefined || entry.keyHash !== keyHash) {
		const reply = await env.INTEGRATION.getByName(integrationId).describe(keyHash);
		if (!reply.ok) throw refusalError(reply, keyHeader);
		remember(integrationId, keyHash, reply.config);
		entry = { keyHash, config: reply.config };
	}
	return pushedIntegration(integrationId, keyHash, entry.config, keyHeader);
}

export function pushedIntegration(
	integrationId: string,
	keyHash: string,
	config: IntegrationConfig,
	keyHeader: string | null,
): PushTarget {
	return {
		id: integrationId,
		type: config.type,
		settings: config.settings,
		auth: { kind: "key", keyHash, settingsVersion: config.settingsVersion },
		keyHeader,
	};
}

/**
 * Which integration each routing key's hash was found for in D1 (null: none), per isolate. Only
 * a directory: the integration's object still checks the key on every push, so an entry left
 * behind by a rotation or a delete lets nothing through, and the rotated key stops at once in
 * every isolate. What it costs: one indexed D1 read per isolate per key (never per push), and
 * a push with a key this isolate has not seen needs D1 to be up, which an addressed key does
 * not. Bounded like `known`.
 */
const directory = new Map<string, string>();
/**
 * Hashes D1 found no integration for, apart and smaller: a flood of made-up keys (each one D1
 * read) empties this, never the directory of real ones.
 */
const unknown = new Set<string>();
const MAX_UNKNOWN = 1_000;

/** A 32-character routing key (`pagerduty` integrations): its integration found by its hash. */
export async function routingKeyIntegration(
	env: Env,
	keyHash: string,
	keyHeader: string | null,
): Promise<PushTarget> {
	let integrationId = unknown.has(keyHash) ? null : directory.get(keyHash);
	if (integrationId === undefined) {
		integrationId = await findIntegrationIdByKeyHash(env.DB, keyHash);
		if (integrationId === null) {
			if (unknown.size >= MAX_UNKNOWN) unknown.clear();
			unknown.add(keyHash);
		} else {
			if (directory.size >= MAX_CACHED) directory.clear();
			directory.set(keyHash, integrationId);
		}
	}
	if (integrationId === null) throw refusalError(UNKNOWN_KEY, keyHeader);
	return addressedIntegration(env, integrationId, keyHash, keyHeader);
}

/** A key made before keys carried their integration's id. */
export async function legacyIntegration(
	db: D1Database,
	keyHash: string,
	keyHeader: string | null,
): Promise<PushTarget> {
	const row = await findIntegrationByKeyHash(db, keyHash);
	if (row === null) throw refusalError(UNKNOWN_KEY, keyHeader);
	return {
		id: row.id,
		type: row.type,
		settings: row.settings,
		auth: { kind: "d1", configVersion: row.config_version, settings: row.settings },
		keyHeader,
	};
}

/** For tests: forget every integration this isolate knows, as a fresh isolate would. */
export function forgetIntegrations(): void {
	known.clear();
	directory.clear();
	unknown.clear();
}
