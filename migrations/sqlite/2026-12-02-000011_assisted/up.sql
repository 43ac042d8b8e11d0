-- Same tables and constraints as the PostgreSQL migration of the same name (issue 15).
-- Assisted participation: the role `facilitator`, and comments, proposals and ballots a
-- facilitator records on behalf of a person without an account (`assisted_by` names the
-- facilitator; `assisted_name` is the name or pseudonym the person chose; `assisted_contact`
-- an optional way to reach them, erased by the retention purge). Languages of contributions.
--
-- SQLite cannot change the CHECK of `users.role` in place: the table is rebuilt with foreign
-- keys off (SQLite's "twelve steps"), in a transaction of its own.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE users_new (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE CHECK (length(email) BETWEEN 3 AND 254),
    password_hash TEXT NOT NULL,
    display_name TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 80),
    preferred_language TEXT NOT NULL DEFAULT 'de' CHECK (preferred_language IN ('de', 'en')),
    role TEXT NOT NULL DEFAULT 'participant' CHECK (role IN ('participant', 'facilitator', 'moderator', 'admin')),
    terms_version TEXT NOT NULL CHECK (length(terms_version) BETWEEN 1 AND 32),
    email_verified_at TIMESTAMP,
    blocked_at TIMESTAMP,
    deleted_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    privacy_version TEXT NOT NULL DEFAULT '' CHECK (length(privacy_version) <= 32)
);
INSERT INTO users_new SELECT id, email, password_hash, display_name, preferred_language, role,
    terms_version, email_verified_at, blocked_at, deleted_at, created_at, updated_at,
    privacy_version FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

-- The declared language of a comment or proposal (BCP 47, `und` when undeclared).
ALTER TABLE contributions ADD COLUMN language TEXT NOT NULL DEFAULT 'und'
    CHECK (length(language) BETWEEN 1 AND 35);
ALTER TABLE contributions ADD COLUMN assisted_by BIGINT REFERENCES users (id);
ALTER TABLE contributions ADD COLUMN assisted_name TEXT
    CHECK (length(assisted_name) BETWEEN 1 AND 80);
ALTER TABLE contributions ADD COLUMN assisted_contact TEXT
    CHECK (length(assisted_contact) <= 200);
-- Per-facilitator counts and the moderators' filter.
CREATE INDEX contributions_assisted ON contributions (assisted_by, created_at) WHERE assisted_by IS NOT NULL;

-- An assisted ballot: `voter` is 'assisted:<random>' (many per facilitator), `cast_by` and
-- `assisted_by` the facilitator, `user_id` and `organisation_id` null. Its tallies count under
-- 'assisted:<group>' (see the ballots slice), so results show them inside their group.
ALTER TABLE ballots ADD COLUMN assisted_by BIGINT REFERENCES users (id);
ALTER TABLE ballots ADD COLUMN assisted_name TEXT
    CHECK (length(assisted_name) BETWEEN 1 AND 80);
ALTER TABLE ballots ADD COLUMN assisted_contact TEXT
    CHECK (length(assisted_contact) <= 200);
CREATE INDEX ballots_assisted ON ballots (assisted_by, cast_at) WHERE assisted_by IS NOT NULL;

COMMIT;
PRAGMA foreign_keys = ON;
