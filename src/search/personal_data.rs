//! The search index as personal data: it copies the texts of comments, proposals and
//! statements (which can reveal political opinions and origin) to make them findable. It is
//! derived data: a text is in it only while its slice publishes it, and leaves it in the same
//! transaction — when its author deletes it, a moderator hides it, or the author's account is
//! deleted with their texts. So it has nothing of its own to export or to erase.

use crate::db::DbConnection;
use crate::error::ApiError;
use crate::personal_data::{
    section_schema, Basis, Category, Kind::*, PersonalData, Retention, Section, Subject, Table,
};
use utoipa::ToSchema;

/// The `search` section of the export: always empty — the index holds copies of texts the
/// `contributions` and `statements` sections export already.
#[derive(ToSchema)]
pub struct SearchSection {}

/// The search index and its status.
pub struct SearchIndex;

const COPY: crate::personal_data::Kind = Personal(
    "a copy of a published text (folded for search in `*_terms`); removed with the text when it is deleted, hidden or removed with the account",
);

impl PersonalData for SearchIndex {
    fn name(&self) -> &'static str {
        "search"
    }

    fn tables(&self) -> &'static [Table] {
        &[
            Table {
                name: "search_documents",
                columns: &[
                    ("id", Plain),
                    ("kind", Plain),
                    ("subject_id", Plain),
                    ("language", Plain),
                    ("translation", Plain),
                    ("consultation_id", Plain),
                    ("field_id", Plain),
                    ("measure_id", Plain),
                    ("title", COPY),
                    ("body", COPY),
                    ("title_terms", COPY),
                    ("body_terms", COPY),
                ],
            },
            Table {
                name: "search_status",
                columns: &[
                    ("id", Plain),
                    ("folding_version", Plain),
                    ("built_at", Plain),
                ],
            },
        ]
    }

    fn processing(&self) -> &'static [Category] {
        &[Category {
            data: "Searchable copies of published texts: visible comments and proposals, published statements (and the catalogue)",
            tables: &["search_documents"],
            purpose: "Letting everybody find the public contributions of a consultation (search)",
            basis: Basis::PublicTask,
            retention: Retention::Record,
        }]
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
        section_schema::<SearchSection>(schemas)
    }
}
