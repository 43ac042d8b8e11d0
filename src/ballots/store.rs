//! Ballots in the database: one row per voter and consultation, its allocations, and tallies
//! kept up to date in the same transaction as every change.

use super::model::Group;
use crate::db::schema::{ballot_allocations, ballot_counts, ballot_tallies, ballots};
use crate::db::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::BTreeMap;

/// How many rows each tally is spread over (see the migration).
pub const SHARDS: i32 = 64;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ballots)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Row {
    pub id: i64,
    pub consultation_id: i64,
    pub voter: String,
    pub user_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub voter_group: String,
    pub pseudonym: String,
    pub cast_by: Option<i64>,
    pub version: i32,
    pub cast_at: NaiveDateTime,
}

impl Row {
    pub fn group(&self) -> Group {
        Group::from_stored(&self.voter_group).unwrap_or(Group::Citizen)
    }
}

/// Who a ballot is of: a person or an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Voter {
    Person(i64),
    Organisation(i64),
}

impl Voter {
    /// The one key of the voter, unique per consultation.
    pub fn key(self) -> String {
        match self {
            Self::Person(id) => format!("person:{id}"),
            Self::Organisation(id) => format!("organisation:{id}"),
        }
    }
}

/// Points given to an option: (option, points).
pub type Points = (i64, i32);

/// A new or replacing ballot.
pub struct Cast<'a> {
    pub consultation_id: i64,
    pub voter: Voter,
    pub group: Group,
    pub cast_by: i64,
    /// Options with more than 0 points, at most once each.
    pub allocations: &'a [(i64, i32)],
}

/// The voter's ballot with its allocations (option, points), if there is one.
pub fn find(
    conn: &mut DbConnection,
    consultation_id: i64,
    voter: Voter,
) -> QueryResult<Option<(Row, Vec<Points>)>> {
    let row: Option<Row> = ballots::table
        .filter(ballots::consultation_id.eq(consultation_id))
        .filter(ballots::voter.eq(voter.key()))
        .select(Row::as_select())
        .first(conn)
        .optional()?;
    match row {
        None => Ok(None),
        Some(row) => {
            let allocations = allocations(conn, row.id)?;
            Ok(Some((row, allocations)))
        }
    }
}

fn allocations(conn: &mut DbConnection, ballot: i64) -> QueryResult<Vec<(i64, i32)>> {
    ballot_allocations::table
        .filter(ballot_allocations::ballot_id.eq(ballot))
        .select((ballot_allocations::option_id, ballot_allocations::points))
        .order(ballot_allocations::option_id)
        .load(conn)
}

/// Changes of tallies a change of ballots makes, per (group, option) and per group.
#[derive(Default)]
struct Deltas {
    options: BTreeMap<(String, i64), (i64, i64)>,
    ballots: BTreeMap<String, i64>,
}

impl Deltas {
    fn ballot(&mut self, group: &str, allocations: &[(i64, i32)], sign: i64) {
        *self.ballots.entry(group.to_owned()).or_default() += sign;
        for &(option, points) in allocations {
            let entry = self.options.entry((group.to_owned(), option)).or_default();
            entry.0 += sign * i64::from(points);
            entry.1 += sign;
        }
    }

