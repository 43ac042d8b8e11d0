//! Queries of memberships: who belongs to an organisation, in which role.

use super::*;
use crate::db::schema::{organisation_members, organisations, users};
use crate::db::DbConnection;
use crate::http::pagination::{Cursor, Page, PageRequest};
use crate::organisations::model::{Member, MemberRole, Membership};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// The caller's role in the organisation, if they are a member.
pub fn role_of(conn: &mut DbConnection, org: i64, user: i64) -> QueryResult<Option<MemberRole>> {
    let role: Option<String> = organisation_members::table
        .find((org, user))
        .select(organisation_members::role)
        .first(conn)
        .optional()?;
    Ok(role.and_then(|r| MemberRole::from_stored(&r)))
}

/// The organisations `user` is a member of, with their role, by name.
pub fn memberships_of(
    conn: &mut DbConnection,
    user: i64,
) -> QueryResult<Vec<(OrgRow, MemberRole)>> {
    let rows: Vec<(OrgRow, String)> = organisation_members::table
        .inner_join(organisations::table)
        .filter(organisation_members::user_id.eq(user))
        .order(organisations::name_key)
        .select((OrgRow::as_select(), organisation_members::role))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(org, role)| MemberRole::from_stored(&role).map(|r| (org, r)))
        .collect())
}

/// [`role_of`], holding a share lock on the membership until the transaction ends on
/// PostgreSQL: its removal or a change of role waits (SQLite's write transaction holds the
/// whole database already).
pub fn role_of_shared(
    conn: &mut DbConnection,
    org: i64,
    user: i64,
) -> QueryResult<Option<MemberRole>> {
    let role: Option<String> = match conn {
        DbConnection::Postgresql(pg) => organisation_members::table
            .find((org, user))
            .select(organisation_members::role)
            .for_share()
            .first(pg)
            .optional()?,
        DbConnection::Sqlite(_) => return role_of(conn, org, user),
    };
    Ok(role.and_then(|r| MemberRole::from_stored(&r)))
}

