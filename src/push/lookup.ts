import { findIntegrationByKeyHash } from "../db/integrations";
import type { IntegrationConfig, Refusal } from "../durable/contract";
import { refusalError } from "../http/refusals";
import type { PushTarget } from "../sources/ingest";

/**
 * Who a push is for. A key of the current format names its integration, whose Durable Object
 * is the authority: the worker asks it once per isolate (`describe`) and keeps the answer as a
 * hint; every push is checked again by the object (key hash and settings version). A key of
 * the old format is looked up in D1 by its hash.
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
}
