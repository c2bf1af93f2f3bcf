import { redactKeys } from "../../security/secrets";
import { Alerts } from "./alerts";
import { Changes } from "./changes";
import { Flaps } from "./flaps";
import { HeartbeatPings } from "./heartbeat";
import { Incidents } from "./incidents";
import { InhibitIndex } from "./inhibit-index";
import { KeyStates } from "./key-states";
import { Meta } from "./meta";
import { Mirror } from "./mirror";
import { Outbox } from "./outbox";
import { PushRate } from "./rate";
import { Receipts } from "./receipts";
import { RoutingCache } from "./routing";
import { HeldSettings } from "./settings";
import { SnsSubscription } from "./subscription";
import { Timeline } from "./timeline";
import { Watches } from "./watches";
import { WriteBehind } from "./write-behind";

/**
 * The integration object's storage, one store per concern. Stores are synchronous: they never
 * await, never open a transaction and never read the clock (time is passed in), so the object
 * can run any mix of them inside one `transactionSync`.
 */
export type Stores = {
	/** Inserts held within a transaction and written together (write-behind.ts). */
	behind: WriteBehind;
	meta: Meta;
	settings: HeldSettings;
	receipts: Receipts;
	alerts: Alerts;
	incidents: Incidents;
	subscription: SnsSubscription;
	routing: RoutingCache;
	mirror: Mirror;
	rate: PushRate;
	outbox: Outbox;
	flaps: Flaps;
	inhibitIndex: InhibitIndex;
	keyStates: KeyStates;
	changes: Changes;
	heartbeat: HeartbeatPings;
	watches: Watches;
	timeline: Timeline;
};

export function openStores(storage: SqlStorage): Stores {
	const behind = new WriteBehind(storage);
	const sql = behind.sql;
	const meta = new Meta(sql, behind);
	const routing = new RoutingCache(meta);
	const inhibitIndex = new InhibitIndex(
		sql,
		() => routing.current().inhibit_rules,
		() => alerts.allFiring(),
	);
	const alerts = new Alerts(sql, (alert, opened) => inhibitIndex.written(alert, opened), behind);
	const incidents = new Incidents(sql, alerts, behind);
	const outbox = new Outbox(sql, behind);
	const settings = new HeldSettings(meta, (on) => alerts.timesOut(on));
	return {
		behind,
		meta,
		settings,
		receipts: new Receipts(sql),
		alerts,
		incidents,
		subscription: new SnsSubscription(meta),
		routing,
		mirror: new Mirror(meta, incidents, outbox),
		rate: new PushRate(),
		outbox,
		flaps: new Flaps(sql, behind),
		inhibitIndex,
		keyStates: new KeyStates(sql),
		changes: new Changes(sql),
		heartbeat: new HeartbeatPings(sql, meta),
		watches: new Watches(meta, settings),
		timeline: new Timeline(sql, behind),
	};
}

/** Drops what the stores keep in memory, after a rolled-back transaction or a wipe. */
export function forgetCopies(s: Stores): void {
	s.behind.drop();
	s.flaps.forget();
	s.timeline.forgetKnown();
	s.outbox.forget();
	s.meta.forget();
	s.settings.forget();
	s.routing.forget();
	s.alerts.forget();
	s.inhibitIndex.forget();
	s.keyStates.forget();
	s.heartbeat.forget();
}

/**
 * One synchronous transaction over the stores; what they keep in memory is dropped if it rolls
 * back. Rows and counters the stores hold back are written before it commits.
 *
 * `work` runs in a savepoint (`transactionSync`). What it still holds when it returns, most of a
 * push's writes, is written just after the savepoint is released, in the same synchronous turn
 * and the object's same uncommitted transaction. Within a savepoint SQLite first copies each
 * page a write changes to the savepoint's journal, which goes to a temporary file past 64 KiB
 * (`SQLITE_STMTJRNL_SPILL`; https://sqlite.org/tempfiles.html, statement journals): a batch of
 * new alerts wrote about 185 KiB there, about as much as to its write-ahead log.
 *
 * Those writes are SQL built from rows already checked, so only a bug can stop them partway (a
 * full or failing disk rolls the whole transaction back and breaks the object by itself). Then
 * the object is reset (`abort`), which breaks its storage before anything more is committed, so
 * its uncommitted transaction is discarded whole
 * (https://github.com/cloudflare/workerd/blob/main/src/workerd/api/actor-state.c%2B%2B).
 */
export function inTransaction<T>(ctx: DurableObjectState, s: Stores, work: () => T): T {
	let result: T;
	try {
		result = ctx.storage.transactionSync(() =>
			s.behind.hold(() => {
				const result = work();
				s.alerts.flush();
				return result;
			}),
		);
	} catch (error) {
		forgetCopies(s);
		throw error;
	}
	try {
		s.behind.flush();
	} catch (error) {
		// Never returns: the object starts again from what was last committed.
		ctx.abort(`held rows could not be written: ${redactKeys(String(error))}`);
		throw error;
	}
	return result;
}
