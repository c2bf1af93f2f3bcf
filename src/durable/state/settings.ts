import {
	DEFAULT_RETENTION_MS,
	type IntakeSettings,
	intakeSettingsOf,
	type Settings,
} from "../../integrations/settings";
import type { Meta } from "./meta";

/**
 * The integration's settings as the object acts on them: stored whole (the worker normalizes
 * with them), read typed. They are parsed once after each change, not per push.
 */
export class HeldSettings {
	private typed: IntakeSettings | undefined;

	/** `timesOut` is told whether alerts time out (`auto_resolve_after`) whenever settings change. */
	constructor(
		private readonly meta: Meta,
		private readonly timesOut: (on: boolean) => void = () => {},
	) {}

	current(): IntakeSettings {
		this.typed ??= this.read();
		return this.typed;
	}

	/**
	 * New settings; their version moves only when they differ, so a worker's copy stays good.
	 * True when they differ.
	 */
	replace(settings: Settings): boolean {
		if (!this.meta.set("settings", settings)) return false;
		this.meta.increment("settings_version");
		this.typed = undefined;
		this.timesOut(this.current().autoResolveAfterMs !== null);
		return true;
	}

	/** After a rollback or a wipe: read again from storage next time. */
	forget(): void {
		this.typed = undefined;
	}

	private read(): IntakeSettings {
		const stored = this.meta.get("settings");
		if (stored !== null) return intakeSettingsOf(stored);
		// Pushes with an old-format key once wrote only these two, and nothing else held.
		return {
			autoResolveAfterMs: this.meta.get("auto_resolve_after_ms"),
			retentionMs: this.meta.get("retention_ms") ?? DEFAULT_RETENTION_MS,
			rateLimit: null,
			flapping: null,
			topicArn: null,
			expectWithin: null,
			watchdog: null,
		};
	}
}
