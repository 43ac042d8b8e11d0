-- The search index (issue 15): one row per searchable text and language, written by the
-- slices in the transaction that changes the text. `title_terms` and `body_terms` hold the
-- text folded by the application (src/search/fold.rs), so that both backends see the same
-- words whatever the database's locale; PostgreSQL indexes them as a weighted tsvector.
CREATE TABLE search_documents (
    id BIGSERIAL PRIMARY KEY,
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
    terms TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig, title_terms), 'A')
        || setweight(to_tsvector('simple'::regconfig, body_terms), 'B')
    ) STORED,
    UNIQUE (kind, subject_id, language)
);
CREATE INDEX search_documents_terms ON search_documents USING GIN (terms);

-- Whether the index was built with the folding rules of the running code: an index from
-- before this migration (existing texts) or from older rules is rebuilt at start.
CREATE TABLE search_status (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    folding_version INTEGER NOT NULL,
    built_at TIMESTAMP
);
INSERT INTO search_status (id, folding_version, built_at) VALUES (1, 0, NULL);
