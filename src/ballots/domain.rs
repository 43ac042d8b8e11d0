//! The rules of priority voting: who may cast which ballot when, what a ballot may hold, and
//! how results are computed from the tallies. Each public function that changes something runs
//! inside the caller's write transaction ([`crate::db::Db::write`]), except [`cast`], which
//! commits as it goes.

use super::model::{
    Allocation, AssistedBallot, AssistedBallotSubmission, Ballot, BallotSubmission,
    ConsensusOption, Eligibility, Group, GroupResults, OptionResult, OrganisationVoting, Results,
    VoterKind,
};
use super::problems::{self, at_allocation};
use super::store::{self, Voter};
use crate::audit;
use crate::auth::extract::{CurrentUser, Verified};
use crate::auth::model::Role;
use crate::consultations::model::ResultsVisibility;
use crate::contributions::problems::PHASE_CLOSED;
use crate::db::schema::{consultation_options, consultations};
use crate::db::{write_transaction, DbConnection};
use crate::error::{ApiError, ApiResult, Text};
use crate::organisations::acting::{self, Capability};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use validator::Validate;

/// What voting needs to know of a consultation.
pub struct Round {
    pub id: i64,
    voting: Option<(NaiveDateTime, NaiveDateTime)>,
    pub points_budget: i32,
    max_points_per_option: i32,
    visibility: ResultsVisibility,
    /// The options, in ballot order.
    pub options: Vec<i64>,
}

impl Round {
    pub fn open(&self, now: NaiveDateTime) -> bool {
        self.voting
            .is_some_and(|(opens, closes)| opens <= now && now < closes)
    }

    /// Whether the rules and options are frozen: the voting window has opened.
    pub fn frozen(&self, now: NaiveDateTime) -> bool {
        self.voting.is_some_and(|(opens, _)| opens <= now)
    }

    /// Whether the voting window has closed: then the results are final.
    pub fn closed(&self, now: NaiveDateTime) -> bool {
        self.voting.is_some_and(|(_, closes)| closes <= now)
    }

    /// Where the vote stands at `now`, for its results.
    pub fn stage(&self, now: NaiveDateTime) -> super::Stage {
        if self.closed(now - chrono::Duration::seconds(super::SETTLE_SECS)) {
            super::Stage::Settled
        } else if self.closed(now) {
            super::Stage::Closed
        } else {
            super::Stage::Open
        }
    }
}

/// The consultation `id` with its voting rules and options (404 when there is none), read with
/// one statement (the consultation's columns come with each of its options).
pub fn round(conn: &mut DbConnection, id: i64) -> ApiResult<Round> {
    type R = (
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
        i32,
        i32,
        String,
        Option<i64>,
    );
    let rows: Vec<R> = consultations::table
        .left_join(consultation_options::table)
        .filter(consultations::id.eq(id))
        .order(consultation_options::position.nullable())
        .select((
            consultations::vote_opens_at,
            consultations::vote_closes_at,
            consultations::points_budget,
            consultations::max_points_per_option,
            consultations::results_visibility,
            consultation_options::item_id.nullable(),
        ))
        .load(conn)?;
    let Some((opens, closes, points_budget, max_points_per_option, visibility, _)) =
        rows.first().cloned()
    else {
        return Err(ApiError::not_found(Text::new(
            "Es gibt keine Beteiligungsrunde mit dieser ID.",
            "There is no consultation with this id.",
        )));
    };
    Ok(Round {
        id,
        voting: opens.zip(closes),
        points_budget,
        max_points_per_option,
        visibility: ResultsVisibility::from_stored(&visibility)
            .unwrap_or(ResultsVisibility::AfterClose),
        options: rows.into_iter().filter_map(|r| r.5).collect(),
    })
}

/// `409 phase_closed` unless the voting window is open at `now`. Changes check it twice: at
/// the time of the request, and again right before they commit (by then the window may have
/// closed; the final results must not change after it).
pub fn voting_open(round: &Round, now: NaiveDateTime) -> ApiResult<()> {
    if round.open(now) {
        Ok(())
    } else {
        Err(PHASE_CLOSED.with_detail(Text::new(
            "Die Beteiligungsrunde nimmt Stimmzettel nur während der Abstimmung an.",
            "The consultation takes ballots only during its voting window.",
        )))
    }
}

