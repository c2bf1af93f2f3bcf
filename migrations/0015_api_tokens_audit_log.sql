-- API tokens: a name, a role and an optional channel limit. The token is shown once; only its
-- SHA-256 is kept (256 random bits: a plain hash may store it, ASVS V6.5.2). Revoking deletes
-- the row, and every request looks its token up, so a revoked token stops at once.
CREATE TABLE api_tokens (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	role TEXT NOT NULL CHECK (role IN ('read', 'write', 'admin')),
	-- JSON list of channel ids, or NULL: not limited.
	channel_ids TEXT,
	token_hash TEXT NOT NULL UNIQUE,
	created_at INTEGER NOT NULL,
	created_by TEXT NOT NULL,
	expires_at INTEGER,
	-- Written at most once an hour per token and isolate, never on every request.
	last_used_at INTEGER
);
CREATE INDEX api_tokens_by_created ON api_tokens (created_at, id);

-- The audit log: one row per change, who made it and what changed (secrets masked). Pruned by
-- the write that adds a row: past the retention, and past the row cap.
CREATE TABLE audit_log (
	id TEXT PRIMARY KEY,
	at INTEGER NOT NULL,
	actor_kind TEXT NOT NULL,
	actor_name TEXT NOT NULL,
	-- api, dashboard, action_link or slack.
	via TEXT NOT NULL,
	action TEXT NOT NULL,
	resource_type TEXT NOT NULL,
	resource_id TEXT,
	-- JSON {field: {before, after}}.
	changes TEXT NOT NULL,
	request_id TEXT
);
CREATE INDEX audit_log_by_at ON audit_log (at, id);
CREATE INDEX audit_log_by_actor ON audit_log (actor_name, at);
CREATE INDEX audit_log_by_resource ON audit_log (resource_type, resource_id, at);

-- A dashboard session signed in with an API token names it, so revoking the token ends it.
ALTER TABLE dashboard_sessions ADD COLUMN token_id TEXT;
