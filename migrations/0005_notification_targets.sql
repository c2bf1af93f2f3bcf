-- Notification targets: where a channel's incidents are told (webhook, slack, teams, pagerduty).
-- Copied into the routing snapshot of each integration that can route to the channel, whose
-- Durable Object sends from it. `secret` is a webhook's signing secret or a PagerDuty routing
-- key: the API shows it whole only when it is made.
CREATE TABLE notification_targets (
	id TEXT PRIMARY KEY,
	channel_id TEXT NOT NULL REFERENCES channels (id),
	name TEXT NOT NULL,
	type TEXT NOT NULL,
	url TEXT NOT NULL,
	secret TEXT NOT NULL,
	-- After a webhook's secret is rotated, the old one also signs until this time (ms).
	previous_secret TEXT,
	previous_secret_until INTEGER,
	-- JSON array of event types.
	events TEXT NOT NULL,
	min_severity TEXT NOT NULL,
	delay TEXT NOT NULL,
	repeat_every TEXT,
	repeat_times INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX notification_targets_by_channel ON notification_targets (channel_id, created_at);

-- A mirror of each integration Durable Object's outbox, for listing a channel's deliveries.
-- Written by the objects; `version` orders the writes.
CREATE TABLE notifications (
	id TEXT PRIMARY KEY,
	integration_id TEXT NOT NULL,
	channel_id TEXT NOT NULL,
	target_id TEXT NOT NULL,
	incident_id TEXT NOT NULL,
	type TEXT NOT NULL,
	status TEXT NOT NULL,
	attempts INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	next_attempt_at INTEGER,
	last_attempt_at INTEGER,
	last_status INTEGER,
	last_error TEXT,
	version INTEGER NOT NULL
);
CREATE INDEX notifications_by_channel ON notifications (channel_id, created_at DESC, id DESC);
CREATE INDEX notifications_by_status ON notifications (channel_id, status, created_at DESC, id DESC);
CREATE INDEX notifications_by_incident ON notifications (incident_id);
