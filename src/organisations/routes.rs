//! Organisations: registration, the public directory, profiles and their changes.
//! Membership, invitations and join requests are in [`super::members`], the moderators'
//! review in [`super::moderation`].

use super::model::{
    DirectoryFilter, OrganisationChanges, OrganisationDetails, OrganisationProfile,
    OrganisationRegistration,
};
use super::profile::{self, OrganisationView};
use super::store;
use crate::auth::extract::{MaybeUser, Verified};
use crate::clock::Now;
use crate::db::Db;
use crate::error::{ApiResult, Problem};
use crate::http::cache::{required_if_match, with_etag};
use crate::http::pagination::{Page, PageParams};
use crate::http::Body;
use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

/// Routes relative to `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(register_organisation)
        .service(list_organisations)
        .service(get_organisation)
        .service(update_organisation)
        .service(withdraw_organisation);
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
    let (now, registration, actor) = (now.naive(), body.into_inner()?, user.id());
    let created = db
        .write(move |conn| profile::register(conn, now, actor, &registration))
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
        .run(move |conn| profile::view(conn, id, user.as_ref()))
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
    let (now, id, changes) = (now.naive(), id.into_inner(), body.into_inner());
    // Checked once the caller is known to be a representative.
    let if_match = required_if_match(&req);
    let updated = db
        .write(move |conn| profile::update(conn, now, &user, id, if_match, changes))
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
    let (now, id) = (now.naive(), id.into_inner());
    db.write(move |conn| profile::withdraw(conn, now, &user, id))
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
