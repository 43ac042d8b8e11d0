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
    section_schema, Basis, Category, Kind::*, PersonalData, Purged, Retention, Rule, Section,
    Subject, Table,
};
use chrono::{DateTime, NaiveDateTime, Utc};
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
#[derive(Serialize, ToSchema)]
pub struct ExportedMembership {
    pub organisation_id: i64,
    pub organisation_name: String,
    pub role: String,
    pub joined_at: DateTime<Utc>,
}

/// A join request as the export shows it (who decided is not named).
#[derive(Serialize, ToSchema)]
pub struct ExportedJoinRequest {
    pub id: i64,
    pub organisation_id: i64,
    pub message: Option<String>,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// An invitation to the person's address as the export shows it (who invited is not named).
#[derive(Serialize, ToSchema)]
pub struct ExportedInvitation {
    pub id: i64,
    pub organisation_id: i64,
    pub role: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub outcome: Option<String>,
}

/// An organisation the person registered.
#[derive(Serialize, ToSchema)]
pub struct ExportedRegistration {
    pub organisation_id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
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
                    .select((
                        members::organisation_id,
                        organisations::name,
                        members::role,
                        members::joined_at,
                    ))
                    .load::<(i64, String, String, NaiveDateTime)>(conn)
                    .map(|rows| {
                        rows.into_iter()
                            .map(|(organisation_id, organisation_name, role, at)| {
                                ExportedMembership {
                                    organisation_id,
                                    organisation_name,
                                    role,
                                    joined_at: at.and_utc(),
                                }
                            })
                            .collect()
                    })
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
                    .select((
                        requests::id,
                        requests::organisation_id,
                        requests::message,
                        requests::status,
                        requests::created_at,
                        requests::decided_at,
                    ))
                    .load::<(
                        i64,
                        i64,
                        Option<String>,
                        String,
                        NaiveDateTime,
                        Option<NaiveDateTime>,
                    )>(conn)
                    .map(|rows| {
                        rows.into_iter()
                            .map(|(id, organisation_id, message, status, created, decided)| {
                                ExportedJoinRequest {
                                    id,
                                    organisation_id,
                                    message,
                                    status,
                                    created_at: created.and_utc(),
                                    decided_at: decided.map(|t| t.and_utc()),
                                }
                            })
                            .collect()
                    })
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
                    .select((
                        invitations::id,
                        invitations::organisation_id,
                        invitations::role,
                        invitations::created_at,
                        invitations::expires_at,
                        invitations::outcome,
                    ))
                    .load::<(
                        i64,
                        i64,
                        String,
                        NaiveDateTime,
                        NaiveDateTime,
                        Option<String>,
                    )>(conn)
                    .map(|rows| {
                        rows.into_iter()
                            .map(|(id, organisation_id, role, created, expires, outcome)| {
                                ExportedInvitation {
                                    id,
                                    organisation_id,
                                    role,
                                    created_at: created.and_utc(),
                                    expires_at: expires.and_utc(),
                                    outcome,
                                }
                            })
                            .collect()
                    })
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
                    .select((
                        organisations::id,
                        organisations::name,
                        organisations::created_at,
                    ))
                    .load::<(i64, String, NaiveDateTime)>(conn)
                    .map(|rows| {
                        rows.into_iter()
                            .map(|(organisation_id, name, created)| ExportedRegistration {
                                organisation_id,
                                name,
                                created_at: created.and_utc(),
                            })
                            .collect()
                    })
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
