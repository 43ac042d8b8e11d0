//! What the organisations slice holds about people — memberships reveal which community a
//! person belongs to — and how deleting an account erases it.

use super::{membership, store};
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::personal_data::{Kind::*, PersonalData, Subject, Table};

/// Organisations, memberships, invitations and join requests.
pub struct Organisations;

impl PersonalData for Organisations {
    fn name(&self) -> &'static str {
        "organisations"
    }

    fn tables(&self) -> &'static [Table] {
        const MEMBERSHIP: crate::personal_data::Kind = Personal("deleted: the membership ends");
        const INVITATION: crate::personal_data::Kind =
            Personal("invitations to the deleted address are deleted");
        &[
            Table {
                name: "organisations",
                columns: &[
                    ("id", Plain),
                    ("name", Plain),
                    ("name_key", Plain),
                    ("kind", Plain),
                    ("proposed_name", Plain),
                    ("proposed_kind", Plain),
                    ("description", Plain),
                    ("website", Plain),
                    (
                        "contact_email",
                        Personal("the organisation's public contact; stays with the organisation"),
                    ),
                    ("registry_number", Plain),
                    ("status", Plain),
                    ("verified_at", Plain),
                    ("decision", Plain),
                    ("decision_reason", Plain),
                    ("decided_at", Plain),
                    ("registered_by", Account),
                    ("version", Plain),
                    ("created_at", Plain),
                    ("updated_at", Plain),
                ],
            },
            Table {
                name: "organisation_members",
                columns: &[
                    ("organisation_id", MEMBERSHIP),
                    ("user_id", MEMBERSHIP),
                    ("role", MEMBERSHIP),
                    ("joined_at", MEMBERSHIP),
                ],
            },
            Table {
                name: "organisation_invitations",
                columns: &[
                    ("id", Plain),
                    ("organisation_id", Plain),
                    ("email", INVITATION),
                    ("role", Plain),
                    ("token_hash", Secret("deleted with the invitation")),
                    ("invited_by", Account),
                    ("created_at", INVITATION),
                    ("expires_at", Plain),
                    ("closed_at", INVITATION),
                    ("outcome", INVITATION),
                    ("accepted_by", Account),
                ],
            },
            Table {
                name: "organisation_join_requests",
                columns: &[
                    ("id", Plain),
                    ("organisation_id", Plain),
                    ("user_id", Account),
                    (
                        "message",
                        Personal("kept with the anonymised account; open requests are withdrawn"),
                    ),
                    ("status", Plain),
                    ("created_at", Plain),
                    ("decided_at", Plain),
                    ("decided_by", Account),
                ],
            },
        ]
    }

    /// Ends the memberships (refusing for the last representative of a verified
    /// organisation), withdraws open join requests and deletes invitations to the address.
    fn erase(&self, conn: &mut DbConnection, subject: &Subject) -> Result<(), ApiError> {
        membership::end_memberships_of_deleted_account(conn, subject.now, subject.user_id)?;
        store::delete_invitations_to(conn, &subject.email)?;
        Ok(())
    }
}
