//! What accounts hold about people, and how deleting an account erases it.

use super::consent::{self, Acceptance};
use super::model::Role;
use super::store;
use crate::db::schema::{one_time_tokens, refresh_tokens, sessions, users};
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::personal_data::{
    section_schema, utc, utc_or_null, Basis, Category, Kind::*, PersonalData, Purged, Retention,
    Rule, Section, Subject, Table,
};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

/// Accounts whose address was never verified are erased this long after registration (the
/// link lives 48 hours; a new one can be asked for meanwhile).
pub const UNVERIFIED: Rule = Rule {
    table: "users",
    what: "accounts whose address was never verified (erased like a deletion)",
    from: "registration",
    days: 14,
};
/// Single-use links go once they were used or expired.
pub const USED_TOKENS: Rule = Rule {
    table: "one_time_tokens",
    what: "verification and password-reset tokens that were used or expired",
    from: "use or expiry",
    days: 1,
};
/// Sessions (and their refresh tokens) go this long after they ended.
pub const ENDED_SESSIONS: Rule = Rule {
    table: "sessions",
    what: "sessions that expired or were ended, with their refresh tokens",
    from: "their end",
    days: 30,
};

/// The account as the export shows it.
#[derive(Serialize, ToSchema)]
pub struct ExportedAccount {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub preferred_language: String,
    pub role: String,
    pub terms_version: String,
    pub privacy_version: String,
    pub email_verified_at: Option<DateTime<Utc>>,
    pub blocked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A session as the export shows it: when and until when, never its tokens.
#[derive(Serialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct ExportedSession {
    pub id: i64,
    #[serde(serialize_with = "utc")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "utc")]
    #[schema(value_type = String, format = DateTime)]
    pub last_used_at: NaiveDateTime,
    #[serde(serialize_with = "utc")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: NaiveDateTime,
    #[serde(serialize_with = "utc_or_null")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<NaiveDateTime>,
}

/// The `accounts` section of the export.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AccountsSection {
    account: ExportedAccount,
    sessions: Vec<ExportedSession>,
    /// Every acceptance of the terms and the privacy notice, oldest first.
    consents: Vec<Acceptance>,
}

/// Accounts, sessions and single-use tokens.
pub struct Accounts;

