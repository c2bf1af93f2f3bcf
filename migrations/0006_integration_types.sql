-- New integration types (pagerduty, alertmanager). SQLite cannot change a CHECK constraint, so
-- the table is rebuilt, without one: the type is checked where integrations are created
-- (src/integrations/type.ts), and a new type no longer needs a rebuild.
--
-- Dropping the old table deletes its rows first, which would cascade to `routes`: they are kept
-- aside and put back. D1 keeps foreign keys on; deferring them lets the tables swap within the
-- migration's transaction (https://developers.cloudflare.com/d1/sql-api/foreign-keys/).
PRAGMA defer_foreign_keys = on;

CREATE TABLE routes_kept AS SELECT * FROM routes;

CREATE TABLE integrations_new (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	type TEXT NOT NULL,
	key_hash TEXT NOT NULL UNIQUE,
	created_at INTEGER NOT NULL,
	key_rotated_at INTEGER,
	deleted_at INTEGER,
	event_count INTEGER NOT NULL DEFAULT 0,
	last_event_at INTEGER,
	settings TEXT NOT NULL DEFAULT '{}',
	channel_id TEXT REFERENCES channels (id),
	default_channel_id TEXT REFERENCES channels (id),
	unrouted_count INTEGER NOT NULL DEFAULT 0,
	rate_limited_count INTEGER NOT NULL DEFAULT 0
);

INSERT INTO integrations_new (id, name, type, key_hash, created_at, key_rotated_at, deleted_at,
	event_count, last_event_at, settings, channel_id, default_channel_id, unrouted_count,
	rate_limited_count)
SELECT id, name, type, key_hash, created_at, key_rotated_at, deleted_at, event_count,
	last_event_at, settings, channel_id, default_channel_id, unrouted_count, rate_limited_count
FROM integrations;

DROP TABLE integrations;
ALTER TABLE integrations_new RENAME TO integrations;
CREATE INDEX integrations_created_at ON integrations (created_at DESC);

DELETE FROM routes;
INSERT INTO routes SELECT * FROM routes_kept;
DROP TABLE routes_kept;
