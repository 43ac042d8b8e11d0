//! Organisations: registration, the public directory, profiles and their changes.
//! Membership, invitations and join requests are in [`super::members`], the moderators'
//! review in [`super::moderation`].

use super::model::{
    DirectoryFilter, OrganisationChanges, OrganisationDetails, OrganisationProfile,
    OrganisationRegistration, OrganisationStatus,
};
use super::standing::{no_such_organisation, Standing};
use super::store::{self, Review};
use crate::audit;
use crate::auth::extract::{MaybeUser, Verified};
use crate::clock::Now;
use crate::db::{write_transaction, Db, DbConnection};
use crate::error::{ApiError, ApiResult, Problem};
use crate::http::cache::{etag_of, required_if_match, stale, with_etag};
use crate::http::pagination::{Page, PageParams};
use crate::http::Body;
use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

/// Routes relative to `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(register_organisation)
        .service(list_organisations)
        .service(get_organisation)
        .service(update_organisation)
        .service(withdraw_organisation);
}

/// Registrations one person may have waiting for their first review at once.
pub const MAX_PENDING_REGISTRATIONS: i64 = 3;

fn too_many_pending(conn: &mut DbConnection, registrant: i64) -> ApiResult<()> {
    if store::pending_registrations(conn, registrant)? >= MAX_PENDING_REGISTRATIONS {
        return Err(super::problems::TOO_MANY_PENDING.problem());
    }
    Ok(())
}

/// Register an organisation. The caller becomes its first representative; it starts
/// `pending` and is listed publicly once moderators have verified it.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    request_body = OrganisationRegistration,
    responses(
        (status = 201, description = "Registered, waiting for review", body = OrganisationDetails, headers(("Location" = String, description = "Address of the organisation"), ("ETag" = String, description = "Its entity tag"))),
        (status = 400, description = "Invalid or unknown field (`validation_failed`, with fields)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "E-mail address not verified yet (`email_unverified`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Three registrations of the caller already wait for review (`too_many_pending`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organisations")]
pub async fn register_organisation(
    now: Now,
    Verified(user): Verified,
    db: web::Data<Db>,
    body: Body<OrganisationRegistration>,
) -> ApiResult<HttpResponse> {
    let now = now.naive();
    let registration = body.into_inner()?;
    registration.validate()?;
    let actor = user.id();
    let created = db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                // The registrant's row serialises their concurrent registrations.
                crate::auth::store::lock_user(conn, actor)?;
                too_many_pending(conn, actor)?;
                let id = store::insert(conn, now, &registration, actor)?;
                let created = store::find(conn, id)?.ok_or_else(no_such_organisation)?;
                audit::record(
                    conn,
                    now,
                    Some(actor),
                    "organisation.registered",
                    "organisation",
                    Some(id),
                    serde_json::json!({"after": created.details()}),
                )?;
                Ok::<_, ApiError>(created.details())
            })
        })
        .await?;
    let mut res = HttpResponse::Created();
    res.insert_header((
        header::LOCATION,
        format!("/api/v1/organisations/{}", created.id),
    ));
    Ok(private(with_etag(res, &created)))
}

/// The public directory: verified organisations in alphabetical order, optionally of one
/// kind.
#[utoipa::path(
    tag = "organisations",
    security(()),
    params(DirectoryFilter, PageParams),
    responses(
        (status = 200, description = "One page of verified organisations", body = Page<OrganisationProfile>),
        (status = 400, description = "Invalid `kind`, `limit` or `cursor`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organisations")]
pub async fn list_organisations(
    db: web::Data<Db>,
    filter: web::Query<DirectoryFilter>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<OrganisationProfile>>> {
    let page = page.validate_as()?;
    let kind = filter.kind;
    let page = db
        .run(move |conn| store::directory(conn, kind, &page))
        .await?;
    Ok(web::Json(page))
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

/// One organisation: the public profile of a verified organisation for everybody; the whole
/// record (status, proposed change, last decision) for its members and for moderators.
/// Organisations that are not verified are visible only to them (404 for everybody else).
#[utoipa::path(
    tag = "organisations",
    security((), ("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the organisation")),
    responses(
        (status = 200, description = "The organisation", body = OrganisationView, headers(("ETag" = String, description = "For members and moderators: send as `If-Match` with changes and decisions"))),
        (status = 401, description = "An `Authorization` header without a valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No organisation with this id visible to the caller", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organisations/{id}")]
pub async fn get_organisation(
    MaybeUser(user): MaybeUser,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let view = db
        .run(move |conn| -> ApiResult<OrganisationView> {
            if let Some(user) = &user {
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
        })
        .await?;
    Ok(match view {
        OrganisationView::Details(details) => private(with_etag(HttpResponse::Ok(), &details)),
        profile => HttpResponse::Ok().json(profile),
    })
}

/// Change the organisation's profile (representatives, with the `ETag` as `If-Match`). A new
/// name or kind of a verified organisation is a proposal: the organisation goes back to
/// `pending`, keeps its verified name and kind until moderators verify the change, and keeps
/// acting under them. Other fields change at once. A change of a rejected registration
/// submits it for review again; `null` removes `website` or `registry_number`.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the organisation"), ("If-Match" = String, Header, description = "ETag of the version being changed")),
    request_body = OrganisationChanges,
    responses(
        (status = 200, description = "The changed organisation", body = OrganisationDetails, headers(("ETag" = String, description = "Its new entity tag"))),
        (status = 400, description = "Invalid or unknown field (`validation_failed`, with fields)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a representative (`representative_required`) or address not verified (`email_unverified`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No organisation with this id visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Resubmitting a rejected registration while three of its registrant's wait for review (`too_many_pending`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/organisations/{id}")]
pub async fn update_organisation(
    now: Now,
    Verified(user): Verified,
    req: HttpRequest,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: Body<OrganisationChanges>,
) -> ApiResult<HttpResponse> {
    let now = now.naive();
    let (id, changes) = (id.into_inner(), body.into_inner());
    // Checked once the caller is known to be a representative.
    let if_match = required_if_match(&req);
    let updated = db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let standing = Standing::load(conn, id, &user, true)?;
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
                let review =
                    store::update(conn, now, &standing.org, &changes)?.ok_or_else(stale)?;
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
            })
        })
        .await?;
    Ok(private(with_etag(HttpResponse::Ok(), &updated)))
}

/// Withdraw a registration that was never verified (representatives): the organisation, its
/// members, invitations and requests are removed. A verified organisation stays (it may have
/// acted on the record); its representatives hand over instead.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the organisation")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 403, description = "Not a representative (`representative_required`) or address not verified", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No organisation with this id visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The organisation is verified (`organisation_verified`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/organisations/{id}")]
pub async fn withdraw_organisation(
    now: Now,
    Verified(user): Verified,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let now = now.naive();
    let id = id.into_inner();
    db.run(move |conn| {
        write_transaction(conn, |conn| {
            let standing = Standing::load(conn, id, &user, true)?;
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
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Marks an answer with an organisation's private record as not for shared caches.
pub(crate) fn private(mut res: HttpResponse) -> HttpResponse {
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("private, no-store"),
    );
    res
}
