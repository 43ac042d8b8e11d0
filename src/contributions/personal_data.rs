//! What comments and proposals hold about people — their texts can reveal political opinions
//! and origin — and what deleting an account does to it: contributions stay on the record as
//! "deleted participant" with their text (the account row no longer names anybody); supports
//! are withdrawn (the counts go down, the timeline of counts keeps no person); reports stay
//! counted but lose their author and note.

use super::store;
use crate::db::schema::{
    contribution_flags as flags, contribution_revisions as revisions,
    contribution_supports as supports, contributions, moderation_decisions as decisions,
};
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::personal_data::{
    section_schema, utc, utc_or_null, Basis, Category, Kind::*, PersonalData, Purged, Retention,
    Rule, Section, Subject, Table,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

/// A comment or proposal the person wrote, as the export shows it. Replies by others are not
/// copied: `parent_id` references what the person answered.
#[derive(Serialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = contributions)]
pub struct ExportedContribution {
    pub id: i64,
    /// `comment` or `proposal`.
    pub kind: String,
    pub consultation_id: i64,
    pub target_type: String,
    pub target_id: i64,
    pub parent_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub title: Option<String>,
    /// Empty once deleted.
    pub body: String,
    pub rationale: Option<String>,
    pub state: String,
    #[serde(serialize_with = "utc")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "utc_or_null")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub edited_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "utc_or_null")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub deleted_at: Option<NaiveDateTime>,
    /// Recorded by the person as a facilitator on behalf of somebody without an account (that
    /// person's name and contact are not part of this export).
    #[diesel(select_expression = contributions::assisted_by.is_not_null())]
    #[diesel(select_expression_type = diesel::dsl::IsNotNull<contributions::assisted_by>)]
    pub assisted: bool,
}

/// An earlier text of one of the person's contributions.
#[derive(Serialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = revisions)]
pub struct ExportedRevision {
    pub id: i64,
    pub contribution_id: i64,
    pub title: Option<String>,
    pub body: String,
    pub rationale: Option<String>,
    #[serde(serialize_with = "utc")]
    #[schema(value_type = String, format = DateTime)]
    pub written_at: NaiveDateTime,
    #[serde(serialize_with = "utc")]
    #[schema(value_type = String, format = DateTime)]
    pub replaced_at: NaiveDateTime,
}

/// A support the person gave.
#[derive(Serialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = supports)]
pub struct ExportedSupport {
    pub contribution_id: i64,
    #[serde(serialize_with = "utc")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
}

/// A report the person made.
#[derive(Serialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = flags)]
pub struct ExportedFlag {
    pub id: i64,
    pub contribution_id: i64,
    pub reason: String,
    pub note: Option<String>,
    #[serde(serialize_with = "utc")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "utc_or_null")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub resolved_at: Option<NaiveDateTime>,
}

/// A moderation decision about one of the person's contributions (the moderator is not
/// named).
#[derive(Serialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = decisions)]
pub struct ExportedDecision {
    pub id: i64,
    pub contribution_id: i64,
    pub decision: String,
    pub reason: Option<String>,
    pub note: Option<String>,
    #[serde(serialize_with = "utc")]
    #[schema(value_type = String, format = DateTime)]
    pub decided_at: NaiveDateTime,
}

/// The `contributions` section of the export.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ContributionsSection {
    contributions: Vec<ExportedContribution>,
    revisions: Vec<ExportedRevision>,
    supports: Vec<ExportedSupport>,
    flags: Vec<ExportedFlag>,
    decisions: Vec<ExportedDecision>,
}

/// The contact a facilitator recorded for a person without an account: needed while the
/// consultation runs (moderators may ask the person about the entry), not after.
pub const ASSISTED_CONTACTS: Rule = Rule {
    table: "contributions",
    what: "contacts of people for whom a facilitator recorded a contribution",
    from: "the close of the consultation's commenting window",
    days: 90,
};

/// Comments, proposals, their supports, reports, earlier texts and moderation decisions.
pub struct Contributions;

