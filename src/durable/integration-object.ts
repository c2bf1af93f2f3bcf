import { type ApiAlert, alertToApi } from "../alerts/alert";
import type { AlertEvent } from "../alerts/event";
import { type Actor, actor, type TimelineRecord } from "../incidents/timeline";
import type { SilenceRule } from "../routing/silence";
import type { RoutingSnapshot } from "../routing/snapshot";
import { configure, describeKey, provision, reroute } from "./configuration";
import type {
	AlertPage,
	AlertQuery,
	ChangePage,
	ChangePush,
	ChangeQuery,
	ChangeReply,
	Configuration,
	ConfirmationCheck,
	DescribeReply,
	HeartbeatView,
	IncidentReply,
	IngestReply,
	PingReply,
	PingSignal,
	PingView,
	PreviewData,
	Provision,
	Push,
	Refusal,
	RetryReply,
	SnsStatus,
	SubscriptionChange,
	TimelineQuery,
	TopicCheck,
} from "./contract";
import { countRefusal, intakeCounters } from "./counters";
import {
	checkHeartbeat,
	heartbeatView,
	pingViews,
	recordPing,
	rescheduleHeartbeat,
	setPaused,
} from "./heartbeat";
import { acknowledgeIncident, incidentReply, resolveIncident } from "./incident-changes";
import { migrate } from "./migrations";
import { isWindowIn, wouldSilence } from "./noise";
import { retryNotification } from "./notifications";
import { ObjectCore } from "./object-core";
import { mirrorToD1, sendNotifications } from "./outbound";
import { previewPush } from "./preview";
import { ingestOnce, recordChange } from "./push-intake";
import { checkConfirmation, recordSubscription } from "./sns-subscription";
import type { Usage } from "./state/meter";
import { forgetCopies, type Stores } from "./state/stores";
import { type Due, nextWakeAt, upkeep } from "./upkeep";
import { checkWatches, forgetEndedWatches } from "./watches";

const UNKNOWN_KEY: Refusal = { ok: false, reason: "unknown_key" };
/** An alarm run's reckoning of everything due, with nothing left over from the run itself. */
const IDLE_RUN: Due = { run: { more: false, sent: false } };

/**
 * One instance per integration, addressed by the integration id. It serializes everything that
 * must be serialized per integration: topic pinning, deduplication, idempotency, alert and
 * incident state. Each method reads the clock once, does its reads and writes synchronously
 * inside one transaction (one module per use case, over the stores in state/), then sets the
 * alarm by `nextWakeAt`. So two concurrent pushes for one key can never both see "nothing
 * firing". It awaits only D1, the alarm API and (outbound.ts) notification targets.
 */
export class IntegrationDurableObject extends ObjectCore {
	/** The worker's view of the integration, for a key whose hash the object holds. */
	describe(keyHash: string): DescribeReply {
		return this.ready ? describeKey(this.stores, keyHash) : UNKNOWN_KEY;
	}

	async ingest(push: Push): Promise<IngestReply> {
		if (push.auth.kind === "key" && !this.ready) return UNKNOWN_KEY;
		this.vouched();
		const now = this.clock();
		// A key of the old format: routing is reloaded from D1 when its config version moved.
		const { auth, integrationId } = push;
		const stale = auth.kind === "d1" && this.stores.routing.isStale(auth.configVersion);
		if (stale && push.events.length > 0) {
			const version = auth.configVersion;
			// Old-format keys only: D1's routing code stays out of the module a push loads.
			const { loadRoutingSnapshot } = await import("../db/routes");
			const fresh = await loadRoutingSnapshot(this.env.DB, integrationId, { version });
			await this.change((at) => reroute(this.stores, fresh, at));
		}
		await this.regexReady(this.stores.routing.current());
		const reply = await this.withRegex(() => ingestOnce(this.ctx, this.stores, push, now));
		// The D1 list follows within MIRROR_DELAY_MS, so one alarm run mirrors a second of pushes;
		// queued notifications go out at once, after the answer (`wake`).
		if (reply.ok && !reply.replayed) await this.wake(now, { mirror: "changed" });
		return reply;
	}

	/** A change event: kept, and nothing more (no alert, no incident, no notification). */
	async recordChange(push: ChangePush): Promise<ChangeReply> {
		if (push.auth.kind === "key" && !this.ready) return UNKNOWN_KEY;
		this.vouched();
		const now = this.clock();
		return await this.transaction(() => recordChange(this.stores, push, now));
	}

	/** The integration's change events, newest first (see `Changes.page`). */
	listChanges(query: ChangeQuery): ChangePage {
		this.vouched();
		return this.stores.changes.page(query, this.clock());
	}