pub fn add_member(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    org: i64,
    user: i64,
    role: MemberRole,
) -> QueryResult<()> {
    diesel::insert_into(organisation_members::table)
        .values((
            organisation_members::organisation_id.eq(org),
            organisation_members::user_id.eq(user),
            organisation_members::role.eq(role.as_str()),
            organisation_members::joined_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_role(conn: &mut DbConnection, org: i64, user: i64, role: MemberRole) -> QueryResult<()> {
    diesel::update(organisation_members::table.find((org, user)))
        .set(organisation_members::role.eq(role.as_str()))
        .execute(conn)?;
    Ok(())
}

pub fn remove_member(conn: &mut DbConnection, org: i64, user: i64) -> QueryResult<()> {
    diesel::delete(organisation_members::table.find((org, user))).execute(conn)?;
    Ok(())
}

/// Representatives whose accounts work (a blocked or deleted account speaks for nobody).
pub fn representatives(conn: &mut DbConnection, org: i64) -> QueryResult<i64> {
    other_representatives(conn, org, 0)
}

/// Representatives whose accounts work, other than `member`.
pub fn other_representatives(conn: &mut DbConnection, org: i64, member: i64) -> QueryResult<i64> {
    organisation_members::table
        .inner_join(users::table)
        .filter(users::blocked_at.is_null())
        .filter(users::deleted_at.is_null())
        .filter(organisation_members::organisation_id.eq(org))
        .filter(organisation_members::user_id.ne(member))
        .filter(organisation_members::role.eq(MemberRole::Representative.as_str()))
        .count()
        .get_result(conn)
}

/// The organisations a person belongs to, each locked (in id order, as every membership
/// change locks its organisation), with the person's role. Call inside a write transaction.
pub fn lock_memberships_of(
    conn: &mut DbConnection,
    user: i64,
) -> QueryResult<Vec<(OrgRow, MemberRole)>> {
    let ids: Vec<i64> = organisation_members::table
        .filter(organisation_members::user_id.eq(user))
        .order(organisation_members::organisation_id)
        .select(organisation_members::organisation_id)
        .load(conn)?;
    let mut locked = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(org) = lock(conn, id)? else { continue };
        // Read again under the lock: the role may have changed while we waited.
        if let Some(role) = role_of(conn, id, user)? {
            locked.push((org, role));
        }
    }
    Ok(locked)
}

/// Ends every membership of a person (their account is deleted).
pub fn leave_all(conn: &mut DbConnection, user: i64) -> QueryResult<()> {
    diesel::delete(organisation_members::table.filter(organisation_members::user_id.eq(user)))
        .execute(conn)?;
    Ok(())
}

/// A member as the list shows them.
pub fn member(conn: &mut DbConnection, org: i64, user: i64) -> QueryResult<Member> {
    let (user_id, display_name, role, joined_at) = organisation_members::table
        .inner_join(users::table)
        .filter(organisation_members::organisation_id.eq(org))
        .filter(organisation_members::user_id.eq(user))
        .select((
            organisation_members::user_id,
            users::display_name,
            organisation_members::role,
            organisation_members::joined_at,
        ))
        .first::<(i64, String, String, NaiveDateTime)>(conn)?;
    Ok(Member {
        user_id,
        display_name,
        role: MemberRole::from_stored(&role).unwrap_or(MemberRole::Member),
        joined_at: joined_at.and_utc(),
    })
}

/// The members, in order of user id.
pub fn members(conn: &mut DbConnection, org: i64, page: &PageRequest) -> QueryResult<Page<Member>> {
    let mut query = organisation_members::table
        .inner_join(users::table)
        .filter(organisation_members::organisation_id.eq(org))
        .select((
            organisation_members::user_id,
            users::display_name,
            organisation_members::role,
            organisation_members::joined_at,
        ))
        .order(organisation_members::user_id)
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(after) = page.after {
        query = query.filter(organisation_members::user_id.gt(after.id));
    }
    let rows = query.load::<(i64, String, String, NaiveDateTime)>(conn)?;
    Ok(page.finish(
        rows,
        |r| Cursor { key: 0, id: r.0 },
        |(user_id, display_name, role, joined_at)| Member {
            user_id,
            display_name,
            role: MemberRole::from_stored(&role).unwrap_or(MemberRole::Member),
            joined_at: joined_at.and_utc(),
        },
    ))
}

/// The person's memberships, in order of organisation id, with what each allows.
pub fn memberships(
    conn: &mut DbConnection,
    user: i64,
    page: &PageRequest,
) -> QueryResult<Page<Membership>> {
    let mut query = organisation_members::table
        .inner_join(organisations::table)
        .filter(organisation_members::user_id.eq(user))
        .select((
            OrgRow::as_select(),
            organisation_members::role,
            organisation_members::joined_at,
        ))
        .order(organisation_members::organisation_id)
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(after) = page.after {
        query = query.filter(organisation_members::organisation_id.gt(after.id));
    }
    let rows = query.load::<(OrgRow, String, NaiveDateTime)>(conn)?;
    Ok(page.finish(
        rows,
        |r| Cursor { key: 0, id: r.0.id },
        |(org, role, joined_at)| {
            let role = MemberRole::from_stored(&role).unwrap_or(MemberRole::Member);
            Membership {
                may_act: crate::organisations::acting::permits(
                    &org,
                    role,
                    crate::organisations::acting::Capability::Act,
                ),
                may_sign: crate::organisations::acting::permits(
                    &org,
                    role,
                    crate::organisations::acting::Capability::Sign,
                ),
                organisation: org.summary(),
                role,
                joined_at: joined_at.and_utc(),
            }
        },
    ))
}

/// Addresses and languages of the organisation's representatives (for mails about it).
pub fn representative_addresses(
    conn: &mut DbConnection,
    org: i64,
) -> QueryResult<Vec<(String, String)>> {
    organisation_members::table
        .inner_join(users::table)
        .filter(organisation_members::organisation_id.eq(org))
        .filter(organisation_members::role.eq(MemberRole::Representative.as_str()))
        .filter(users::deleted_at.is_null())
        .select((users::email, users::preferred_language))
        .load(conn)
}
