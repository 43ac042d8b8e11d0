//! The moderators' review of organisations (`/api/v1/moderation`, moderators and
//! administrators): the queue, and decisions with a reason the organisation reads. Every
//! decision goes to the audit log and by mail to the organisation's representatives.

use super::model::{
    OrganisationDetails, OrganisationStatus, QueueFilter, QueueItem, Rejection, Verdict,
    Verification,
};
use super::review;
use super::store;
use crate::auth::extract::Staff;
use crate::clock::Now;
use crate::db::Db;
use crate::error::{ApiResult, Problem};
use crate::http::cache::{etag_of, required_if_match, with_etag};
use crate::http::pagination::{Page, PageParams};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

/// Routes relative to `/api/v1/moderation`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(organisation_queue)
        .service(verify_organisation)
        .service(reject_organisation);
}

/// Organisations waiting for review (or, with `status`, the verified or rejected ones),
/// oldest first. Each item carries the entity tag a decision sends as `If-Match`.
#[utoipa::path(
    tag = "moderation",
    security(("bearer" = [])),
    params(QueueFilter, PageParams),
    responses(
        (status = 200, description = "One page of the queue", body = Page<QueueItem>),
        (status = 400, description = "Invalid `status`, `limit` or `cursor`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organisations")]
pub async fn organisation_queue(
    _staff: Staff,
    db: web::Data<Db>,
    filter: web::Query<QueueFilter>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<QueueItem>>> {
    let page = page.validate()?;
    let status = filter.status.unwrap_or(OrganisationStatus::Pending);
    let rows = db
        .run(move |conn| store::queue(conn, status, &page))
        .await?;
    Ok(web::Json(Page {
        items: rows
            .items
            .into_iter()
            .map(|row| {
                let organisation = row.details();
                QueueItem {
                    etag: etag_of(&organisation),
                    organisation,
                }
            })
            .collect(),
        next_cursor: rows.next_cursor,
    }))
}

async fn decide(
    now: Now,
    staff: Staff,
    req: &HttpRequest,
    db: &Db,
    id: i64,
    verdict: Verdict,
    reason: Option<String>,
) -> ApiResult<HttpResponse> {
    let (now, actor) = (now.naive(), staff.0.id());
    let if_match = required_if_match(req)?;
    let decided = db
        .write(move |conn| {
            review::decide(conn, now, actor, id, &if_match, verdict, reason.as_deref())
        })
        .await?;
    Ok(super::routes::private(with_etag(
        HttpResponse::Ok(),
        &decided,
    )))
}

/// Verify a pending organisation (moderators), with the `ETag` of what was reviewed as
/// `If-Match` and an optional note. A new registration becomes verified and public; a
/// proposed change of name or kind takes effect.
#[utoipa::path(
    tag = "moderation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the organisation"), ("If-Match" = String, Header, description = "ETag of the version reviewed (from the queue or `GET /organisations/{id}`)")),
    request_body = Verification,
    responses(
        (status = 200, description = "Verified", body = OrganisationDetails),
        (status = 400, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No organisation with this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not waiting for review (`not_pending`), or another verified organisation has the name (`name_taken`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since it was reviewed (`precondition_failed`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organisations/{id}/verify")]
pub async fn verify_organisation(
    now: Now,
    staff: Staff,
    req: HttpRequest,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: crate::http::Json<Verification>,
) -> ApiResult<HttpResponse> {
    body.validate()?;
    let reason = body.into_inner().reason;
    decide(
        now,
        staff,
        &req,
        &db,
        id.into_inner(),
        Verdict::Verified,
        reason,
    )
    .await
}

/// Reject a pending organisation (moderators) with a reason the organisation reads. A new
/// registration becomes `rejected` (a change by its representatives submits it again); a
/// rejected change of name or kind leaves the verified organisation as it was.
#[utoipa::path(
    tag = "moderation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the organisation"), ("If-Match" = String, Header, description = "ETag of the version reviewed")),
    request_body = Rejection,
    responses(
        (status = 200, description = "Rejected", body = OrganisationDetails),
        (status = 400, description = "No reason or invalid body (`validation_failed`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No organisation with this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not waiting for review (`not_pending`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since it was reviewed (`precondition_failed`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organisations/{id}/reject")]
pub async fn reject_organisation(
    now: Now,
    staff: Staff,
    req: HttpRequest,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: crate::http::Json<Rejection>,
) -> ApiResult<HttpResponse> {
    body.validate()?;
    let reason = Some(body.into_inner().reason);
    decide(
        now,
        staff,
        &req,
        &db,
        id.into_inner(),
        Verdict::Rejected,
        reason,
    )
    .await
}
