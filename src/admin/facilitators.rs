//! What facilitators recorded on behalf of people without an account (assisted participation,
//! issue 15), counted per facilitator for moderators: misuse — many entries in a short time,
//! many hidden ones — becomes visible, and the moderation queue's `facilitator_id` filter
//! leads to the entries themselves.

use crate::auth::extract::Staff;
use crate::auth::model::Role;
use crate::clock::Now;
use crate::db::schema::{ballots, contributions, users};
use crate::db::{Db, DbConnection};
use crate::error::{ApiResult, Problem};
use crate::http::pagination::{Cursor, Page, PageParams};
use actix_web::{get, web};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

/// Routes relative to `/api/v1/moderation`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(facilitators);
}

/// Entries of one kind a facilitator recorded.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
pub struct RecordedCounts {
    pub total: i64,
    /// Recorded in the last 24 hours.
    pub last_24h: i64,
    /// Hidden or rejected by moderators (contributions only; always 0 for ballots).
    pub hidden: i64,
}

/// One facilitator's assisted entries.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FacilitatorActivity {
    pub user_id: i64,
    /// `null` once the account is deleted.
    pub display_name: Option<String>,
    /// Whether the account still has the role `facilitator`.
    pub facilitator: bool,
    pub comments: RecordedCounts,
    pub proposals: RecordedCounts,
    pub ballots: RecordedCounts,
}

/// Counts per (facilitator, kind).
type Tally = HashMap<(i64, String), i64>;

fn tally(rows: Vec<(Option<i64>, String, i64)>) -> Tally {
    rows.into_iter()
        .filter_map(|(by, kind, n)| by.map(|by| ((by, kind), n)))
        .collect()
}

/// One page of facilitators (accounts with the role, or that recorded anything), by id, with
/// their counts: six statements whatever the page size.
fn activity(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
    after: Option<i64>,
) -> QueryResult<Vec<FacilitatorActivity>> {
    let recorded_contributions = contributions::table
        .filter(contributions::assisted_by.is_not_null())
        .select(contributions::assisted_by.assume_not_null());
    let recorded_ballots = ballots::table
        .filter(ballots::assisted_by.is_not_null())
        .select(ballots::assisted_by.assume_not_null());
    let people: Vec<(i64, String, String, bool)> = users::table
        .filter(
            users::role
                .eq(Role::Facilitator.as_str())
                .or(users::id.eq_any(recorded_contributions))
                .or(users::id.eq_any(recorded_ballots)),
        )
        .filter(users::id.gt(after.unwrap_or(0)))
        .order(users::id)
        .limit(limit + 1)
        .select((
            users::id,
            users::display_name,
            users::role,
            users::deleted_at.is_not_null(),
        ))
        .load(conn)?;
    let ids: Vec<i64> = people.iter().map(|p| p.0).collect();
    let since = now - chrono::Duration::hours(24);
    let of_page = || {
        contributions::table
            .filter(contributions::assisted_by.eq_any(ids.clone()))
            .group_by((contributions::assisted_by, contributions::kind))
            .select((
                contributions::assisted_by,
                contributions::kind,
                diesel::dsl::count_star(),
            ))
    };
    let total = tally(of_page().load(conn)?);
    let recent = tally(
        of_page()
            .filter(contributions::created_at.gt(since))
            .load(conn)?,
    );
    let hidden = tally(
        of_page()
            .filter(contributions::state.eq_any(["hidden", "rejected"]))
            .load(conn)?,
    );
    let ballot_rows = || {
        ballots::table
            .filter(ballots::assisted_by.eq_any(ids.clone()))
            .group_by(ballots::assisted_by)
            .select((
                ballots::assisted_by,
                diesel::dsl::sql::<diesel::sql_types::Text>("'ballot'"),
                diesel::dsl::count_star(),
            ))
    };
    let ballots_total = tally(ballot_rows().load(conn)?);
    let ballots_recent = tally(
        ballot_rows()
            .filter(ballots::cast_at.gt(since))
            .load(conn)?,
    );
    let count =
        |t: &Tally, id: i64, kind: &str| t.get(&(id, kind.to_owned())).copied().unwrap_or(0);
    Ok(people
        .into_iter()
        .map(|(id, name, role, deleted)| FacilitatorActivity {
            user_id: id,
            display_name: (!deleted).then_some(name),
            facilitator: Role::from_stored(&role) == Role::Facilitator,
            comments: RecordedCounts {
                total: count(&total, id, "comment"),
                last_24h: count(&recent, id, "comment"),
                hidden: count(&hidden, id, "comment"),
            },
            proposals: RecordedCounts {
                total: count(&total, id, "proposal"),
                last_24h: count(&recent, id, "proposal"),
                hidden: count(&hidden, id, "proposal"),
            },
            ballots: RecordedCounts {
                total: count(&ballots_total, id, "ballot"),
                last_24h: count(&ballots_recent, id, "ballot"),
                hidden: 0,
            },
        })
        .collect())
}

/// Facilitators and what they recorded on behalf of people without an account: comments,
/// proposals and ballots, in all and in the last 24 hours, and how many of their contributions
/// moderators hid or rejected (moderators and administrators). The entries themselves are in
/// the moderation queue with `assisted=true` or `facilitator_id`.
#[utoipa::path(
    tag = "moderation",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "One page of facilitators, by account id", body = Page<FacilitatorActivity>),
        (status = 400, description = "Invalid `limit` or `cursor`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/facilitators")]
pub async fn facilitators(
    now: Now,
    _staff: Staff,
    db: web::Data<Db>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<FacilitatorActivity>>> {
    let page = page.validate()?;
    let now = now.naive();
    let (limit, after) = (page.limit, page.after.map(|c| c.id));
    let rows = db
        .run(move |conn| activity(conn, now, limit, after))
        .await?;
    Ok(web::Json(page.finish(
        rows,
        |f| Cursor {
            key: f.user_id,
            id: f.user_id,
        },
        |f| f,
    )))
}
