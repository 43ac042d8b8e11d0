//! What ballots hold about people — how someone weighed the priorities of an integration
//! concept can reveal political opinions — and what deleting an account does to it: a person's
//! own ballot in a vote that is still open is withdrawn (otherwise the same address could
//! register again and vote a second time); in a closed vote it stays counted but is unlinked
//! from them. An organisation's ballot stays with the organisation (the representative who cast
//! it is an account id, like every actor).

use super::store;
use crate::db::schema::{ballot_allocations as allocations, ballots};
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::personal_data::{
    section_schema, Basis, Category, Kind::*, PersonalData, Purged, Retention, Rule, Section,
    Subject, Table,
};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

/// Points given to one option.
#[derive(Serialize, ToSchema)]
pub struct ExportedAllocation {
    pub option_id: i64,
    pub points: i32,
}

/// The person's own ballot.
#[derive(Serialize, ToSchema)]
pub struct ExportedBallot {
    pub id: i64,
    pub consultation_id: i64,
    pub voter_group: String,
    pub version: i32,
    pub cast_at: DateTime<Utc>,
    pub allocations: Vec<ExportedAllocation>,
}

/// A ballot the person cast for an organisation: it belongs to the organisation, so only the
/// reference is here.
#[derive(Serialize, ToSchema)]
pub struct ExportedOrganisationBallot {
    pub id: i64,
    pub consultation_id: i64,
    pub organisation_id: i64,
    pub cast_at: DateTime<Utc>,
}

/// The `ballots` section of the export.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct BallotsSection {
    ballots: Vec<ExportedBallot>,
    cast_for_organisations: Vec<ExportedOrganisationBallot>,
}

/// The name and contact a facilitator recorded with a ballot for a person without an account:
/// needed while the vote runs and shortly after (questions about the ballot), not for good.
pub const ASSISTED_VOTERS: Rule = Rule {
    table: "ballots",
    what: "names and contacts of people for whom a facilitator recorded a ballot",
    from: "the close of the voting window",
    days: 90,
};

/// Ballots, their allocations and the tallies.
pub struct Ballots;

