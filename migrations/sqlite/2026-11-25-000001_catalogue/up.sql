-- The concept catalogue: the Integrationskonzept, its Leitbild, priority goals,
-- fields of action (Handlungsfelder) and measures (Maßnahmen).
-- Same tables and constraints as the PostgreSQL migration of the same name.
-- Dates of the domain (decided on, status date) are ISO 8601 text 'YYYY-MM-DD' on both backends.

CREATE TABLE concepts (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    vision_title TEXT CHECK (length(vision_title) <= 300),
    decided_on TEXT CHECK (decided_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    decision_reference TEXT CHECK (length(decision_reference) <= 200),
    summary TEXT NOT NULL CHECK (length(summary) <= 10000),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE vision_statements (
    id INTEGER PRIMARY KEY,
    concept_id BIGINT NOT NULL REFERENCES concepts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('principle', 'commitment')),
    position INTEGER NOT NULL CHECK (position >= 1),
    text TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 4000),
    UNIQUE (concept_id, kind, position)
);

CREATE TABLE priority_goals (
    id INTEGER PRIMARY KEY,
    concept_id BIGINT NOT NULL REFERENCES concepts (id) ON DELETE CASCADE,
    position INTEGER NOT NULL CHECK (position >= 1),
    text TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 4000),
    UNIQUE (concept_id, position)
);

CREATE TABLE fields (
    id INTEGER PRIMARY KEY,
    concept_id BIGINT NOT NULL REFERENCES concepts (id) ON DELETE CASCADE,
    number INTEGER NOT NULL CHECK (number BETWEEN 1 AND 999),
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    summary TEXT CHECK (length(summary) <= 10000),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (concept_id, number)
);

CREATE TABLE measures (
    id INTEGER PRIMARY KEY,
    field_id BIGINT NOT NULL REFERENCES fields (id) ON DELETE CASCADE,
    code TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 32),
    position INTEGER NOT NULL CHECK (position >= 1),
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    description TEXT NOT NULL CHECK (length(description) <= 10000),
    responsible_body TEXT CHECK (length(responsible_body) <= 300),
    implementation_status TEXT NOT NULL
        CHECK (implementation_status IN ('planned', 'in_progress', 'implemented', 'discontinued')),
    status_note TEXT CHECK (length(status_note) <= 4000),
    status_date TEXT CHECK (status_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX measures_by_field ON measures (field_id, position, id);
CREATE INDEX measures_by_field_status ON measures (field_id, implementation_status, position, id);
