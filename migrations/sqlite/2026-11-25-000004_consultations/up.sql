-- Same tables and constraints as the PostgreSQL migration of the same name.
-- Consultations (Beteiligungsrunden): a time-boxed round over part of the catalogue, with a
-- commenting window, a voting window and rules everybody can read in advance. The phase is
-- derived from the clock and the windows, never stored.

CREATE TABLE consultations (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    description TEXT NOT NULL CHECK (length(description) <= 20000),
    whole_concept BOOLEAN NOT NULL,
    comment_opens_at TIMESTAMP,
    comment_closes_at TIMESTAMP,
    vote_opens_at TIMESTAMP,
    vote_closes_at TIMESTAMP,
    moderation TEXT NOT NULL CHECK (moderation IN ('pre', 'post')),
    points_budget INTEGER NOT NULL CHECK (points_budget BETWEEN 1 AND 1000),
    max_points_per_option INTEGER NOT NULL CHECK (max_points_per_option BETWEEN 1 AND 1000),
    option_kind TEXT NOT NULL CHECK (option_kind IN ('fields', 'measures', 'priority_goals')),
    results_visibility TEXT NOT NULL CHECK (results_visibility IN ('live', 'after_close')),
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((comment_opens_at IS NULL) = (comment_closes_at IS NULL)),
    CHECK ((vote_opens_at IS NULL) = (vote_closes_at IS NULL)),
    CHECK (comment_closes_at > comment_opens_at),
    CHECK (vote_closes_at > vote_opens_at),
    CHECK (max_points_per_option <= points_budget)
);

-- The part of the catalogue in scope when it is not the whole concept.
CREATE TABLE consultation_fields (
    consultation_id BIGINT NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    field_id BIGINT NOT NULL REFERENCES fields (id),
    PRIMARY KEY (consultation_id, field_id)
);
CREATE TABLE consultation_measures (
    consultation_id BIGINT NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    measure_id BIGINT NOT NULL REFERENCES measures (id),
    PRIMARY KEY (consultation_id, measure_id)
);

-- The ballot options: ids of items of the consultation's option_kind.
CREATE TABLE consultation_options (
    consultation_id BIGINT NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    item_id BIGINT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (consultation_id, item_id)
);