    /// Adds the deltas to one shard, in key order, the tallies before the counts (every change
    /// of ballots locks rows in this order, also PostgreSQL's one-statement casts, so concurrent
    /// ones never wait for each other in a circle): one statement for the options, one for the
    /// ballot counts.
    fn apply(self, conn: &mut DbConnection, consultation_id: i64) -> QueryResult<()> {
        use diesel::upsert::excluded;
        let shard = random_shard();
        let options: Vec<_> = self
            .options
            .iter()
            .filter(|(_, (points, supporters))| *points != 0 || *supporters != 0)
            .map(|((group, option), (points, supporters))| {
                (
                    ballot_tallies::consultation_id.eq(consultation_id),
                    ballot_tallies::voter_group.eq(group.as_str()),
                    ballot_tallies::option_id.eq(*option),
                    ballot_tallies::shard.eq(shard),
                    ballot_tallies::points.eq(*points),
                    ballot_tallies::supporters.eq(*supporters),
                )
            })
            .collect();
        if !options.is_empty() {
            crate::db_run!(conn, |c| {
                diesel::insert_into(ballot_tallies::table)
                    .values(&options)
                    .on_conflict((
                        ballot_tallies::consultation_id,
                        ballot_tallies::voter_group,
                        ballot_tallies::option_id,
                        ballot_tallies::shard,
                    ))
                    .do_update()
                    .set((
                        ballot_tallies::points
                            .eq(ballot_tallies::points + excluded(ballot_tallies::points)),
                        ballot_tallies::supporters
                            .eq(ballot_tallies::supporters + excluded(ballot_tallies::supporters)),
                    ))
                    .execute(c)
            })?;
        }
        let counts: Vec<_> = self
            .ballots
            .iter()
            .filter(|(_, n)| **n != 0)
            .map(|(group, n)| {
                (
                    ballot_counts::consultation_id.eq(consultation_id),
                    ballot_counts::voter_group.eq(group.as_str()),
                    ballot_counts::shard.eq(shard),
                    ballot_counts::ballots.eq(*n),
                )
            })
            .collect();
        if !counts.is_empty() {
            crate::db_run!(conn, |c| {
                diesel::insert_into(ballot_counts::table)
                    .values(&counts)
                    .on_conflict((
                        ballot_counts::consultation_id,
                        ballot_counts::voter_group,
                        ballot_counts::shard,
                    ))
                    .do_update()
                    .set(
                        ballot_counts::ballots
                            .eq(ballot_counts::ballots + excluded(ballot_counts::ballots)),
                    )
                    .execute(c)
            })?;
        }
        Ok(())
    }
}

fn random_shard() -> i32 {
    let mut byte = [0u8; 1];
    getrandom::fill(&mut byte).expect("the operating system provides randomness");
    i32::from(byte[0]) % SHARDS
}

/// A random pseudonym for a ballot: all the public export shows of it.
fn pseudonym() -> String {
    crate::auth::tokens::random_secret()[..22].to_owned()
}

/// Casts or replaces the voter's ballot, and moves the tallies by the difference; call inside
/// a write transaction. Concurrent casts of one voter meet on the ballot's row: the first
/// statement inserts it or locks it (PostgreSQL), so they run one after the other and the last
/// one to commit is the ballot.
pub fn cast(conn: &mut DbConnection, now: NaiveDateTime, new: &Cast) -> QueryResult<Row> {
    use diesel::upsert::excluded;
    let key = new.voter.key();
    let (user_id, organisation_id) = match new.voter {
        Voter::Person(id) => (Some(id), None),
        Voter::Organisation(id) => (None, Some(id)),
    };
    let pseudonym = pseudonym();
    let row: Row = match conn {
        // Two statements, each prepared once per connection (see `pg`).
        DbConnection::Postgresql(pg) => {
            let row: Row = super::pg::Upsert {
                consultation_id: new.consultation_id,
                voter: &key,
                user_id,
                organisation_id,
                group: new.group.as_str(),
                pseudonym: &pseudonym,
                cast_by: new.cast_by,
                cast_at: now,
            }
            .get_result(pg)?;
            replace_allocations_pg(pg, &row, new)?;
            row
        }
        DbConnection::Sqlite(sqlite) => {
            // Inserted as version 1, or (replacing) moved on one version with a new pseudonym,
            // caster and time; the group stays as it was until the old ballot is out of the
            // tallies. A replaced ballot gets a new pseudonym: exports from before and after a
            // change cannot be lined up to follow one voter.
            let row: Row = diesel::insert_into(ballots::table)
                .values((
                    ballots::consultation_id.eq(new.consultation_id),
                    ballots::voter.eq(&key),
                    ballots::user_id.eq(user_id),
                    ballots::organisation_id.eq(organisation_id),
                    ballots::voter_group.eq(new.group.as_str()),
                    ballots::pseudonym.eq(&pseudonym),
                    ballots::cast_by.eq(new.cast_by),
                    ballots::version.eq(1),
                    ballots::cast_at.eq(now),
                ))
                .on_conflict((ballots::voter, ballots::consultation_id))
                .do_update()
                .set((
                    ballots::version.eq(ballots::version + 1),
                    ballots::pseudonym.eq(excluded(ballots::pseudonym)),
                    ballots::cast_by.eq(excluded(ballots::cast_by)),
                    ballots::cast_at.eq(excluded(ballots::cast_at)),
                ))
                .returning(Row::as_returning())
                .get_result(sqlite)?;
            replace_allocations(conn, &row, new)?;
            row
        }
    };
    let mut row = row;
    if row.voter_group != new.group.as_str() {
        // The organisation's kind changed since its last cast.
        diesel::update(ballots::table.find(row.id))
            .set(ballots::voter_group.eq(new.group.as_str()))
            .execute(conn)?;
        row.voter_group = new.group.as_str().to_owned();
    }
    Ok(row)
}

