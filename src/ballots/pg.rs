//! The two statements of a cast on PostgreSQL, written out as query fragments of their own.
//!
//! Diesel prepares an upsert (`ON CONFLICT … DO UPDATE`) and raw SQL anew for every execution:
//! it cannot know that their text never varies. These two never do (the allocations travel as
//! arrays), so each connection prepares them once and PostgreSQL soon plans them once; parsing
//! and planning were a third of the database's work per cast before. SQLite, which prepares
//! in-process, keeps the query builder's statements ([`super::store`]).

use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Integer, Nullable, Text, Timestamp};

/// The end of an insert into the tallies: rows that exist get the deltas added. It returns a
/// row per tally row written, for the counts to wait for (see [`Move`]).
const TALLIES_ADD: &str = "ON CONFLICT (consultation_id, voter_group, option_id, shard) DO UPDATE \
     SET points = ballot_tallies.points + excluded.points, \
     supporters = ballot_tallies.supporters + excluded.supporters RETURNING 1";

/// The end of an insert into the ballot counts: rows that exist get the deltas added.
const COUNTS_ADD: &str = "ON CONFLICT (consultation_id, voter_group, shard) DO UPDATE \
     SET ballots = ballot_counts.ballots + excluded.ballots";

/// Inserts the voter's ballot as version 1, or (replacing) moves it on one version with a new
/// pseudonym, caster and time, and locks its row either way; returns it. The group stays as it
/// was until the old ballot is out of the tallies.
pub struct Upsert<'a> {
    pub consultation_id: i64,
    pub voter: &'a str,
    pub user_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub group: &'a str,
    pub pseudonym: &'a str,
    pub cast_by: i64,
    pub cast_at: NaiveDateTime,
}

impl QueryId for Upsert<'_> {
    type QueryId = Upsert<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for Upsert<'_> {
    // The columns of `Row`, in its order.
    type SqlType = (
        BigInt,
        BigInt,
        Text,
        Nullable<BigInt>,
        Nullable<BigInt>,
        Text,
        Text,
        Nullable<BigInt>,
        Integer,
        Timestamp,
    );
}

impl QueryFragment<Pg> for Upsert<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "INSERT INTO ballots (consultation_id, voter, user_id, organisation_id, voter_group, \
             pseudonym, cast_by, version, cast_at) VALUES (",
        );
        out.push_bind_param::<BigInt, _>(&self.consultation_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(self.voter)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<BigInt>, _>(&self.user_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<BigInt>, _>(&self.organisation_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(self.group)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(self.pseudonym)?;
        out.push_sql(", ");
        out.push_bind_param::<BigInt, _>(&self.cast_by)?;
        out.push_sql(", 1, ");
        out.push_bind_param::<Timestamp, _>(&self.cast_at)?;
        // A replaced ballot gets a new pseudonym: exports from before and after a change cannot
        // be lined up to follow one voter.
        out.push_sql(
            ") ON CONFLICT (voter, consultation_id) DO UPDATE SET version = ballots.version + 1, \
             pseudonym = excluded.pseudonym, cast_by = excluded.cast_by, cast_at = excluded.cast_at \
             RETURNING id, consultation_id, voter, user_id, organisation_id, voter_group, \
             pseudonym, cast_by, version, cast_at",
        );
        Ok(())
    }
}

impl RunQueryDsl<PgConnection> for Upsert<'_> {}

/// Replaces the allocations of the ballot `row` (just inserted or locked by [`Upsert`]) and
/// moves the tallies and ballot counts of one shard by the difference, in one statement.
///
/// Its parts share one snapshot, taken after the upsert locked the ballot's row, so the
/// allocations it deletes are those of the last committed cast. The insert waits for the
/// delete (its condition counts the deleted rows), as the same keys may come back. Every change
/// of ballots locks rows in one order — the ballot, its allocations, the tally rows in key
/// order, then the count rows — so that no two wait for each other in a circle: the count rows
/// wait for the tallies (their condition counts the tally rows written), as PostgreSQL runs
/// the parts of a statement that nothing reads in an order of its own. `tests/api/ballots.rs`
/// checks both ways against a recount.
pub struct Move<'a> {
    pub ballot_id: i64,
    pub options: Vec<i64>,
    pub points: Vec<i32>,
    pub old_group: &'a str,
    pub new_group: &'a str,
    pub consultation_id: i64,
    pub shard: i32,
    /// Ballots to add per group (−1 for the old group when replacing, +1 for the new one).
    pub count_groups: Vec<&'a str>,
    pub count_deltas: Vec<i64>,
}

