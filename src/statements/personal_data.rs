//! What statements hold about people, and what deleting an account does to it. A statement
//! belongs to its organisation: it stays, with its text and attachments, when the person who
//! drafted, submitted or withdrew it deletes their account; only the link to that person is
//! removed. The staff who review and answer are named by account (kept: the account row keeps
//! nothing personal after deletion).

use super::store;
use crate::db::schema::statements;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::personal_data::{
    section_schema, Basis, Category, Kind::*, PersonalData, Retention, Section, Subject, Table,
};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

/// A statement the person drafted, submitted or withdrew for their organisation (it belongs
/// to the organisation; the person's part is named).
#[derive(Serialize, ToSchema)]
pub struct ExportedStatement {
    pub id: i64,
    pub organisation_id: i64,
    pub consultation_id: i64,
    pub title: String,
    pub body: String,
    pub state: String,
    pub receipt_number: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub drafted_by_you: bool,
    pub submitted_by_you: bool,
    pub withdrawn_by_you: bool,
}

/// The `statements` section of the export.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct StatementsSection {
    statements: Vec<ExportedStatement>,
}

type StatementTuple = (
    (i64, i64, i64, String, String, String),
    (Option<String>, Option<NaiveDateTime>),
    (Option<i64>, Option<i64>, Option<i64>),
);

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

    fn processing(&self) -> &'static [Category] {
        &[Category {
            data: "formal statements of organisations, and which member drafted, submitted or withdrew them",
            tables: &["statements", "statement_attachments", "statement_responses"],
            purpose: "the formal part of the consultation: statements the city answers on the record",
            basis: Basis::LegalObligation,
            retention: Retention::Record,
        }]
    }

    fn export(
        &self,
        conn: &mut DbConnection,
        subject: &Subject,
        out: &mut Section<'_>,
    ) -> Result<(), ApiError> {
        let me = subject.user_id;
        out.list(
            "statements",
            |after, limit| {
                statements::table
                    .filter(
                        statements::drafted_by
                            .eq(me)
                            .or(statements::submitted_by.eq(me))
                            .or(statements::withdrawn_by.eq(me)),
                    )
                    .filter(statements::id.gt(after.unwrap_or(0)))
                    .order(statements::id)
                    .limit(limit)
                    .select((
                        (
                            statements::id,
                            statements::organisation_id,
                            statements::consultation_id,
                            statements::title,
                            statements::body,
                            statements::state,
                        ),
                        (statements::receipt_number, statements::submitted_at),
                        (
                            statements::drafted_by,
                            statements::submitted_by,
                            statements::withdrawn_by,
                        ),
                    ))
                    .load::<StatementTuple>(conn)
                    .map(|rows| {
                        rows.into_iter()
                            .map(|(a, b, c)| ExportedStatement {
                                id: a.0,
                                organisation_id: a.1,
                                consultation_id: a.2,
                                title: a.3,
                                body: a.4,
                                state: a.5,
                                receipt_number: b.0,
                                submitted_at: b.1.map(|t| t.and_utc()),
                                drafted_by_you: c.0 == Some(me),
                                submitted_by_you: c.1 == Some(me),
                                withdrawn_by_you: c.2 == Some(me),
                            })
                            .collect()
                    })
            },
            |s| s.id,
        )
    }

    fn export_schema(
        &self,
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        section_schema::<StatementsSection>(schemas)
    }

    fn erase(&self, conn: &mut DbConnection, subject: &Subject) -> Result<(), ApiError> {
        store::unlink_person(conn, subject.user_id)?;
        Ok(())
    }
}
