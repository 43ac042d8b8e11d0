//! The catalogue holds the concept under revision — no personal data but who recorded a
//! status change.

use crate::db::schema::measure_status_history as history;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::personal_data::{
    section_schema, utc, Basis, Category, Kind::*, PersonalData, Retention, Section, Subject, Table,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

/// A status change of a measure the person (as staff) recorded.
#[derive(Serialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = history)]
pub struct ExportedStatusRecord {
    pub id: i64,
    pub measure_id: i64,
    pub implementation_status: String,
    #[serde(serialize_with = "utc")]
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: NaiveDateTime,
}

/// The `catalogue` section of the export.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CatalogueSection {
    status_records: Vec<ExportedStatusRecord>,
}

/// Concept, vision, goals, fields of action, measures and their status history.
pub struct Catalogue;

impl PersonalData for Catalogue {
    fn name(&self) -> &'static str {
        "catalogue"
    }

    fn tables(&self) -> &'static [Table] {
        &[
            // Translations of the catalogue's and the consultations' texts (issue 15): the
            // city's texts, no person (who wrote one is in the audit log).
            Table {
                name: "translations",
                columns: &[
                    ("id", Plain),
                    ("subject", Plain),
                    ("subject_id", Plain),
                    ("field", Plain),
                    ("language", Plain),
                    ("body", Plain),
                    ("source_hash", Plain),
                    ("updated_at", Plain),
                ],
            },
            Table {
                name: "concepts",
                columns: &[
                    ("id", Plain),
                    ("title", Plain),
                    ("vision_title", Plain),
                    ("decided_on", Plain),
                    ("decision_reference", Plain),
                    ("summary", Plain),
                    ("created_at", Plain),
                    ("updated_at", Plain),
                ],
            },
            Table {
                name: "vision_statements",
                columns: &[
                    ("id", Plain),
                    ("concept_id", Plain),
                    ("kind", Plain),
                    ("position", Plain),
                    ("text", Plain),
                    ("retired_at", Plain),
                    ("version", Plain),
                ],
            },
            Table {
                name: "priority_goals",
                columns: &[
                    ("id", Plain),
                    ("concept_id", Plain),
                    ("position", Plain),
                    ("text", Plain),
                    ("retired_at", Plain),
                    ("version", Plain),
                ],
            },
            Table {
                name: "fields",
                columns: &[
                    ("id", Plain),
                    ("concept_id", Plain),
                    ("number", Plain),
                    ("title", Plain),
                    ("summary", Plain),
                    ("created_at", Plain),
                    ("updated_at", Plain),
                    ("retired_at", Plain),
                    ("version", Plain),
                ],
            },
            Table {
                name: "measures",
                columns: &[
                    ("id", Plain),
                    ("field_id", Plain),
                    ("code", Plain),
                    ("position", Plain),
                    ("title", Plain),
                    ("description", Plain),
                    ("responsible_body", Plain),
                    ("implementation_status", Plain),
                    ("status_note", Plain),
                    ("status_date", Plain),
                    ("created_at", Plain),
                    ("updated_at", Plain),
                    ("retired_at", Plain),
                    ("version", Plain),
                ],
            },
            Table {
                name: "measure_status_history",
                columns: &[
                    ("id", Plain),
                    ("measure_id", Plain),
                    ("implementation_status", Plain),
                    ("status_note", Plain),
                    ("status_date", Plain),
                    ("recorded_by", Account),
                    ("recorded_at", Plain),
                ],
            },
        ]
    }

    fn processing(&self) -> &'static [Category] {
        &[Category {
            data: "who (which staff account) recorded a measure's status change",
            tables: &["measure_status_history"],
            purpose: "accountability of the implementation report",
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
        out.list(
            "status_records",
            |after, limit| {
                history::table
                    .filter(history::recorded_by.eq(subject.user_id))
                    .filter(history::id.gt(after.unwrap_or(0)))
                    .order(history::id)
                    .limit(limit)
                    .select(ExportedStatusRecord::as_select())
                    .load(conn)
            },
            |r| r.id,
        )
    }

    fn export_schema(
        &self,
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        section_schema::<CatalogueSection>(schemas)
    }
}
