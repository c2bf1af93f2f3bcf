-- The dashboard opens on the open incidents (`status != 'resolved'`), newest first: a partial
-- index holds only those, in that order, so a page reads its rows and stops, however many
-- resolved incidents the mirror keeps. (`incidents_by_status` serves one status at a time.)
CREATE INDEX incidents_open_by_time ON incidents (opened_at DESC, id DESC) WHERE status != 'resolved';
