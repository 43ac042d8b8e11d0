-- Priority ballots: one per voter (a person, or an organisation through its representatives)
-- and consultation, with its allocations of points, and the tallies that results read.
--
-- `voter` is the one key a voter has ('person:<account id>' or 'organisation:<id>'), unique per
-- consultation, so that concurrent casts of one voter meet on one row. When a person's account
-- is deleted their ballot stays counted but unlinked: `voter` becomes 'unlinked:<pseudonym>'
-- and `user_id` null. `pseudonym` is random and is all the public export shows of a ballot.
-- `voter_group` is the participant group the ballot counts for (the organisation's kind when
-- cast for it, as it was at the cast).
--
-- `ballot_tallies` and `ballot_counts` are kept up to date in the transaction of each cast,
-- replacement and withdrawal, spread over 64 shards (a cast picks one at random) so that
-- concurrent voters rarely wait for each other's row locks; results add up the shards.

CREATE TABLE ballots (
    id INTEGER PRIMARY KEY,
    consultation_id BIGINT NOT NULL REFERENCES consultations (id),
    voter TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id),
    organisation_id BIGINT REFERENCES organisations (id),
    voter_group TEXT NOT NULL CHECK (voter_group IN ('citizen', 'migrant_organisation', 'welfare_provider', 'other_civil_society')),
    pseudonym TEXT NOT NULL,
    cast_by BIGINT REFERENCES users (id),
    version INTEGER NOT NULL,
    cast_at TIMESTAMP NOT NULL,
    -- One ballot per voter; also finds a person's ballots by their key ('person:<id>').
    UNIQUE (voter, consultation_id),
    -- The export, in pseudonym order; a pseudonym names one ballot of a vote.
    UNIQUE (consultation_id, pseudonym),
    CHECK (user_id IS NULL OR organisation_id IS NULL)
);
-- No other index: a replaced ballot gets a new pseudonym, so every replacement writes a new
-- entry into each index of the table (three: the key, the voter, the export's order). The
-- accounts in `user_id` and `cast_by` are never deleted (accounts are anonymised in place),
-- so their foreign keys need no index either.

CREATE TABLE ballot_allocations (
    ballot_id BIGINT NOT NULL REFERENCES ballots (id) ON DELETE CASCADE,
    option_id BIGINT NOT NULL,
    points INTEGER NOT NULL CHECK (points > 0),
    PRIMARY KEY (ballot_id, option_id)
);

CREATE TABLE ballot_tallies (
    consultation_id BIGINT NOT NULL REFERENCES consultations (id),
    voter_group TEXT NOT NULL,
    option_id BIGINT NOT NULL,
    shard INTEGER NOT NULL,
    points BIGINT NOT NULL,
    supporters BIGINT NOT NULL,
    PRIMARY KEY (consultation_id, voter_group, option_id, shard)
);

CREATE TABLE ballot_counts (
    consultation_id BIGINT NOT NULL REFERENCES consultations (id),
    voter_group TEXT NOT NULL,
    shard INTEGER NOT NULL,
    ballots BIGINT NOT NULL,
    PRIMARY KEY (consultation_id, voter_group, shard)
);
