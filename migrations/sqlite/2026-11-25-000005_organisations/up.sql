-- Same tables and constraints as the PostgreSQL migration of the same name (SQLite compares text byte-wise already).
-- Organisations (migrant organisations, welfare providers, other civil society), their
-- members, invitations and join requests.
--
-- `name` and `kind` are the organisation's identity as last verified (or as submitted, before
-- the first verification); a change of a verified identity waits in `proposed_name` /
-- `proposed_kind` until a moderator decides, so the verified data stays visible meanwhile.
-- `verified_at` is set once verified; such an organisation is listed in the public directory.
-- `name_key` is the name folded for sorting and comparing (lower case, umlauts folded,
-- spaces collapsed), computed by the application and compared byte-wise on both backends.

CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 2 AND 160),
    name_key TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('migrant_organisation', 'welfare_provider', 'other_civil_society')),
    proposed_name TEXT CHECK (length(proposed_name) BETWEEN 2 AND 160),
    proposed_kind TEXT CHECK (proposed_kind IN ('migrant_organisation', 'welfare_provider', 'other_civil_society')),
    description TEXT NOT NULL CHECK (length(description) <= 4000),
    website TEXT CHECK (length(website) <= 300),
    contact_email TEXT NOT NULL CHECK (length(contact_email) BETWEEN 3 AND 254),
    registry_number TEXT CHECK (length(registry_number) <= 64),
    status TEXT NOT NULL CHECK (status IN ('pending', 'verified', 'rejected')),
    verified_at TIMESTAMP,
    decision TEXT CHECK (decision IN ('verified', 'rejected')),
    decision_reason TEXT CHECK (length(decision_reason) <= 2000),
    decided_at TIMESTAMP,
    registered_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((proposed_name IS NULL AND proposed_kind IS NULL) OR verified_at IS NOT NULL)
);
-- The moderation queue, oldest first.
CREATE INDEX organisations_by_status ON organisations (status, id);
-- The public directory, alphabetical; no two listed organisations share a name.
CREATE UNIQUE INDEX organisations_listed_names ON organisations (name_key) WHERE verified_at IS NOT NULL;
CREATE INDEX organisations_listed_by_kind ON organisations (kind, name_key) WHERE verified_at IS NOT NULL;
CREATE INDEX organisations_by_registrant ON organisations (registered_by);

CREATE TABLE organisation_members (
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('representative', 'member')),
    joined_at TIMESTAMP NOT NULL,
    PRIMARY KEY (organisation_id, user_id)
);
CREATE INDEX organisation_members_by_user ON organisation_members (user_id, organisation_id);

-- Single-use invitations by e-mail; the token only as its SHA-256 hash.
CREATE TABLE organisation_invitations (
    id INTEGER PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    email TEXT NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    role TEXT NOT NULL CHECK (role IN ('representative', 'member')),
    token_hash TEXT NOT NULL UNIQUE,
    invited_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP,
    outcome TEXT CHECK (outcome IN ('accepted', 'revoked', 'replaced')),
    accepted_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    CHECK ((closed_at IS NULL) = (outcome IS NULL))
);
CREATE INDEX organisation_invitations_open ON organisation_invitations (organisation_id, id) WHERE closed_at IS NULL;

CREATE TABLE organisation_join_requests (
    id INTEGER PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    message TEXT CHECK (length(message) <= 1000),
    status TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'declined', 'withdrawn')),
    created_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP,
    decided_by BIGINT REFERENCES users (id) ON DELETE SET NULL
);
-- At most one open request per person and organisation.
CREATE UNIQUE INDEX organisation_join_requests_one_open ON organisation_join_requests (organisation_id, user_id) WHERE status = 'open';
CREATE INDEX organisation_join_requests_by_user ON organisation_join_requests (user_id);
