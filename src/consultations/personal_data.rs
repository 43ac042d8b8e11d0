//! Consultations hold rounds, their scope and rules — no personal data.

use crate::db::DbConnection;
use crate::error::ApiError;
use crate::personal_data::{
    section_schema, Category, Kind::*, PersonalData, Section, Subject, Table,
};
use utoipa::ToSchema;

/// The `consultations` section of the export: always empty, since consultations hold nothing
/// about people (kept so that every slice has its section).
#[derive(ToSchema)]
pub struct ConsultationsSection {}

/// Consultations with their scope and ballot options.
pub struct Consultations;

impl PersonalData for Consultations {
    fn name(&self) -> &'static str {
        "consultations"
    }

    fn tables(&self) -> &'static [Table] {
        &[
            Table {
                name: "consultations",
                columns: &[
                    ("id", Plain),
                    ("title", Plain),
                    ("description", Plain),
                    ("whole_concept", Plain),
                    ("comment_opens_at", Plain),
                    ("comment_closes_at", Plain),
                    ("vote_opens_at", Plain),
                    ("vote_closes_at", Plain),
                    ("moderation", Plain),
                    ("points_budget", Plain),
                    ("max_points_per_option", Plain),
                    ("option_kind", Plain),
                    ("results_visibility", Plain),
                    ("version", Plain),
                    ("created_at", Plain),
                    ("updated_at", Plain),
                ],
            },
            Table {
                name: "consultation_fields",
                columns: &[("consultation_id", Plain), ("field_id", Plain)],
            },
            Table {
                name: "consultation_measures",
                columns: &[("consultation_id", Plain), ("measure_id", Plain)],
            },
            Table {
                name: "consultation_options",
                columns: &[
                    ("consultation_id", Plain),
                    ("item_id", Plain),
                    ("position", Plain),
                ],
            },
        ]
    }

    fn processing(&self) -> &'static [Category] {
        &[]
    }

    fn export(
        &self,
        _: &mut DbConnection,
        _: &Subject,
        _: &mut Section<'_>,
    ) -> Result<(), ApiError> {
        Ok(())
    }

    fn export_schema(
        &self,
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        section_schema::<ConsultationsSection>(schemas)
    }
}
