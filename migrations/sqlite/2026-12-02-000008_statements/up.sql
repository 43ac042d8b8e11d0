-- Same tables and constraints as the PostgreSQL migration of the same name. Ids are never
-- reused (AUTOINCREMENT): an entity tag names a statement's id and version, and a deleted
-- draft's tag must not fit the next one.
-- Statements (Stellungnahmen): formal statements of verified organisations on the concept, a
-- field of action or a measure of a consultation, with PDF attachments, a signed receipt, the
-- city's response in versions, and publication.
--
-- `state`: `draft` (the organisation's members write it), `submitted` (frozen, with its
-- receipt), `in_review` (assigned to a reviewer), `answered` (published together with its
-- response), `withdrawn` (by a representative before it was answered; kept on record).
-- `seq` numbers the submissions of a consultation without gaps (`statement_counters` hands out
-- the next number inside the submitting transaction); `receipt_number` is its written form.
-- `organisation_name` and `organisation_kind` are frozen at submission: what the receipt and
-- the publication show even when the organisation renames itself later. `field_id` is the
-- field of action the target belongs to (for filters).

CREATE TABLE statements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    consultation_id BIGINT NOT NULL REFERENCES consultations (id),
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    target_type TEXT NOT NULL CHECK (target_type IN ('concept', 'field', 'measure')),
    target_id BIGINT,
    field_id BIGINT REFERENCES fields (id),
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 50000),
    state TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'in_review', 'answered', 'withdrawn')),
    drafted_by BIGINT REFERENCES users (id),
    publish_as TEXT CHECK (publish_as IN ('name', 'kind')),
    seq INTEGER CHECK (seq >= 1),
    receipt_number TEXT,
    submitted_at TIMESTAMP,
    submitted_by BIGINT REFERENCES users (id),
    content_sha256 TEXT CHECK (length(content_sha256) = 64),
    signature TEXT,
    key_id TEXT,
    organisation_name TEXT,
    organisation_kind TEXT CHECK (organisation_kind IN ('migrant_organisation', 'welfare_provider', 'other_civil_society')),
    reviewer_id BIGINT REFERENCES users (id),
    withdrawn_at TIMESTAMP,
    withdrawn_by BIGINT REFERENCES users (id),
    answered_at TIMESTAMP,
    published_response_id BIGINT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (consultation_id, seq),
    CHECK ((target_type = 'concept') = (target_id IS NULL)),
    CHECK ((state = 'draft') = (seq IS NULL)),
    CHECK (state = 'draft' OR (receipt_number IS NOT NULL AND submitted_at IS NOT NULL AND content_sha256 IS NOT NULL AND signature IS NOT NULL AND key_id IS NOT NULL AND publish_as IS NOT NULL AND organisation_name IS NOT NULL AND organisation_kind IS NOT NULL)),
    CHECK ((state = 'withdrawn') = (withdrawn_at IS NOT NULL)),
    CHECK ((state = 'answered') = (answered_at IS NOT NULL AND published_response_id IS NOT NULL))
);
CREATE INDEX statements_of_organisation ON statements (organisation_id, id);
CREATE INDEX statements_queue ON statements (state, id);
CREATE INDEX statements_published ON statements (consultation_id, id) WHERE state = 'answered';

-- The last receipt number handed out per consultation.
CREATE TABLE statement_counters (
    consultation_id BIGINT PRIMARY KEY REFERENCES consultations (id),
    last_seq INTEGER NOT NULL CHECK (last_seq >= 1)
);

-- PDF attachments, in the database so that every node serves them.
CREATE TABLE statement_attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    statement_id BIGINT NOT NULL REFERENCES statements (id) ON DELETE CASCADE,
    filename TEXT NOT NULL CHECK (length(filename) BETWEEN 1 AND 200),
    size BIGINT NOT NULL CHECK (size BETWEEN 1 AND 10485760),
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
    content BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX statement_attachments_of ON statement_attachments (statement_id, id);

-- The city's response, in versions until one is published with the statement.
CREATE TABLE statement_responses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    statement_id BIGINT NOT NULL REFERENCES statements (id),
    version INTEGER NOT NULL CHECK (version >= 1),
    body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 50000),
    written_by BIGINT REFERENCES users (id),
    written_at TIMESTAMP NOT NULL,
    UNIQUE (statement_id, version)
);
