-- Same tables and constraints as the PostgreSQL migration of the same name.
-- Catalogue administration: retiring instead of deleting (history stays readable), a version
-- per item for optimistic concurrency, and the history of each measure's implementation status.

ALTER TABLE fields ADD COLUMN retired_at TIMESTAMP;
ALTER TABLE fields ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE measures ADD COLUMN retired_at TIMESTAMP;
ALTER TABLE measures ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE vision_statements ADD COLUMN retired_at TIMESTAMP;
ALTER TABLE vision_statements ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE priority_goals ADD COLUMN retired_at TIMESTAMP;
ALTER TABLE priority_goals ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- Stand der Umsetzung over time: every status a measure had, who recorded it and when.
CREATE TABLE measure_status_history (
    id INTEGER PRIMARY KEY,
    measure_id BIGINT NOT NULL REFERENCES measures (id) ON DELETE CASCADE,
    implementation_status TEXT NOT NULL
        CHECK (implementation_status IN ('planned', 'in_progress', 'implemented', 'discontinued')),
    status_note TEXT CHECK (length(status_note) <= 4000),
    status_date TEXT CHECK (status_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    -- NULL: recorded by an import of the catalogue file.
    recorded_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX measure_status_history_by_measure ON measure_status_history (measure_id, id);

INSERT INTO measure_status_history (measure_id, implementation_status, status_note, status_date, recorded_by, recorded_at)
SELECT id, implementation_status, status_note, status_date, NULL, updated_at FROM measures;
