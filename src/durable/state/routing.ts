import { NO_ROUTING, type RoutingSnapshot } from "../../routing/snapshot";
import type { Meta } from "./meta";

/**
 * The object's copy of its routing (routes, private channel, channels' grouping). Routing
 * changes rarely: the copy is replaced only when the worker saw a newer config version.
 */
export class RoutingCache {
	private snapshot: RoutingSnapshot | undefined;

	constructor(private readonly meta: Meta) {}

	current(): RoutingSnapshot {
		this.snapshot ??= this.meta.get("routing") ?? NO_ROUTING;
		return this.snapshot;
	}

	/** True when a reload is needed for `version` (undefined: the caller knows no version). */
	isStale(version: number | undefined): version is number {
		return version !== undefined && this.current().version !== version;
	}

	replace(snapshot: RoutingSnapshot): void {
		// A snapshot read without a request to learn the addresses from keeps the ones known.
		if (snapshot.base_url === undefined) {
			const { base_url, dashboard_url } = this.current();
			if (base_url !== undefined) snapshot = { ...snapshot, base_url };
			if (dashboard_url !== undefined) snapshot = { ...snapshot, dashboard_url };
		}
		this.snapshot = snapshot;
		this.meta.set("routing", snapshot);
	}

	/** After a wipe: read again from storage next time. */
	forget(): void {
		this.snapshot = undefined;
	}
}