impl QueryId for Move<'_> {
    type QueryId = Move<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl QueryFragment<Pg> for Move<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("WITH old AS (DELETE FROM ballot_allocations WHERE ballot_id = ");
        out.push_bind_param::<BigInt, _>(&self.ballot_id)?;
        out.push_sql(
            " RETURNING option_id, points), new AS (INSERT INTO ballot_allocations \
             (ballot_id, option_id, points) SELECT ",
        );
        out.push_bind_param::<BigInt, _>(&self.ballot_id)?;
        out.push_sql(", n.option_id, n.points FROM unnest(");
        out.push_bind_param::<Array<BigInt>, _>(&self.options)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Integer>, _>(&self.points)?;
        out.push_sql(
            ") AS n (option_id, points) WHERE (SELECT count(*) FROM old) >= 0 \
             RETURNING option_id, points), moved AS (SELECT ",
        );
        out.push_bind_param::<Text, _>(self.old_group)?;
        out.push_sql(
            "::text AS voter_group, option_id, -points::bigint AS points, -1::bigint AS supporters \
             FROM old UNION ALL SELECT ",
        );
        out.push_bind_param::<Text, _>(self.new_group)?;
        out.push_sql(
            "::text, option_id, points::bigint, 1::bigint FROM new), tallied AS (INSERT INTO \
             ballot_tallies (consultation_id, voter_group, option_id, shard, points, supporters) \
             SELECT ",
        );
        out.push_bind_param::<BigInt, _>(&self.consultation_id)?;
        out.push_sql(", voter_group, option_id, ");
        out.push_bind_param::<Integer, _>(&self.shard)?;
        out.push_sql(
            ", sum(points), sum(supporters) FROM moved GROUP BY voter_group, option_id \
             HAVING sum(points) <> 0 OR sum(supporters) <> 0 ORDER BY voter_group, option_id ",
        );
        out.push_sql(TALLIES_ADD);
        out.push_sql(
            ") INSERT INTO ballot_counts (consultation_id, voter_group, shard, ballots) SELECT ",
        );
        out.push_bind_param::<BigInt, _>(&self.consultation_id)?;
        out.push_sql(", c.voter_group, ");
        out.push_bind_param::<Integer, _>(&self.shard)?;
        out.push_sql(", c.ballots FROM unnest(");
        out.push_bind_param::<Array<Text>, _>(&self.count_groups)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<BigInt>, _>(&self.count_deltas)?;
        out.push_sql(
            ") AS c (voter_group, ballots) WHERE c.ballots <> 0 \
             AND (SELECT count(*) FROM tallied) >= 0 ORDER BY c.voter_group ",
        );
        out.push_sql(COUNTS_ADD);
        Ok(())
    }
}

impl RunQueryDsl<PgConnection> for Move<'_> {}

/// A person's own ballot cast or replaced in one statement, which commits by itself: the
/// upsert of [`Upsert`] and the moves of [`Move`] as parts of one statement, for a citizen's
/// ballot (a person's group never changes).
///
/// Its parts share the snapshot taken when the statement began, but the upsert waits for and
/// updates the latest committed row. Where a cast of the same person committed in between,
/// the allocations the snapshot shows are no longer the ballot's: the statement compares the
/// row it updated with the one the snapshot shows (same id, one version on) and divides by
/// zero when they differ, so that nothing of it stays. The caller then casts in a transaction.
pub struct Alone<'a> {
    /// The ballot's upsert, of a person (no organisation; cast by the person).
    pub upsert: Upsert<'a>,
    pub options: Vec<i64>,
    pub points: Vec<i32>,
    pub shard: i32,
}

impl QueryId for Alone<'_> {
    type QueryId = Alone<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for Alone<'_> {
    type SqlType = <Upsert<'static> as Query>::SqlType;
}

impl QueryFragment<Pg> for Alone<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let ballot = &self.upsert;
        out.push_sql("WITH b AS (");
        ballot.walk_ast(out.reborrow())?;
        out.push_sql("), seen AS (SELECT id, version FROM ballots WHERE voter = ");
        out.push_bind_param::<Text, _>(ballot.voter)?;
        out.push_sql(" AND consultation_id = ");
        out.push_bind_param::<BigInt, _>(&ballot.consultation_id)?;
        out.push_sql(
            "), old AS (DELETE FROM ballot_allocations WHERE ballot_id = (SELECT id FROM b) \
             RETURNING option_id, points), \
             new AS (INSERT INTO ballot_allocations (ballot_id, option_id, points) \
             SELECT (SELECT id FROM b), n.option_id, n.points FROM unnest(",
        );
        out.push_bind_param::<Array<BigInt>, _>(&self.options)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Integer>, _>(&self.points)?;
        out.push_sql(
            ") AS n (option_id, points) WHERE (SELECT count(*) FROM old) >= 0 \
             RETURNING option_id, points), \
             moved AS (SELECT option_id, -points::bigint AS points, -1::bigint AS supporters \
             FROM old UNION ALL SELECT option_id, points::bigint, 1::bigint FROM new), \
             tallied AS (INSERT INTO ballot_tallies (consultation_id, voter_group, option_id, \
             shard, points, supporters) SELECT ",
        );
        out.push_bind_param::<BigInt, _>(&ballot.consultation_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(ballot.group)?;
        out.push_sql(", option_id, ");
        out.push_bind_param::<Integer, _>(&self.shard)?;
        out.push_sql(
            ", sum(points), sum(supporters) FROM moved GROUP BY option_id \
             HAVING sum(points) <> 0 OR sum(supporters) <> 0 ORDER BY option_id ",
        );
        out.push_sql(TALLIES_ADD);
        out.push_sql(
            "), counted AS (INSERT INTO ballot_counts (consultation_id, voter_group, shard, \
             ballots) SELECT ",
        );
        out.push_bind_param::<BigInt, _>(&ballot.consultation_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(ballot.group)?;
        out.push_sql(", ");
        out.push_bind_param::<Integer, _>(&self.shard)?;
        out.push_sql(", 1 FROM b WHERE b.version = 1 AND (SELECT count(*) FROM tallied) >= 0 ");
        out.push_sql(COUNTS_ADD);
        out.push_sql(
            ") SELECT b.id, b.consultation_id, b.voter, b.user_id, b.organisation_id, b.voter_group, \
             b.pseudonym, b.cast_by, b.version, b.cast_at FROM b LEFT JOIN seen ON true \
             WHERE 1 / CASE WHEN (seen.id IS NULL AND b.version = 1) \
             OR (seen.id = b.id AND seen.version = b.version - 1) THEN 1 ELSE 0 END = 1",
        );
        Ok(())
    }
}

impl RunQueryDsl<PgConnection> for Alone<'_> {}
