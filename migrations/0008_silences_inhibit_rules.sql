-- Noise reduction (issue 14): silences (with maintenance windows: a weekly `schedule`) and
-- inhibit rules. Both are copied into the routing snapshot of every integration they apply to
-- (`integration_ids`, JSON; '[]' means every integration), so a push reads neither from D1.
CREATE TABLE silences (
	id TEXT PRIMARY KEY,
	-- JSON array of conditions {field, op, value}, all of which must hold.
	matchers TEXT NOT NULL,
	starts_at INTEGER NOT NULL,
	-- NULL only for a schedule kept until it is expired.
	ends_at INTEGER,
	-- JSON {days, start, end, time_zone}, or NULL for one stretch of time.
	schedule TEXT,
	comment TEXT NOT NULL,
	created_by TEXT NOT NULL,
	integration_ids TEXT NOT NULL DEFAULT '[]',
	channel_ids TEXT NOT NULL DEFAULT '[]',
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX silences_by_created ON silences (created_at, id);

CREATE TABLE inhibit_rules (
	id TEXT PRIMARY KEY,
	source_matchers TEXT NOT NULL,
	target_matchers TEXT NOT NULL,
	-- JSON array of label names whose values must be equal on source and target.
	equal TEXT NOT NULL,
	comment TEXT NOT NULL,
	integration_ids TEXT NOT NULL DEFAULT '[]',
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	-- Set by DELETE; the row stays a week, so repeating a DELETE whose news did not reach every
	-- integration tells them again.
	deleted_at INTEGER
);
CREATE INDEX inhibit_rules_by_created ON inhibit_rules (created_at, id);
