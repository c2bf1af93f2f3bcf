import * as z from "zod/mini";
import { NotificationEvent } from "../../notify/event";
import type { SlackMessage } from "../../notify/slack";
import { DeliveryStatus } from "../../notify/target";
import { jsonText } from "../../schema/json";
import { type HeldWrite, heldInsert, WriteBehind } from "./write-behind";

/** A notification queued with its incident's change; held until the push ends. */
const INSERT_NOTIFICATION = heldInsert(
	`outbox (id, incident_id, channel_id, target_id, type, event, created_at, give_up_at,
		next_attempt_at, status)`,
	9,
	{ fixed: ["'pending'"] },
);
/** Whether a target was told of an incident, and its next escalation; held likewise. */
const PUT_TARGET_STATE = heldInsert(
	"incident_targets (incident_id, target_id, notified, escalate_at, repeats_sent)",
	5,
	{
		tail: `ON CONFLICT (incident_id, target_id) DO UPDATE SET notified = excluded.notified,
			escalate_at = excluded.escalate_at, repeats_sent = excluded.repeats_sent`,
	},
);

/**
 * A queued notification's new state (its id last), held like the rows a push writes: an alarm
 * run claims and settles its batch in one statement each.
 */
const UPDATE_NOTIFICATION: HeldWrite = {
	one: `UPDATE outbox SET status = ?, attempts = ?, give_up_at = ?, next_attempt_at = ?,
		last_attempt_at = ?, last_status = ?, last_error = ?, version = version + 1 WHERE id = ?`,
	many: `UPDATE outbox SET status = r.value ->> 0, attempts = r.value ->> 1,
		give_up_at = r.value ->> 2, next_attempt_at = r.value ->> 3, last_attempt_at = r.value ->> 4,
		last_status = r.value ->> 5, last_error = r.value ->> 6, version = version + 1
		FROM jsonb_each(?) AS r WHERE outbox.id = r.value ->> 7`,
};

/**
 * The notification outbox and each incident's escalation state. A row is written in the same
 * transaction as the incident change it tells of, so a crash can neither lose it nor leave one
 * for a change that did not happen; the call that queued it sends it, or the alarm (outbound.ts).
 */

export const OutboxRow = z.object({
	id: z.string(),
	incident_id: z.string(),
	channel_id: z.string(),
	target_id: z.string(),
	type: z.string(),
	event: jsonText(NotificationEvent),
	status: DeliveryStatus,
	attempts: z.number(),
	created_at: z.number(),
	give_up_at: z.number(),
	next_attempt_at: z.number(),
	last_attempt_at: z.nullable(z.number()),
	last_status: z.nullable(z.number()),
	last_error: z.nullable(z.string()),
	version: z.number(),
});
export type OutboxRow = z.infer<typeof OutboxRow>;
/** A row as the D1 mirror needs it: without the event, which D1 does not keep. */
const OutboxStatus = z.omit(OutboxRow, { event: true });
export type OutboxStatus = z.infer<typeof OutboxStatus>;

const TargetState = z.object({
	incident_id: z.string(),
	target_id: z.string(),
	notified: z.number(),
	escalate_at: z.nullable(z.number()),
	repeats_sent: z.number(),
});
export type TargetState = z.infer<typeof TargetState>;

const AtRow = z.object({ at: z.nullable(z.number()) });

/** `t(id)`: every target with a pending notification, one index seek each (then a null). */
const TARGETS_WITH_PENDING = `WITH RECURSIVE t(id) AS (
	SELECT min(target_id) FROM outbox INDEXED BY outbox_target_due WHERE status = 'pending'
	UNION ALL
	SELECT (SELECT min(target_id) FROM outbox INDEXED BY outbox_target_due
		WHERE status = 'pending' AND target_id > t.id)
	FROM t WHERE t.id IS NOT NULL)`;
const SlackMessageRow = z.object({ channel: z.string(), ts: z.string() });
const IdRow = z.object({ target_id: z.string() });

const toRow = (row: Record<string, SqlStorageValue>) => OutboxRow.parse(row);

/** Events remembered at most; past this the memory starts over (each is one parse to relearn). */
const MAX_EVENTS_KNOWN = 1_000;

export class Outbox {
	/** The soonest time something was queued or scheduled for since the object last asked. */
	private soonest: number | null = null;
	/**
	 * The events of notifications this object queued and has not settled, by id: a send takes
	 * its event from here instead of parsing the stored text again (an event never changes).
	 */
	private readonly events = new Map<string, NotificationEvent>();

