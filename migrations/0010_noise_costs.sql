-- What each silence's and inhibit rule's matchers cost to match one value (RE2 instructions,
-- wildcards counted in the same unit), so that an insert or update checks the deployment's
-- budget in the same statement that writes: a check read before the write let 12 concurrent
-- creates all pass. NULL for rows saved before this column; the admin API fills them in before
-- it writes a new one.
ALTER TABLE silences ADD COLUMN cost INTEGER;
ALTER TABLE inhibit_rules ADD COLUMN cost INTEGER;
