//! What ballots hold about people — how someone weighed the priorities of an integration
//! concept can reveal political opinions — and what deleting an account does to it: a person's
//! own ballot in a vote that is still open is withdrawn (otherwise the same address could
//! register again and vote a second time); in a closed vote it stays counted but is unlinked
//! from them. An organisation's ballot stays with the organisation (the representative who cast
//! it is an account id, like every actor).

use super::store;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::personal_data::{Kind::*, PersonalData, Subject, Table};

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