impl PersonalData for Ballots {
    fn name(&self) -> &'static str {
        "ballots"
    }

    fn tables(&self) -> &'static [Table] {
        const UNLINKED: crate::personal_data::Kind =
            Personal("open vote: the ballot is withdrawn; closed vote: unlinked, it stays counted under its pseudonym");
        &[
            Table {
                name: "ballots",
                columns: &[
                    ("id", Plain),
                    ("consultation_id", Plain),
                    ("voter", UNLINKED),
                    ("user_id", UNLINKED),
                    ("organisation_id", Plain),
                    ("voter_group", Plain),
                    ("pseudonym", Plain),
                    (
                        "cast_by",
                        Personal("a person's own ballot: withdrawn or unlinked with it; an organisation's keeps the representative's account id, like every actor"),
                    ),
                    ("version", Plain),
                    ("cast_at", Plain),
                    ("assisted_by", Account),
                    (
                        "assisted_name",
                        Personal("erased 90 days after the voting window closed; never public"),
                    ),
                    (
                        "assisted_contact",
                        Personal("erased 90 days after the voting window closed; never public"),
                    ),
                ],
            },
            Table {
                name: "ballot_allocations",
                columns: &[
                    ("ballot_id", Plain),
                    ("option_id", Plain),
                    ("points", Plain),
                ],
            },
            Table {
                name: "ballot_tallies",
                columns: &[
                    ("consultation_id", Plain),
                    ("voter_group", Plain),
                    ("option_id", Plain),
                    ("shard", Plain),
                    ("points", Plain),
                    ("supporters", Plain),
                ],
            },
            Table {
                name: "ballot_counts",
                columns: &[
                    ("consultation_id", Plain),
                    ("voter_group", Plain),
                    ("shard", Plain),
                    ("ballots", Plain),
                ],
            },
        ]
    }

    fn processing(&self) -> &'static [Category] {
        &[
            Category {
                data: "ballots: how a person weighed the priorities (may reveal political opinions, Art. 9)",
                tables: &["ballots"],
                purpose: "the priority vote of the consultation",
                basis: Basis::Consent,
                retention: Retention::Record,
            },
            Category {
                data: "people without an account for whom a facilitator recorded a ballot: name or pseudonym, optional contact (assisted participation)",
                tables: &["ballots"],
                purpose: "letting people without an account vote through community centres and counselling services; moderators can reach them about their ballot",
                basis: Basis::Consent,
                retention: Retention::Purged(&ASSISTED_VOTERS),
            },
        ]
    }

    fn retention(&self) -> &'static [&'static Rule] {
        &[&ASSISTED_VOTERS]
    }

    /// Erases the name and contact of assisted ballots 90 days after their voting window
    /// closed: the ballot stays counted, under its pseudonym like every other.
    fn purge(&self, conn: &mut DbConnection, now: NaiveDateTime) -> Result<Purged, ApiError> {
        use crate::db::schema::consultations;
        let closed = consultations::table
            .filter(consultations::vote_closes_at.le(ASSISTED_VOTERS.cutoff(now)))
            .select(consultations::id);
        let erased = diesel::update(
            ballots::table
                .filter(ballots::assisted_name.is_not_null())
                .filter(ballots::consultation_id.eq_any(closed)),
        )
        .set((
            ballots::assisted_name.eq(None::<String>),
            ballots::assisted_contact.eq(None::<String>),
        ))
        .execute(conn)?;
        Ok(vec![(&ASSISTED_VOTERS, erased)])
    }

    fn export(
        &self,
        conn: &mut DbConnection,
        subject: &Subject,
        out: &mut Section<'_>,
    ) -> Result<(), ApiError> {
        let me = subject.user_id;
        out.list(
            "ballots",
            |after, limit| {
                let rows: Vec<(i64, i64, String, i32, NaiveDateTime)> = ballots::table
                    .filter(ballots::user_id.eq(me))
                    .filter(ballots::id.gt(after.unwrap_or(0)))
                    .order(ballots::id)
                    .limit(limit)
                    .select((
                        ballots::id,
                        ballots::consultation_id,
                        ballots::voter_group,
                        ballots::version,
                        ballots::cast_at,
                    ))
                    .load(conn)?;
                let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
                let mut points: Vec<(i64, i64, i32)> = allocations::table
                    .filter(allocations::ballot_id.eq_any(&ids))
                    .order((allocations::ballot_id, allocations::option_id))
                    .select((
                        allocations::ballot_id,
                        allocations::option_id,
                        allocations::points,
                    ))
                    .load(conn)?;
                Ok(rows
                    .into_iter()
                    .map(|(id, consultation_id, voter_group, version, at)| {
                        let mine = points.iter().take_while(|p| p.0 == id).count();
                        let allocations = points
                            .drain(..mine)
                            .map(|(_, option_id, points)| ExportedAllocation { option_id, points })
                            .collect();
                        ExportedBallot {
                            id,
                            consultation_id,
                            voter_group,
                            version,
                            cast_at: at.and_utc(),
                            allocations,
                        }
                    })
                    .collect())
            },
            |b| b.id,
        )?;
        out.list(
            "cast_for_organisations",
            |after, limit| {
                ballots::table
                    .filter(ballots::cast_by.eq(me))
                    .filter(ballots::organisation_id.is_not_null())
                    .filter(ballots::id.gt(after.unwrap_or(0)))
                    .order(ballots::id)
                    .limit(limit)
                    .select((
                        ballots::id,
                        ballots::consultation_id,
                        ballots::organisation_id.assume_not_null(),
                        ballots::cast_at,
                    ))
                    .load::<(i64, i64, i64, NaiveDateTime)>(conn)
                    .map(|rows| {
                        rows.into_iter()
                            .map(|(id, consultation_id, organisation_id, at)| {
                                ExportedOrganisationBallot {
                                    id,
                                    consultation_id,
                                    organisation_id,
                                    cast_at: at.and_utc(),
                                }
                            })
                            .collect()
                    })
            },
            |b| b.id,
        )
    }

    fn export_schema(
        &self,
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        section_schema::<BallotsSection>(schemas)
    }

    fn erase(&self, conn: &mut DbConnection, subject: &Subject) -> Result<(), ApiError> {
        for (consultation, closes) in store::own_ballots(conn, subject.user_id)? {
            if closes.is_some_and(|closes| closes <= subject.now) {
                store::unlink(conn, consultation, subject.user_id)?;
            } else {
                store::withdraw(conn, consultation, store::Voter::Person(subject.user_id))?;
            }
        }
        Ok(())
    }
}
