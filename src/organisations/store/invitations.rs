//! Queries of invitations by e-mail: sending, listing, revoking and accepting.

use crate::auth::tokens::{hash_secret, random_secret};
use crate::db::schema::organisation_invitations;
use crate::db::DbConnection;
use crate::db_run;
use crate::http::pagination::{Cursor, Page, PageRequest};
use crate::organisations::model::{Invitation, MemberRole};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Invitations this organisation created in the last 24 hours (open, used, replaced or
/// revoked: each one sent a mail).
pub fn invitations_sent_today(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    org: i64,
) -> QueryResult<i64> {
    organisation_invitations::table
        .filter(organisation_invitations::organisation_id.eq(org))
        .filter(organisation_invitations::created_at.gt(now - chrono::Duration::hours(24)))
        .count()
        .get_result(conn)
}

/// How long an invitation can be accepted.
pub const INVITATION_DAYS: i64 = 14;
/// Open invitations an organisation may have at once.
pub const MAX_OPEN_INVITATIONS: i64 = 50;
/// Invitations (mails) an organisation may send in 24 hours: verified, and before its
/// verification (when its name is not reviewed yet, so it must not become a way to mail
/// arbitrary text to arbitrary addresses).
pub const INVITATIONS_PER_DAY: i64 = 50;
pub const INVITATIONS_PER_DAY_UNVERIFIED: i64 = 10;
/// Invitations one person may send in 24 hours, whichever organisations they send them for
/// (counted from the audit log, which withdrawing an organisation does not shorten).
pub const INVITATIONS_PER_INVITER_PER_DAY: i64 = 50;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organisation_invitations)]
pub struct InvitationRow {
    pub id: i64,
    pub organisation_id: i64,
    pub email: String,
    pub role: String,
    pub invited_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

impl InvitationRow {
    pub fn role(&self) -> MemberRole {
        MemberRole::from_stored(&self.role).unwrap_or(MemberRole::Member)
    }

    pub fn view(self) -> Invitation {
        Invitation {
            id: self.id,
            role: self.role(),
            email: self.email,
            invited_by: self.invited_by,
            created_at: self.created_at.and_utc(),
            expires_at: self.expires_at.and_utc(),
        }
    }
}

fn open_invitations(
    now: NaiveDateTime,
) -> organisation_invitations::BoxedQuery<'static, <DbConnection as diesel::Connection>::Backend> {
    organisation_invitations::table
        .filter(organisation_invitations::closed_at.is_null())
        .filter(organisation_invitations::expires_at.gt(now))
        .into_boxed()
}

pub fn count_open_invitations(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    org: i64,
) -> QueryResult<i64> {
    open_invitations(now)
        .filter(organisation_invitations::organisation_id.eq(org))
        .count()
        .get_result(conn)
}

/// Creates an invitation and answers it with its secret token (for the mail only). An open
/// invitation of the same address to the same organisation is replaced.
pub fn invite(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    org: i64,
    email: &str,
    role: MemberRole,
    invited_by: i64,
) -> QueryResult<(InvitationRow, String)> {
    diesel::update(
        organisation_invitations::table
            .filter(organisation_invitations::organisation_id.eq(org))
            .filter(organisation_invitations::email.eq(email))
            .filter(organisation_invitations::closed_at.is_null()),
    )
    .set((
        organisation_invitations::closed_at.eq(Some(now)),
        organisation_invitations::outcome.eq(Some("replaced")),
    ))
    .execute(conn)?;
    let token = random_secret();
    let values = (
        organisation_invitations::organisation_id.eq(org),
        organisation_invitations::email.eq(email),
        organisation_invitations::role.eq(role.as_str()),
        organisation_invitations::token_hash.eq(hash_secret(&token)),
        organisation_invitations::invited_by.eq(Some(invited_by)),
        organisation_invitations::created_at.eq(now),
        organisation_invitations::expires_at.eq(now + chrono::Duration::days(INVITATION_DAYS)),
    );
    let id: i64 = db_run!(conn, |c| diesel::insert_into(
        organisation_invitations::table
    )
    .values(values)
    .returning(organisation_invitations::id)
    .get_result(c))?;
    let row = organisation_invitations::table
        .find(id)
        .select(InvitationRow::as_select())
        .first(conn)?;
    Ok((row, token))
}

pub fn invitations(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    org: i64,
    page: &PageRequest,
) -> QueryResult<Page<Invitation>> {
    let mut query = open_invitations(now)
        .filter(organisation_invitations::organisation_id.eq(org))
        .select(InvitationRow::as_select())
        .order(organisation_invitations::id)
        .limit(page.fetch_limit());
    if let Some(after) = page.after {
        query = query.filter(organisation_invitations::id.gt(after.id));
    }
    let rows = query.load(conn)?;
    Ok(page.finish(rows, |r| Cursor { key: 0, id: r.id }, InvitationRow::view))
}

/// Closes an open invitation of this organisation; `false` when there is none.
pub fn revoke_invitation(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    org: i64,
    id: i64,
) -> QueryResult<bool> {
    let closed = diesel::update(
        organisation_invitations::table
            .filter(organisation_invitations::id.eq(id))
            .filter(organisation_invitations::organisation_id.eq(org))
            .filter(organisation_invitations::closed_at.is_null()),
    )
    .set((
        organisation_invitations::closed_at.eq(Some(now)),
        organisation_invitations::outcome.eq(Some("revoked")),
    ))
    .execute(conn)?;
    Ok(closed == 1)
}

/// Deletes every invitation addressed to `email` (open or closed): the address is personal
/// data of someone who deleted their account. Memberships it led to are recorded elsewhere.
pub fn delete_invitations_to(conn: &mut DbConnection, email: &str) -> QueryResult<usize> {
    diesel::delete(
        organisation_invitations::table.filter(organisation_invitations::email.eq(email)),
    )
    .execute(conn)
}

/// The open, unexpired invitation with this token.
pub fn invitation_by_token(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    token: &str,
) -> QueryResult<Option<InvitationRow>> {
    open_invitations(now)
        .filter(organisation_invitations::token_hash.eq(hash_secret(token)))
        .select(InvitationRow::as_select())
        .first(conn)
        .optional()
}

/// Uses up an invitation; `false` when it was used up meanwhile.
pub fn close_invitation_accepted(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    id: i64,
    user: i64,
) -> QueryResult<bool> {
    let closed = diesel::update(
        organisation_invitations::table
            .find(id)
            .filter(organisation_invitations::closed_at.is_null()),
    )
    .set((
        organisation_invitations::closed_at.eq(Some(now)),
        organisation_invitations::outcome.eq(Some("accepted")),
        organisation_invitations::accepted_by.eq(Some(user)),
    ))
    .execute(conn)?;
    Ok(closed == 1)
}
