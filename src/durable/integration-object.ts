import { DurableObject } from "cloudflare:workers";
import { type ApiAlert, alertToApi } from "../alerts/alert";
import { loadRoutingSnapshot } from "../db/routes";
import type { SilenceRule } from "../routing/silence";
import type { RoutingSnapshot } from "../routing/snapshot";
import { Alarm } from "./alarm";
import type {
	AlertPage,
	AlertQuery,
	Configuration,
	ConfirmationCheck,
	DescribeReply,
	IncidentReply,
	IngestReply,
	Provision,
	Push,
	Refusal,
	RetryReply,
	SnsStatus,
	SubscriptionChange,
	TopicCheck,
} from "./contract";
import {
	acknowledgeIncident,
	checkConfirmation,
	configure,
	countRefusal,
	describeKey,
	incidentReply,
	ingestOnce,
	intakeCounters,
	nextTimeoutAt,
	provision,
	recordSubscription,
	resolveIncident,
	routeReleased,
} from "./intake";
import { hasSchema, migrate } from "./migrations";
import { nextNoiseAt, replaceRouting, wouldSilence } from "./noise";
import { retryNotification } from "./notifications";
import { mirrorAgainAt, mirrorToD1, type Outbound, sendNotifications } from "./outbound";
import { MIRROR_DELAY_MS } from "./state/mirror";
import { forgetCopies, openStores, type Stores } from "./state/stores";
import { nextUpkeepAt, upkeep } from "./upkeep";

const DELETED: Refusal = { ok: false, reason: "integration_deleted" };
const UNKNOWN_KEY: Refusal = { ok: false, reason: "unknown_key" };

/**
 * One instance per integration, addressed by the integration id. It serializes everything that
 * must be serialized per integration: topic pinning, deduplication, idempotency, alert and
 * incident state. Each method reads the clock once and does its reads and writes synchronously
 * inside one transaction (src/durable/intake.ts over src/durable/state/), so two concurrent
 * pushes for one key can never both see "nothing firing". It awaits only D1, the alarm API and
 * (from src/durable/outbound.ts) notification targets.
 */
