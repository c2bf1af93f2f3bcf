-- Pushes an integration refused for going over its rate limit: a mirror of its Durable Object's
-- counter, written by the object's alarm like event_count.
ALTER TABLE integrations ADD COLUMN rate_limited_count INTEGER NOT NULL DEFAULT 0;