/// A person's own ballot, for [`cast_alone`].
pub struct CastAlone<'a> {
    pub consultation_id: i64,
    pub user_id: i64,
    /// Options with more than 0 points, at most once each.
    pub allocations: &'a [(i64, i32)],
}

/// Casts or replaces a person's own ballot in one statement that commits by itself
/// ([`super::pg::Alone`]); `None` when it met a concurrent change of the same ballot, or
/// failed otherwise, and changed nothing: the caller then casts in a transaction ([`cast`]),
/// which also names any real error.
pub fn cast_alone(
    conn: &mut diesel::PgConnection,
    now: NaiveDateTime,
    new: &CastAlone,
) -> QueryResult<Option<Row>> {
    let (options, points): (Vec<i64>, Vec<i32>) = new.allocations.iter().copied().unzip();
    let statement = super::pg::Alone {
        upsert: super::pg::Upsert {
            consultation_id: new.consultation_id,
            voter: &Voter::Person(new.user_id).key(),
            user_id: Some(new.user_id),
            organisation_id: None,
            group: Group::Citizen.as_str(),
            pseudonym: &pseudonym(),
            cast_by: new.user_id,
            cast_at: now,
        },
        options,
        points,
        shard: random_shard(),
    };
    use diesel::result::{DatabaseErrorKind as Kind, Error};
    match statement.get_result::<Row>(conn) {
        Ok(row) => Ok(Some(row)),
        // What a concurrent cast of the same person causes: the statement's own check (a
        // division by zero), a key taken meanwhile, a deadlock or lock timeout.
        Err(Error::DatabaseError(Kind::UniqueViolation | Kind::SerializationFailure, _)) => {
            Ok(None)
        }
        Err(Error::DatabaseError(Kind::Unknown, info))
            if [
                "division by zero",
                "deadlock detected",
                "canceling statement",
            ]
            .iter()
            .any(|m| info.message().starts_with(m)) =>
        {
            Ok(None)
        }
        // Anything else should not happen: said in the log (kind and table, no values), and
        // the transactional way names the error if it is real.
        Err(Error::DatabaseError(kind, info)) => {
            tracing::warn!(
                ?kind,
                table = info.table_name().unwrap_or("?"),
                constraint = info.constraint_name().unwrap_or("?"),
                "the one-statement cast failed unexpectedly; casting in a transaction"
            );
            Ok(None)
        }
        Err(other) => Err(other),
    }
}

