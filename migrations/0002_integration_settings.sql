-- Per-type integration settings as a JSON object, validated by src/integrations/settings.ts.
ALTER TABLE integrations ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