/// The allocations with points, in ballot order, after every rule of the round is checked.
fn checked(round: &Round, submission: &BallotSubmission) -> ApiResult<Vec<(i64, i32)>> {
    let position: HashMap<i64, usize> = round
        .options
        .iter()
        .enumerate()
        .map(|(i, o)| (*o, i))
        .collect();
    let mut seen = HashSet::new();
    let mut total: i64 = 0;
    for (i, a) in submission.allocations.iter().enumerate() {
        if !position.contains_key(&a.option_id) {
            return Err(at_allocation(
                problems::OPTION_NOT_ON_BALLOT,
                i,
                Text::new(
                    "ist keine Option dieser Abstimmung",
                    "is not an option of this consultation's ballot",
                ),
            ));
        }
        if !seen.insert(a.option_id) {
            return Err(at_allocation(
                problems::OPTION_LISTED_TWICE,
                i,
                Text::new(
                    "nennt eine Option, die schon aufgeführt ist",
                    "names an option already listed",
                ),
            ));
        }
        if a.points > round.max_points_per_option {
            return Err(at_allocation(
                problems::TOO_MANY_POINTS_FOR_OPTION,
                i,
                Text::format(
                    format!(
                        "höchstens {} Punkte pro Option",
                        round.max_points_per_option
                    ),
                    format!("at most {} points per option", round.max_points_per_option),
                ),
            ));
        }
        total += i64::from(a.points);
    }
    if total > i64::from(round.points_budget) {
        let budget = round.points_budget;
        let mut e = problems::POINTS_BUDGET_EXCEEDED.with_detail(Text::format(
            format!("Der Stimmzettel vergibt {total} Punkte; erlaubt sind {budget}."),
            format!("The ballot gives {total} points; the budget is {budget}."),
        ));
        e.errors.push(crate::error::FieldError::new(
            "allocations",
            problems::POINTS_BUDGET_EXCEEDED.code,
            Text::format(
                format!("höchstens {budget} Punkte insgesamt"),
                format!("at most {budget} points in all"),
            ),
        ));
        return Err(e);
    }
    let mut kept: Vec<(i64, i32)> = submission
        .allocations
        .iter()
        .filter(|a| a.points > 0)
        .map(|a| (a.option_id, a.points))
        .collect();
    if kept.is_empty() {
        let mut e = problems::EMPTY_BALLOT.problem();
        e.errors.push(crate::error::FieldError::new(
            "allocations",
            problems::EMPTY_BALLOT.code,
            Text::new(
                "geben Sie mindestens einer Option einen Punkt",
                "give at least one option a point",
            ),
        ));
        return Err(e);
    }
    kept.sort_by_key(|(option, _)| position[option]);
    Ok(kept)
}

/// Who the ballot is of and the group it counts for: the caller, or (with `organisation`) the
/// organisation through the one acting rule — `capability` `Sign` to change its ballot.
fn voter(
    conn: &mut DbConnection,
    user: &CurrentUser,
    organisation: Option<i64>,
    capability: Capability,
) -> ApiResult<(Voter, Group)> {
    match organisation {
        None => Ok((Voter::Person(user.id()), Group::Citizen)),
        Some(org) => {
            let acting = acting::authorize(conn, user.id(), org, capability)?;
            Ok((
                Voter::Organisation(org),
                Group::of_organisation(acting.kind),
            ))
        }
    }
}

