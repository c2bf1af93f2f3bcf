-- Listing by one status needs no index of its own: open incidents (triggered, acknowledged) are
-- found in incidents_open_by_time, and resolved ones, most of what the mirror keeps, as
-- incidents_by_opened walks them. Every incident written and every status change cost this
-- index a row or two.
DROP INDEX incidents_by_status;
