//! The append-only audit log: every decision by staff (and every change to an account's
//! standing) with who, what, when and a before/after summary. The application only inserts
//! and reads; administrators page through it at `GET /api/v1/admin/audit-log`.

use crate::db::schema::audit_log;
use crate::db::DbConnection;
use crate::http::pagination::{Cursor, Page, PageRequest};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Who acted: a user, or the operator on the command line.
pub type Actor = Option<i64>;

/// Appends one entry. Call it in the same transaction as the change it records.
pub fn record(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    actor: Actor,
    action: &str,
    object_type: &str,
    object_id: Option<i64>,
    details: serde_json::Value,
) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::actor_id.eq(actor),
            audit_log::action.eq(action),
            audit_log::object_type.eq(object_type),
            audit_log::object_id.eq(object_id),
            audit_log::details.eq(details.to_string()),
            audit_log::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// How many entries `actor` caused with `action` in the last `hours` (for limits that must
/// survive the deletion of what the entries are about).
pub fn count_recent(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    actor: i64,
    action: &str,
    hours: i64,
) -> QueryResult<i64> {
    audit_log::table
        .filter(audit_log::actor_id.eq(actor))
        .filter(audit_log::action.eq(action))
        .filter(audit_log::created_at.gt(now - chrono::Duration::hours(hours)))
        .count()
        .get_result(conn)
}

/// The documented shape of [`AuditEntry::details`]: an object whose usual keys are typed
/// and whose action-specific keys are allowed.
fn details_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::schema::AdditionalProperties;
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let any = || {
        ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::SchemaType::AnyValue)
            .build()
    };
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("before", any())
        .property("after", any())
        .property(
            "reason",
            ObjectBuilder::new().schema_type(utoipa::openapi::schema::SchemaType::from_iter([
                Type::String,
                Type::Null,
            ])),
        )
        .additional_properties(Some(AdditionalProperties::FreeForm(true)))
        .build()
}

/// One entry of the audit log.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    /// The user who acted; `null` for the operator's command line or a deleted user.
    pub actor_id: Option<i64>,
    #[schema(example = "user.role_changed")]
    pub action: String,
    #[schema(example = "user")]
    pub object_type: String,
    pub object_id: Option<i64>,
    /// What the action changed, as recorded: for changes `before` and `after` (the object's
    /// representation, `null` for what did not exist), for decisions the `reason`, and keys
    /// of the action's own (e.g. `role` and `member` for a membership).
    #[schema(schema_with = details_schema)]
    pub details: serde_json::Value,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = audit_log)]
struct AuditRow {
    id: i64,
    actor_id: Option<i64>,
    action: String,
    object_type: String,
    object_id: Option<i64>,
    details: String,
    created_at: NaiveDateTime,
}

/// Entries newest first, optionally only for one object type or one actor.
pub fn list(
    conn: &mut DbConnection,
    object_type: Option<String>,
    actor_id: Option<i64>,
    page: &PageRequest,
) -> QueryResult<Page<AuditEntry>> {
    let mut query = audit_log::table
        .select(AuditRow::as_select())
        .order(audit_log::id.desc())
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(t) = object_type {
        query = query.filter(audit_log::object_type.eq(t));
    }
    if let Some(a) = actor_id {
        query = query.filter(audit_log::actor_id.eq(a));
    }
    if let Some(after) = page.after {
        query = query.filter(audit_log::id.lt(after.id));
    }
    let rows = query.load(conn)?;
    Ok(page.finish(
        rows,
        |r| Cursor { key: 0, id: r.id },
        |r| AuditEntry {
            id: r.id,
            actor_id: r.actor_id,
            action: r.action,
            object_type: r.object_type,
            object_id: r.object_id,
            details: serde_json::from_str(&r.details).unwrap_or(serde_json::Value::Null),
            created_at: r.created_at.and_utc(),
        },
    ))
}

/// The audit log is the record of what staff and participants decided; it is kept.
pub struct AuditLog;

impl crate::personal_data::PersonalData for AuditLog {
    fn name(&self) -> &'static str {
        "audit"
    }

    fn tables(&self) -> &'static [crate::personal_data::Table] {
        use crate::personal_data::Kind::*;
        &[crate::personal_data::Table {
            name: "audit_log",
            columns: &[
                ("id", Plain),
                ("actor_id", Account),
                ("action", Plain),
                ("object_type", Plain),
                ("object_id", Plain),
                (
                    "details",
                    Personal("kept as the record of decisions; never holds addresses or passwords"),
                ),
                ("created_at", Plain),
            ],
        }]
    }

    fn processing(&self) -> &'static [crate::personal_data::Category] {
        &[crate::personal_data::Category {
            data: "audit log: who did what, when (account ids; details of the decision)",
            tables: &["audit_log"],
            purpose: "accountability of the consultation's decisions and of staff actions",
            basis: crate::personal_data::Basis::LegalObligation,
            retention: crate::personal_data::Retention::Record,
        }]
    }

    fn export(
        &self,
        conn: &mut DbConnection,
        subject: &crate::personal_data::Subject,
        out: &mut crate::personal_data::Section<'_>,
    ) -> Result<(), crate::error::ApiError> {
        let me = subject.user_id;
        out.list(
            "entries",
            |after, limit| {
                audit_log::table
                    .filter(
                        audit_log::actor_id.eq(me).or(audit_log::object_type
                            .eq("user")
                            .and(audit_log::object_id.eq(me))),
                    )
                    .filter(audit_log::id.gt(after.unwrap_or(0)))
                    .order(audit_log::id)
                    .limit(limit)
                    .select(AuditRow::as_select())
                    .load(conn)
                    .map(|rows| {
                        rows.into_iter()
                            .map(|r| {
                                let about_you = r.object_type == "user" && r.object_id == Some(me);
                                ExportedEntry {
                                    id: r.id,
                                    by_you: r.actor_id == Some(me),
                                    // What the person did to others (a block's reason, a
                                    // member's role) is about those others: only the entries
                                    // about the person's own account keep their details.
                                    details: about_you.then(|| {
                                        serde_json::from_str(&r.details)
                                            .unwrap_or(serde_json::Value::Null)
                                    }),
                                    action: r.action,
                                    object_type: r.object_type,
                                    object_id: r.object_id,
                                    created_at: r.created_at.and_utc(),
                                }
                            })
                            .collect()
                    })
            },
            |e| e.id,
        )
    }

    fn export_schema(
        &self,
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::personal_data::section_schema::<AuditSection>(schemas)
    }
}

/// An entry of the audit log about the person: what they did, or what staff did to their
/// account (then without naming who: `by_you` is false). `details` only for entries about the
/// person's own account; what they did to other people's records is named without details.
#[derive(Serialize, ToSchema)]
pub struct ExportedEntry {
    pub id: i64,
    pub by_you: bool,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<i64>,
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// The `audit` section of the export.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AuditSection {
    entries: Vec<ExportedEntry>,
}
