-- The mirrored incidents and notifications are only ever found by their id or through their
-- listing indexes: without a rowid, a row is one entry in its id's b-tree rather than a row and
-- an entry of the id's index, so each mirrored incident and delivery writes one D1 row fewer.
-- (The listing indexes then hold the id in place of the rowid; each already ends with it.)
CREATE TABLE incidents_by_id (
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
) WITHOUT ROWID;
INSERT INTO incidents_by_id (id, integration_id, channel_id, status, severity, title,
	alert_count, opened_at, acknowledged_at, resolved_at, resolved_by, version)
SELECT id, integration_id, channel_id, status, severity, title,
	alert_count, opened_at, acknowledged_at, resolved_at, resolved_by, version
FROM incidents;
DROP TABLE incidents;
ALTER TABLE incidents_by_id RENAME TO incidents;
CREATE INDEX incidents_by_opened ON incidents (opened_at DESC, id DESC);
CREATE INDEX incidents_by_channel ON incidents (channel_id, opened_at DESC, id DESC);
CREATE INDEX incidents_by_integration ON incidents (integration_id, opened_at DESC, id DESC);
CREATE INDEX incidents_open_by_time ON incidents (opened_at DESC, id DESC) WHERE status != 'resolved';

CREATE TABLE notifications_by_id (
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
) WITHOUT ROWID;
INSERT INTO notifications_by_id (id, integration_id, channel_id, target_id, incident_id, type,
	status, attempts, created_at, next_attempt_at, last_attempt_at, last_status, last_error, version)
SELECT id, integration_id, channel_id, target_id, incident_id, type,
	status, attempts, created_at, next_attempt_at, last_attempt_at, last_status, last_error, version
FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_by_id RENAME TO notifications;
CREATE INDEX notifications_by_channel ON notifications (channel_id, created_at DESC, id DESC);
CREATE INDEX notifications_by_status ON notifications (channel_id, status, created_at DESC, id DESC);
CREATE INDEX notifications_by_incident ON notifications (incident_id);