impl PersonalData for Contributions {
    fn name(&self) -> &'static str {
        "contributions"
    }

    fn tables(&self) -> &'static [Table] {
        const TEXT: crate::personal_data::Kind =
            Personal("stays with \"deleted participant\"; removed (a placeholder stays) when the author deletes it or asks for it with the account's deletion");
        &[
            Table {
                name: "contributions",
                columns: &[
                    ("id", Plain),
                    ("kind", Plain),
                    ("consultation_id", Plain),
                    ("target_type", Plain),
                    ("target_id", Plain),
                    ("parent_id", Plain),
                    ("depth", Plain),
                    ("author_id", Account),
                    ("organisation_id", Plain),
                    ("author_group", Plain),
                    ("title", TEXT),
                    ("body", TEXT),
                    ("rationale", TEXT),
                    ("state", Plain),
                    ("hidden_by_flags", Plain),
                    ("open_flags", Plain),
                    ("support_count", Plain),
                    ("reply_count", Plain),
                    ("answer", Plain),
                    ("answer_explanation", Plain),
                    ("answer_measure_id", Plain),
                    ("answer_consultation_id", Plain),
                    ("answered_at", Plain),
                    ("edited_at", Plain),
                    ("deleted_at", Plain),
                    ("version", Plain),
                    ("created_at", Plain),
                    ("updated_at", Plain),
                    ("language", Plain),
                    ("assisted_by", Account),
                    (
                        "assisted_name",
                        Personal("the name or pseudonym a person without an account chose to appear under (assisted participation); public with the text"),
                    ),
                    (
                        "assisted_contact",
                        Personal("erased 90 days after the consultation's commenting window closed"),
                    ),
                ],
            },
            Table {
                name: "contribution_revisions",
                columns: &[
                    ("id", Plain),
                    ("contribution_id", Plain),
                    ("title", TEXT),
                    ("body", TEXT),
                    ("rationale", TEXT),
                    ("written_at", Plain),
                    ("replaced_at", Plain),
                ],
            },
            Table {
                name: "contribution_supports",
                columns: &[
                    (
                        "contribution_id",
                        Personal("deleted: the support is withdrawn"),
                    ),
                    ("user_id", Personal("deleted: the support is withdrawn")),
                    ("created_at", Personal("deleted: the support is withdrawn")),
                ],
            },
            Table {
                name: "support_events",
                columns: &[
                    ("id", Plain),
                    ("contribution_id", Plain),
                    ("at", Plain),
                    ("delta", Plain),
                ],
            },
            Table {
                name: "contribution_flags",
                columns: &[
                    ("id", Plain),
                    ("contribution_id", Plain),
                    (
                        "user_id",
                        Personal("unlinked (set to null); the report stays counted"),
                    ),
                    ("reason", Plain),
                    ("note", Personal("deleted with the link to its author")),
                    ("created_at", Plain),
                    ("resolved_at", Plain),
                ],
            },
            Table {
                name: "moderation_decisions",
                columns: &[
                    ("id", Plain),
                    ("contribution_id", Plain),
                    ("item_kind", Plain),
                    ("consultation_id", Plain),
                    ("decision", Plain),
                    ("reason", Plain),
                    (
                        "note",
                        Personal(
                            "a moderator's note to the author; kept as the record of the decision",
                        ),
                    ),
                    ("after_automatic_hiding", Plain),
                    ("moderator_id", Account),
                    ("decided_at", Plain),
                ],
            },
        ]
    }

    fn processing(&self) -> &'static [Category] {
        &[
            Category {
                data: "comments and proposals with their earlier texts (may reveal political opinions or origin, Art. 9)",
                tables: &["contributions", "contribution_revisions"],
                purpose: "the public consultation: what people said about the concept",
                basis: Basis::Consent,
                retention: Retention::Record,
            },
            Category {
                data: "people without an account for whom a facilitator recorded a comment or proposal: name or pseudonym, optional contact (assisted participation)",
                tables: &["contributions"],
                purpose: "letting people without an account take part through community centres and counselling services; moderators can reach them about their entry",
                basis: Basis::Consent,
                retention: Retention::Purged(&ASSISTED_CONTACTS),
            },
            Category {
                data: "supports: which proposals and comments a person supported",
                tables: &["contribution_supports"],
                purpose: "counting support; letting the person withdraw it",
                basis: Basis::Consent,
                retention: Retention::UntilDeletion,
            },
            Category {
                data: "reports of contributions with their note",
                tables: &["contribution_flags"],
                purpose: "moderation",
                basis: Basis::PublicTask,
                retention: Retention::UntilDeletion,
            },
            Category {
                data: "moderation decisions: which moderator decided, with a note to the author",
                tables: &["moderation_decisions"],
                purpose: "accountability of moderation",
                basis: Basis::LegalObligation,
                retention: Retention::Record,
            },
        ]
    }

    fn export(
        &self,
        conn: &mut DbConnection,
        subject: &Subject,
        out: &mut Section<'_>,
    ) -> Result<(), ApiError> {
        let me = subject.user_id;
        out.list(
            "contributions",
            |after, limit| {
                contributions::table
                    .filter(contributions::author_id.eq(me))
                    .filter(contributions::id.gt(after.unwrap_or(0)))
                    .order(contributions::id)
                    .limit(limit)
                    .select(ExportedContribution::as_select())
                    .load(conn)
            },
            |c| c.id,
        )?;
        out.list(
            "revisions",
            |after, limit| {
                revisions::table
                    .inner_join(contributions::table)
                    .filter(contributions::author_id.eq(me))
                    .filter(revisions::id.gt(after.unwrap_or(0)))
                    .order(revisions::id)
                    .limit(limit)
                    .select(ExportedRevision::as_select())
                    .load(conn)
            },
            |r| r.id,
        )?;
        out.list(
            "supports",
            |after, limit| {
                supports::table
                    .filter(supports::user_id.eq(me))
                    .filter(supports::contribution_id.gt(after.unwrap_or(0)))
                    .order(supports::contribution_id)
                    .limit(limit)
                    .select(ExportedSupport::as_select())
                    .load(conn)
            },
            |s| s.contribution_id,
        )?;
        out.list(
            "flags",
            |after, limit| {
                flags::table
                    .filter(flags::user_id.eq(me))
                    .filter(flags::id.gt(after.unwrap_or(0)))
                    .order(flags::id)
                    .limit(limit)
                    .select(ExportedFlag::as_select())
                    .load(conn)
            },
            |f| f.id,
        )?;
        out.list(
            "decisions",
            |after, limit| {
                decisions::table
                    .inner_join(contributions::table)
                    .filter(contributions::author_id.eq(me))
                    .filter(decisions::id.gt(after.unwrap_or(0)))
                    .order(decisions::id)
                    .limit(limit)
                    .select(ExportedDecision::as_select())
                    .load(conn)
            },
            |d| d.id,
        )
    }

    fn export_schema(
        &self,
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        section_schema::<ContributionsSection>(schemas)
    }

    fn retention(&self) -> &'static [&'static Rule] {
        &[&ASSISTED_CONTACTS]
    }

    /// Erases the contacts of assisted contributions 90 days after their consultation's
    /// commenting window closed (the name stays, as the public author of the text).
    fn purge(&self, conn: &mut DbConnection, now: NaiveDateTime) -> Result<Purged, ApiError> {
        use crate::db::schema::consultations;
        let closed = consultations::table
            .filter(consultations::comment_closes_at.le(ASSISTED_CONTACTS.cutoff(now)))
            .select(consultations::id);
        let erased = diesel::update(
            contributions::table
                .filter(contributions::assisted_contact.is_not_null())
                .filter(contributions::consultation_id.eq_any(closed)),
        )
        .set(contributions::assisted_contact.eq(None::<String>))
        .execute(conn)?;
        Ok(vec![(&ASSISTED_CONTACTS, erased)])
    }

    /// Withdraws supports and unlinks reports; when the person asked for it, removes the texts
    /// of their contributions too (placeholders keep the threads whole).
    fn erase(&self, conn: &mut DbConnection, subject: &Subject) -> Result<(), ApiError> {
        store::withdraw_all_supports(conn, subject.now, subject.user_id)?;
        store::unlink_flags(conn, subject.user_id)?;
        if subject.remove_texts {
            let own: Vec<i64> = contributions::table
                .filter(contributions::author_id.eq(subject.user_id))
                // What a facilitator recorded for others is those people's, not theirs.
                .filter(contributions::assisted_by.is_null())
                .filter(contributions::deleted_at.is_null())
                .select(contributions::id)
                .load(conn)?;
            for id in own {
                if let Some(row) = store::find(conn, id)? {
                    store::remove_text(conn, subject.now, &row)?;
                }
            }
        }
        Ok(())
    }
}
