import { DurableObject } from "cloudflare:workers";
import { alertToApi } from "../alerts/alert";
import { loadRoutingSnapshot } from "../db/routes";
import type {
	AlertPage,
	AlertQuery,
	IncidentReply,
	IngestReply,
	Push,
	Refusal,
	SnsStatus,
	SubscriptionChange,
	TopicCheck,
} from "./contract";
import {
	acknowledgeIncident,
	expireQuietAlerts,
	incidentReply,
	ingest,
	nextTimeoutAt,
	resolveIncident,
} from "./intake";
import { migrate } from "./migrations";
import type { MirrorResult } from "./state/mirror";
import { openStores, type Stores } from "./state/stores";

/** Counters and incidents reach the D1 mirror this long after the change. */
const MIRROR_DELAY_MS = 1_000;
/** After a failed mirror write, the alarm tries again this much later, until it lands. */
const MIRROR_RETRY_MS = 30_000;

const DELETED: Refusal = { ok: false, reason: "integration_deleted" };

/**
 * One instance per integration, addressed by the integration id. It serializes everything that
 * must be serialized per integration: topic pinning, deduplication, idempotency, alert and
 * incident state. Each method reads the clock once and does its reads and writes synchronously
 * inside one transaction (src/durable/intake.ts over src/durable/state/), so two concurrent
 * pushes for one key can never both see "nothing firing". It awaits only D1 and the alarm API.
 */
