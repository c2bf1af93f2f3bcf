import { deleteIncidents, upsertIncidents } from "../../db/incidents";
import { mirrorIntegrationStats } from "../../db/integrations";
import { deleteNotificationsOf, upsertNotifications } from "../../db/notifications";
import type { Incidents, UnmirroredIncidents } from "./incidents";
import { type Meta, NO_STATS } from "./meta";
import type { Outbox, OutboxStatus } from "./outbox";

/** Counters, incidents and notifications reach the D1 mirror this long after the change. */
export const MIRROR_DELAY_MS = 1_000;
/** After a failed mirror write, the alarm tries again this much later, until it lands. */
export const MIRROR_RETRY_MS = 30_000;
/**
 * Incidents (and notifications, and pruned incidents) written to D1 per alarm run; more are left
 * for the next run, which follows at once. A flood of new incidents (thousands a second) is
 * mirrored within a few runs of it.
 */
const MIRROR_BATCH = 2_000;
/**
 * Rows per D1 statement, carried as one JSON parameter: an incident's row is at most about 3.3 KB
 * of JSON (a 512-character title escaped at worst), so 500 stay under D1's 2,000,000 bytes for
 * a value (https://developers.cloudflare.com/d1/platform/limits/).
 */
const ROWS_PER_STATEMENT = 500;

/** `rows` in chunks of ROWS_PER_STATEMENT. */
const chunks = <T>(rows: readonly T[]): T[][] =>
	Array.from({ length: Math.ceil(rows.length / ROWS_PER_STATEMENT) }, (_, i) =>
		rows.slice(i * ROWS_PER_STATEMENT, (i + 1) * ROWS_PER_STATEMENT),
	);

/** "full": the run wrote as much as it may and more waits, so the next run follows at once. */
export type MirrorResult = "done" | "behind" | "full" | "failed";

/** One D1 write: its statements and what to mark as mirrored once D1 took them. */
export type MirrorPlan = {
	statements: D1PreparedStatement[];
	incidents: UnmirroredIncidents;
	notifications: OutboxStatus[];
	/** Pruned incidents deleted from D1 in this write. */
	pruned: string[];
	/** The counters' version when planned, and whether D1 gets them in this write. */
	statsVersion: number;
	statsChanged: boolean;
	more: boolean;
};

/**
 * What D1's listing mirror has not seen yet: changed incidents and the counters. Versions make
 * the writes safe to repeat and to interleave: D1 keeps the newest, and only what was written is
 * marked. The object awaits the batch between `plan` and `settle`.
 */
export class Mirror {
	constructor(
		private readonly meta: Meta,
		private readonly incidents: Incidents,
		private readonly outbox: Outbox,
	) {}

	/** Where D1's mirror has reached in the order incidents were opened (their `seq`). */
	private openedUpTo(): number {
		return this.meta.get("incidents_mirrored_seq") ?? 0;
	}

	plan(db: D1Database): MirrorPlan | null {
		const integrationId = this.meta.get("integration_id");
		if (integrationId === null) return null;
		const stats = this.meta.get("stats") ?? NO_STATS;
		const statsVersion = stats.version;
		const statsChanged = statsVersion !== (this.meta.get("mirrored_version") ?? 0);
		const incidents = this.incidents.unmirrored(
			this.openedUpTo(),
			MIRROR_BATCH,
			ROWS_PER_STATEMENT,
		);
		const pruned = this.incidents.pruned(MIRROR_BATCH + 1);
		const deletions = pruned.slice(0, MIRROR_BATCH);
		const sent = this.outbox.unmirrored(MIRROR_BATCH + 1);
		const notifications = sent.slice(0, MIRROR_BATCH);
		if (
			!statsChanged &&
			incidents.count === 0 &&
			deletions.length === 0 &&
			notifications.length === 0
		) {
			return null;
		}

		const statements = [
			...incidents.chunks.map((chunk) => upsertIncidents(db, integrationId, chunk.rows)),
			...chunks(notifications).map((chunk) => upsertNotifications(db, integrationId, chunk)),
		];
		for (const chunk of chunks(deletions)) {
			statements.push(deleteIncidents(db, chunk), deleteNotificationsOf(db, chunk));
		}
		if (statsChanged) {
			statements.push(mirrorIntegrationStats(db, integrationId, stats));
		}
		return {
			statements,
			incidents,
			notifications,
			pruned: deletions,
			statsVersion,
			statsChanged,
			more:
				// A full batch of incidents: more may wait (if none, the next run finds nothing).
				incidents.count === MIRROR_BATCH ||
				pruned.length > MIRROR_BATCH ||
				sent.length > MIRROR_BATCH,
		};
	}

	/** Marks what D1 took. Changes made while it was being written go on the next run. */
	settle(plan: MirrorPlan): Exclude<MirrorResult, "failed"> {
		for (const chunk of plan.incidents.chunks) this.incidents.markMirrored(chunk.marks);
		// The batch takes incidents opened past the mark in order, so it ends where they do.
		const opened = plan.incidents.openedUpTo;
		if (opened !== null && opened > this.openedUpTo()) {
			this.meta.set("incidents_mirrored_seq", opened);
		}
		this.outbox.markMirrored(plan.notifications);
		this.incidents.forgetPruned(plan.pruned);
		if (plan.statsChanged) this.meta.set("mirrored_version", plan.statsVersion);
		if (plan.more) return "full";
		const behind =
			(this.meta.get("stats") ?? NO_STATS).version !== plan.statsVersion ||
			this.incidents.anyUnmirrored(this.openedUpTo()) ||
			this.outbox.anyUnmirrored();
		return behind ? "behind" : "done";
	}
}
