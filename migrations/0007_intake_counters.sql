-- The intake counters of each integration's Durable Object, mirrored by its alarm like
-- event_count: events deduplicated into a firing alert, deliveries answered as replays, and
-- pushes refused after their key checked out, by code (a JSON object).
ALTER TABLE integrations ADD COLUMN deduplicated_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE integrations ADD COLUMN replayed_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE integrations ADD COLUMN refused_count TEXT NOT NULL DEFAULT '{}';
