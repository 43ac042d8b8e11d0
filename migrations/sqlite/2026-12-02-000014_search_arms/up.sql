-- Search in two ranked arms (issue 15, performance): the catalogue's documents move to
-- negative ids, so that a search ranks them as the rowid range below zero and the newest
-- participants' texts as a range above a bound, both ranges that FTS5 seeks to instead of
-- reading every match. The FTS5 table gets prefix indexes for prefixes of 3 to 6 letters
-- (every query word is a prefix): one list instead of merging every word that begins so.
DROP TRIGGER search_documents_inserted;
DROP TRIGGER search_documents_deleted;
DROP TRIGGER search_documents_updated;
DROP TABLE search_fts;

UPDATE search_documents SET id = -id WHERE kind IN ('measure', 'field') AND id > 0;

CREATE VIRTUAL TABLE search_fts USING fts5(
    title_terms,
    body_terms,
    content = 'search_documents',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '3 4 5 6'
);
INSERT INTO search_fts (search_fts, rank) VALUES ('secure-delete', 1);
INSERT INTO search_fts (search_fts) VALUES ('rebuild');

CREATE TRIGGER search_documents_inserted AFTER INSERT ON search_documents BEGIN
    INSERT INTO search_fts (rowid, title_terms, body_terms)
    VALUES (new.id, new.title_terms, new.body_terms);
END;
CREATE TRIGGER search_documents_deleted AFTER DELETE ON search_documents BEGIN
    INSERT INTO search_fts (search_fts, rowid, title_terms, body_terms)
    VALUES ('delete', old.id, old.title_terms, old.body_terms);
END;
CREATE TRIGGER search_documents_updated AFTER UPDATE ON search_documents BEGIN
    INSERT INTO search_fts (search_fts, rowid, title_terms, body_terms)
    VALUES ('delete', old.id, old.title_terms, old.body_terms);
    INSERT INTO search_fts (rowid, title_terms, body_terms)
    VALUES (new.id, new.title_terms, new.body_terms);
END;
