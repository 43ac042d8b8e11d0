//! What the organisations slice holds about people — memberships reveal which community a
//! person belongs to — and how deleting an account erases it.

use super::{membership, store};
use crate::db::schema::{
    organisation_invitations as invitations, organisation_join_requests as requests,
    organisation_members as members, organisations,
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

/// Invitations hold the address of somebody who may never have registered: they go this long
/// after they were closed (accepted, revoked, replaced) or expired.
pub const CLOSED_INVITATIONS: Rule = Rule {
    table: "organisation_invitations",
    what: "invitations that were accepted, revoked, replaced or expired",
    from: "closing or expiry",
    days: 30,
};
/// Join requests that were declined or withdrawn go this long after.
pub const DECLINED_REQUESTS: Rule = Rule {
    table: "organisation_join_requests",
    what: "join requests that were declined or withdrawn",
    from: "the decision",
    days: 30,
};

/// A membership as the export shows it.
#[derive(Serialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = members)]
pub struct ExportedMembership {
    pub organisation_id: i64,
    #[diesel(select_expression = organisations::name)]
    pub organisation_name: String,
    pub role: String,
    #[serde(serialize_with = "utc")]
    #[schema(value_type = String, format = DateTime)]
    pub joined_at: NaiveDateTime,
}

/// A join request as the export shows it (who decided is not named).
#[derive(Serialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = requests)]
pub struct ExportedJoinRequest {
    pub id: i64,
    pub organisation_id: i64,
    pub message: Option<String>,
    pub status: String,
    #[serde(serialize_with = "utc")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "utc_or_null")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<NaiveDateTime>,
}

/// An invitation to the person's address as the export shows it (who invited is not named).
#[derive(Serialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = invitations)]
pub struct ExportedInvitation {
    pub id: i64,
    pub organisation_id: i64,
    pub role: String,
    #[serde(serialize_with = "utc")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "utc")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: NaiveDateTime,
    pub outcome: Option<String>,
}

/// An organisation the person registered.
#[derive(Serialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = organisations)]
pub struct ExportedRegistration {
    #[diesel(column_name = id)]
    pub organisation_id: i64,
    pub name: String,
    #[serde(serialize_with = "utc")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
}

/// The `organisations` section of the export.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct OrganisationsSection {
    memberships: Vec<ExportedMembership>,
    join_requests: Vec<ExportedJoinRequest>,
    invitations: Vec<ExportedInvitation>,
    registered: Vec<ExportedRegistration>,
}

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
                        Personal("cleared when the account is deleted (open requests are withdrawn, decided ones stay as the record without it)"),
                    ),
                    ("status", Plain),
                    ("created_at", Plain),
                    ("decided_at", Plain),
                    ("decided_by", Account),
                ],
            },
        ]
    }

    fn processing(&self) -> &'static [Category] {
        &[
            Category {
                data: "memberships in organisations and their roles (may reveal origin or belief)",
                tables: &["organisation_members"],
                purpose:
                    "letting organisations take part and sign statements through their members",
                basis: Basis::Consent,
                retention: Retention::UntilDeletion,
            },
            Category {
                data: "invitations: the invited address",
                tables: &["organisation_invitations"],
                purpose: "inviting a person into an organisation",
                basis: Basis::PublicTask,
                retention: Retention::Purged(&CLOSED_INVITATIONS),
            },
            Category {
                data: "join requests with their message",
                tables: &["organisation_join_requests"],
                purpose: "asking to join an organisation",
                basis: Basis::Consent,
                retention: Retention::Purged(&DECLINED_REQUESTS),
            },
            Category {
                data: "an organisation's public contact address and who registered it",
                tables: &["organisations"],
                purpose: "verifying organisations and reaching them about their statements",
                basis: Basis::PublicTask,
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
            "memberships",
            |after, limit| {
                members::table
                    .inner_join(organisations::table)
                    .filter(members::user_id.eq(me))
                    .filter(members::organisation_id.gt(after.unwrap_or(0)))
                    .order(members::organisation_id)
                    .limit(limit)
                    .select(ExportedMembership::as_select())
                    .load(conn)
            },
            |m| m.organisation_id,
        )?;
        out.list(
            "join_requests",
            |after, limit| {
                requests::table
                    .filter(requests::user_id.eq(me))
                    .filter(requests::id.gt(after.unwrap_or(0)))
                    .order(requests::id)
                    .limit(limit)
                    .select(ExportedJoinRequest::as_select())
                    .load(conn)
            },
            |r| r.id,
        )?;
        out.list(
            "invitations",
            |after, limit| {
                if !subject.address_verified {
                    return Ok(Vec::new());
                }
                invitations::table
                    .filter(invitations::email.eq(&subject.email))
                    .filter(invitations::id.gt(after.unwrap_or(0)))
                    .order(invitations::id)
                    .limit(limit)
                    .select(ExportedInvitation::as_select())
                    .load(conn)
            },
            |i| i.id,
        )?;
        out.list(
            "registered",
            |after, limit| {
                organisations::table
                    .filter(organisations::registered_by.eq(me))
                    .filter(organisations::id.gt(after.unwrap_or(0)))
                    .order(organisations::id)
                    .limit(limit)
                    .select(ExportedRegistration::as_select())
                    .load(conn)
            },
            |r| r.organisation_id,
        )
    }

    fn export_schema(
        &self,
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        section_schema::<OrganisationsSection>(schemas)
    }

    fn retention(&self) -> &'static [&'static Rule] {
        &[&CLOSED_INVITATIONS, &DECLINED_REQUESTS]
    }

    fn purge(&self, conn: &mut DbConnection, now: NaiveDateTime) -> Result<Purged, ApiError> {
        let cutoff = CLOSED_INVITATIONS.cutoff(now);
        let closed = diesel::delete(
            invitations::table.filter(
                invitations::closed_at
                    .le(cutoff)
                    .or(invitations::expires_at.le(cutoff)),
            ),
        )
        .execute(conn)?;
        let cutoff = DECLINED_REQUESTS.cutoff(now);
        let declined = diesel::delete(
            requests::table
                .filter(requests::status.eq_any(["declined", "withdrawn"]))
                .filter(requests::decided_at.le(cutoff)),
        )
        .execute(conn)?;
        Ok(vec![
            (&CLOSED_INVITATIONS, closed),
            (&DECLINED_REQUESTS, declined),
        ])
    }

    /// Ends the memberships (refusing for the last representative of a verified
    /// organisation), withdraws open join requests and clears the messages of all, and deletes
    /// invitations to the address.
    fn erase(&self, conn: &mut DbConnection, subject: &Subject) -> Result<(), ApiError> {
        membership::end_memberships_of_deleted_account(conn, subject.now, subject.user_id)?;
        // The messages of decided requests go too; the requests stay as the record of the
        // decisions.
        diesel::update(requests::table.filter(requests::user_id.eq(subject.user_id)))
            .set(requests::message.eq(None::<String>))
            .execute(conn)?;
        // Only an address the account proved to own: anyone can register any address, and an
        // unverified account must not wipe the invitations meant for its real owner (they go
        // with their retention rule).
        if subject.address_verified {
            store::delete_invitations_to(conn, &subject.email)?;
        }
        Ok(())
    }
}
