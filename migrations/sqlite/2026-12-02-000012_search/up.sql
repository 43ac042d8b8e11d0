-- The search index (issue 15): one row per searchable text and language, written by the
-- slices in the transaction that changes the text. `title_terms` and `body_terms` hold the
-- text folded by the application (src/search/fold.rs); an FTS5 table indexes them, kept in
-- step by triggers (an external-content table: the words are not stored twice).
CREATE TABLE search_documents (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('measure', 'field', 'proposal', 'statement', 'comment')),
    subject_id BIGINT NOT NULL,
    language TEXT NOT NULL,
    translation BOOLEAN NOT NULL DEFAULT FALSE,
    consultation_id BIGINT,
    field_id BIGINT,
    measure_id BIGINT,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    title_terms TEXT NOT NULL,
    body_terms TEXT NOT NULL,
    UNIQUE (kind, subject_id, language)
);

CREATE VIRTUAL TABLE search_fts USING fts5(
    title_terms,
    body_terms,
    content = 'search_documents',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
-- Deleted texts leave no trace in the index (an erased comment must not be found).
INSERT INTO search_fts (search_fts, rank) VALUES ('secure-delete', 1);

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

-- Whether the index was built with the folding rules of the running code: an index from
-- before this migration (existing texts) or from older rules is rebuilt at start.
CREATE TABLE search_status (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    folding_version INTEGER NOT NULL,
    built_at TIMESTAMP
);
INSERT INTO search_status (id, folding_version, built_at) VALUES (1, 0, NULL);
