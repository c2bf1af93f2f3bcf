-- Dashboard sessions: one row per sign-in. The cookie holds a random id of 256 bits; the row holds
-- only its SHA-256, so a copy of D1 signs no one in. A row ends at sign-out (deleted), at
-- `expires_at`, or when ADMIN_TOKEN changes (`token_fingerprint` is an HMAC under the token that
-- made it, and a session of another token is refused).
CREATE TABLE dashboard_sessions (
	id_hash TEXT PRIMARY KEY,
	-- The session's CSRF token, sent in every form of its pages.
	csrf_token TEXT NOT NULL,
	token_fingerprint TEXT NOT NULL,
	issued_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE INDEX dashboard_sessions_by_expiry ON dashboard_sessions (expires_at);
CREATE INDEX dashboard_sessions_by_issued ON dashboard_sessions (issued_at);