export class IntegrationDurableObject extends DurableObject<Env> {
	/** The object's clock. Tests replace it to move time (test/helpers.ts `moveClock`). */
	clock: () => number = () => Date.now();
	private readonly state: Stores;
	/** When the storage alarm is set for: undefined until read, null when none is set. */
	private alarmAt: number | null | undefined;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.state = openStores(ctx.storage.sql);
		ctx.blockConcurrencyWhile(async () => migrate(ctx.storage.sql));
	}

	async ingest(push: Push): Promise<IngestReply> {
		if (this.state.meta.isDeleted()) return DELETED;
		const now = this.clock();
		// Routing changes rarely: it is reloaded from D1 only when the config version moved.
		if (push.events.length > 0 && this.state.routing.isStale(push.configVersion)) {
			const { DB } = this.env;
			this.state.routing.replace(
				await loadRoutingSnapshot(DB, push.integrationId, push.configVersion),
			);
		}
		const reply = this.transaction(() => ingest(this.state, push, now));
		if (reply.ok && !reply.replayed) await this.alarmBy(now + MIRROR_DELAY_MS);
		return reply;
	}

	/** Applies a changed `auto_resolve_after` (PATCH) to the alerts already firing. */
	async configure(settings: { autoResolveAfterMs: number | null }): Promise<void> {
		if (this.state.meta.isDeleted()) return;
		this.state.meta.set("auto_resolve_after_ms", settings.autoResolveAfterMs);
		const due = nextTimeoutAt(this.state);
		if (due !== null) await this.alarmBy(due);
	}

	getIncident(id: string): IncidentReply {
		if (this.state.meta.isDeleted()) return { ok: false, reason: "incident_not_found", id };
		return incidentReply(this.state, id);
	}

	/** triggered → acknowledged. Repeating it is fine; a resolved incident cannot be acknowledged. */
	acknowledgeIncident(id: string): Promise<IncidentReply> {
		return this.changeIncident(id, acknowledgeIncident);
	}

	/** Resolves the incident and its firing alerts. Repeating it is fine. */
	resolveIncident(id: string): Promise<IncidentReply> {
		return this.changeIncident(id, resolveIncident);
	}

	/** Whether an SNS subscription for this topic may be confirmed (nothing else pinned). */
	topicAllowed(topic: TopicCheck): Refusal | null {
		if (this.state.meta.isDeleted()) return DELETED;
		return this.state.subscription.allowed(topic);
	}

	/** Records a confirmed subscription (pinning its topic) or an unsubscribe. */
	recordSubscription(change: SubscriptionChange): Refusal | null {
		if (this.state.meta.isDeleted()) return DELETED;
		const now = this.clock();
		const { subscription } = this.state;
		return this.transaction(() => {
			// Only a confirmation pins; an unsubscribe must merely come from the accepted topic.
			if (change.kind === "unsubscribed") {
				const refusal = subscription.allowed(change.topic);
				if (refusal === null) subscription.unsubscribed(now);
				return refusal;
			}
			const refusal = subscription.accept(change.topic, "confirmation", now);
			if (refusal === null) subscription.confirmed(change.subscriptionArn, now);
			return refusal;
		});
	}

	snsStatus(requiredTopic: string | null): SnsStatus {
		return this.state.subscription.status(requiredTopic);
	}

	unpinTopic(): void {
		this.state.subscription.unpin();
	}

	listAlerts(query: AlertQuery): AlertPage {
		const page = this.state.alerts.page(query);
		return { alerts: page.alerts.map(alertToApi), next_seq: page.next };
	}

	/** Wipes every alert, incident and delivery, and refuses pushes from now on. */
	async destroy(): Promise<void> {
		const now = this.clock();
		await this.ctx.storage.deleteAlarm();
		await this.ctx.storage.deleteAll();
		this.alarmAt = null;
		this.state.routing.forget();
		migrate(this.ctx.storage.sql);
		this.state.meta.set("deleted", now);
	}

	/**
	 * One alarm does the periodic work: forget old deliveries, resolve timed-out alerts, mirror
	 * counters and incidents to D1, then re-arm for whichever is due next. It never throws, so
	 * the runtime's bounded alarm retries are not relied on: a failed D1 write re-arms itself.
	 */
	override async alarm(): Promise<void> {
		this.alarmAt = null;
		if (this.state.meta.isDeleted()) return;
		const now = this.clock();
		this.transaction(() => {
			this.state.deliveries.prune(now);
			expireQuietAlerts(this.state, now);
		});
		let next = nextTimeoutAt(this.state) ?? Number.POSITIVE_INFINITY;
		const mirror = await this.mirror();
		if (mirror === "failed") next = Math.min(next, now + MIRROR_RETRY_MS);
		if (mirror === "behind") next = Math.min(next, now + MIRROR_DELAY_MS);
		if (Number.isFinite(next)) await this.alarmBy(next);
	}

	private async changeIncident(
		id: string,
		change: (state: Stores, id: string, now: number) => Refusal | null,
	): Promise<IncidentReply> {
		if (this.state.meta.isDeleted()) return { ok: false, reason: "incident_not_found", id };
		const now = this.clock();
		const refusal = this.transaction(() => change(this.state, id, now));
		if (refusal !== null) return refusal;
		// For the admin API: mirror at once, and leave a retry to the alarm if D1 fails.
		const mirrored = await this.mirror();
		if (mirrored !== "done") {
			await this.alarmBy(now + (mirrored === "failed" ? MIRROR_RETRY_MS : MIRROR_DELAY_MS));
		}
		return incidentReply(this.state, id);
	}

	/** Writes what D1 has not seen yet in one batch (src/durable/state/mirror.ts). */
	private async mirror(): Promise<MirrorResult> {
		const plan = this.state.mirror.plan(this.env.DB);
		if (plan === null) return "done";
		try {
			await this.env.DB.batch(plan.statements);
		} catch (error) {
			const integrationId = this.state.meta.get("integration_id");
			console.error("mirror write failed; retrying", { integrationId, error: String(error) });
			return "failed";
		}
		return this.transaction(() => this.state.mirror.settle(plan));
	}

	private transaction<T>(work: () => T): T {
		return this.ctx.storage.transactionSync(work);
	}

	/** Makes sure the alarm fires no later than `at` (one alarm serves every kind of work). */
	private async alarmBy(at: number): Promise<void> {
		if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
		if (this.alarmAt !== null && this.alarmAt <= at) return;
		await this.ctx.storage.setAlarm(at);
		this.alarmAt = at;
	}
}