/// Replaces the allocations of the ballot `row` (just inserted or locked) with the new ones and
/// moves the tallies by the difference, one statement at a time.
fn replace_allocations(conn: &mut DbConnection, row: &Row, new: &Cast) -> QueryResult<()> {
    let mut deltas = Deltas::default();
    if row.version > 1 {
        // Replacing: take the old ballot out of the tallies.
        let old: Vec<Points> = crate::db_run!(conn, |c| diesel::delete(
            ballot_allocations::table.filter(ballot_allocations::ballot_id.eq(row.id))
        )
        .returning((ballot_allocations::option_id, ballot_allocations::points))
        .get_results(c))?;
        deltas.ballot(&row.voter_group, &old, -1);
    }
    deltas.ballot(new.group.as_str(), new.allocations, 1);
    if !new.allocations.is_empty() {
        let rows: Vec<_> = new
            .allocations
            .iter()
            .map(|&(option, points)| {
                (
                    ballot_allocations::ballot_id.eq(row.id),
                    ballot_allocations::option_id.eq(option),
                    ballot_allocations::points.eq(points),
                )
            })
            .collect();
        crate::db_run!(conn, |c| diesel::insert_into(ballot_allocations::table)
            .values(&rows)
            .execute(c))?;
    }
    deltas.apply(conn, new.consultation_id)
}

/// What [`replace_allocations`] does, in one statement on PostgreSQL ([`super::pg::Move`]).
fn replace_allocations_pg(
    conn: &mut diesel::PgConnection,
    row: &Row,
    new: &Cast,
) -> QueryResult<()> {
    let (options, points): (Vec<i64>, Vec<i32>) = new.allocations.iter().copied().unzip();
    // The ballot counts: one more in the new group, one fewer in the old one when replacing.
    let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
    *counts.entry(new.group.as_str()).or_default() += 1;
    if row.version > 1 {
        *counts.entry(row.voter_group.as_str()).or_default() -= 1;
    }
    let (count_groups, count_deltas): (Vec<&str>, Vec<i64>) = counts.into_iter().unzip();
    super::pg::Move {
        ballot_id: row.id,
        options,
        points,
        old_group: &row.voter_group,
        new_group: new.group.as_str(),
        consultation_id: new.consultation_id,
        shard: random_shard(),
        count_groups,
        count_deltas,
    }
    .execute(conn)
    .map(drop)
}

/// The key under which the tallies count assisted ballots of `group`: inside the group for the
/// results, and apart from the others (see the migration `assisted`).
pub fn assisted_group(group: Group) -> String {
    format!("{ASSISTED_PREFIX}{}", group.as_str())
}

/// The start of the tally group and of the voter key of an assisted ballot.
pub const ASSISTED_PREFIX: &str = "assisted:";

/// An assisted ballot to record.
pub struct AssistedCast<'a> {
    pub consultation_id: i64,
    pub group: Group,
    pub facilitator: i64,
    pub name: &'a str,
    pub contact: Option<&'a str>,
    /// Options with more than 0 points, at most once each.
    pub allocations: &'a [(i64, i32)],
}

/// Records a new assisted ballot (every one is a ballot of its own: a facilitator records
/// many) with its allocations, and counts it under [`assisted_group`]; call inside a write
/// transaction. Answers its id.
pub fn cast_assisted(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    new: &AssistedCast,
) -> QueryResult<i64> {
    let pseudonym = pseudonym();
    let values = (
        ballots::consultation_id.eq(new.consultation_id),
        ballots::voter.eq(format!("{ASSISTED_PREFIX}{pseudonym}")),
        ballots::voter_group.eq(new.group.as_str()),
        ballots::pseudonym.eq(&pseudonym),
        ballots::cast_by.eq(Some(new.facilitator)),
        ballots::version.eq(1),
        ballots::cast_at.eq(now),
        ballots::assisted_by.eq(Some(new.facilitator)),
        ballots::assisted_name.eq(Some(new.name)),
        ballots::assisted_contact.eq(new.contact),
    );
    let id: i64 = crate::db_run!(conn, |c| diesel::insert_into(ballots::table)
        .values(values)
        .returning(ballots::id)
        .get_result(c))?;
    let rows: Vec<_> = new
        .allocations
        .iter()
        .map(|&(option, points)| {
            (
                ballot_allocations::ballot_id.eq(id),
                ballot_allocations::option_id.eq(option),
                ballot_allocations::points.eq(points),
            )
        })
        .collect();
    crate::db_run!(conn, |c| diesel::insert_into(ballot_allocations::table)
        .values(&rows)
        .execute(c))?;
    let mut deltas = Deltas::default();
    deltas.ballot(&assisted_group(new.group), new.allocations, 1);
    deltas.apply(conn, new.consultation_id)?;
    Ok(id)
}

