-- Channels: a team or a service that alerts are for. Grouping settings decide how alerts of one
-- integration join incidents in the channel.
CREATE TABLE channels (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	-- JSON array of label names; empty means one incident per alert.
	group_by TEXT NOT NULL DEFAULT '[]',
	-- A duration such as "30m", or NULL for no time limit while the incident is open.
	group_window TEXT,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);

-- A private integration sends everything to channel_id; a shared one (channel_id NULL) is routed
-- by its routes, then default_channel_id.
ALTER TABLE integrations ADD COLUMN channel_id TEXT REFERENCES channels (id);
ALTER TABLE integrations ADD COLUMN default_channel_id TEXT REFERENCES channels (id);
-- Mirrored from the Durable Object: alerts that matched no route and had no default.
ALTER TABLE integrations ADD COLUMN unrouted_count INTEGER NOT NULL DEFAULT 0;

-- The ordered routing rules of a shared integration, replaced whole (one D1 batch) by PUT.
CREATE TABLE routes (
	integration_id TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	conditions TEXT NOT NULL,
	channel_ids TEXT NOT NULL,
	continue INTEGER NOT NULL,
	PRIMARY KEY (integration_id, position)
);

-- Bumped by every change to channels, routes or an integration's channel: each integration's
-- Durable Object compares it with the copy of its routing it holds, and reloads only on change.
CREATE TABLE config_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
INSERT INTO config_version (id, version) VALUES (1, 1);

-- A mirror of the incidents each integration's Durable Object holds (the source of truth), for
-- listing across integrations. Written by the Durable Objects; `version` orders the writes.
CREATE TABLE incidents (
	id TEXT PRIMARY KEY,
	integration_id TEXT NOT NULL,
	channel_id TEXT,
	status TEXT NOT NULL,
	severity TEXT NOT NULL,
	title TEXT NOT NULL,
	alert_count INTEGER NOT NULL,
	opened_at INTEGER NOT NULL,
	acknowledged_at INTEGER,
	resolved_at INTEGER,
	resolved_by TEXT,
	version INTEGER NOT NULL
);
CREATE INDEX incidents_by_opened ON incidents (opened_at DESC, id DESC);
CREATE INDEX incidents_by_channel ON incidents (channel_id, opened_at DESC, id DESC);
CREATE INDEX incidents_by_integration ON incidents (integration_id, opened_at DESC, id DESC);
