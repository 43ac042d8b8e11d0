-- Search in two ranked arms (issue 15, performance): the catalogue's documents get a partial
-- GIN index of their own, so that a word common in comments does not make a search read the
-- catalogue's long texts one by one to find the few that match.
ALTER TABLE search_documents
    ADD COLUMN catalogue BOOLEAN GENERATED ALWAYS AS (kind IN ('measure', 'field')) STORED;
CREATE INDEX search_documents_catalogue_terms ON search_documents USING GIN (terms)
    WITH (fastupdate = off) WHERE catalogue;
-- No pending list: with it, new entries wait in an unordered list (up to 4 MB) that every
-- search reads through until a vacuum merges it. Texts are written one at a time and read far
-- more often, so each write updates the index itself.
ALTER INDEX search_documents_terms SET (fastupdate = off);