/// Withdraws the assisted ballot `id` of consultation `consultation_id` that `facilitator`
/// recorded, and takes it out of the tallies; whether there was one. Call inside a write
/// transaction.
pub fn withdraw_assisted(
    conn: &mut DbConnection,
    consultation_id: i64,
    id: i64,
    facilitator: i64,
) -> QueryResult<bool> {
    let mine = ballots::table
        .find(id)
        .filter(ballots::consultation_id.eq(consultation_id))
        .filter(ballots::assisted_by.eq(facilitator));
    // Lock the row first (an update), so that a concurrent withdrawal waits.
    let locked = diesel::update(mine)
        .set(ballots::version.eq(ballots::version))
        .execute(conn)?;
    if locked == 0 {
        return Ok(false);
    }
    let group: String = mine.select(ballots::voter_group).first(conn)?;
    let old = allocations(conn, id)?;
    let mut deltas = Deltas::default();
    let group = Group::from_stored(&group).unwrap_or(Group::Citizen);
    deltas.ballot(&assisted_group(group), &old, -1);
    diesel::delete(ballot_allocations::table.filter(ballot_allocations::ballot_id.eq(id)))
        .execute(conn)?;
    diesel::delete(ballots::table.find(id)).execute(conn)?;
    deltas.apply(conn, consultation_id)?;
    Ok(true)
}

/// Withdraws the voter's ballot and takes it out of the tallies; whether there was one. Call
/// inside a write transaction.
pub fn withdraw(conn: &mut DbConnection, consultation_id: i64, voter: Voter) -> QueryResult<bool> {
    let key = voter.key();
    // Lock the row first (an update), so that a concurrent cast waits or comes after.
    let locked = diesel::update(
        ballots::table
            .filter(ballots::consultation_id.eq(consultation_id))
            .filter(ballots::voter.eq(&key)),
    )
    .set(ballots::version.eq(ballots::version))
    .execute(conn)?;
    if locked == 0 {
        return Ok(false);
    }
    let Some((row, old)) = find(conn, consultation_id, voter)? else {
        return Ok(false);
    };
    let mut deltas = Deltas::default();
    deltas.ballot(&row.voter_group, &old, -1);
    diesel::delete(ballot_allocations::table.filter(ballot_allocations::ballot_id.eq(row.id)))
        .execute(conn)?;
    diesel::delete(ballots::table.find(row.id)).execute(conn)?;
    deltas.apply(conn, consultation_id)?;
    Ok(true)
}

/// Which of `organisations` have a ballot in the consultation.
pub fn organisations_with_ballots(
    conn: &mut DbConnection,
    consultation_id: i64,
    organisations: &[i64],
) -> QueryResult<Vec<i64>> {
    if organisations.is_empty() {
        return Ok(Vec::new());
    }
    ballots::table
        .filter(ballots::consultation_id.eq(consultation_id))
        .filter(ballots::organisation_id.eq_any(organisations))
        .select(ballots::organisation_id.assume_not_null())
        .load(conn)
}

