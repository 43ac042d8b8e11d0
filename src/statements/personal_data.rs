//! What statements hold about people, and what deleting an account does to it. A statement
//! belongs to its organisation: it stays, with its text and attachments, when the person who
//! drafted, submitted or withdrew it deletes their account; only the link to that person is
//! removed. The staff who review and answer are named by account (kept: the account row keeps
//! nothing personal after deletion).

use super::store;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::personal_data::{Kind::*, PersonalData, Subject, Table};

/// Statements, their attachments, receipt counters and responses.
pub struct Statements;

impl PersonalData for Statements {
    fn name(&self) -> &'static str {
        "statements"
    }

    fn tables(&self) -> &'static [Table] {
        const ORGANISATION_TEXT: crate::personal_data::Kind = Personal(
            "the organisation's statement: stays when the person who wrote it deletes their account",
        );
        const UNLINKED: crate::personal_data::Kind =
            Personal("unlinked (set to null) when the person deletes their account");
        &[
            Table {
                name: "statements",
                columns: &[
                    ("id", Plain),
                    ("consultation_id", Plain),
                    ("organisation_id", Plain),
                    ("target_type", Plain),
                    ("target_id", Plain),
                    ("field_id", Plain),
                    ("title", ORGANISATION_TEXT),
                    ("body", ORGANISATION_TEXT),
                    ("state", Plain),
                    ("drafted_by", UNLINKED),
                    ("publish_as", Plain),
                    ("seq", Plain),
                    ("receipt_number", Plain),
                    ("submitted_at", Plain),
                    ("submitted_by", UNLINKED),
                    ("content_sha256", Plain),
                    ("signature", Plain),
                    ("key_id", Plain),
                    ("organisation_name", Plain),
                    ("organisation_kind", Plain),
                    ("reviewer_id", Account),
                    ("withdrawn_at", Plain),
                    ("withdrawn_by", UNLINKED),
                    ("answered_at", Plain),
                    ("published_response_id", Plain),
                    ("version", Plain),
                    ("created_at", Plain),
                    ("updated_at", Plain),
                ],
            },
            Table {
                name: "statement_counters",
                columns: &[("consultation_id", Plain), ("last_seq", Plain)],
            },
            Table {
                name: "statement_attachments",
                columns: &[
                    ("id", Plain),
                    ("statement_id", Plain),
                    ("filename", ORGANISATION_TEXT),
                    ("size", Plain),
                    ("sha256", Plain),
                    ("content", ORGANISATION_TEXT),
                    ("created_at", Plain),
                ],
            },
            Table {
                name: "statement_responses",
                columns: &[
                    ("id", Plain),
                    ("statement_id", Plain),
                    ("version", Plain),
                    ("body", Plain),
                    ("written_by", Account),
                    ("written_at", Plain),
                ],
            },
        ]
    }

    fn erase(&self, conn: &mut DbConnection, subject: &Subject) -> Result<(), ApiError> {
        store::unlink_person(conn, subject.user_id)?;
        Ok(())
    }
}
