import { DurableObject } from "cloudflare:workers";
import { type NextFire, nextDueOf } from "../heartbeat/schedule";
import { loadRegexEngine, regexEngineLoaded, withRegexEngine } from "../routing/regex-engine";
import { type RoutingSnapshot, usesRegex } from "../routing/snapshot";
import { redactKeys } from "../security/secrets";
import { Alarm } from "./alarm";
import { hasSchema, migrate } from "./migrations";
import { type Outbound, sendNotifications } from "./outbound";
import { Meter } from "./state/meter";
import { MIRROR_DELAY_MS } from "./state/mirror";
import { inTransaction, openStores, type Stores } from "./state/stores";
import { type Due, nextWakeAt } from "./upkeep";

/**
 * What every method of the integration object stands on: its stores, its one alarm, its
 * schema made on first use, its transactions (with RE2 loaded when they need it), and how a
 * change sets the alarm. The object's methods (integration-object.ts) are use cases over these.
 */
export abstract class ObjectCore extends DurableObject<Env> {
	/** The object's clock. Tests replace it to move time (test/helpers.ts `moveClock`). */
	clock: () => number = () => Date.now();
	/** Every read and write goes through these; `vouched` creates their tables first. */
	protected readonly stores: Stores;
	protected readonly wakeUp: Alarm;
	/** Whether the object has its schema (false: nothing was ever stored here). */
	protected ready: boolean;
	protected readonly out: Outbound; // what notifying and mirroring need
	/** Rows read and written, SQLite's and D1's, since the object started (state/meter.ts). */
	protected readonly meter: Meter;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.meter = new Meter(ctx.storage.sql);
		this.stores = openStores(this.meter.sql);
		this.wakeUp = new Alarm(ctx.storage);
		this.out = {
			ctx,
			stores: this.stores,
			env,
			clock: () => this.clock(),
			meter: this.meter,
		};
		// Never given an integration: no storage, even when a well-formed unknown key wakes it.
		this.ready = hasSchema(ctx.storage.sql);
		if (this.ready) ctx.blockConcurrencyWhile(async () => migrate(ctx.storage.sql));
	}

	/** When a heartbeat's next success is due after one; a period, or its schedule (loaded on demand). */
	protected async nextDue(): Promise<NextFire> {
		const plan = this.stores.heartbeat.currentPlan();
		if (plan === null) return () => null;
		const next = await nextDueOf(plan);
		// Saved schedules were checked when saved; one that no longer reads is never due.
		return next.ok ? next.value : () => null;
	}

	/**
	 * A configuration change, unless the integration was deleted (false). Alerts it releases into
	 * incidents reach D1 soon, as after a push.
	 */
	protected async change(work: (now: number) => boolean): Promise<boolean> {
		this.vouched();
		if (this.stores.meta.isDeleted()) return false;
		const now = this.clock();
		const released = await this.transaction(() => work(now));
		await this.wake(now, { rescheduled: true, mirror: released ? "changed" : "done" });
		return true;
	}

	/**
	 * Sets the alarm by what the call just did (see `nextWakeAt`). Notifications a call (not an
	 * alarm run) queued for now go out from it at once, after its commit: a page waits for no
	 * alarm. The alarm then only backs them up, MIRROR_DELAY_MS later: its run sends whatever
	 * they left (a send cut short by the object's restart is claimed again once its lease ends).
	 */
	protected wake(now: number, due: Due): Promise<void> {
		const queued = this.stores.outbox.takeSoonest();
		if (due.run !== undefined) return this.wakeUp.by(nextWakeAt(this.stores, now, due));
		const atOnce = queued !== null && queued <= now;
		if (atOnce) this.sendAtOnce();
		const backstop = atOnce ? now + MIRROR_DELAY_MS : queued;
		return this.wakeUp.by(nextWakeAt(this.stores, now, { ...due, queued: backstop }));
	}

	/** The send a call started, until it settles (an alarm run waits for it before sending). */
	protected sendingNow: Promise<void> | null = null;
	/** A call queued more while that send was under way, which it may not have claimed. */
	private sendAgain = false;

	/**
	 * Sends what is due now, in the background: the call answers meanwhile. One such send at a
	 * time, of at most an alarm run's rounds (Workers bound an invocation's subrequests); what
	 * calls queue while it runs goes in its next round, else in the alarm's run at once after
	 * it, so a burst of pushes is sent in batches. Each claim is its own transaction, so two
	 * sends never send the same notification.
	 */
	private sendAtOnce(): void {
		if (this.sendingNow !== null) {
			this.sendAgain = true;
			return;
		}
		this.sendAgain = false;
		this.sendingNow = this.sendThenArm();
		this.ctx.waitUntil(this.sendingNow);
	}

	/** Never rejects: an alarm run waits for it, and an alarm run never throws. */
	private async sendThenArm(): Promise<void> {
		try {
			let more = false;
			try {
				// One send's rounds at most, as an alarm run's: what it leaves, and what calls
				// queued after its last claim, is the alarm's (which waits for this send).
				more = await sendNotifications(this.out);
			} finally {
				this.sendingNow = null;
			}
			// Its retries, or more than it took: the alarm takes over from here.
			const now = this.clock();
			const leftover = more || this.sendAgain;
			const queued = this.stores.outbox.takeSoonest();
			await this.wakeUp.by(
				nextWakeAt(this.stores, now, { mirror: "changed", queued: leftover ? now : queued }),
			);
		} catch (error) {
			// The alarm's run, set for MIRROR_DELAY_MS later at the latest, sends what is left.
			const reason = redactKeys(String(error));
			const integrationId = this.stores.meta.get("integration_id");
			console.error(
				JSON.stringify({ event: "send_failed", integration_id: integrationId, reason }),
			);
		}
	}

	/** One transaction; one that needed RE2 before it was loaded runs again once it is. */
	protected transaction<T>(work: () => T): Promise<T> {
		return this.withRegex(() => inTransaction(this.ctx, this.stores, work));
	}

	/**
	 * RE2 loaded (other events held meanwhile) when `routing` matches with it, before work that
	 * cannot be run twice for free: a push's rate-limit tokens are taken in memory, outside the
	 * transaction `withRegex` would run again.
	 */
	protected async regexReady(routing: RoutingSnapshot): Promise<void> {
		if (!regexEngineLoaded() && usesRegex(routing)) {
			await this.ctx.blockConcurrencyWhile(loadRegexEngine);
		}
	}

	/** `work` (which leaves nothing behind when it throws), with RE2 loaded if it asks for it. */
	protected withRegex<T>(work: () => T): Promise<T> {
		return withRegexEngine(work, (load) => this.ctx.blockConcurrencyWhile(load));
	}

	/** Creates the schema if need be: for an integration the admin API or D1 vouches for. */
	protected vouched(): void {
		if (!this.ready) migrate(this.ctx.storage.sql);
		this.ready = true;
	}
}