	constructor(
		private readonly sql: SqlStorage,
		private readonly behind = new WriteBehind(sql),
	) {}

	enqueue(n: {
		event: NotificationEvent;
		incidentId: string;
		channelId: string;
		targetId: string;
		now: number;
		giveUpAt: number;
	}): void {
		this.behind.write(INSERT_NOTIFICATION, [
			n.event.id,
			n.incidentId,
			n.channelId,
			n.targetId,
			n.event.type,
			JSON.stringify(n.event),
			n.now,
			n.giveUpAt,
			n.now,
		]);
		if (this.events.size >= MAX_EVENTS_KNOWN) this.events.clear();
		this.events.set(n.event.id, n.event);
		this.schedule(n.now);
	}

	/** A row read back, its event taken from memory when this object queued it. */
	private fromStorage(row: Record<string, SqlStorageValue>): OutboxRow {
		const event = this.events.get(String(row.id));
		return event === undefined ? toRow(row) : { ...OutboxStatus.parse(row), event };
	}

	/** After a rollback: what it queued is not there. */
	forget(): void {
		this.events.clear();
	}

	get(id: string): OutboxRow | null {
		const row = this.sql.exec("SELECT * FROM outbox WHERE id = ?", id).toArray()[0];
		return row === undefined ? null : toRow(row);
	}

	/**
	 * Pending notifications due by `now` that head their queue: per target, an incident's
	 * notifications go out one at a time and in order, so a later one waits for an earlier one
	 * to be delivered or to fail for good. At most `perTarget` per target, so a storm for one
	 * target leaves room in the batch for the others.
	 */
	due(now: number, perTarget: number, limit: number): OutboxRow[] {
		// Target by target, each read from its own place in an index: a backlog of thousands
		// (for one target or many) costs a batch what a few rows do.
		const heads = this.targetsWithPending().flatMap((targetId) =>
			this.sql
				.exec(
					`SELECT * FROM outbox o INDEXED BY outbox_target_due
					 WHERE status = 'pending' AND target_id = ?1 AND next_attempt_at <= ?2
					 AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.status = 'pending'
						AND p.target_id = o.target_id AND p.incident_id = o.incident_id AND p.seq < o.seq)
					 ORDER BY next_attempt_at, seq LIMIT ?3`,
					targetId,
					now,
					perTarget,
				)
				.toArray()
				.map((row) => ({ seq: Number(row.seq), row: this.fromStorage(row) })),
		);
		return heads
			.sort((a, b) => a.row.next_attempt_at - b.row.next_attempt_at || a.seq - b.seq)
			.slice(0, limit)
			.map(({ row }) => row);
	}

	/** Every target with a pending notification, a deleted one's included: one index seek each. */
	private targetsWithPending(): string[] {
		return this.sql
			.exec(`${TARGETS_WITH_PENDING} SELECT id FROM t WHERE id IS NOT NULL`)
			.toArray()
			.map((row) => String(row.id));
	}

	/**
	 * Changes a row the caller has just read (`current`: no second read, no second parse of its
	 * event), and returns it as changed. Every change bumps the version, which is what the D1
	 * mirror compares.
	 */
	update(
		current: OutboxRow,
		change: Partial<
			Pick<
				OutboxRow,
				| "status"
				| "attempts"
				| "give_up_at"
				| "next_attempt_at"
				| "last_attempt_at"
				| "last_status"
				| "last_error"
			>
		>,
	): OutboxRow {
		const next = { ...current, ...change };
		this.behind.write(
			UPDATE_NOTIFICATION,
			[
				next.status,
				next.attempts,
				next.give_up_at,
				next.next_attempt_at,
				next.last_attempt_at,
				next.last_status,
				next.last_error,
				current.id,
			],
			current.id,
		);
		if (next.status === "pending") this.schedule(next.next_attempt_at);
		else this.events.delete(current.id);
		return { ...next, version: current.version + 1 };
	}

	/** When the next pending notification is due (null: none): each target's soonest, one seek. */
	nextDueAt(): number | null {
		const row = this.sql
			.exec(
				`${TARGETS_WITH_PENDING}
				 SELECT min((SELECT min(next_attempt_at) FROM outbox INDEXED BY outbox_target_due
					WHERE status = 'pending' AND target_id = t.id)) AS at FROM t WHERE id IS NOT NULL`,
			)
			.one();
		return AtRow.parse(row).at;
	}

