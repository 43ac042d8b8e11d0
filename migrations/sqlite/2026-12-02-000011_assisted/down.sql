PRAGMA foreign_keys = OFF;
BEGIN;
DROP INDEX ballots_assisted;
ALTER TABLE ballots DROP COLUMN assisted_contact;
ALTER TABLE ballots DROP COLUMN assisted_name;
ALTER TABLE ballots DROP COLUMN assisted_by;
DROP INDEX contributions_assisted;
ALTER TABLE contributions DROP COLUMN assisted_contact;
ALTER TABLE contributions DROP COLUMN assisted_name;
ALTER TABLE contributions DROP COLUMN assisted_by;
ALTER TABLE contributions DROP COLUMN language;
CREATE TABLE users_old (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE CHECK (length(email) BETWEEN 3 AND 254),
    password_hash TEXT NOT NULL,
    display_name TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 80),
    preferred_language TEXT NOT NULL DEFAULT 'de' CHECK (preferred_language IN ('de', 'en')),
    role TEXT NOT NULL DEFAULT 'participant' CHECK (role IN ('participant', 'moderator', 'admin')),
    terms_version TEXT NOT NULL CHECK (length(terms_version) BETWEEN 1 AND 32),
    email_verified_at TIMESTAMP,
    blocked_at TIMESTAMP,
    deleted_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    privacy_version TEXT NOT NULL DEFAULT '' CHECK (length(privacy_version) <= 32)
);
INSERT INTO users_old SELECT id, email, password_hash, display_name, preferred_language,
    CASE role WHEN 'facilitator' THEN 'participant' ELSE role END,
    terms_version, email_verified_at, blocked_at, deleted_at, created_at, updated_at,
    privacy_version FROM users;
DROP TABLE users;
ALTER TABLE users_old RENAME TO users;
COMMIT;
PRAGMA foreign_keys = ON;
