-- Same tables and constraints as the PostgreSQL migration of the same name.
-- Data rights (issue 14): the history of consents, the records of erasures that a restored
-- backup must not undo, and the coordination of the retention purge between nodes.

-- The version of the privacy notice the account accepted last ('' = none yet: the next
-- sign-in asks for it). The terms' version is in users.terms_version since the accounts.
ALTER TABLE users ADD COLUMN privacy_version TEXT NOT NULL DEFAULT ''
    CHECK (length(privacy_version) <= 32);

-- Every acceptance of a document, in order; the export shows the history.
CREATE TABLE consents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    document TEXT NOT NULL CHECK (document IN ('terms', 'privacy')),
    version TEXT NOT NULL CHECK (length(version) BETWEEN 1 AND 32),
    accepted_at TIMESTAMP NOT NULL
);
CREATE INDEX consents_by_user ON consents (user_id, id);

-- What registration recorded so far: the terms' version, at the time of registration.
INSERT INTO consents (user_id, document, version, accepted_at)
    SELECT id, 'terms', terms_version, created_at FROM users WHERE deleted_at IS NULL;

-- One row per deleted account: a keyed hash (HMAC-SHA-256 with the installation's erasure
-- key) of the normalised address, the id of that key, and the time — pseudonymous, useless
-- without the key. After a backup is restored, `beteiligung erasures apply` erases again every
-- account these rows name.
CREATE TABLE erasures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    address_hash TEXT NOT NULL CHECK (length(address_hash) = 64),
    key_id TEXT NOT NULL CHECK (length(key_id) = 16),
    erased_at TIMESTAMP NOT NULL,
    -- The person asked for their texts to be removed too.
    texts_removed BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX erasures_by_hash ON erasures (address_hash);

-- Scheduled work shared by every node: the row is locked (SKIP LOCKED) by the node doing it,
-- and the time of the last run keeps the other nodes from doing it again.
CREATE TABLE maintenance_runs (
    job TEXT PRIMARY KEY CHECK (length(job) BETWEEN 1 AND 40),
    last_run_at TIMESTAMP,
    removed BIGINT NOT NULL DEFAULT 0
);
INSERT INTO maintenance_runs (job) VALUES ('retention');

CREATE INDEX one_time_tokens_by_expiry ON one_time_tokens (expires_at);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
CREATE INDEX outbox_emails_by_sent ON outbox_emails (sent_at);