	/** What a push's events would become: the pipeline and routing applied, nothing written. */
	preview(events: AlertEvent[], topic?: TopicCheck): Promise<PreviewData | Refusal> {
		const stores = this.ready ? this.stores : null;
		return this.withRegex(() => previewPush(stores, events, topic, this.clock()));
	}

	/** On create and rotate: the key's hash, type, settings and routing; the old key stops at once. */
	async provision(config: Provision): Promise<Refusal | null> {
		const done = await this.change((now) => provision(this.stores, config, now));
		return done ? null : { ok: false, reason: "integration_deleted" };
	}

	/** PATCH: new settings (and routing, when the channel changed) apply to the next push. */
	async configure(change: Configuration): Promise<void> {
		// A changed `auto_resolve_after` applies to the alerts already firing.
		// A watch turned off resolves its alert at once.
		await this.change((now) => {
			const released = configure(this.stores, change, now);
			return checkWatches(this.stores, now) || released;
		});
		// A heartbeat's new period or schedule applies from its last success.
		if (this.stores.heartbeat.state() === null) return;
		const next = await this.nextDue();
		await this.transaction(() => rescheduleHeartbeat(this.stores, next));
		await this.wake(this.clock(), { heartbeat: true });
	}

	/**
	 * A heartbeat's ping (`/ping/{key}…`), checked by the key's hash as a push is. A routine
	 * success moves the alarm to the new deadline, so a heartbeat on time costs no alarm run.
	 */
	async ping(signal: PingSignal): Promise<PingReply> {
		const held = this.ready ? describeKey(this.stores, signal.keyHash) : UNKNOWN_KEY;
		if (!held.ok) return { ok: false, reason: "unknown_key" };
		const { type } = held.config;
		if (type !== "heartbeat") return { ok: false, reason: "not_a_heartbeat", type };
		const next = await this.nextDue();
		const now = this.clock();
		const before = this.stores.heartbeat.deadline();
		const changed = await this.transaction(() => recordPing(this.stores, signal, next, now));
		if (changed) {
			await this.wake(now, { heartbeat: true, mirror: "changed" });
		} else if (before !== null && (await this.wakeUp.setFor()) === before) {
			// Set for the deadline this ping moved: reckoned again as an alarm run would, unless
			// D1's list is behind (its write is due sooner, and that run re-arms from scratch).
			const behind = this.stores.mirror.plan(this.env.DB) !== null;
			if (!behind) await this.wakeUp.reset(nextWakeAt(this.stores, now, IDLE_RUN));
		} else {
			await this.wake(now, { heartbeat: true });
		}
		return { ok: true };
	}

	/** Pauses or resumes a heartbeat (null: not a heartbeat). */
	async pauseHeartbeat(paused: boolean): Promise<HeartbeatView | null> {
		this.vouched();
		if (this.stores.heartbeat.state() === null || this.stores.meta.isDeleted()) return null;
		const next = await this.nextDue();
		const now = this.clock();
		const changed = await this.transaction(() => setPaused(this.stores, paused, next, now));
		await this.wake(now, { heartbeat: true, mirror: changed ? "changed" : "done" });
		return heartbeatView(this.stores, now);
	}

	/** A heartbeat's state for the API (null: not a heartbeat). */
	heartbeat(): HeartbeatView | null {
		this.vouched();
		return heartbeatView(this.stores, this.clock());
	}

	/** A heartbeat's latest pings, newest first. */
	pings(limit: number): PingView[] {
		this.vouched();
		return pingViews(this.stores, limit);
	}

	/**
	 * Routes, the private channel, a channel's grouping or targets, silences or inhibit rules
	 * changed. New routes apply from the next push; silences and inhibit rules also to what fires.
	 */
	async reroute(routing: RoutingSnapshot): Promise<void> {
		await this.regexReady(routing);
		await this.change((now) => reroute(this.stores, routing, now));
	}

	getIncident(id: string): IncidentReply {
		this.vouched();
		return incidentReply(this.stores, id);
	}

	/**
	 * triggered → acknowledged, by `by` (the timeline says who). Repeating it is fine; a resolved
	 * incident cannot be acknowledged.
	 */
	acknowledgeIncident(id: string, by: Actor = actor("api")): Promise<IncidentReply> {
		return this.changeIncident(id, by, acknowledgeIncident);
	}

	/** Resolves the incident and its firing alerts, by `by`. Repeating it is fine. */
	resolveIncident(id: string, by: Actor = actor("api")): Promise<IncidentReply> {
		return this.changeIncident(id, by, resolveIncident);
	}