	unmirrored(limit: number): OutboxStatus[] {
		return this.sql
			.exec(
				`SELECT id, incident_id, channel_id, target_id, type, status, attempts, created_at,
					give_up_at, next_attempt_at, last_attempt_at, last_status, last_error, version
				 FROM outbox WHERE version > mirrored_version ORDER BY seq LIMIT ?`,
				limit,
			)
			.toArray()
			.map((row) => OutboxStatus.parse(row));
	}

	anyUnmirrored(): boolean {
		return (
			this.sql.exec("SELECT 1 FROM outbox WHERE version > mirrored_version LIMIT 1").toArray()
				.length > 0
		);
	}

	/**
	 * D1 holds these versions now; a newer change made meanwhile stays unmirrored. One statement
	 * for the whole write.
	 */
	markMirrored(rows: readonly { id: string; version: number }[]): void {
		if (rows.length === 0) return;
		this.sql.exec(
			`UPDATE outbox SET mirrored_version = m.value ->> 1 FROM jsonb_each(?) AS m
			 WHERE outbox.id = m.value ->> 0 AND outbox.mirrored_version < m.value ->> 1`,
			JSON.stringify(rows.map((row) => [row.id, row.version])),
		);
	}

	/** A pruned incident's notifications go with it (D1 forgets them with the incident). */
	forgetIncident(incidentId: string): void {
		this.sql.exec("DELETE FROM outbox WHERE incident_id = ?", incidentId);
		this.sql.exec("DELETE FROM incident_targets WHERE incident_id = ?", incidentId);
	}

	// --- Which targets know of an incident, and escalations ------------------------------------

	targetState(incidentId: string, targetId: string): TargetState | null {
		const row = this.sql
			.exec(
				"SELECT * FROM incident_targets WHERE incident_id = ? AND target_id = ?",
				incidentId,
				targetId,
			)
			.toArray()[0];
		return row === undefined ? null : TargetState.parse(row);
	}

	setTargetState(state: TargetState): void {
		this.behind.write(PUT_TARGET_STATE, [
			state.incident_id,
			state.target_id,
			state.notified,
			state.escalate_at,
			state.repeats_sent,
		]);
		if (state.escalate_at !== null) this.schedule(state.escalate_at);
	}

	/** Targets told of the incident (at once, or by an escalation). */
	notifiedTargets(incidentId: string): Set<string> {
		const rows = this.sql
			.exec(
				"SELECT target_id FROM incident_targets WHERE incident_id = ? AND notified = 1",
				incidentId,
			)
			.toArray();
		return new Set(rows.map((row) => IdRow.parse(row).target_id));
	}

	/** Acknowledged or resolved: nothing more is escalated. */
	stopEscalations(incidentId: string): void {
		this.sql.exec(
			"UPDATE incident_targets SET escalate_at = NULL WHERE incident_id = ? AND escalate_at IS NOT NULL",
			incidentId,
		);
	}

	dueEscalations(now: number, limit: number): TargetState[] {
		return this.sql
			.exec(
				`SELECT * FROM incident_targets WHERE escalate_at IS NOT NULL AND escalate_at <= ?
				 ORDER BY escalate_at LIMIT ?`,
				now,
				limit,
			)
			.toArray()
			.map((row) => TargetState.parse(row));
	}

	nextEscalationAt(): number | null {
		const row = this.sql
			.exec("SELECT min(escalate_at) AS at FROM incident_targets WHERE escalate_at IS NOT NULL")
			.one();
		return AtRow.parse(row).at;
	}

	// --- The message a Slack bot target posted about an incident ------------------------------

	slackMessage(incidentId: string, targetId: string): SlackMessage | null {
		const row = this.sql
			.exec(
				`SELECT slack_channel AS channel, slack_ts AS ts FROM incident_targets
				 WHERE incident_id = ? AND target_id = ? AND slack_ts IS NOT NULL`,
				incidentId,
				targetId,
			)
			.toArray()[0];
		return row === undefined ? null : SlackMessageRow.parse(row);
	}

	/** Kept with the target's state for the incident (which exists once it was told of it). */
	setSlackMessage(incidentId: string, targetId: string, message: SlackMessage | null): void {
		this.sql.exec(
			"UPDATE incident_targets SET slack_channel = ?, slack_ts = ? WHERE incident_id = ? AND target_id = ?",
			message?.channel ?? null,
			message?.ts ?? null,
			incidentId,
			targetId,
		);
	}

	/** What was queued or scheduled since the last call: the object sets its alarm by it. */
	takeSoonest(): number | null {
		const soonest = this.soonest;
		this.soonest = null;
		return soonest;
	}

	private schedule(at: number): void {
		if (this.soonest === null || at < this.soonest) this.soonest = at;
	}
}
