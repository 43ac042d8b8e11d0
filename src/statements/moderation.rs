//! The staff's side of statements (`/api/v1/moderation`, moderators and administrators): the
//! review queue, assignment, the response in versions, and publication.

use super::domain;
use super::model::{
    Assignment, QueueFilter, ResponseDraft, ResponseVersion, Statement, StatementState,
};
use super::routes::answer;
use super::store::{Listing, Order};
use super::Desk;
use crate::auth::extract::Staff;
use crate::clock::Now;
use crate::db::Db;
use crate::error::{ApiResult, Problem};
use crate::http::cache::required_if_match;
use crate::http::pagination::{Page, PageParams};
use crate::http::Body;
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

/// Routes relative to `/api/v1/moderation`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(statement_queue)
        .service(assign_reviewer)
        .service(write_response)
        .service(response_versions)
        .service(publish_statement);
}

/// The review queue, oldest first: submitted statements and those in review (or one state:
/// `answered`, `withdrawn`), optionally of one consultation or one reviewer. Drafts are never
/// in it.
#[utoipa::path(
    tag = "moderation",
    security(("bearer" = [])),
    params(QueueFilter, PageParams),
    responses(
        (status = 200, description = "One page of the queue", body = Page<Statement>),
        (status = 400, description = "Invalid filter, `limit` or `cursor`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/statements")]
pub async fn statement_queue(
    _staff: Staff,
    db: web::Data<Db>,
    filter: web::Query<QueueFilter>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<Statement>>> {
    let (filter, page) = (filter.into_inner(), page.validate()?);
    let states = match filter.state {
        // Drafts belong to their organisation only.
        Some(StatementState::Draft) => {
            return Ok(web::Json(Page {
                items: Vec::new(),
                next_cursor: None,
            }))
        }
        Some(state) => vec![state],
        None => vec![StatementState::Submitted, StatementState::InReview],
    };
    let listing = Listing {
        consultation_id: filter.consultation_id,
        reviewer_id: filter.reviewer_id,
        states,
        order: Order::Submitted,
        ..Listing::default()
    };
    let found = db
        .run(move |conn| domain::list_full(conn, domain::Access::Staff, &listing, &page))
        .await?;
    Ok(web::Json(found))
}

/// Assign a submitted statement to a reviewer (a moderator or administrator); it is then in
/// review.
#[utoipa::path(
    tag = "moderation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the statement")),
    request_body = Assignment,
    responses(
        (status = 200, description = "The statement in review", body = Statement, headers(("ETag" = String, description = "Send as `If-Match` to publish it"))),
        (status = 400, description = "Invalid body, or the reviewer is not a moderator or administrator (`not_a_reviewer`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such statement", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Answered or withdrawn (`statement_not_in_review_queue`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/statements/{id}/reviewer")]
pub async fn assign_reviewer(
    now: Now,
    Staff(staff): Staff,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: Body<Assignment>,
) -> ApiResult<HttpResponse> {
    let (now, id) = (now.naive(), id.into_inner());
    let assignment = body.into_inner()?;
    let assigned = db
        .write(move |conn| domain::assign(conn, now, &staff, id, assignment.reviewer_id))
        .await?;
    Ok(answer(HttpResponse::Ok(), assigned))
}

/// Write the next version of the city's response to a statement of the queue (versions are
/// kept until one is published). A statement nobody reviews yet is assigned to the writer.
#[utoipa::path(
    tag = "moderation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the statement")),
    request_body = ResponseDraft,
    responses(
        (status = 201, description = "The new version", body = ResponseVersion),
        (status = 400, description = "Invalid body (`validation_failed`, with fields)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such statement", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Answered or withdrawn (`statement_not_in_review_queue`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/statements/{id}/responses")]
pub async fn write_response(
    now: Now,
    Staff(staff): Staff,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: Body<ResponseDraft>,
) -> ApiResult<HttpResponse> {
    let (now, id, draft) = (now.naive(), id.into_inner(), body.into_inner());
    let written = db
        .write(move |conn| domain::respond(conn, now, &staff, id, draft))
        .await?;
    Ok(HttpResponse::Created().json(written))
}

/// Every version of the response to a statement, the newest first.
#[utoipa::path(
    tag = "moderation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the statement")),
    responses(
        (status = 200, description = "The versions", body = Vec<ResponseVersion>),
        (status = 404, description = "No such statement", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/statements/{id}/responses")]
pub async fn response_versions(
    _staff: Staff,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<web::Json<Vec<ResponseVersion>>> {
    let id = id.into_inner();
    let versions = db.run(move |conn| domain::responses(conn, id)).await?;
    Ok(web::Json(versions))
}

/// Publish the statement together with the newest version of the response, with the
/// statement's `ETag` as `If-Match`: it is then answered, public, and in the Abwägungstabelle;
/// the organisation's representatives get a mail.
#[utoipa::path(
    tag = "moderation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the statement"), ("If-Match" = String, Header, description = "ETag of the statement as reviewed")),
    responses(
        (status = 200, description = "The answered statement", body = Statement, headers(("ETag" = String, description = "The new version's tag"))),
        (status = 404, description = "No such statement", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No response written yet (`statement_response_missing`), or answered or withdrawn (`statement_not_in_review_queue`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/statements/{id}/publish")]
pub async fn publish_statement(
    now: Now,
    Staff(staff): Staff,
    req: HttpRequest,
    desk: web::Data<Desk>,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let (now, id, if_match) = (now.naive(), id.into_inner(), required_if_match(&req));
    let base_url = desk.base_url.clone();
    let published = db
        .write(move |conn| domain::publish(conn, now, &staff, &base_url, id, if_match))
        .await?;
    // The public pages of this node show it at once.
    desk.published.clear();
    Ok(answer(HttpResponse::Ok(), published))
}