	/** An incident's timeline, oldest first, after entry `after` (null: no such incident). */
	incidentTimeline(id: string, query: TimelineQuery): TimelineRecord[] | null {
		this.vouched();
		if (this.stores.meta.isDeleted() || this.stores.incidents.get(id) === null) return null;
		return this.stores.timeline.page(id, query);
	}

	private async changeIncident(
		id: string,
		by: Actor,
		change: (s: Stores, id: string, now: number, by: Actor) => Refusal | null,
	): Promise<IncidentReply> {
		this.vouched();
		const now = this.clock();
		const refusal = await this.transaction(() => {
			const refused = change(this.stores, id, now, by);
			forgetEndedWatches(this.stores);
			return refused;
		});
		if (refusal !== null) return refusal;
		// For the admin API: mirror at once, and leave a retry to the alarm if D1 fails. A watch
		// whose alert a person resolved counts again, so its deadline is reckoned anew.
		await this.wake(now, { rescheduled: true, mirror: await mirrorToD1(this.out) });
		return incidentReply(this.stores, id);
	}

	/** Whether a SubscriptionConfirmation may be followed (see `checkConfirmation`). */
	confirmationAllowed(topic: TopicCheck, messageId: string): ConfirmationCheck {
		this.vouched();
		return checkConfirmation(this.stores, topic, messageId, this.clock());
	}

	/** Records a confirmed subscription (pinning its topic) or an unsubscribe. */
	async recordSubscription(change: SubscriptionChange): Promise<Refusal | null> {
		this.vouched();
		const now = this.clock();
		return await this.transaction(() => recordSubscription(this.stores, change, now));
	}

	/** A push refused after its key was checked, by its refusal's code (see `countRefusal`). */
	async countRefusal(code: string): Promise<void> {
		if (!this.ready) return;
		await this.transaction(() => countRefusal(this.stores, code));
	}

	/** Accepted, deduplicated, replayed, rate-limited and refused pushes (see `intakeCounters`). */
	intake(): ReturnType<typeof intakeCounters> {
		this.vouched();
		return intakeCounters(this.stores);
	}

	snsStatus(requiredTopic: string | null): SnsStatus {
		this.vouched();
		return this.stores.subscription.status(requiredTopic);
	}

	unpinTopic(): void {
		this.vouched();
		this.stores.subscription.unpin();
	}

	/** The firing alerts a silence's matchers and channels would mute (whatever its times). */
	async previewSilence(silence: SilenceRule, limit: number): Promise<ApiAlert[]> {
		if (!this.ready || this.stores.meta.isDeleted()) return [];
		const isWindow = isWindowIn(this.stores);
		const muted = await this.withRegex(() => wouldSilence(this.stores, silence, limit));
		return muted.map((alert) => alertToApi(alert, isWindow));
	}

	listAlerts(query: AlertQuery): AlertPage {
		this.vouched();
		const page = this.stores.alerts.page(query);
		const isWindow = isWindowIn(this.stores);
		return { alerts: page.alerts.map((alert) => alertToApi(alert, isWindow)), next_seq: page.next };
	}

	/**
	 * Rows read and written since the object started, SQLite's and D1's: what its work costs on
	 * Cloudflare's pricing (`npm run bench` reads it over RPC).
	 */
	usage(): Usage {
		return this.meter.usage();
	}

	/** A failed notification, queued again (`POST …/deliveries/{id}/retry`). */
	async retryNotification(id: string): Promise<RetryReply> {
		this.vouched();
		const now = this.clock();
		const reply = await this.transaction(() => retryNotification(this.stores, id, now));
		await this.wake(now, {});
		return reply;
	}

	/** Wipes every alert, incident and notification, and refuses pushes from now on. */
	async destroy(): Promise<void> {
		const now = this.clock();
		await this.wakeUp.delete();
		await this.ctx.storage.deleteAll();
		forgetCopies(this.stores);
		migrate(this.ctx.storage.sql);
		this.ready = true;
		this.stores.meta.set("deleted", now);
	}

	/**
	 * One alarm does the periodic work (upkeep.ts), sends notifications, mirrors to D1, then
	 * re-arms for whichever is due next. It never throws, so the runtime's bounded alarm retries
	 * are not relied on: a failed D1 write re-arms itself.
	 */
	override async alarm(): Promise<void> {
		this.wakeUp.fired();
		if (!this.ready || this.stores.meta.isDeleted()) return;
		const now = this.clock();
		const more = await this.transaction(() => {
			checkHeartbeat(this.stores, now);
			checkWatches(this.stores, now);
			return upkeep(this.stores, now);
		});
		// A send a call started settles first: what it leaves is this run's to send.
		await this.sendingNow;
		const sent = await sendNotifications(this.out);
		await this.wake(now, { run: { more, sent }, mirror: await mirrorToD1(this.out) });
	}
}
