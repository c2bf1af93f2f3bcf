import * as z from "zod/mini";
import {
	deadlineOf,
	type HeartbeatState,
	NEW_HEARTBEAT,
	PingKind,
} from "../../heartbeat/lifecycle";
import { type HeartbeatPlan, heartbeatPlanOf } from "../../heartbeat/settings";
import type { Meta } from "./meta";

/** Pings kept per heartbeat, newest first: the history the API and the dashboard list. */
export const MAX_PINGS_KEPT = 100;

export const PingRow = z.object({
	seq: z.number(),
	at: z.number(),
	kind: PingKind,
	exit_status: z.nullable(z.number()),
	run_ms: z.nullable(z.number()),
	method: z.string(),
	body: z.string(),
});
export type PingRow = z.infer<typeof PingRow>;

/**
 * A heartbeat integration's state (one `meta` value, kept in memory by `Meta`) and its latest
 * pings (the `heartbeat_pings` table, trimmed to MAX_PINGS_KEPT as each is written). A routine
 * ping writes three rows: the state, its own row, and the one it pushes out.
 */
export class HeartbeatPings {
	/** The settings parsed for the version they were parsed at. */
	private plan: { version: number; plan: HeartbeatPlan | null } | undefined;

	constructor(
		private readonly sql: SqlStorage,
		private readonly meta: Meta,
	) {}

	/** The state, or null when the integration is not a heartbeat. */
	state(): HeartbeatState | null {
		if (this.meta.get("type") !== "heartbeat") return null;
		return this.meta.get("heartbeat") ?? NEW_HEARTBEAT;
	}

	save(state: HeartbeatState): void {
		this.meta.set("heartbeat", state);
	}

	/** The settings as the heartbeat acts on them (null: not a heartbeat), parsed once per change. */
	currentPlan(): HeartbeatPlan | null {
		const version = this.meta.get("settings_version") ?? 0;
		if (this.plan?.version !== version) {
			const settings = this.meta.get("settings");
			this.plan = { version, plan: settings === null ? null : heartbeatPlanOf(settings) };
		}
		return this.plan.plan;
	}

	/** When the heartbeat goes down unless a ping comes first (null: not a heartbeat, or it cannot). */
	deadline(): number | null {
		const state = this.state();
		const plan = this.currentPlan();
		return state === null || plan === null ? null : deadlineOf(state, plan);
	}

	record(ping: Omit<PingRow, "seq">): void {
		const { seq } = Seq.parse(
			this.sql
				.exec(
					"INSERT INTO heartbeat_pings (at, kind, exit_status, run_ms, method, body) VALUES (?, ?, ?, ?, ?, ?) RETURNING seq",
					ping.at,
					ping.kind,
					ping.exit_status,
					ping.run_ms,
					ping.method,
					ping.body,
				)
				.one(),
		);
		// Sequence numbers have no gaps, so the row pushed out is known without a read.
		if (seq > MAX_PINGS_KEPT) {
			this.sql.exec("DELETE FROM heartbeat_pings WHERE seq <= ?", seq - MAX_PINGS_KEPT);
		}
	}

	/** The latest pings, newest first. */
	list(limit: number): PingRow[] {
		return this.sql
			.exec("SELECT * FROM heartbeat_pings ORDER BY seq DESC LIMIT ?", limit)
			.toArray()
			.map((row) => PingRow.parse(row));
	}

	/** What the last success or failure said (its body), for the alert that opens. */
	lastOutput(): string {
		const row = this.sql
			.exec(
				"SELECT body FROM heartbeat_pings WHERE kind IN ('success', 'fail') ORDER BY seq DESC LIMIT 1",
			)
			.toArray()[0];
		return row === undefined ? "" : Body.parse(row).body;
	}

	forget(): void {
		this.plan = undefined;
	}
}

const Seq = z.object({ seq: z.number() });
const Body = z.object({ body: z.string() });
