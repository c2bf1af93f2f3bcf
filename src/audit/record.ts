import { type AuditRow, auditStatements } from "../db/audit";
import { redactKeys } from "../security/secrets";

/**
 * The audit log's entries: who changed what, and each changed field before and after, with
 * every secret masked. The admin API writes one per change (src/admin/authorize.ts), the
 * dashboard and action links' pages per action, and Slack's interactions call `recordAudit`
 * with `{ kind: "slack", name: "@user" }`. Nothing here is loaded by a push.
 */

export type AuditActor = {
	kind: "admin_token" | "token" | "access" | "slack" | "action_link";
	/** A token's name, an email, a Slack user (`@ana`), or "action link". */
	name: string;
};

export type AuditEntry = {
	actor: AuditActor;
	via: "api" | "dashboard" | "action_link" | "slack";
	/** `<resource type>.<verb>`: `integration.create`, `incident.acknowledge`, `token.revoke`. */
	action: string;
	resource_id: string | null;
	/** The resource as it was and as it is (null: it did not exist / no longer does). */
	before: unknown;
	after: unknown;
	request_id: string | null;
};

/** What takes the place of a secret. */
export const MASKED = "••••";
/** A value longer than this, as JSON, is summarised: the log says it changed, not to what. */
const MAX_VALUE_CHARS = 2_000;

/** Field names whose values are credentials: integration and routing keys, target secrets, tokens. */
const SECRET_FIELD =
	/(^|_)(secret|secrets|token|token_hash|key_hash|password|routing_key|integration_key|api_key|authorization|signature|headers)$/i;
/** Field names holding URLs whose path or query may be a credential (Slack's, Teams' `sig=`). */
const URL_FIELD = /(^|_)url$/i;

/** The row the log keeps for `entry`. */
export function auditRow(entry: AuditEntry, at: number): AuditRow {
	const [type = "unknown"] = entry.action.split(".");
	return {
		id: crypto.randomUUID(),
		at,
		actor_kind: entry.actor.kind,
		actor_name: entry.actor.name,
		via: entry.via,
		action: entry.action,
		resource_type: type,
		resource_id: entry.resource_id,
		changes: changesOf(masked(entry.before), masked(entry.after)),
		request_id: entry.request_id,
	};
}

/** Writes one entry (and prunes the log) in one batch; none for a change that changed nothing. */
export async function recordAudit(env: Pick<Env, "DB">, entry: AuditEntry): Promise<void> {
	const row = auditRow(entry, Date.now());
	// A change that changed nothing (a PATCH of the same values, a repeated acknowledge) is no
	// entry, whatever time it stamped: it cannot push real ones out of the log.
	if (Object.keys(row.changes).every((field) => field === "updated_at")) return;
	await env.DB.batch(auditStatements(env.DB, row));
}

/**
 * Each top-level field that differs, before and after. A thing created shows every field with
 * `before: null`, a thing deleted every field with `after: null`.
 */
export function changesOf(
	before: unknown,
	after: unknown,
): Record<string, { before: unknown; after: unknown }> {
	const fieldsOf = (value: unknown): Record<string, unknown> =>
		value !== null && typeof value === "object" && !Array.isArray(value)
			? (value as Record<string, unknown>)
			: value === null || value === undefined
				? {}
				: { value };
	const a = fieldsOf(before);
	const b = fieldsOf(after);
	const changes: Record<string, { before: unknown; after: unknown }> = {};
	for (const field of new Set([...Object.keys(a), ...Object.keys(b)])) {
		const was = a[field] ?? null;
		const is = b[field] ?? null;
		const [wasText, isText] = [JSON.stringify(was), JSON.stringify(is)];
		if (wasText === isText) continue;
		changes[field] = { before: bounded(was, wasText), after: bounded(is, isText) };
	}
	return changes;
}

const bounded = (value: unknown, text: string) =>
	text.length > MAX_VALUE_CHARS ? `(${text.length} characters of JSON, not kept)` : value;

/** `value` with every secret masked: by field name, URLs to their origin, keys and tokens in text. */
export function masked(value: unknown, field = ""): unknown {
	if (value === null || value === undefined) return value ?? null;
	if (SECRET_FIELD.test(field)) return MASKED;
	if (typeof value === "string") {
		return URL_FIELD.test(field) ? maskedUrl(value) : redactKeys(value);
	}
	if (Array.isArray(value)) return value.map((one) => masked(one, field));
	if (typeof value === "object") {
		return Object.fromEntries(
			Object.entries(value as Record<string, unknown>).map(([name, one]) => [
				name,
				masked(one, name),
			]),
		);
	}
	return value;
}

/** A URL's origin, its path and query masked: they may carry the credential. */
function maskedUrl(url: string): string {
	const parsed = URL.parse(url);
	return parsed === null ? MASKED : `${parsed.origin}/${MASKED}`;
}
