-- Integrations: one per monitored source. The integration key itself is never stored, only its
-- SHA-256 (keys carry 256 random bits, so an unsalted hash is enough; see src/security/secrets.ts).
CREATE TABLE integrations (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	type TEXT NOT NULL CHECK (type IN ('standard', 'aws_cloudwatch', 'aws_eventbridge')),
	key_hash TEXT NOT NULL UNIQUE,
	created_at INTEGER NOT NULL,
	key_rotated_at INTEGER,
	-- Set while a delete is in progress: the push URL stops answering before the Durable Object
	-- data is wiped, and a repeated DELETE can finish the job if the wipe failed.
	deleted_at INTEGER,
	-- A mirror of the Durable Object's counters, written by its alarm (seconds behind at most).
	event_count INTEGER NOT NULL DEFAULT 0,
	last_event_at INTEGER
);

CREATE INDEX integrations_created_at ON integrations (created_at DESC);