fn view(round: &Round, row: &store::Row, allocations: &[(i64, i32)]) -> Ballot {
    let position: HashMap<i64, usize> = round
        .options
        .iter()
        .enumerate()
        .map(|(i, o)| (*o, i))
        .collect();
    let mut allocations: Vec<Allocation> = allocations
        .iter()
        .map(|&(option_id, points)| Allocation { option_id, points })
        .collect();
    allocations.sort_by_key(|a| position.get(&a.option_id).copied().unwrap_or(usize::MAX));
    Ballot {
        consultation_id: round.id,
        voter: if row.organisation_id.is_some() {
            VoterKind::Organisation
        } else {
            VoterKind::Person
        },
        organisation_id: row.organisation_id,
        group: row.group(),
        points_used: allocations.iter().map(|a| a.points).sum(),
        allocations,
        points_budget: round.points_budget,
        cast_at: row.cast_at.and_utc(),
        version: row.version,
    }
}

/// Casts or replaces a ballot during the voting window: the caller's own, or (with
/// `organisation`) the organisation's, which only its representatives cast. An organisation's
/// cast is in the audit log with the representative; a person's is not (how and whether a
/// person voted is theirs). Unlike the other changes here it runs its own transaction (call it
/// outside one): the window is checked when the request came (`now`) and again right before
/// the commit (`at_commit`).
pub fn cast(
    conn: &mut DbConnection,
    (now, at_commit): (NaiveDateTime, &dyn Fn() -> NaiveDateTime),
    round: &Round,
    user: &Verified,
    organisation: Option<i64>,
    submission: ApiResult<BallotSubmission>,
) -> ApiResult<Ballot> {
    // A person's own ballot on PostgreSQL: one statement, which commits by itself, unless it
    // met a concurrent cast of the same person (then the transaction below). Not in the last
    // minute of the window: the statement may wait for locks after the window's last check,
    // where the transaction checks after it holds them.
    let far_from_close = round.open(at_commit() + chrono::Duration::seconds(ALONE_MARGIN_SECS));
    if let (None, DbConnection::Postgresql(pg), true) = (organisation, &mut *conn, far_from_close) {
        let allocations = allowed(round, now, submission)?;
        voting_open(round, at_commit())?;
        let alone = store::CastAlone {
            consultation_id: round.id,
            user_id: user.0.id(),
            allocations: &allocations,
        };
        if let Some(row) = store::cast_alone(pg, now, &alone)? {
            return Ok(view(round, &row, &allocations));
        }
        return write_transaction(conn, |conn| {
            let who = (Voter::Person(user.0.id()), Group::Citizen);
            record(conn, (now, at_commit), round, user, who, &allocations)
        });
    }
    write_transaction(conn, |conn| {
        let who = voter(conn, &user.0, organisation, Capability::Sign)?;
        let allocations = allowed(round, now, submission)?;
        record(conn, (now, at_commit), round, user, who, &allocations)
    })
}

/// How long before the close of the window casts take the transactional way only.
const ALONE_MARGIN_SECS: i64 = 60;

/// The allocations of `submission` with points, if the window is open and every rule of the
/// round holds.
fn allowed(
    round: &Round,
    now: NaiveDateTime,
    submission: ApiResult<BallotSubmission>,
) -> ApiResult<Vec<(i64, i32)>> {
    let submission = submission?;
    submission.validate()?;
    voting_open(round, now)?;
    checked(round, &submission)
}

/// Stores the ballot of `who` in the caller's write transaction, checks the window once more
/// right before the commit, and records a cast for an organisation in the audit log.
fn record(
    conn: &mut DbConnection,
    (now, at_commit): (NaiveDateTime, &dyn Fn() -> NaiveDateTime),
    round: &Round,
    user: &Verified,
    (who, group): (Voter, Group),
    allocations: &[(i64, i32)],
) -> ApiResult<Ballot> {
    let row = store::cast(
        conn,
        now,
        &store::Cast {
            consultation_id: round.id,
            voter: who,
            group,
            cast_by: user.0.id(),
            allocations,
        },
    )?;
    if let Voter::Organisation(org) = who {
        audit::record(
            conn,
            now,
            Some(user.0.id()),
            "ballot.cast_for_organisation",
            "consultation",
            Some(round.id),
            serde_json::json!({ "organisation_id": org, "version": row.version }),
        )?;
    }
    voting_open(round, at_commit())?;
    Ok(view(round, &row, allocations))
}

