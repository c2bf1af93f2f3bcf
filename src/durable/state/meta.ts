import * as z from "zod/mini";
import { HeartbeatState } from "../../heartbeat/lifecycle";
import { IntakeCounts, NO_COUNTS } from "../../integrations/counters";
import { Settings } from "../../integrations/settings";
import { IntegrationType } from "../../integrations/type";
import { RoutingSnapshot } from "../../routing/snapshot";
import { jsonText } from "../../schema/json";
import { heldInsert, WriteBehind } from "./write-behind";

/**
 * The object's small named values (the `meta` table), each with its own schema. Values are
 * stored as text exactly as earlier versions wrote them (numbers in decimal, "off" for no
 * auto-resolve), so objects created before this file read the same.
 */

const decimal = z.codec(z.string().check(z.regex(/^-?\d+(\.\d+)?$/)), z.number(), {
	decode: Number,
	encode: String,
});
/** The intake counts and their version, which moves with every change (for the D1 mirror). */
export const Stats = z.extend(IntakeCounts, { version: z.number() });
export type Stats = z.infer<typeof Stats>;
export const NO_STATS: Stats = { ...NO_COUNTS, version: 0 };

const META = {
	/** Set by delete: the tombstone that refuses every later call. */
	deleted: decimal,
	integration_id: z.string(),
	// What a push needs without D1 (the contract's `Provision`).
	key_hash: z.string(),
	type: IntegrationType,
	settings: jsonText(Settings),
	settings_version: decimal,
	/**
	 * What objects kept of the settings before they held them whole (read only where `settings`
	 * is absent: an integration with an old-format key that no admin change reached yet).
	 */
	retention_ms: decimal,
	/** `auto_resolve_after` in ms; null (stored "off") when off. */
	auto_resolve_after_ms: z.codec(z.string(), z.nullable(z.number()), {
		decode: (text) => (text === "off" ? null : Number(text)),
		encode: (ms) => (ms === null ? "off" : String(ms)),
	}),
	// SNS subscription (state/subscription.ts).
	topic_arn: z.string(),
	topic_pinned_by: z.enum(["confirmation", "notification"]),
	topic_pinned_at: decimal,
	subscription_status: z.enum(["confirmed", "unsubscribed"]),
	subscription_arn: z.string(),
	confirmed_at: decimal,
	unsubscribed_at: decimal,
	last_message_at: decimal,
	// Counters mirrored to D1 (state/mirror.ts), one row so a push writes them once;
	// `version` moves with every change and `mirrored_version` is the last one D1 took.
	stats: jsonText(Stats),
	mirrored_version: decimal,
	/**
	 * The newest incident (by `seq`) D1's mirror holds as it was opened: those past it are new to
	 * D1, and only later changes of an incident mark it unmirrored (state/incidents.ts).
	 */
	incidents_mirrored_seq: decimal,
	/** The last alert key the alarm's sweep of flapping records reached (state/flaps.ts). */
	flaps_swept_to: z.string(),
	/** When a silence next starts or stops muting (see noise.ts); null: none will. */
	noise_due_at: z.codec(z.string(), z.nullable(z.number()), {
		decode: (text) => (text === "never" ? null : Number(text)),
		encode: (ms) => (ms === null ? "never" : String(ms)),
	}),
	// The routing copy (state/routing.ts).
	routing: jsonText(RoutingSnapshot),
	// What the integration expects to keep arriving (state/watches.ts).
	/** When the settings last changed: where a watch counts from before anything arrived. */
	settings_changed_at: decimal,
	/** When Alertmanager's Watchdog last arrived firing. */
	watchdog_seen_at: decimal,
	/** The watches whose alert is firing. */
	watches_open: jsonText(z.array(z.enum(["expect_within", "watchdog"]))),
	/** A heartbeat integration's state (state/heartbeat.ts). */
	heartbeat: jsonText(HeartbeatState),
} as const;

export type MetaKey = keyof typeof META;
export type MetaValue<K extends MetaKey> = z.output<(typeof META)[K]>;
type CounterKey = "settings_version";
/** Each key's schema, typed one key at a time. */
const CODECS: { [K in MetaKey]: z.ZodMiniType<MetaValue<K>, string> } = META;

const Stored = z.object({ value: z.string() });

/** Held like the other rows: a push's last write (its counters) would otherwise write them first. */
const PUT_META = heldInsert("meta (key, value)", 2, {
	tail: "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
});

/**
 * Values are read from SQLite once and then kept in memory as stored text: the object is the
 * only writer of its storage, so the copy stays true. The object drops the copy when a
 * transaction rolls back (`forget`).
 */
export class Meta {
	/** Each key read so far: its stored text and the value it decodes to (null: absent). */
	private known: { [K in MetaKey]?: { text: string; value: MetaValue<K> } | null } = {};

	constructor(
		private readonly sql: SqlStorage,
		private readonly behind = new WriteBehind(sql),
	) {}

	get<K extends MetaKey>(key: K): MetaValue<K> | null {
		return this.entry(key)?.value ?? null;
	}

	/** Writes only a changed value (rows are billed per write); false when it was the same. */
	set<K extends MetaKey>(key: K, value: MetaValue<K>): boolean {
		const known = this.entry(key);
		// The same number or text again (a push of an old-format key repeats D1's settings).
		if (known !== null && known.value === value) return false;
		const text = z.encode(CODECS[key], value);
		if (known?.text === text) return false;
		this.behind.write(PUT_META, [key, text], key);
		this.remember(key, { text, value });
		return true;
	}

	delete(...keys: MetaKey[]): void {
		for (const key of keys) {
			this.sql.exec("DELETE FROM meta WHERE key = ?", key);
			this.remember(key, null);
		}
	}

	forget(): void {
		this.known = {};
	}

	private entry<K extends MetaKey>(key: K): { text: string; value: MetaValue<K> } | null {
		const known = this.known[key];
		if (known !== undefined) return known;
		const row = this.sql.exec("SELECT value FROM meta WHERE key = ?", key).toArray()[0];
		const text = row === undefined ? null : Stored.parse(row).value;
		const entry = text === null ? null : { text, value: CODECS[key].parse(text) };
		this.remember(key, entry);
		return entry;
	}

	private remember<K extends MetaKey>(key: K, entry: { text: string; value: MetaValue<K> } | null) {
		const known: { [J in K]?: { text: string; value: MetaValue<J> } | null } = this.known;
		known[key] = entry;
	}

	/** Adds one to a counter (absent counts as 0) and returns the new value. */
	increment(key: CounterKey): number {
		const value = (this.get(key) ?? 0) + 1;
		this.set(key, value);
		return value;
	}

	isDeleted(): boolean {
		return this.get("deleted") !== null;
	}
}
