-- Same tables and constraints as the PostgreSQL migration of the same name.
-- Contributions: comments (on a field of action, a measure or a proposal, threaded by
-- `parent_id` to depth 3) and proposals of new measures (on a field of action), with their
-- moderation state, supports, flags, earlier texts and the public record of moderation.
--
-- `state` is where moderation stands: `pending` (pre-moderation, seen by author and staff),
-- `visible`, `hidden` (by flags or by a moderator; shown as a placeholder), `rejected` (never
-- public). `deleted_at` marks an author's deletion: the text is gone, the row keeps the thread.
-- `support_count` and `reply_count` are kept up to date on write, so a page never counts.

CREATE TABLE contributions (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('comment', 'proposal')),
    consultation_id BIGINT NOT NULL REFERENCES consultations (id),
    target_type TEXT NOT NULL CHECK (target_type IN ('field', 'measure', 'proposal')),
    target_id BIGINT NOT NULL,
    parent_id BIGINT REFERENCES contributions (id),
    depth INTEGER NOT NULL CHECK (depth BETWEEN 0 AND 3),
    author_id BIGINT NOT NULL REFERENCES users (id),
    organisation_id BIGINT REFERENCES organisations (id),
    author_group TEXT NOT NULL CHECK (author_group IN ('citizen', 'migrant_organisation', 'welfare_provider', 'other_civil_society')),
    title TEXT CHECK (length(title) <= 300),
    body TEXT NOT NULL CHECK (length(body) <= 10000),
    rationale TEXT CHECK (length(rationale) <= 10000),
    state TEXT NOT NULL CHECK (state IN ('pending', 'visible', 'hidden', 'rejected')),
    hidden_by_flags BOOLEAN NOT NULL DEFAULT FALSE,
    open_flags INTEGER NOT NULL DEFAULT 0,
    support_count INTEGER NOT NULL DEFAULT 0,
    reply_count INTEGER NOT NULL DEFAULT 0,
    answer TEXT CHECK (answer IN ('under_review', 'accepted', 'rejected')),
    answer_explanation TEXT CHECK (length(answer_explanation) <= 10000),
    answer_measure_id BIGINT REFERENCES measures (id),
    answer_consultation_id BIGINT REFERENCES consultations (id),
    answered_at TIMESTAMP,
    edited_at TIMESTAMP,
    deleted_at TIMESTAMP,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((kind = 'proposal') = (title IS NOT NULL)),
    CHECK (kind = 'comment' OR (parent_id IS NULL AND target_type = 'field')),
    CHECK ((parent_id IS NULL) = (depth = 0))
);
-- A consultation's top-level comments and proposals, per target, in each order.
CREATE INDEX contributions_top_level ON contributions (consultation_id, kind, target_type, target_id, id) WHERE parent_id IS NULL;
CREATE INDEX contributions_top_level_supported ON contributions (consultation_id, kind, target_type, target_id, support_count, id) WHERE parent_id IS NULL;
CREATE INDEX contributions_replies ON contributions (parent_id, id) WHERE parent_id IS NOT NULL;
CREATE INDEX contributions_by_author ON contributions (author_id);
-- The moderation queue: pending and flagged items, oldest first.
CREATE INDEX contributions_pending ON contributions (id) WHERE state = 'pending';
CREATE INDEX contributions_flagged ON contributions (id) WHERE open_flags > 0;

-- Earlier texts of an edited contribution, for moderators.
CREATE TABLE contribution_revisions (
    id INTEGER PRIMARY KEY,
    contribution_id BIGINT NOT NULL REFERENCES contributions (id) ON DELETE CASCADE,
    title TEXT,
    body TEXT NOT NULL,
    rationale TEXT,
    written_at TIMESTAMP NOT NULL,
    replaced_at TIMESTAMP NOT NULL
);
CREATE INDEX contribution_revisions_by_contribution ON contribution_revisions (contribution_id, id);

-- Who supports what (once each); removed when withdrawn.
CREATE TABLE contribution_supports (
    contribution_id BIGINT NOT NULL REFERENCES contributions (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (contribution_id, user_id)
);
CREATE INDEX contribution_supports_by_user ON contribution_supports (user_id);

-- Every change of a support count with its time and no person: the counts as they were at
-- any moment, so "most supported" pages stay stable while supports change.
CREATE TABLE support_events (
    id INTEGER PRIMARY KEY,
    contribution_id BIGINT NOT NULL REFERENCES contributions (id) ON DELETE CASCADE,
    at TIMESTAMP NOT NULL,
    delta INTEGER NOT NULL CHECK (delta IN (-1, 1))
);
CREATE INDEX support_events_by_time ON support_events (at, contribution_id);

-- Flags by participants, one per person and item; resolved by the next moderation decision.
CREATE TABLE contribution_flags (
    id INTEGER PRIMARY KEY,
    contribution_id BIGINT NOT NULL REFERENCES contributions (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users (id),
    reason TEXT NOT NULL CHECK (reason IN ('spam', 'insult', 'discrimination_or_racism', 'personal_data', 'off_topic', 'other')),
    note TEXT CHECK (length(note) <= 1000),
    created_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP,
    UNIQUE (contribution_id, user_id)
);

-- Every moderation decision. The public transparency log shows item kind, consultation,
-- decision, reason, whether it followed automatic hiding and the date — never the
-- moderator, the note, the author or the item.
CREATE TABLE moderation_decisions (
    id INTEGER PRIMARY KEY,
    contribution_id BIGINT NOT NULL REFERENCES contributions (id),
    item_kind TEXT NOT NULL CHECK (item_kind IN ('comment', 'proposal')),
    consultation_id BIGINT NOT NULL REFERENCES consultations (id),
    decision TEXT NOT NULL CHECK (decision IN ('approve', 'reject', 'hide', 'restore')),
    reason TEXT CHECK (reason IN ('spam', 'insult', 'discrimination_or_racism', 'personal_data', 'off_topic', 'other')),
    note TEXT CHECK (length(note) <= 2000),
    after_automatic_hiding BOOLEAN NOT NULL,
    moderator_id BIGINT REFERENCES users (id),
    decided_at TIMESTAMP NOT NULL
);
CREATE INDEX moderation_decisions_by_time ON moderation_decisions (decided_at, id);
