//! Queries of requests to join: asking, deciding, withdrawing, and the wait after a decline.

use crate::db::schema::{organisation_join_requests, users};
use crate::db::DbConnection;
use crate::db_run;
use crate::http::pagination::{Cursor, Page, PageRequest};
use crate::organisations::model::{JoinRequest, JoinRequestStatus};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Withdraws a person's open requests to join.
pub fn withdraw_open_requests(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: i64,
) -> QueryResult<()> {
    diesel::update(
        organisation_join_requests::table
            .filter(organisation_join_requests::user_id.eq(user))
            .filter(organisation_join_requests::status.eq(JoinRequestStatus::Open.as_str())),
    )
    .set((
        organisation_join_requests::status.eq(JoinRequestStatus::Withdrawn.as_str()),
        organisation_join_requests::decided_at.eq(Some(now)),
    ))
    .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable)]
pub struct JoinRequestRow {
    pub id: i64,
    pub organisation_id: i64,
    pub user_id: i64,
    pub display_name: String,
    pub message: Option<String>,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
}

impl JoinRequestRow {
    pub fn view(self) -> JoinRequest {
        JoinRequest {
            id: self.id,
            organisation_id: self.organisation_id,
            user_id: self.user_id,
            display_name: self.display_name,
            message: self.message,
            status: JoinRequestStatus::from_stored(&self.status).unwrap_or(JoinRequestStatus::Open),
            created_at: self.created_at.and_utc(),
            decided_at: self.decided_at.map(|t| t.and_utc()),
        }
    }

    pub fn is_open(&self) -> bool {
        self.status == JoinRequestStatus::Open.as_str()
    }
}

macro_rules! join_requests_with_names {
    () => {
        organisation_join_requests::table
            .inner_join(users::table)
            .select((
                organisation_join_requests::id,
                organisation_join_requests::organisation_id,
                organisation_join_requests::user_id,
                users::display_name,
                organisation_join_requests::message,
                organisation_join_requests::status,
                organisation_join_requests::created_at,
                organisation_join_requests::decided_at,
            ))
    };
}

pub fn has_open_request(conn: &mut DbConnection, org: i64, user: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        organisation_join_requests::table
            .filter(organisation_join_requests::organisation_id.eq(org))
            .filter(organisation_join_requests::user_id.eq(user))
            .filter(organisation_join_requests::status.eq(JoinRequestStatus::Open.as_str())),
    ))
    .get_result(conn)
}

pub fn request_to_join(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    org: i64,
    user: i64,
    message: Option<&str>,
) -> QueryResult<JoinRequestRow> {
    let values = (
        organisation_join_requests::organisation_id.eq(org),
        organisation_join_requests::user_id.eq(user),
        organisation_join_requests::message.eq(message),
        organisation_join_requests::status.eq(JoinRequestStatus::Open.as_str()),
        organisation_join_requests::created_at.eq(now),
    );
    let id: i64 = db_run!(conn, |c| diesel::insert_into(
        organisation_join_requests::table
    )
    .values(values)
    .returning(organisation_join_requests::id)
    .get_result(c))?;
    join_requests_with_names!()
        .filter(organisation_join_requests::id.eq(id))
        .first(conn)
}

pub fn join_request(
    conn: &mut DbConnection,
    org: i64,
    id: i64,
) -> QueryResult<Option<JoinRequestRow>> {
    join_requests_with_names!()
        .filter(organisation_join_requests::id.eq(id))
        .filter(organisation_join_requests::organisation_id.eq(org))
        .first(conn)
        .optional()
}

/// A person's requests to join, newest first.
pub fn join_requests_of(
    conn: &mut DbConnection,
    user: i64,
    page: &PageRequest,
) -> QueryResult<Page<JoinRequest>> {
    let mut query = join_requests_with_names!()
        .filter(organisation_join_requests::user_id.eq(user))
        .order(organisation_join_requests::id.desc())
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(after) = page.after {
        query = query.filter(organisation_join_requests::id.lt(after.id));
    }
    let rows = query.load::<JoinRequestRow>(conn)?;
    Ok(page.finish(rows, |r| Cursor { key: 0, id: r.id }, JoinRequestRow::view))
}

/// Days after a declined request before the same person may ask the same organisation again.
pub const DAYS_AFTER_DECLINE: i64 = 30;

/// Whether the organisation declined this person's request within [`DAYS_AFTER_DECLINE`].
pub fn recently_declined(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    org: i64,
    user: i64,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        organisation_join_requests::table
            .filter(organisation_join_requests::organisation_id.eq(org))
            .filter(organisation_join_requests::user_id.eq(user))
            .filter(organisation_join_requests::status.eq(JoinRequestStatus::Declined.as_str()))
            .filter(
                organisation_join_requests::decided_at
                    .gt(now - chrono::Duration::days(DAYS_AFTER_DECLINE)),
            ),
    ))
    .get_result(conn)
}

/// Open requests to join the organisation, oldest first.
pub fn open_join_requests(
    conn: &mut DbConnection,
    org: i64,
    page: &PageRequest,
) -> QueryResult<Page<JoinRequest>> {
    let mut query = join_requests_with_names!()
        .filter(organisation_join_requests::organisation_id.eq(org))
        .filter(organisation_join_requests::status.eq(JoinRequestStatus::Open.as_str()))
        .order(organisation_join_requests::id)
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(after) = page.after {
        query = query.filter(organisation_join_requests::id.gt(after.id));
    }
    let rows = query.load::<JoinRequestRow>(conn)?;
    Ok(page.finish(rows, |r| Cursor { key: 0, id: r.id }, JoinRequestRow::view))
}

/// Decides an open request; `false` when it was decided meanwhile.
pub fn decide_join_request(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    id: i64,
    status: JoinRequestStatus,
    by: i64,
) -> QueryResult<bool> {
    let decided = diesel::update(
        organisation_join_requests::table
            .find(id)
            .filter(organisation_join_requests::status.eq(JoinRequestStatus::Open.as_str())),
    )
    .set((
        organisation_join_requests::status.eq(status.as_str()),
        organisation_join_requests::decided_at.eq(Some(now)),
        organisation_join_requests::decided_by.eq(Some(by)),
    ))
    .execute(conn)?;
    Ok(decided == 1)
}

/// Closes a person's open request to join (they became a member another way).
pub fn settle_open_request(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    org: i64,
    user: i64,
) -> QueryResult<()> {
    diesel::update(
        organisation_join_requests::table
            .filter(organisation_join_requests::organisation_id.eq(org))
            .filter(organisation_join_requests::user_id.eq(user))
            .filter(organisation_join_requests::status.eq(JoinRequestStatus::Open.as_str())),
    )
    .set((
        organisation_join_requests::status.eq(JoinRequestStatus::Accepted.as_str()),
        organisation_join_requests::decided_at.eq(Some(now)),
    ))
    .execute(conn)?;
    Ok(())
}
