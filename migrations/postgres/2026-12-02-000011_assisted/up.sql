-- Assisted participation (issue 15): the role `facilitator`, and comments, proposals and
-- ballots a facilitator records on behalf of a person without an account (`assisted_by` names
-- the facilitator; `assisted_name` is the name or pseudonym the person chose;
-- `assisted_contact` an optional way to reach them, erased by the retention purge).
-- Languages of contributions.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('participant', 'facilitator', 'moderator', 'admin'));

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