/// Records a ballot on behalf of a person without an account (facilitators only, 403
/// `not_a_facilitator` otherwise) during the voting window, under the rules of any ballot: a
/// ballot of its own (a facilitator records many), counted inside the person's group and apart
/// as assisted. The audit log names the facilitator, never the person. Call inside a write
/// transaction; the window is checked again right before the commit (`at_commit`).
pub fn cast_assisted(
    conn: &mut DbConnection,
    (now, at_commit): (NaiveDateTime, &dyn Fn() -> NaiveDateTime),
    round: &Round,
    user: &Verified,
    submission: ApiResult<AssistedBallotSubmission>,
) -> ApiResult<AssistedBallot> {
    crate::contributions::domain::facilitator(&user.0)?;
    let submission = submission?;
    submission.validate()?;
    voting_open(round, now)?;
    let allocations = checked(
        round,
        &BallotSubmission {
            allocations: submission.allocations.clone(),
        },
    )?;
    let person = &submission.on_behalf_of;
    let id = store::cast_assisted(
        conn,
        now,
        &store::AssistedCast {
            consultation_id: round.id,
            group: person.group,
            facilitator: user.0.id(),
            name: &person.name,
            contact: person.contact.as_deref(),
            allocations: &allocations,
        },
    )?;
    audit::record(
        conn,
        now,
        Some(user.0.id()),
        "ballot.assisted_cast",
        "ballot",
        Some(id),
        serde_json::json!({ "consultation": round.id, "group": person.group.as_str(), "assisted": true }),
    )?;
    voting_open(round, at_commit())?;
    let position: HashMap<i64, usize> = round
        .options
        .iter()
        .enumerate()
        .map(|(i, o)| (*o, i))
        .collect();
    let mut shown: Vec<Allocation> = allocations
        .iter()
        .map(|&(option_id, points)| Allocation { option_id, points })
        .collect();
    shown.sort_by_key(|a| position.get(&a.option_id).copied().unwrap_or(usize::MAX));
    Ok(AssistedBallot {
        id,
        consultation_id: round.id,
        group: person.group,
        points_used: shown.iter().map(|a| a.points).sum(),
        allocations: shown,
        points_budget: round.points_budget,
        cast_at: now.and_utc(),
        assisted: true,
    })
}

/// The facilitator who recorded assisted ballot `id` withdraws it during the voting window
/// (404 when there is none of theirs); audited.
pub fn withdraw_assisted(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    round: &Round,
    user: &Verified,
    id: i64,
) -> ApiResult<()> {
    crate::contributions::domain::facilitator(&user.0)?;
    voting_open(round, now)?;
    if !store::withdraw_assisted(conn, round.id, id, user.0.id())? {
        return Err(ApiError::not_found(
            crate::error::Text::new(
                "Einen von Ihnen erfassten Stimmzettel mit dieser Nummer gibt es in dieser Beteiligungsrunde nicht.",
                "There is no assisted ballot of yours with this id in the consultation.",
            ),
        ));
    }
    audit::record(
        conn,
        now,
        Some(user.0.id()),
        "ballot.assisted_withdrawn",
        "ballot",
        Some(id),
        serde_json::json!({ "consultation": round.id }),
    )?;
    Ok(())
}

/// The caller's ballot, or the organisation's (for its members); 404 when there is none.
pub fn ballot(
    conn: &mut DbConnection,
    user: &Verified,
    consultation_id: i64,
    organisation: Option<i64>,
) -> ApiResult<Ballot> {
    let round = round(conn, consultation_id)?;
    let (who, _) = voter(conn, &user.0, organisation, Capability::Act)?;
    let (row, allocations) =
        store::find(conn, consultation_id, who)?.ok_or_else(|| ApiError::not_found(no_ballot()))?;
    Ok(view(&round, &row, &allocations))
}

/// The detail of a 404 for a ballot that is not there.
fn no_ballot() -> Text {
    Text::new(
        "Es gibt keinen Stimmzettel dieser Person oder Organisation in der Beteiligungsrunde.",
        "There is no ballot of this voter in the consultation.",
    )
}

