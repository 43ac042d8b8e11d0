-- The concept catalogue: the Integrationskonzept, its Leitbild, priority goals,
-- fields of action (Handlungsfelder) and measures (Maßnahmen).
-- Dates of the domain (decided on, status date) are ISO 8601 text 'YYYY-MM-DD' on both backends.

CREATE TABLE concepts (
    id BIGSERIAL PRIMARY KEY,
    title TEXT NOT NULL CHECK (char_length(title) BETWEEN 1 AND 300),
    vision_title TEXT CHECK (char_length(vision_title) <= 300),
    decided_on TEXT CHECK (decided_on ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    decision_reference TEXT CHECK (char_length(decision_reference) <= 200),
    summary TEXT NOT NULL CHECK (char_length(summary) <= 10000),
    created_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    updated_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc')
);

CREATE TABLE vision_statements (
    id BIGSERIAL PRIMARY KEY,
    concept_id BIGINT NOT NULL REFERENCES concepts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('principle', 'commitment')),
    position INTEGER NOT NULL CHECK (position >= 1),
    text TEXT NOT NULL CHECK (char_length(text) BETWEEN 1 AND 4000),
    UNIQUE (concept_id, kind, position)
);

CREATE TABLE priority_goals (
    id BIGSERIAL PRIMARY KEY,
    concept_id BIGINT NOT NULL REFERENCES concepts (id) ON DELETE CASCADE,
    position INTEGER NOT NULL CHECK (position >= 1),
    text TEXT NOT NULL CHECK (char_length(text) BETWEEN 1 AND 4000),
    UNIQUE (concept_id, position)
);

CREATE TABLE fields (
    id BIGSERIAL PRIMARY KEY,
    concept_id BIGINT NOT NULL REFERENCES concepts (id) ON DELETE CASCADE,
    number INTEGER NOT NULL CHECK (number BETWEEN 1 AND 999),
    title TEXT NOT NULL CHECK (char_length(title) BETWEEN 1 AND 300),
    summary TEXT CHECK (char_length(summary) <= 10000),
    created_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    updated_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    UNIQUE (concept_id, number)
);

CREATE TABLE measures (
    id BIGSERIAL PRIMARY KEY,
    field_id BIGINT NOT NULL REFERENCES fields (id) ON DELETE CASCADE,
    code TEXT NOT NULL UNIQUE CHECK (char_length(code) BETWEEN 1 AND 32),
    position INTEGER NOT NULL CHECK (position >= 1),
    title TEXT NOT NULL CHECK (char_length(title) BETWEEN 1 AND 300),
    description TEXT NOT NULL CHECK (char_length(description) <= 10000),
    responsible_body TEXT CHECK (char_length(responsible_body) <= 300),
    implementation_status TEXT NOT NULL
        CHECK (implementation_status IN ('planned', 'in_progress', 'implemented', 'discontinued')),
    status_note TEXT CHECK (char_length(status_note) <= 4000),
    status_date TEXT CHECK (status_date ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    created_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    updated_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc')
);

CREATE INDEX measures_by_field ON measures (field_id, position, id);
CREATE INDEX measures_by_field_status ON measures (field_id, implementation_status, position, id);
