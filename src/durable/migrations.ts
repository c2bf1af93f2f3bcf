/**
 * The integration Durable Object's SQLite schema, as append-only migrations: a deployed object
 * has run some prefix of this list, so entries are never edited or reordered, only added.
 */
const MIGRATIONS: readonly string[] = [
	`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

	CREATE TABLE alerts (
		seq INTEGER PRIMARY KEY AUTOINCREMENT,
		id TEXT NOT NULL UNIQUE,
		alert_key TEXT NOT NULL,
		status TEXT NOT NULL,
		severity TEXT NOT NULL,
		title TEXT NOT NULL,
		description TEXT NOT NULL,
		labels TEXT NOT NULL,
		images TEXT NOT NULL,
		event_count INTEGER NOT NULL,
		first_event_at INTEGER NOT NULL,
		last_event_at INTEGER NOT NULL,
		resolved_at INTEGER
	);
	-- The storage-level guarantee behind "concurrent pushes never open two alerts".
	CREATE UNIQUE INDEX alerts_one_firing_per_key ON alerts (alert_key) WHERE status = 'firing';
	CREATE INDEX alerts_by_status ON alerts (status, seq);

	-- Deliveries already applied, by idempotency key, with the answer they got.
	CREATE TABLE deliveries (
		key TEXT PRIMARY KEY,
		fingerprint TEXT NOT NULL,
		status INTEGER NOT NULL,
		body TEXT NOT NULL,
		received_at INTEGER NOT NULL
	);
	CREATE INDEX deliveries_by_age ON deliveries (received_at);`,

	// When the newest ordered event (a CloudWatch state change) for each key happened, so a late
	// delivery can be recognised whatever became of the alert since.
	`CREATE TABLE key_states (alert_key TEXT PRIMARY KEY, last_state_at INTEGER NOT NULL);`,

	// Auto-resolve: when each alert last received an event (receipt time, not event time), and
	// what resolved it.
	`ALTER TABLE alerts ADD COLUMN resolved_by TEXT;
	ALTER TABLE alerts ADD COLUMN last_received_at INTEGER;
	UPDATE alerts SET resolved_by = 'event' WHERE status = 'resolved';
	UPDATE alerts SET last_received_at = last_event_at;
	CREATE INDEX alerts_firing_by_receipt ON alerts (last_received_at) WHERE status = 'firing';`,

	// Incidents: what people act on. `version` counts changes; `mirrored_version` is the last one
	// written to D1, so the alarm knows what is left to mirror.
	`CREATE TABLE incidents (
		seq INTEGER PRIMARY KEY AUTOINCREMENT,
		id TEXT NOT NULL UNIQUE,
		channel_id TEXT,
		status TEXT NOT NULL,
		severity TEXT NOT NULL,
		title TEXT NOT NULL,
		alert_count INTEGER NOT NULL,
		group_key TEXT,
		opened_at INTEGER NOT NULL,
		acknowledged_at INTEGER,
		resolved_at INTEGER,
		resolved_by TEXT,
		version INTEGER NOT NULL,
		mirrored_version INTEGER NOT NULL DEFAULT 0
	);
	CREATE INDEX incidents_open ON incidents (channel_id, group_key, opened_at) WHERE status != 'resolved';
	CREATE INDEX incidents_unmirrored ON incidents (seq) WHERE version > mirrored_version;
	CREATE TABLE incident_alerts (
		incident_id TEXT NOT NULL,
		alert_id TEXT NOT NULL,
		PRIMARY KEY (incident_id, alert_id)
	);
	CREATE INDEX incident_alerts_by_alert ON incident_alerts (alert_id);`,

	// A delivery's status was written but never read.
	`ALTER TABLE deliveries DROP COLUMN status;`,

	// The counters in one row, so a push writes them once (`Stats`).
	`INSERT INTO meta (key, value) SELECT 'stats', json_object(
		'event_count', coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'event_count'), 0),
		'last_event_at', (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'last_event_at'),
		'unrouted_count', coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'unrouted_count'), 0),
		'version', coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'stats_version'), 0))
	WHERE EXISTS (SELECT 1 FROM meta WHERE key = 'event_count');
	DELETE FROM meta WHERE key IN ('event_count', 'last_event_at', 'unrouted_count', 'stats_version');`,

	// Retention: resolved history found by age, and pruned incidents kept until D1 forgets them.
	`CREATE INDEX alerts_resolved_by_time ON alerts (resolved_at) WHERE status = 'resolved';
	CREATE INDEX incidents_resolved_by_time ON incidents (resolved_at) WHERE status = 'resolved';
	CREATE TABLE pruned_incidents (id TEXT PRIMARY KEY);`,

	// Notifications (the `Outbox` store). The outbox is written in the transaction of the
	// incident change that causes it, and drained by the alarm. `incident_targets` says which
	// targets were told of an incident and when each is escalated to next.
	`CREATE TABLE outbox (
		seq INTEGER PRIMARY KEY AUTOINCREMENT,
		id TEXT NOT NULL UNIQUE,
		incident_id TEXT NOT NULL,
		channel_id TEXT NOT NULL,
		target_id TEXT NOT NULL,
		type TEXT NOT NULL,
		event TEXT NOT NULL,
		status TEXT NOT NULL,
		attempts INTEGER NOT NULL DEFAULT 0,
		created_at INTEGER NOT NULL,
		give_up_at INTEGER NOT NULL,
		next_attempt_at INTEGER NOT NULL,
		last_attempt_at INTEGER,
		last_status INTEGER,
		last_error TEXT,
		version INTEGER NOT NULL DEFAULT 1,
		mirrored_version INTEGER NOT NULL DEFAULT 0
	);
	CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';
	CREATE INDEX outbox_queue ON outbox (target_id, incident_id, seq) WHERE status = 'pending';
	CREATE INDEX outbox_unmirrored ON outbox (seq) WHERE version > mirrored_version;
	CREATE INDEX outbox_by_incident ON outbox (incident_id);
	CREATE TABLE incident_targets (
		incident_id TEXT NOT NULL,
		target_id TEXT NOT NULL,
		notified INTEGER NOT NULL,
		escalate_at INTEGER,
		repeats_sent INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (incident_id, target_id)
	);
	CREATE INDEX incident_targets_due ON incident_targets (escalate_at) WHERE escalate_at IS NOT NULL;`,

	// Links (PagerDuty's, Prometheus's generatorURL), and when an alert resolves by itself unless
	// its source sends again (Alertmanager's endsAt).
	`ALTER TABLE alerts ADD COLUMN links TEXT NOT NULL DEFAULT '[]';
	ALTER TABLE alerts ADD COLUMN expires_at INTEGER;
	CREATE INDEX alerts_firing_by_expiry ON alerts (expires_at)
		WHERE status = 'firing' AND expires_at IS NOT NULL;`,

	// Noise reduction: what mutes an alert, and each key's recent state
	// changes for flapping detection (\`quiet_at\`: when a flapping key counts as stable again).
	`ALTER TABLE alerts ADD COLUMN silenced_by TEXT;
	ALTER TABLE alerts ADD COLUMN inhibited_by TEXT;
	ALTER TABLE alerts ADD COLUMN flapping INTEGER NOT NULL DEFAULT 0;
	CREATE INDEX alerts_firing_inhibited ON alerts (inhibited_by)
		WHERE status = 'firing' AND inhibited_by IS NOT NULL;
	CREATE TABLE key_flaps (
		alert_key TEXT PRIMARY KEY,
		changes TEXT NOT NULL,
		flapping INTEGER NOT NULL DEFAULT 0,
		quiet_at INTEGER NOT NULL
	);
	CREATE INDEX key_flaps_by_quiet ON key_flaps (quiet_at);`,

	// The inhibit index (`InhibitIndex`): each firing alert that a rule's source or target
	// matchers match, by the values of the rule's `equal` labels, so a new alert finds its source
	// and a new source its targets without reading what else fires. `inhibit_index_rules` holds
	// the rules it was built for; the store fills it from what fires when they differ.
	`CREATE TABLE inhibit_index (
		alert_id TEXT NOT NULL,
		rule_id TEXT NOT NULL,
		equal_values TEXT NOT NULL,
		alert_key TEXT NOT NULL,
		source INTEGER NOT NULL,
		target INTEGER NOT NULL,
		inhibited INTEGER NOT NULL,
		PRIMARY KEY (alert_id, rule_id)
	);
	CREATE INDEX inhibit_index_sources ON inhibit_index (rule_id, equal_values, source, target);
	CREATE INDEX inhibit_index_targets ON inhibit_index (rule_id, equal_values, target, inhibited, source);
	CREATE TABLE inhibit_index_rules (rules TEXT NOT NULL);`,

	// Sender times are held to the clock from now on (event-time.ts): what a sender dated ahead
	// before is brought back to now, so that retention and the key_states cap reach it; the
	// cap forgets keys oldest first.
	`UPDATE key_states SET last_state_at = unixepoch() * 1000
		WHERE last_state_at > unixepoch() * 1000 + 300000;
	UPDATE alerts SET resolved_at = unixepoch() * 1000
		WHERE status = 'resolved' AND resolved_at > unixepoch() * 1000 + 300000;
	CREATE INDEX key_states_by_time ON key_states (last_state_at);`,

	// Receipts capped by size as well as count (the `Receipts` store): their totals, which the
	// alarm keeps up to date from the rows recorded since its last run (`seen`: the last rowid
	// counted), so that no push reads or writes them.
	`CREATE TABLE receipt_totals (
		id INTEGER PRIMARY KEY CHECK (id = 1),
		rows INTEGER NOT NULL,
		bytes INTEGER NOT NULL,
		seen INTEGER NOT NULL
	);
	INSERT INTO receipt_totals (id, rows, bytes, seen)
	SELECT 1, count(*), coalesce(sum(2 * length(key) + length(fingerprint) + length(body)), 0),
		coalesce(max(rowid), 0)
	FROM deliveries;`,

	// Change events (the `Changes` store): kept apart from alerts, since they open nothing; read
	// newest first by when they happened, pruned by arrival (`seq` and `received_at`).
	`CREATE TABLE change_events (
		seq INTEGER PRIMARY KEY AUTOINCREMENT,
		id TEXT NOT NULL UNIQUE,
		summary TEXT NOT NULL,
		source TEXT,
		custom_details TEXT,
		links TEXT NOT NULL,
		occurred_at INTEGER NOT NULL,
		received_at INTEGER NOT NULL
	);
	CREATE INDEX change_events_by_time ON change_events (occurred_at, id);
	CREATE INDEX change_events_by_arrival ON change_events (received_at);`,
	// A sender's own suppression of an alert's actions (a CloudWatch composite alarm's
	// actionsSuppressedBy), which mutes the alert as a silence does.
	`ALTER TABLE alerts ADD COLUMN suppressed_by TEXT;`,
	// Heartbeats (the \`HeartbeatPings\` store): the latest pings of a heartbeat integration, each
	// with what its script printed (bounded) and the run it ended. Other types never write here.
	`CREATE TABLE heartbeat_pings (
		seq INTEGER PRIMARY KEY AUTOINCREMENT,
		at INTEGER NOT NULL,
		kind TEXT NOT NULL,
		exit_status INTEGER,
		run_ms INTEGER,
		method TEXT NOT NULL,
		body TEXT NOT NULL
	);`,
	// Incidents' timelines (the \`Timeline\` store), read per incident in order; the counts bound
	// each incident's routine entries without counting them.
	`CREATE TABLE incident_timeline (
		seq INTEGER PRIMARY KEY AUTOINCREMENT,
		incident_id TEXT NOT NULL,
		at INTEGER NOT NULL,
		type TEXT NOT NULL,
		detail TEXT NOT NULL
	);
	CREATE INDEX incident_timeline_by_incident ON incident_timeline (incident_id, seq);
	CREATE TABLE incident_timeline_counts (incident_id TEXT PRIMARY KEY, entries INTEGER NOT NULL);`,
	// The message a Slack bot target posted about an incident (its channel and `ts`), which
	// later events of the incident update in place (chat.update) rather than post again.
	`ALTER TABLE incident_targets ADD COLUMN slack_channel TEXT;
	ALTER TABLE incident_targets ADD COLUMN slack_ts TEXT;`,
	// What the alarm asks on every run, answered from the rows concerned rather than a scan: the
	// keys flapping now (few among every key that changed lately), resolved incidents in order
	// (pruning past the newest kept), and each target's due notifications.
	`CREATE INDEX key_flaps_flapping ON key_flaps (quiet_at) WHERE flapping = 1;
	CREATE INDEX incidents_resolved_by_seq ON incidents (seq) WHERE status = 'resolved';
	CREATE INDEX outbox_target_due ON outbox (target_id, next_attempt_at) WHERE status = 'pending';`,
	// Each target's due notifications (outbox_target_due) also say when the next is due: the index
	// of all of them by time cost every queued, claimed and settled notification two more rows.
	`DROP INDEX outbox_due;`,
	// New incidents reach D1 in the order they were opened, past `incidents_mirrored_seq`: a new
	// incident's first version counts as mirrored, which saves it an entry in
	// incidents_unmirrored and the entry's removal. Those waiting now are in that index already.
	`INSERT INTO meta (key, value)
	SELECT 'incidents_mirrored_seq', CAST(coalesce(max(seq), 0) AS TEXT) FROM incidents;`,
	// Incidents' alerts and keys' flapping records are only ever found by their keys: without a
	// rowid, a row is one entry in its key's b-tree rather than a row and a key entry, so a new
	// alert writes two rows fewer.
	`CREATE TABLE incident_alerts_by_key (
		incident_id TEXT NOT NULL,
		alert_id TEXT NOT NULL,
		PRIMARY KEY (incident_id, alert_id)
	) WITHOUT ROWID;
	INSERT INTO incident_alerts_by_key (incident_id, alert_id)
	SELECT incident_id, alert_id FROM incident_alerts;
	DROP TABLE incident_alerts;
	ALTER TABLE incident_alerts_by_key RENAME TO incident_alerts;
	CREATE INDEX incident_alerts_by_alert ON incident_alerts (alert_id);
	CREATE TABLE key_flaps_by_key (
		alert_key TEXT PRIMARY KEY,
		changes TEXT NOT NULL,
		flapping INTEGER NOT NULL DEFAULT 0,
		quiet_at INTEGER NOT NULL
	) WITHOUT ROWID;
	INSERT INTO key_flaps_by_key (alert_key, changes, flapping, quiet_at)
	SELECT alert_key, changes, flapping, quiet_at FROM key_flaps;
	DROP TABLE key_flaps;
	ALTER TABLE key_flaps_by_key RENAME TO key_flaps;
	CREATE INDEX key_flaps_by_quiet ON key_flaps (quiet_at);
	CREATE INDEX key_flaps_flapping ON key_flaps (quiet_at) WHERE flapping = 1;`,
	// Resolved alerts in order (pruning past the newest kept), as incidents have them: an index
	// of every alert by status cost each new alert a row. Counts and reads of firing alerts take
	// the partial indexes of firing alerts instead.
	`CREATE INDEX alerts_resolved_by_seq ON alerts (seq) WHERE status = 'resolved';
	DROP INDEX alerts_by_status;`,
	// What each target was told of an incident is only ever found by its key, as incidents'
	// alerts are: without a rowid, each target told writes one row rather than a row and a key.
	`CREATE TABLE incident_targets_by_key (
		incident_id TEXT NOT NULL,
		target_id TEXT NOT NULL,
		notified INTEGER NOT NULL,
		escalate_at INTEGER,
		repeats_sent INTEGER NOT NULL DEFAULT 0,
		slack_channel TEXT,
		slack_ts TEXT,
		PRIMARY KEY (incident_id, target_id)
	) WITHOUT ROWID;
	INSERT INTO incident_targets_by_key (incident_id, target_id, notified, escalate_at,
		repeats_sent, slack_channel, slack_ts)
	SELECT incident_id, target_id, notified, escalate_at, repeats_sent, slack_channel, slack_ts
	FROM incident_targets;
	DROP TABLE incident_targets;
	ALTER TABLE incident_targets_by_key RENAME TO incident_targets;
	CREATE INDEX incident_targets_due ON incident_targets (escalate_at) WHERE escalate_at IS NOT NULL;`,
	// Timeline entries are only ever read by incident, in order: keyed by the incident and a number
	// within it, each entry is one row rather than a row and an entry of the index by incident.
	// Entries keep their numbers (each incident's still go up), so a cursor given before goes on;
	// new ones follow their incident's last. The counts are found by their key only, too.
	`CREATE TABLE incident_timeline_by_key (
		incident_id TEXT NOT NULL,
		seq INTEGER NOT NULL,
		at INTEGER NOT NULL,
		type TEXT NOT NULL,
		detail TEXT NOT NULL,
		PRIMARY KEY (incident_id, seq)
	) WITHOUT ROWID;
	INSERT INTO incident_timeline_by_key (incident_id, seq, at, type, detail)
	SELECT incident_id, seq, at, type, detail FROM incident_timeline;
	DROP TABLE incident_timeline;
	ALTER TABLE incident_timeline_by_key RENAME TO incident_timeline;
	CREATE TABLE incident_timeline_counts_by_key (
		incident_id TEXT PRIMARY KEY,
		entries INTEGER NOT NULL
	) WITHOUT ROWID;
	INSERT INTO incident_timeline_counts_by_key (incident_id, entries)
	SELECT incident_id, entries FROM incident_timeline_counts;
	DROP TABLE incident_timeline_counts;
	ALTER TABLE incident_timeline_counts_by_key RENAME TO incident_timeline_counts;`,
	// Firing alerts are indexed by their last receipt only while `auto_resolve_after` is on (the
	// Alerts store makes the index when settings turn it on, or when it is first needed):
	// otherwise every event moved its alert's entry for nothing.
	`DROP INDEX alerts_firing_by_receipt;`,
	// Only a grouped incident is ever looked up by its channel and group (a new alert joining it):
	// an ungrouped one, each alert its own incident, no longer costs this index an entry.
	`DROP INDEX incidents_open;
	CREATE INDEX incidents_open_grouped ON incidents (channel_id, group_key, opened_at)
		WHERE status != 'resolved' AND group_key IS NOT NULL;`,
	// Flapping records past their window are found by a sweep in key order, a batch an alarm run:
	// an index by time cost every state change a row, and two when it moved.
	`DROP INDEX key_flaps_by_quiet;`,
	// An incident's opening entry (its timeline's first, "triggered") is its row: `opening` holds
	// that entry's detail, and the timeline table the entries after it. A new incident writes a
	// row fewer. Incidents opened before keep their opening entry in the table (`opening` null).
	`ALTER TABLE incidents ADD COLUMN opening TEXT;`,
];

/** Applies what is not applied yet, up to `upTo` migrations (all by default). */
export function migrate(sql: SqlStorage, upTo = MIGRATIONS.length): void {
	sql.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)");
	const row = sql.exec("SELECT max(version) AS version FROM schema_migrations").one();
	const applied = typeof row.version === "number" ? row.version : 0;
	MIGRATIONS.forEach((statement, index) => {
		const version = index + 1;
		if (version <= applied || version > upTo) return;
		sql.exec(statement);
		sql.exec("INSERT INTO schema_migrations (version) VALUES (?)", version);
	});
}

/** Whether anything was ever stored: reading this creates no storage. */
export function hasSchema(sql: SqlStorage): boolean {
	const found = sql.exec(
		"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
	);
	return found.toArray().length > 0;
}