/// Withdraws a ballot during the voting window (404 when there is none).
pub fn withdraw(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    round: &Round,
    user: &Verified,
    organisation: Option<i64>,
) -> ApiResult<()> {
    let consultation_id = round.id;
    let (who, _) = voter(conn, &user.0, organisation, Capability::Sign)?;
    voting_open(round, now)?;
    if !store::withdraw(conn, consultation_id, who)? {
        return Err(ApiError::not_found(no_ballot()));
    }
    if let Voter::Organisation(org) = who {
        audit::record(
            conn,
            now,
            Some(user.0.id()),
            "ballot.withdrawn_for_organisation",
            "consultation",
            Some(consultation_id),
            serde_json::json!({ "organisation_id": org }),
        )?;
    }
    Ok(())
}

/// Who the caller may vote as, and what they have cast.
pub fn eligibility(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: &CurrentUser,
    consultation_id: i64,
) -> ApiResult<Eligibility> {
    let round = round(conn, consultation_id)?;
    let memberships = crate::organisations::store::memberships_of(conn, user.id())?;
    let ids: Vec<i64> = memberships.iter().map(|(org, _)| org.id).collect();
    let with_ballots: HashSet<i64> =
        store::organisations_with_ballots(conn, consultation_id, &ids)?
            .into_iter()
            .collect();
    let has_ballot = store::find(conn, consultation_id, Voter::Person(user.id()))?.is_some();
    Ok(Eligibility {
        consultation_id,
        voting_open: round.open(now),
        may_vote: user.user.email_verified_at.is_some(),
        has_ballot,
        organisations: memberships
            .into_iter()
            .map(|(org, role)| OrganisationVoting {
                organisation_id: org.id,
                group: Group::of_organisation(org.kind()),
                may_cast: user.user.email_verified_at.is_some()
                    && acting::permits(&org, role, Capability::Sign),
                has_ballot: with_ballots.contains(&org.id),
                name: org.name,
            })
            .collect(),
    })
}

/// Whether `viewer` may see the results now: always administrators; others while voting runs
/// with live results, or once the window has closed.
pub fn results_visible(round: &Round, now: NaiveDateTime, viewer: Option<&CurrentUser>) -> bool {
    viewer.is_some_and(|u| u.role() == Role::Admin)
        || round.closed(now)
        || (round.visibility == ResultsVisibility::Live
            && round.voting.is_some_and(|(o, _)| o <= now))
}

/// 403 `results_not_yet_public` when `viewer` may not see the results yet.
pub fn may_see_results(
    round: &Round,
    now: NaiveDateTime,
    viewer: Option<&CurrentUser>,
) -> ApiResult<()> {
    if results_visible(round, now, viewer) {
        Ok(())
    } else {
        Err(problems::RESULTS_NOT_YET_PUBLIC.problem())
    }
}

/// Rows of the export read at a time.
pub const EXPORT_CHUNK: i64 = 5_000;

/// The header line of the ballot export.
pub const EXPORT_HEADER: &str = "ballot,group,option_id,points\n";

/// The export's rows as CSV lines (pseudonyms and group names need no quoting).
pub fn export_lines(rows: &[store::ExportRow]) -> String {
    let mut out = String::with_capacity(rows.len() * 48);
    for (pseudonym, group, option, points) in rows {
        out.push_str(&format!("{pseudonym},{group},{option},{points}\n"));
    }
    out
}

/// Feeds the whole export, chunk by chunk in one read, to `sink` (a hash, or a response).
pub fn export_each(
    conn: &mut DbConnection,
    consultation_id: i64,
    mut sink: impl FnMut(&[u8]) -> bool,
) -> ApiResult<()> {
    if !sink(EXPORT_HEADER.as_bytes()) {
        return Ok(());
    }
    let mut after: Option<(String, i64)> = None;
    loop {
        let rows = store::export_rows(
            conn,
            consultation_id,
            after.as_ref().map(|(p, o)| (p.as_str(), *o)),
            EXPORT_CHUNK,
        )?;
        if rows.is_empty() || !sink(export_lines(&rows).as_bytes()) {
            return Ok(());
        }
        let (p, _, o, _) = rows.last().expect("not empty");
        after = Some((p.clone(), *o));
        if (rows.len() as i64) < EXPORT_CHUNK {
            return Ok(());
        }
    }
}