/// The tallies of a consultation: (group, option, points, supporters), summed over shards
/// (at most options × groups × shards rows are read, whatever the number of ballots).
pub fn tallies(
    conn: &mut DbConnection,
    consultation_id: i64,
) -> QueryResult<Vec<(String, i64, i64, i64)>> {
    let rows: Vec<(String, i64, i64, i64)> = ballot_tallies::table
        .filter(ballot_tallies::consultation_id.eq(consultation_id))
        .select((
            ballot_tallies::voter_group,
            ballot_tallies::option_id,
            ballot_tallies::points,
            ballot_tallies::supporters,
        ))
        .load(conn)?;
    let mut per: BTreeMap<(String, i64), (i64, i64)> = BTreeMap::new();
    for (g, o, p, s) in rows {
        let entry = per.entry((g, o)).or_default();
        entry.0 += p;
        entry.1 += s;
    }
    Ok(per
        .into_iter()
        .map(|((g, o), (p, s))| (g, o, p, s))
        .collect())
}

/// Ballots per group of a consultation.
pub fn ballot_counts(
    conn: &mut DbConnection,
    consultation_id: i64,
) -> QueryResult<Vec<(String, i64)>> {
    let rows: Vec<(String, i64)> = ballot_counts::table
        .filter(ballot_counts::consultation_id.eq(consultation_id))
        .select((ballot_counts::voter_group, ballot_counts::ballots))
        .load(conn)?;
    let mut per: BTreeMap<String, i64> = BTreeMap::new();
    for (g, n) in rows {
        *per.entry(g).or_default() += n;
    }
    Ok(per.into_iter().collect())
}

/// One row of the anonymised export: pseudonym, group, option, points.
pub type ExportRow = (String, String, i64, i32);

/// Up to `limit` rows of the export after (pseudonym, option) `after`, in that order.
pub fn export_rows(
    conn: &mut DbConnection,
    consultation_id: i64,
    after: Option<(&str, i64)>,
    limit: i64,
) -> QueryResult<Vec<ExportRow>> {
    let mut q = ballot_allocations::table
        .inner_join(ballots::table)
        .filter(ballots::consultation_id.eq(consultation_id))
        .select((
            ballots::pseudonym,
            ballots::voter_group,
            ballot_allocations::option_id,
            ballot_allocations::points,
        ))
        .order((ballots::pseudonym, ballot_allocations::option_id))
        .limit(limit)
        .into_boxed();
    if let Some((pseudonym, option)) = after {
        q = q.filter(
            ballots::pseudonym
                .gt(pseudonym.to_owned())
                .or(ballots::pseudonym
                    .eq(pseudonym.to_owned())
                    .and(ballot_allocations::option_id.gt(option))),
        );
    }
    q.load(conn)
}

/// The consultations in which the person has a ballot of their own, with the end of their
/// voting windows.
pub fn own_ballots(
    conn: &mut DbConnection,
    user_id: i64,
) -> QueryResult<Vec<(i64, Option<NaiveDateTime>)>> {
    use crate::db::schema::consultations;
    ballots::table
        .inner_join(consultations::table)
        .filter(ballots::voter.eq(Voter::Person(user_id).key()))
        .select((ballots::consultation_id, consultations::vote_closes_at))
        .load(conn)
}

/// Unlinks the person's own ballot in a consultation from them (account deletion after the
/// vote closed): it stays counted under its pseudonym, and nothing names them any more.
pub fn unlink(conn: &mut DbConnection, consultation_id: i64, user_id: i64) -> QueryResult<()> {
    let found: Option<(i64, String)> = ballots::table
        .filter(ballots::voter.eq(Voter::Person(user_id).key()))
        .filter(ballots::consultation_id.eq(consultation_id))
        .select((ballots::id, ballots::pseudonym))
        .first(conn)
        .optional()?;
    if let Some((id, pseudonym)) = found {
        diesel::update(ballots::table.find(id))
            .set((
                ballots::voter.eq(format!("unlinked:{pseudonym}")),
                ballots::user_id.eq(None::<i64>),
                ballots::cast_by.eq(None::<i64>),
            ))
            .execute(conn)?;
    }
    Ok(())
}