export class IntegrationDurableObject extends DurableObject<Env> {
	/** The object's clock. Tests replace it to move time (test/helpers.ts `moveClock`). */
	clock: () => number = () => Date.now();
	private readonly state: Stores;
	private readonly wakeUp: Alarm;
	/** Whether the object has its schema (false: nothing was ever stored here). */
	private ready: boolean;
	private readonly out: Outbound; // what notifying and mirroring need

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.state = openStores(ctx.storage.sql);
		this.wakeUp = new Alarm(ctx.storage);
		this.out = {
			state: this.state,
			env,
			clock: () => this.clock(),
			run: (w) => this.transaction(w),
		};
		// Never given an integration: no storage, even when a well-formed unknown key wakes it.
		this.ready = hasSchema(ctx.storage.sql);
		if (this.ready) ctx.blockConcurrencyWhile(async () => migrate(ctx.storage.sql));
	}

	/** The worker's view of the integration, for a key whose hash the object holds. */
	describe(keyHash: string): DescribeReply {
		return this.ready ? describeKey(this.state, keyHash) : UNKNOWN_KEY;
	}

	async ingest(push: Push): Promise<IngestReply> {
		if (push.auth.kind === "key" && !this.ready) return UNKNOWN_KEY;
		const { routing } = this.stores();
		const now = this.clock();
		// A key of the old format: routing is reloaded from D1 when its config version moved.
		const { auth, integrationId } = push;
		if (auth.kind === "d1" && push.events.length > 0 && routing.isStale(auth.configVersion)) {
			const fresh = await loadRoutingSnapshot(this.env.DB, integrationId, {
				version: auth.configVersion,
			});
			await this.newRouting(() => routing.replace(fresh));
		}
		const reply = ingestOnce((work) => this.transaction(work), this.state, push, now);
		// Mirror within MIRROR_DELAY_MS, so one alarm run mirrors a second of pushes; queued
		// notifications go out at once (from the alarm, never from this call).
		const queued = this.state.outbox.takeSoonest();
		const soonest = Math.min(queued ?? Number.POSITIVE_INFINITY, now + MIRROR_DELAY_MS);
		if (reply.ok && !reply.replayed) await this.wakeUp.by(soonest);
		return reply;
	}

	/** On create and rotate: the key's hash, type, settings and routing; the old key stops at once. */
	async provision(config: Provision): Promise<Refusal | null> {
		if (this.stores().meta.isDeleted()) return DELETED;
		await this.newRouting(() => provision(this.state, config));
		return null;
	}

	/** PATCH: new settings (and routing, when the channel changed) apply to the next push. */
	async configure(change: Configuration): Promise<void> {
		if (this.stores().meta.isDeleted()) return;
		await this.newRouting(() => configure(this.state, change));
		// A changed `auto_resolve_after` applies to the alerts already firing.
		await this.wakeUp.by(nextTimeoutAt(this.state));
	}

	/**
	 * Routes, the private channel, a channel's grouping or targets, silences or inhibit rules
	 * changed. New routes apply from the next push; silences and inhibit rules also to what fires.
	 */
	async reroute(routing: RoutingSnapshot): Promise<void> {
		if (this.stores().meta.isDeleted()) return;
		await this.newRouting(() => this.state.routing.replace(routing));
	}

	/** Replaces the routing copy; what fires is looked at again if silences or rules changed. */
	private async newRouting(change: () => void): Promise<void> {
		const now = this.clock();
		const route = routeReleased(this.state, now);
		const changed = this.transaction(() => replaceRouting(this.state, change, now, route));
		await this.wakeUp.by(nextNoiseAt(this.state));
		await this.wakeUp.by(this.state.outbox.takeSoonest());
		// Alerts released into incidents reach the D1 list soon, as after a push.
		if (changed) await this.wakeUp.by(now + MIRROR_DELAY_MS);
	}

	getIncident(id: string): IncidentReply {
		return incidentReply(this.stores(), id);
	}

	/** triggered → acknowledged. Repeating it is fine; a resolved incident cannot be acknowledged. */
	acknowledgeIncident(id: string): Promise<IncidentReply> {
		return this.changeIncident(id, acknowledgeIncident);
	}

	/** Resolves the incident and its firing alerts. Repeating it is fine. */
	resolveIncident(id: string): Promise<IncidentReply> {
		return this.changeIncident(id, resolveIncident);
	}

	/** Whether a SubscriptionConfirmation may be followed (see `checkConfirmation`). */
	confirmationAllowed(topic: TopicCheck, messageId: string): ConfirmationCheck {
		return checkConfirmation(this.stores(), topic, messageId, this.clock());
	}

	/** Records a confirmed subscription (pinning its topic) or an unsubscribe. */
	recordSubscription(change: SubscriptionChange): Refusal | null {
		const now = this.clock();
		return this.transaction(() => recordSubscription(this.stores(), change, now));
	}

	/** A push refused after its key was checked, by its refusal's code (see `countRefusal`). */
	countRefusal(code: string): void {
		if (!this.ready) return;
		this.transaction(() => countRefusal(this.state, code));
	}

	/** Accepted, deduplicated, replayed, rate-limited and refused pushes (see `intakeCounters`). */
	intake(): ReturnType<typeof intakeCounters> {
		return intakeCounters(this.stores());
	}

	snsStatus(requiredTopic: string | null): SnsStatus {
		return this.stores().subscription.status(requiredTopic);
	}

	unpinTopic(): void {
		this.stores().subscription.unpin();
	}

	/** The firing alerts a silence's matchers and channels would mute (whatever its times). */
	previewSilence(silence: SilenceRule, limit: number): ApiAlert[] {
		if (!this.ready || this.state.meta.isDeleted()) return [];
		return wouldSilence(this.state, silence, limit).map(alertToApi);
	}

	listAlerts(query: AlertQuery): AlertPage {
		const page = this.stores().alerts.page(query);
		return { alerts: page.alerts.map(alertToApi), next_seq: page.next };
	}

	/** Wipes every alert, incident and delivery, and refuses pushes from now on. */
	async destroy(): Promise<void> {
		const now = this.clock();
		await this.wakeUp.delete();
		await this.ctx.storage.deleteAll();
		forgetCopies(this.state);
		migrate(this.ctx.storage.sql);
		this.ready = true;
		this.state.meta.set("deleted", now);
	}

	/**
	 * One alarm does the periodic work (src/durable/upkeep.ts), sends notifications, mirrors to
	 * D1, then re-arms for whichever is due next. It never throws, so the runtime's bounded alarm
	 * retries are not relied on: a failed D1 write re-arms itself.
	 */
	override async alarm(): Promise<void> {
		this.wakeUp.fired();
		if (!this.ready || this.state.meta.isDeleted()) return;
		const now = this.clock();
		const run = this.transaction(() => upkeep(this.state, now));
		const sent = await sendNotifications(this.out);
		const mirrored = mirrorAgainAt(await mirrorToD1(this.out), now);
		await this.wakeUp.by(nextUpkeepAt(this.state, now, { ...run, sent, mirrorAgainAt: mirrored }));
	}

	private async changeIncident(
		id: string,
		change: (state: Stores, id: string, now: number) => Refusal | null,
	): Promise<IncidentReply> {
		const now = this.clock();
		const refusal = this.transaction(() => change(this.stores(), id, now));
		if (refusal !== null) return refusal;
		await this.wakeUp.by(this.state.outbox.takeSoonest());
		// For the admin API: mirror at once, and leave a retry to the alarm if D1 fails.
		await this.wakeUp.by(mirrorAgainAt(await mirrorToD1(this.out), now));
		return incidentReply(this.state, id);
	}

	/** A failed notification, queued again (`POST …/deliveries/{id}/retry`). */
	async retryNotification(id: string): Promise<RetryReply> {
		const now = this.clock();
		const result = this.transaction(() => retryNotification(this.stores(), id, now));
		await this.wakeUp.by(this.state.outbox.takeSoonest());
		return result;
	}

	/**
	 * One synchronous transaction; cached values are dropped if it rolls back. Counters the
	 * alert store holds back are written before it commits.
	 */
	private transaction<T>(work: () => T): T {
		try {
			return this.ctx.storage.transactionSync(() => {
				const result = work();
				this.state.alerts.flush();
				return result;
			});
		} catch (error) {
			forgetCopies(this.state);
			throw error;
		}
	}

	/**
	 * The stores, creating the schema first if need be: only for an integration the admin API
	 * vouches for, or a push whose key D1 found.
	 */
	private stores(): Stores {
		if (!this.ready) migrate(this.ctx.storage.sql);
		this.ready = true;
		return this.state;
	}
}
