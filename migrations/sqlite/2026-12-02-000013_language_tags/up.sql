-- Same tables and constraints as the PostgreSQL migration of the same name.
-- A person may choose any language (a BCP 47 tag such as 'tr' or 'en-gb', stored lower-case),
-- not only 'de' and 'en': mails are written in German or English, other choices read German.
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt as its documentation
-- describes (ALTER TABLE, "making other kinds of table schema changes"), with foreign keys off
-- for the rebuild; so this migration runs outside diesel's transaction (metadata.toml) and
-- opens its own.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE users_rebuilt (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE CHECK (length(email) BETWEEN 3 AND 254),
    password_hash TEXT NOT NULL,
    display_name TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 80),
    preferred_language TEXT NOT NULL DEFAULT 'de' CHECK (length(preferred_language) BETWEEN 2 AND 35 AND preferred_language = lower(preferred_language)),
    role TEXT NOT NULL DEFAULT 'participant' CHECK (role IN ('participant', 'facilitator', 'moderator', 'admin')),
    terms_version TEXT NOT NULL CHECK (length(terms_version) BETWEEN 1 AND 32),
    email_verified_at TIMESTAMP,
    blocked_at TIMESTAMP,
    deleted_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    privacy_version TEXT NOT NULL DEFAULT '' CHECK (length(privacy_version) <= 32)
);

INSERT INTO users_rebuilt (id, email, password_hash, display_name, preferred_language, role, terms_version, email_verified_at, blocked_at, deleted_at, created_at, updated_at, privacy_version)
    SELECT id, email, password_hash, display_name, preferred_language, role, terms_version, email_verified_at, blocked_at, deleted_at, created_at, updated_at, privacy_version FROM users;
DROP TABLE users;
ALTER TABLE users_rebuilt RENAME TO users;
COMMIT;
PRAGMA foreign_keys = ON;
