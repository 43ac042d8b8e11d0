//! Queries of accounts, sessions and single-use tokens.

use super::model::{Language, Me, Role};
use super::tokens::{hash_secret, random_secret};
use crate::db::schema::{one_time_tokens, refresh_tokens, sessions, users};
use crate::db::DbConnection;
use crate::db_run;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::time::Duration;

/// A stored account.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub display_name: String,
    pub preferred_language: String,
    pub role: String,
    pub terms_version: String,
    pub privacy_version: String,
    pub email_verified_at: Option<NaiveDateTime>,
    pub blocked_at: Option<NaiveDateTime>,
    pub deleted_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl UserRow {
    pub fn role(&self) -> Role {
        Role::from_stored(&self.role)
    }

    pub fn language(&self) -> Language {
        Language::from_stored(&self.preferred_language)
    }

    pub fn to_me(&self) -> Me {
        Me {
            id: self.id,
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            preferred_language: super::model::LanguageTag::from_stored(&self.preferred_language),
            role: self.role(),
            email_verified: self.email_verified_at.is_some(),
            terms_version: self.terms_version.clone(),
            privacy_version: self.privacy_version.clone(),
            created_at: self.created_at.and_utc(),
        }
    }
}

fn later(now: NaiveDateTime, ttl: Duration) -> NaiveDateTime {
    now + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::days(1))
}

/// E-mail addresses are compared trimmed and in lower case.
pub fn normalize_email(raw: &str) -> String {
    raw.trim().to_lowercase()
}

/// The live (not deleted) account with this address.
pub fn user_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::email.eq(email))
        .filter(users::deleted_at.is_null())
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn user_by_id(conn: &mut DbConnection, id: i64) -> QueryResult<UserRow> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
}

/// What a new account starts with.
pub struct NewAccount<'a> {
    pub email: &'a str,
    pub password_hash: &'a str,
    pub display_name: &'a str,
    /// The chosen language tag, lower-cased.
    pub language: &'a str,
    pub terms_version: &'a str,
    pub privacy_version: &'a str,
    pub role: Role,
    pub verified: bool,
}

pub fn insert_user(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    account: &NewAccount<'_>,
) -> QueryResult<i64> {
    let values = (
        users::email.eq(account.email),
        users::password_hash.eq(account.password_hash),
        users::display_name.eq(account.display_name),
        users::preferred_language.eq(account.language),
        users::role.eq(account.role.as_str()),
        users::terms_version.eq(account.terms_version),
        users::privacy_version.eq(account.privacy_version),
        users::email_verified_at.eq(account.verified.then_some(now)),
        users::created_at.eq(now),
        users::updated_at.eq(now),
    );
    db_run!(conn, |c| diesel::insert_into(users::table)
        .values(values)
        .returning(users::id)
        .get_result(c))
}

/// The account's row, locked until the end of the transaction on PostgreSQL (SQLite's write
/// transaction holds the whole database already). `FOR NO KEY UPDATE`: it excludes the other
/// holders of this lock and every change of the row, but not the key-share locks that rows
/// referring to the account take (an audit entry, a membership), so a transaction that locked
/// an organisation and then records who acted never deadlocks with one that locked the account.
pub fn lock_user(conn: &mut DbConnection, user_id: i64) -> QueryResult<Option<UserRow>> {
    match conn {
        DbConnection::Postgresql(pg) => users::table
            .find(user_id)
            .select(UserRow::as_select())
            .for_no_key_update()
            .first(pg)
            .optional(),
        DbConnection::Sqlite(_) => users::table
            .find(user_id)
            .select(UserRow::as_select())
            .first(conn)
            .optional(),
    }
}

/// Opens a session for a sign-in whose password was checked against `checked_hash` — unless
/// the account changed meanwhile (password reset or change, blocking, deletion), which
/// answers `None`. Call inside a write transaction.
pub fn open_session(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user_id: i64,
    checked_hash: &str,
    ttl: Duration,
) -> QueryResult<Option<(i64, String)>> {
    match lock_user(conn, user_id)? {
        Some(u)
            if u.password_hash == checked_hash
                && u.blocked_at.is_none()
                && u.deleted_at.is_none() =>
        {
            create_session(conn, now, user_id, ttl).map(Some)
        }
        _ => Ok(None),
    }
}

/// Opens a session; returns its id and its first refresh token.
pub fn create_session(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user_id: i64,
    ttl: Duration,
) -> QueryResult<(i64, String)> {
    let values = (
        sessions::user_id.eq(user_id),
        sessions::created_at.eq(now),
        sessions::last_used_at.eq(now),
        sessions::expires_at.eq(later(now, ttl)),
    );
    let session_id: i64 = db_run!(conn, |c| diesel::insert_into(sessions::table)
        .values(values)
        .returning(sessions::id)
        .get_result(c))?;
    let token = add_refresh_token(conn, now, session_id)?;
    Ok((session_id, token))
}

fn add_refresh_token(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    session_id: i64,
) -> QueryResult<String> {
    let token = random_secret();
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::session_id.eq(session_id),
            refresh_tokens::token_hash.eq(hash_secret(&token)),
            refresh_tokens::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(token)
}

