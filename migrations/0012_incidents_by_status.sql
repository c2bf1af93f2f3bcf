-- Listing by status (the dashboard opens on the open incidents): without it, finding the few
-- open ones walks every resolved incident the mirror keeps, newest first.
CREATE INDEX incidents_by_status ON incidents (status, opened_at DESC, id DESC);
