-- An integration's alert pipeline: ordered rules that reshape each event before it is routed,
-- replaced whole (one D1 batch) by PUT, as routes are, and handed to the integration's Durable
-- Object in its routing copy.
CREATE TABLE pipeline_rules (
	integration_id TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	-- JSON: one rule {conditions, extract, map, set, drop}, as the admin API validated it.
	rule TEXT NOT NULL,
	PRIMARY KEY (integration_id, position)
);

-- Mirrored from the Durable Object: trigger events a pipeline rule dropped.
ALTER TABLE integrations ADD COLUMN dropped_count INTEGER NOT NULL DEFAULT 0;