/// Why a refresh token was not exchanged.
#[derive(Debug, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// The new refresh token, for this user and session.
    Rotated {
        user_id: i64,
        session_id: i64,
        refresh_token: String,
    },
    /// Unknown token, or its session ended.
    Invalid,
    /// The token had been used before: its whole session is now revoked.
    Reused,
}

/// Exchanges a refresh token for a new one (call inside a write transaction).
pub fn rotate_refresh_token(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    presented: &str,
    ttl: Duration,
) -> QueryResult<RefreshOutcome> {
    let found = refresh_tokens::table
        .inner_join(sessions::table.inner_join(users::table))
        .filter(refresh_tokens::token_hash.eq(hash_secret(presented)))
        .select((
            refresh_tokens::id,
            refresh_tokens::used_at,
            sessions::id,
            sessions::revoked_at,
            sessions::expires_at,
            users::id,
            users::blocked_at,
            users::deleted_at,
        ))
        .first::<(
            i64,
            Option<NaiveDateTime>,
            i64,
            Option<NaiveDateTime>,
            NaiveDateTime,
            i64,
            Option<NaiveDateTime>,
            Option<NaiveDateTime>,
        )>(conn)
        .optional()?;
    let Some((token_id, used_at, session_id, revoked_at, expires_at, user_id, blocked, deleted)) =
        found
    else {
        return Ok(RefreshOutcome::Invalid);
    };
    if revoked_at.is_some() || expires_at <= now || blocked.is_some() || deleted.is_some() {
        return Ok(RefreshOutcome::Invalid);
    }
    // Marking it used only if nobody did so first makes the check safe against a race of two
    // requests presenting the same token: the second one counts as reuse.
    let marked = diesel::update(
        refresh_tokens::table
            .find(token_id)
            .filter(refresh_tokens::used_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(Some(now)))
    .execute(conn)?;
    if used_at.is_some() || marked == 0 {
        revoke_session(conn, now, session_id)?;
        return Ok(RefreshOutcome::Reused);
    }
    diesel::update(sessions::table.find(session_id))
        .set((
            sessions::last_used_at.eq(now),
            sessions::expires_at.eq(later(now, ttl)),
        ))
        .execute(conn)?;
    let refresh_token = add_refresh_token(conn, now, session_id)?;
    Ok(RefreshOutcome::Rotated {
        user_id,
        session_id,
        refresh_token,
    })
}

pub fn revoke_session(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    session_id: i64,
) -> QueryResult<()> {
    diesel::update(
        sessions::table
            .find(session_id)
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(Some(now)))
    .execute(conn)?;
    Ok(())
}

/// Ends every session of a user: every access and refresh token issued so far stops working.
///
/// It first writes the user's row, taking its lock, so a sign-in that checked the password
/// before and opens its session after (see [`open_session`]) waits and then sees the change.
pub fn revoke_all_sessions(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user_id: i64,
) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id))
        .set(users::updated_at.eq(now))
        .execute(conn)?;
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(Some(now)))
    .execute(conn)
}

/// The account behind a live session: not revoked, not expired, user neither blocked nor
/// deleted. This is what makes logout, blocking and deletion take effect on every node.
pub fn session_user(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    session_id: i64,
    user_id: i64,
) -> QueryResult<Option<UserRow>> {
    sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(session_id))
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .filter(users::blocked_at.is_null())
        .filter(users::deleted_at.is_null())
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// Whether a session is still open (not revoked, not expired). Read after the account's row
/// is locked, it tells whether a sign-out everywhere happened meanwhile.
pub fn session_is_live(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    session_id: i64,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        sessions::table
            .filter(sessions::id.eq(session_id))
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::expires_at.gt(now)),
    ))
    .get_result(conn)
}

/// What a single-use token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
        }
    }
}

/// Creates a single-use token; earlier unused tokens of the same purpose stop working.
pub fn create_one_time_token(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user_id: i64,
    purpose: Purpose,
    ttl: Duration,
) -> QueryResult<String> {
    diesel::update(
        one_time_tokens::table
            .filter(one_time_tokens::user_id.eq(user_id))
            .filter(one_time_tokens::purpose.eq(purpose.as_str()))
            .filter(one_time_tokens::used_at.is_null()),
    )
    .set(one_time_tokens::used_at.eq(Some(now)))
    .execute(conn)?;
    let token = random_secret();
    diesel::insert_into(one_time_tokens::table)
        .values((
            one_time_tokens::user_id.eq(user_id),
            one_time_tokens::purpose.eq(purpose.as_str()),
            one_time_tokens::token_hash.eq(hash_secret(&token)),
            one_time_tokens::created_at.eq(now),
            one_time_tokens::expires_at.eq(later(now, ttl)),
        ))
        .execute(conn)?;
    Ok(token)
}