/// Standard competition ranks of `values` (higher is better): 1, 2, 2, 4.
fn ranks(values: &[f64]) -> Vec<i32> {
    values
        .iter()
        .map(|v| 1 + values.iter().filter(|w| *w > v).count() as i32)
        .collect()
}

fn scope_results(round: &Round, tallies: &BTreeMap<i64, (i64, i64)>) -> Vec<OptionResult> {
    let total: i64 = tallies.values().map(|(p, _)| p).sum();
    let points: Vec<f64> = round
        .options
        .iter()
        .map(|o| tallies.get(o).map_or(0, |t| t.0) as f64)
        .collect();
    let rank = ranks(&points);
    let mut out: Vec<OptionResult> = round
        .options
        .iter()
        .enumerate()
        .map(|(i, &option_id)| {
            let (p, s) = tallies.get(&option_id).copied().unwrap_or((0, 0));
            OptionResult {
                option_id,
                points: p,
                supporters: s,
                share: if total > 0 {
                    p as f64 / total as f64
                } else {
                    0.0
                },
                rank: rank[i],
            }
        })
        .collect();
    // Rank order; ties keep ballot order (the sort is stable).
    out.sort_by_key(|r| r.rank);
    out
}

/// The results of the vote, read in one snapshot together with the hash of the export they
/// come from. Call inside a read transaction that gives one snapshot.
pub fn results(conn: &mut DbConnection, now: NaiveDateTime, round: &Round) -> ApiResult<Results> {
    let mut per_group: BTreeMap<String, BTreeMap<i64, (i64, i64)>> = BTreeMap::new();
    let mut all: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    // Assisted ballots count inside their group, and apart (their tallies' key says so).
    let mut assisted_points: BTreeMap<String, i64> = BTreeMap::new();
    for (group, option, points, supporters) in store::tallies(conn, round.id)? {
        let group = match group.strip_prefix(store::ASSISTED_PREFIX) {
            Some(base) => {
                *assisted_points.entry(base.to_owned()).or_default() += points;
                base.to_owned()
            }
            None => group,
        };
        let entry = per_group
            .entry(group)
            .or_default()
            .entry(option)
            .or_default();
        entry.0 += points;
        entry.1 += supporters;
        let entry = all.entry(option).or_default();
        entry.0 += points;
        entry.1 += supporters;
    }
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    let mut assisted_counts: BTreeMap<String, i64> = BTreeMap::new();
    for (group, n) in store::ballot_counts(conn, round.id)? {
        if let Some(base) = group.strip_prefix(store::ASSISTED_PREFIX) {
            *assisted_counts.entry(base.to_owned()).or_default() += n;
            *counts.entry(base.to_owned()).or_default() += n;
        } else {
            *counts.entry(group).or_default() += n;
        }
    }
    let groups: Vec<GroupResults> = Group::ALL
        .iter()
        .map(|g| GroupResults {
            group: *g,
            ballots: counts.get(g.as_str()).copied().unwrap_or(0),
            assisted_ballots: assisted_counts.get(g.as_str()).copied().unwrap_or(0),
            assisted_points: assisted_points.get(g.as_str()).copied().unwrap_or(0),
            options: scope_results(round, per_group.get(g.as_str()).unwrap_or(&BTreeMap::new())),
        })
        .collect();
    // Consensus: per option the lowest share among groups with ballots.
    let lowest: Vec<(i64, f64, Option<Group>)> = round
        .options
        .iter()
        .map(|&option| {
            groups
                .iter()
                .filter(|g| g.options.iter().any(|o| o.points > 0))
                .map(|g| {
                    let share = g
                        .options
                        .iter()
                        .find(|o| o.option_id == option)
                        .map_or(0.0, |o| o.share);
                    (option, share, Some(g.group))
                })
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .unwrap_or((option, 0.0, None))
        })
        .collect();
    let rank = ranks(&lowest.iter().map(|l| l.1).collect::<Vec<_>>());
    let mut consensus: Vec<ConsensusOption> = lowest
        .into_iter()
        .zip(rank)
        .map(
            |((option_id, lowest_share, lowest_group), rank)| ConsensusOption {
                option_id,
                lowest_share,
                lowest_group,
                rank,
            },
        )
        .collect();
    consensus.sort_by_key(|c| c.rank);
    let mut hash = Sha256::new();
    export_each(conn, round.id, |bytes| {
        hash.update(bytes);
        true
    })?;
    Ok(Results {
        consultation_id: round.id,
        is_final: round.closed(now),
        points_budget: round.points_budget,
        ballots: counts.values().sum(),
        assisted_ballots: assisted_counts.values().sum(),
        options: scope_results(round, &all),
        groups,
        consensus,
        ballot_export_sha256: hex(&hash.finalize()),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The columns of the results as a table: one row per option in the whole city (`all`) and
/// in each group.
pub const RESULT_COLUMNS: [&str; 7] = [
    "scope",
    "ballots",
    "option_id",
    "points",
    "supporters",
    "share",
    "rank",
];

/// One row of the results table.
pub struct ResultRow<'a> {
    pub scope: &'a str,
    pub ballots: i64,
    pub option: &'a OptionResult,
}

/// The results as rows: the whole city first, then each group, options in rank order.
pub fn result_rows(results: &Results) -> Vec<ResultRow<'_>> {
    let all = results.options.iter().map(|option| ResultRow {
        scope: "all",
        ballots: results.ballots,
        option,
    });
    let groups = results.groups.iter().flat_map(|g| {
        g.options.iter().map(move |option| ResultRow {
            scope: g.group.as_str(),
            ballots: g.ballots,
            option,
        })
    });
    all.chain(groups).collect()
}

/// The results as CSV.
pub fn results_csv(results: &Results) -> String {
    let mut out = RESULT_COLUMNS.join(",");
    out.push('\n');
    for r in result_rows(results) {
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            r.scope,
            r.ballots,
            r.option.option_id,
            r.option.points,
            r.option.supporters,
            r.option.share,
            r.option.rank
        ));
    }
    out
}

