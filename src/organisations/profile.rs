//! The organisation itself as a domain: registration, what a caller may see of it, changes
//! of its profile and the withdrawal of a registration. Each function is one change with its
//! audit entry, run by the caller inside one write transaction ([`crate::db::Db::write`]);
//! the handlers in [`super::routes`] only extract, call and answer.

use super::model::{
    OrganisationChanges, OrganisationDetails, OrganisationProfile, OrganisationRegistration,
    OrganisationStatus,
};
use super::standing::{no_such_organisation, Standing};
use super::store::{self, Review};
use crate::audit;
use crate::auth::extract::CurrentUser;
use crate::db::DbConnection;
use crate::error::ApiResult;
use crate::http::cache::{etag_of, stale, IfMatch};
use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::ToSchema;
use validator::Validate;

/// Registrations one person may have waiting for their first review at once.
pub const MAX_PENDING_REGISTRATIONS: i64 = 3;

fn too_many_pending(conn: &mut DbConnection, registrant: i64) -> ApiResult<()> {
    if store::pending_registrations(conn, registrant)? >= MAX_PENDING_REGISTRATIONS {
        return Err(super::problems::TOO_MANY_PENDING.problem());
    }
    Ok(())
}

/// Registers an organisation with `actor` as its first representative.
pub fn register(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    actor: i64,
    registration: &OrganisationRegistration,
) -> ApiResult<OrganisationDetails> {
    registration.validate()?;
    // The registrant's row serialises their concurrent registrations.
    crate::auth::store::lock_user(conn, actor)?;
    too_many_pending(conn, actor)?;
    let id = store::insert(conn, now, registration, actor)?;
    let created = store::find(conn, id)?
        .ok_or_else(no_such_organisation)?
        .details();
    audit::record(
        conn,
        now,
        Some(actor),
        "organisation.registered",
        "organisation",
        Some(id),
        serde_json::json!({"after": created}),
    )?;
    Ok(created)
}

/// An organisation as the caller may see it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum OrganisationView {
    /// Members and moderators: the whole record, with its `ETag` for changes and decisions.
    Details(OrganisationDetails),
    /// Everybody else: the public profile of a verified organisation.
    Profile(OrganisationProfile),
}

/// What `user` (or an anonymous caller) may see of organisation `id`; 404 when nothing.
pub fn view(
    conn: &mut DbConnection,
    id: i64,
    user: Option<&CurrentUser>,
) -> ApiResult<OrganisationView> {
    if let Some(user) = user {
        let standing = Standing::load(conn, id, user, false)?;
        if standing.may_read_private().is_ok() {
            return Ok(OrganisationView::Details(standing.org.details()));
        }
        return standing
            .org
            .profile()
            .map(OrganisationView::Profile)
            .ok_or_else(no_such_organisation);
    }
    store::find(conn, id)?
        .and_then(|org| org.profile())
        .map(OrganisationView::Profile)
        .ok_or_else(no_such_organisation)
}

/// Changes the profile (representatives, under `if_match`). `if_match` and `changes` arrive
/// as results so that a caller who may not change the organisation learns only that, not
/// what was wrong with the request.
pub fn update(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: &CurrentUser,
    id: i64,
    if_match: ApiResult<IfMatch>,
    changes: ApiResult<OrganisationChanges>,
) -> ApiResult<OrganisationDetails> {
    let standing = Standing::load(conn, id, user, true)?;
    standing.representative()?;
    let if_match = if_match?;
    let changes = changes?;
    changes.check()?;
    let before = standing.org.details();
    if !if_match.matches(&etag_of(&before)) {
        return Err(stale());
    }
    if before.status == OrganisationStatus::Rejected {
        // Resubmitting counts against the registrant's waiting registrations.
        let registrant = standing.org.registered_by.unwrap_or(user.id());
        too_many_pending(conn, registrant)?;
    }
    let review = store::update(conn, now, &standing.org, &changes)?.ok_or_else(stale)?;
    let after = store::find(conn, id)?
        .ok_or_else(no_such_organisation)?
        .details();
    let action = match review {
        Review::Requested => "organisation.review_requested",
        Review::Unchanged => "organisation.updated",
    };
    audit::record(
        conn,
        now,
        Some(user.id()),
        action,
        "organisation",
        Some(id),
        serde_json::json!({"before": before, "after": after}),
    )?;
    Ok(after)
}

/// Withdraws a registration that was never verified (representatives).
pub fn withdraw(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: &CurrentUser,
    id: i64,
) -> ApiResult<()> {
    let standing = Standing::load(conn, id, user, true)?;
    standing.representative()?;
    if standing.org.listed() {
        return Err(super::problems::ORGANISATION_VERIFIED.problem());
    }
    store::withdraw(conn, id)?;
    audit::record(
        conn,
        now,
        Some(user.id()),
        "organisation.withdrawn",
        "organisation",
        Some(id),
        serde_json::json!({"before": standing.org.details()}),
    )?;
    Ok(())
}
