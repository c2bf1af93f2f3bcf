import type { RoutingSnapshot } from "../routing/snapshot";
import { digestsEqual } from "../security/secrets";
import type { Configuration, DescribeReply, Provision } from "./contract";
import { countUnrouted } from "./counters";
import { routeReleased } from "./incident-changes";
import { noiseChanged } from "./noise";
import type { Stores } from "./state/stores";

/**
 * What the admin API tells the object, and what the object tells the worker back: the key's
 * hash, the type, the settings and the routing copy a push needs without D1. Each change runs in
 * one transaction; when silences or inhibit rules changed, what fires is looked at again at once.
 */

/** The integration's config, when `keyHash` is its key's. Refusing writes nothing. */
export function describeKey(s: Stores, keyHash: string): DescribeReply {
	const held = s.meta.get("key_hash");
	const type = s.meta.get("type");
	const settings = s.meta.get("settings");
	if (held === null || type === null || settings === null || !digestsEqual(held, keyHash)) {
		return { ok: false, reason: "unknown_key" };
	}
	return {
		ok: true,
		config: { type, settings, settingsVersion: s.meta.get("settings_version") ?? 0 },
	};
}

/**
 * On create and rotate: what a push needs without D1; a new key replaces the old at once. True
 * when silences or inhibit rules changed what fires (incidents may have opened).
 */
export function provision(s: Stores, p: Provision, now: number): boolean {
	s.meta.set("integration_id", p.integrationId);
	s.meta.set("key_hash", p.keyHash);
	s.meta.set("type", p.type);
	return configure(s, p, now);
}

/** PATCH: new settings, and the routing the channel implies (see `provision` for the answer). */
export function configure(s: Stores, c: Configuration | Provision, now: number): boolean {
	// Where a watch counts from before anything arrives (state/watches.ts).
	if (s.settings.replace(c.settings)) s.meta.set("settings_changed_at", now);
	return c.routing === undefined ? false : reroute(s, c.routing, now);
}

/**
 * Routes, the private channel, a channel's grouping or targets, silences or inhibit rules
 * changed. New routes apply from the next push; silences and inhibit rules also to what fires,
 * and alerts they no longer mute are routed now (see `provision` for the answer).
 */
export function reroute(s: Stores, routing: RoutingSnapshot, now: number): boolean {
	const before = s.routing.current();
	s.routing.replace(routing);
	const released = noiseChanged(s, before, now);
	if (released === null) return false;
	countUnrouted(s, routeReleased(s, released, now));
	return true;
}