impl PersonalData for Accounts {
    fn name(&self) -> &'static str {
        "accounts"
    }

    fn tables(&self) -> &'static [Table] {
        const KEPT: crate::personal_data::Kind =
            Personal("kept; no longer about anyone identifiable once address and name are gone");
        &[
            Table {
                name: "users",
                columns: &[
                    ("id", Plain),
                    ("email", Personal("replaced by deleted-<id>@invalid")),
                    ("password_hash", Secret("replaced by an unusable value")),
                    ("display_name", Personal("replaced by \"Gelöschtes Konto\"")),
                    ("preferred_language", Personal("reset to the default")),
                    ("role", Plain),
                    ("terms_version", Plain),
                    ("privacy_version", Plain),
                    ("email_verified_at", KEPT),
                    ("blocked_at", KEPT),
                    ("deleted_at", Plain),
                    ("created_at", KEPT),
                    ("updated_at", Plain),
                ],
            },
            Table {
                name: "sessions",
                columns: &[
                    ("id", Plain),
                    ("user_id", Personal("deleted with the session")),
                    ("created_at", Personal("deleted with the session")),
                    ("last_used_at", Personal("deleted with the session")),
                    ("expires_at", Plain),
                    ("revoked_at", Plain),
                ],
            },
            Table {
                name: "refresh_tokens",
                columns: &[
                    ("id", Plain),
                    ("session_id", Plain),
                    ("token_hash", Secret("deleted with the session")),
                    ("created_at", Personal("deleted with the session")),
                    ("used_at", Personal("deleted with the session")),
                ],
            },
            Table {
                name: "consents",
                columns: &[
                    ("id", Plain),
                    ("user_id", Personal("deleted with the account")),
                    ("document", Plain),
                    ("version", Plain),
                    ("accepted_at", Personal("deleted with the account")),
                ],
            },
            Table {
                name: "one_time_tokens",
                columns: &[
                    ("id", Plain),
                    ("user_id", Personal("deleted")),
                    ("purpose", Plain),
                    ("token_hash", Secret("deleted")),
                    ("created_at", Plain),
                    ("expires_at", Plain),
                    ("used_at", Plain),
                ],
            },
        ]
    }

    fn processing(&self) -> &'static [Category] {
        &[
            Category {
                data: "account: e-mail address, display name, password hash, language, role",
                tables: &["users"],
                purpose: "signing in; showing who wrote a contribution; mails about the person's own participation",
                basis: Basis::Contract,
                retention: Retention::UntilDeletion,
            },
            Category {
                data: "consents: which version of the terms and the privacy notice was accepted, when",
                tables: &["consents"],
                purpose: "proving what the person agreed to",
                basis: Basis::LegalObligation,
                retention: Retention::UntilDeletion,
            },
            Category {
                data: "sessions: when the person signed in and last used a session",
                tables: &["sessions", "refresh_tokens"],
                purpose: "keeping the person signed in; ending sessions on request",
                basis: Basis::Contract,
                retention: Retention::Purged(&ENDED_SESSIONS),
            },
            Category {
                data: "single-use tokens (as hashes) for address verification and password reset",
                tables: &["one_time_tokens"],
                purpose: "verifying the address; resetting the password",
                basis: Basis::Contract,
                retention: Retention::Purged(&USED_TOKENS),
            },
        ]
    }

    fn export(
        &self,
        conn: &mut DbConnection,
        subject: &Subject,
        out: &mut Section<'_>,
    ) -> Result<(), ApiError> {
        let u = store::user_by_id(conn, subject.user_id)?;
        out.value(
            "account",
            &ExportedAccount {
                id: u.id,
                email: u.email,
                display_name: u.display_name,
                preferred_language: u.preferred_language,
                role: u.role,
                terms_version: u.terms_version,
                privacy_version: u.privacy_version,
                email_verified_at: u.email_verified_at.map(|t| t.and_utc()),
                blocked_at: u.blocked_at.map(|t| t.and_utc()),
                created_at: u.created_at.and_utc(),
            },
        )?;
        out.list(
            "sessions",
            |after, limit| {
                sessions::table
                    .filter(sessions::user_id.eq(subject.user_id))
                    .filter(sessions::id.gt(after.unwrap_or(0)))
                    .order(sessions::id)
                    .limit(limit)
                    .select(ExportedSession::as_select())
                    .load(conn)
            },
            |s| s.id,
        )?;
        out.list(
            "consents",
            |after, limit| consent::history(conn, subject.user_id, after, limit),
            |a| a.id,
        )
    }

    fn export_schema(
        &self,
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        section_schema::<AccountsSection>(schemas)
    }

    fn retention(&self) -> &'static [&'static Rule] {
        &[&UNVERIFIED, &USED_TOKENS, &ENDED_SESSIONS]
    }

    fn purge(&self, conn: &mut DbConnection, now: NaiveDateTime) -> Result<Purged, ApiError> {
        let cutoff = USED_TOKENS.cutoff(now);
        let tokens = diesel::delete(
            one_time_tokens::table.filter(
                one_time_tokens::used_at
                    .le(cutoff)
                    .or(one_time_tokens::expires_at.le(cutoff)),
            ),
        )
        .execute(conn)?;
        let cutoff = ENDED_SESSIONS.cutoff(now);
        let ended = sessions::table
            .filter(
                sessions::expires_at
                    .le(cutoff)
                    .or(sessions::revoked_at.le(cutoff)),
            )
            .select(sessions::id);
        diesel::delete(refresh_tokens::table.filter(refresh_tokens::session_id.eq_any(ended)))
            .execute(conn)?;
        let sessions = diesel::delete(
            sessions::table.filter(
                sessions::expires_at
                    .le(cutoff)
                    .or(sessions::revoked_at.le(cutoff)),
            ),
        )
        .execute(conn)?;
        Ok(vec![(&USED_TOKENS, tokens), (&ENDED_SESSIONS, sessions)])
    }

    /// Accounts never verified within [`UNVERIFIED`]'s period: the purge erases them like a
    /// deletion (through every slice).
    fn expired_accounts(
        &self,
        conn: &mut DbConnection,
        now: NaiveDateTime,
    ) -> Result<Vec<i64>, ApiError> {
        Ok(users::table
            .filter(users::email_verified_at.is_null())
            .filter(users::deleted_at.is_null())
            .filter(users::created_at.le(UNVERIFIED.cutoff(now)))
            .order(users::id)
            .limit(1000)
            .select(users::id)
            .load(conn)?)
    }

    fn claim_expired(
        &self,
        conn: &mut DbConnection,
        user_id: i64,
        now: NaiveDateTime,
    ) -> Result<Option<(String, &'static str)>, ApiError> {
        Ok(store::lock_user(conn, user_id)?
            .filter(|u| {
                u.email_verified_at.is_none()
                    && u.deleted_at.is_none()
                    && u.created_at <= UNVERIFIED.cutoff(now)
            })
            .map(|u| (u.email, "never_verified")))
    }

    /// Refuses to delete the last active administrator; otherwise anonymises the account and
    /// ends its sessions.
    fn erase(&self, conn: &mut DbConnection, subject: &Subject) -> Result<(), ApiError> {
        let account = store::user_by_id(conn, subject.user_id)?;
        if account.role() == Role::Admin && store::active_admins(conn)? <= 1 {
            return Err(super::problems::LAST_ADMIN.problem());
        }
        store::anonymise_user(conn, subject.now, subject.user_id)?;
        Ok(())
    }
}
