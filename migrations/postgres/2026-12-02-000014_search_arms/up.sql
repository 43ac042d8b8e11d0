-- Search in two ranked arms (issue 15, performance): the catalogue's documents get a partial
-- GIN index of their own, so that a word common in comments does not make a search read the
-- catalogue's long texts one by one to find the few that match.
ALTER TABLE search_documents
    ADD COLUMN catalogue BOOLEAN GENERATED ALWAYS AS (kind IN ('measure', 'field')) STORED;
CREATE INDEX search_documents_catalogue_terms ON search_documents USING GIN (terms)
    WHERE catalogue;