/// The results as an XLSX workbook: the same rows as the CSV, and the export's hash.
pub fn results_xlsx(results: &Results) -> ApiResult<Vec<u8>> {
    use rust_xlsxwriter::Workbook;
    let fail = |e: rust_xlsxwriter::XlsxError| ApiError::internal(e);
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("results").map_err(fail)?;
    for (c, name) in RESULT_COLUMNS.iter().enumerate() {
        sheet.write_string(0, c as u16, *name).map_err(fail)?;
    }
    for (i, r) in result_rows(results).iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, r.scope).map_err(fail)?;
        for (c, value) in [
            r.ballots as f64,
            r.option.option_id as f64,
            r.option.points as f64,
            r.option.supporters as f64,
            r.option.share,
            f64::from(r.option.rank),
        ]
        .into_iter()
        .enumerate()
        {
            sheet.write_number(row, c as u16 + 1, value).map_err(fail)?;
        }
    }
    let source = book.add_worksheet();
    source.set_name("source").map_err(fail)?;
    source.write_string(0, 0, "consultation_id").map_err(fail)?;
    source
        .write_number(0, 1, results.consultation_id as f64)
        .map_err(fail)?;
    source.write_string(1, 0, "final").map_err(fail)?;
    source
        .write_string(1, 1, if results.is_final { "true" } else { "false" })
        .map_err(fail)?;
    source
        .write_string(2, 0, "ballot_export_sha256")
        .map_err(fail)?;
    source
        .write_string(2, 1, &results.ballot_export_sha256)
        .map_err(fail)?;
    book.save_to_buffer().map_err(fail)
}