/// Whether a single-use token would be accepted, without using it up.
pub fn one_time_token_is_valid(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    token: &str,
    purpose: Purpose,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        one_time_tokens::table
            .filter(one_time_tokens::token_hash.eq(hash_secret(token)))
            .filter(one_time_tokens::purpose.eq(purpose.as_str()))
            .filter(one_time_tokens::used_at.is_null())
            .filter(one_time_tokens::expires_at.gt(now)),
    ))
    .get_result(conn)
}

/// Uses up a single-use token; returns its user when it was valid, unused and not expired.
/// The user's row is locked first, as every credential change does, so a reset and a
/// concurrent password change take their locks in one order and exactly one of them wins.
pub fn consume_one_time_token(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    token: &str,
    purpose: Purpose,
) -> QueryResult<Option<i64>> {
    let found = one_time_tokens::table
        .inner_join(users::table)
        .filter(one_time_tokens::token_hash.eq(hash_secret(token)))
        .filter(one_time_tokens::purpose.eq(purpose.as_str()))
        .filter(one_time_tokens::used_at.is_null())
        .filter(one_time_tokens::expires_at.gt(now))
        .filter(users::deleted_at.is_null())
        .select((one_time_tokens::id, one_time_tokens::user_id))
        .first::<(i64, i64)>(conn)
        .optional()?;
    let Some((id, user_id)) = found else {
        return Ok(None);
    };
    lock_user(conn, user_id)?;
    let marked = diesel::update(
        one_time_tokens::table
            .find(id)
            .filter(one_time_tokens::used_at.is_null()),
    )
    .set(one_time_tokens::used_at.eq(Some(now)))
    .execute(conn)?;
    Ok((marked == 1).then_some(user_id))
}

pub fn mark_verified(conn: &mut DbConnection, now: NaiveDateTime, user_id: i64) -> QueryResult<()> {
    diesel::update(
        users::table
            .find(user_id)
            .filter(users::email_verified_at.is_null()),
    )
    .set((
        users::email_verified_at.eq(Some(now)),
        users::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

/// Makes an account an administrator with a verified address, and unblocks it (the
/// operator's command line, also for recovery); its sessions end so the new role applies at
/// once.
pub fn promote_to_admin(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user_id: i64,
) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::role.eq(Role::Admin.as_str()),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    mark_verified(conn, now, user_id)?;
    revoke_all_sessions(conn, now, user_id)?;
    Ok(())
}

/// Sets a new password hash; reset links still open stop working.
pub fn set_password(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user_id: i64,
    hash: &str,
) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((users::password_hash.eq(hash), users::updated_at.eq(now)))
        .execute(conn)?;
    diesel::update(
        one_time_tokens::table
            .filter(one_time_tokens::user_id.eq(user_id))
            .filter(one_time_tokens::purpose.eq(Purpose::ResetPassword.as_str()))
            .filter(one_time_tokens::used_at.is_null()),
    )
    .set(one_time_tokens::used_at.eq(Some(now)))
    .execute(conn)?;
    Ok(())
}

pub fn update_profile(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user_id: i64,
    display_name: Option<&str>,
    language: Option<&str>,
) -> QueryResult<()> {
    if let Some(name) = display_name {
        diesel::update(users::table.find(user_id))
            .set(users::display_name.eq(name))
            .execute(conn)?;
    }
    if let Some(lang) = language {
        diesel::update(users::table.find(user_id))
            .set(users::preferred_language.eq(lang))
            .execute(conn)?;
    }
    diesel::update(users::table.find(user_id))
        .set(users::updated_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// Administrators who could still sign in. On PostgreSQL their rows are locked first, so two
/// administrators demoting or blocking each other at once cannot both succeed and leave none.
pub fn active_admins(conn: &mut DbConnection) -> QueryResult<usize> {
    macro_rules! admins {
        () => {
            users::table
                .filter(users::role.eq(Role::Admin.as_str()))
                .filter(users::blocked_at.is_null())
                .filter(users::deleted_at.is_null())
                .select(users::id)
        };
    }
    let ids: Vec<i64> = match conn {
        DbConnection::Postgresql(pg) => admins!().for_update().load(pg)?,
        DbConnection::Sqlite(_) => admins!().load(conn)?,
    };
    Ok(ids.len())
}

/// Deletes an account: the row stays (so contributions can stay, anonymised) but keeps no
/// personal data; its sessions, refresh tokens and single-use tokens are deleted.
pub fn anonymise_user(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user_id: i64,
) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::email.eq(format!("deleted-{user_id}@invalid")),
            users::display_name.eq("Gelöschtes Konto"),
            users::password_hash.eq("!"),
            users::preferred_language.eq(Language::default().as_str()),
            users::deleted_at.eq(Some(now)),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    let sessions_of_user = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .select(sessions::id);
    diesel::delete(
        refresh_tokens::table.filter(refresh_tokens::session_id.eq_any(sessions_of_user)),
    )
    .execute(conn)?;
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?;
    diesel::delete(one_time_tokens::table.filter(one_time_tokens::user_id.eq(user_id)))
        .execute(conn)?;
    diesel::delete(
        crate::db::schema::consents::table.filter(crate::db::schema::consents::user_id.eq(user_id)),
    )
    .execute(conn)?;
    Ok(())
}
