//! The moderators' side of contributions (`/api/v1/moderation`, moderators and
//! administrators): one queue for comments and proposals, decisions, answers to proposals and
//! the earlier texts of edited contributions.

use super::domain::{self, viewer};
use super::model::{
    language_filter, AnswerSubmission, DecisionSubmission, ModerationItem, QueueCounts,
    QueueFilter, QueueKind, Revision,
};
use super::store;
use crate::auth::extract::Staff;
use crate::clock::Now;
use crate::db::Db;
use crate::error::{ApiError, ApiResult, Problem};
use crate::http::cache::required_if_match;
use crate::http::pagination::{Cursor, Page, PageParams};
use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

/// Routes relative to `/api/v1/moderation`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(contribution_queue)
        .service(queue_counts)
        .service(contribution_for_review)
        .service(revisions)
        .service(decide)
        .service(answer_proposal);
}

/// The queue, oldest first: contributions waiting for approval (`pending`), reported ones
/// (`flagged`) and published proposals without a final answer (`unanswered`) — of one kind, or
/// all; optionally of one consultation, one kind of item and one declared `language` (so a
/// Turkish-speaking moderator works through the Turkish ones). With `assisted=true` or a
/// `facilitator_id` it lists every such assisted contribution that is not deleted — queued or
/// not — so that moderators review what facilitators recorded and hide it like any other. Each entry has the text, the
/// author, the open reports by reason and the `etag` a decision sends as `If-Match`.
#[utoipa::path(
    tag = "moderation",
    security(("bearer" = [])),
    params(QueueFilter, PageParams),
    responses(
        (status = 200, description = "One page of the queue", body = Page<ModerationItem>),
        (status = 400, description = "Invalid filter, `limit` or `cursor`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/contributions")]
pub async fn contribution_queue(
    staff: Staff,
    db: web::Data<Db>,
    filter: web::Query<QueueFilter>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<ModerationItem>>> {
    let page = page.validate()?;
    let filter = filter.into_inner();
    let scope = store::QueueScope {
        consultation: filter.consultation_id,
        item_kind: filter.item_kind,
        language: language_filter(filter.language.as_deref())?,
        assisted: filter.assisted,
        facilitator: filter.facilitator_id,
    };
    let viewer = viewer(Some(&staff.0));
    let items = db
        .run(move |conn| -> ApiResult<_> {
            let rows = store::queue(
                conn,
                filter.kind,
                &scope,
                page.limit,
                page.after.map(|c| c.id),
            )?;
            let rows = page.finish(
                rows,
                |r| Cursor {
                    key: r.id,
                    id: r.id,
                },
                |r| r,
            );
            let mut items = domain::moderation_item(conn, rows.items, viewer)?;
            if let Some(kind) = filter.kind {
                // Shown under the kind asked for (a pending item may be reported too).
                for item in &mut items {
                    item.queue = Some(kind);
                }
            }
            Ok(Page {
                items,
                next_cursor: rows.next_cursor,
            })
        })
        .await?;
    Ok(web::Json(items))
}

/// Filter of the queue's counts.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CountsFilter {
    pub consultation_id: Option<i64>,
    #[param(inline)]
    pub item_kind: Option<super::model::ContributionKind>,
}

/// How many entries of each kind wait in the queue.
#[utoipa::path(
    tag = "moderation",
    security(("bearer" = [])),
    params(CountsFilter),
    responses(
        (status = 200, description = "Entries per kind", body = QueueCounts),
        (status = 400, description = "Invalid filter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/contributions/counts")]
pub async fn queue_counts(
    _staff: Staff,
    db: web::Data<Db>,
    filter: web::Query<CountsFilter>,
) -> ApiResult<web::Json<QueueCounts>> {
    let scope = store::QueueScope {
        consultation: filter.consultation_id,
        item_kind: filter.item_kind,
        ..Default::default()
    };
    let counts = db
        .run(move |conn| -> ApiResult<_> {
            Ok(QueueCounts {
                pending: store::queue_count(conn, QueueKind::Pending, &scope)?,
                flagged: store::queue_count(conn, QueueKind::Flagged, &scope)?,
                unanswered: store::queue_count(conn, QueueKind::Unanswered, &scope)?,
            })
        })
        .await?;
    Ok(web::Json(counts))
}

/// The answer to a moderator's change: the item with its new entity tag — after this node's
/// cache is cleared, so that once a moderator is told, the node serves the new state.
fn changed(cache: &super::PageCache, item: ModerationItem) -> HttpResponse {
    cache.0.clear();
    HttpResponse::Ok()
        .insert_header((header::ETAG, item.etag.clone()))
        .json(item)
}

/// One contribution as moderators see it — whether or not it is in the queue — with its
/// `ETag`.
#[utoipa::path(
    tag = "moderation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the contribution")),
    responses(
        (status = 200, description = "The contribution", body = ModerationItem, headers(("ETag" = String, description = "Send as `If-Match` with a decision"))),
        (status = 404, description = "No contribution with this id", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/contributions/{id}")]
pub async fn contribution_for_review(
    staff: Staff,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let (viewer, id) = (viewer(Some(&staff.0)), id.into_inner());
    let item = db
        .run(move |conn| -> ApiResult<_> {
            let row = store::find(conn, id)?.ok_or_else(domain::no_such_contribution)?;
            Ok(domain::moderation_item(conn, vec![row], viewer)?.remove(0))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, item.etag.clone()))
        .json(item))
}

/// The earlier texts of an edited contribution, oldest first (moderators only).
#[utoipa::path(
    tag = "moderation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the contribution")),
    responses(
        (status = 200, description = "Earlier texts", body = Vec<Revision>),
        (status = 404, description = "No contribution with this id", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/contributions/{id}/revisions")]
pub async fn revisions(
    _staff: Staff,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<web::Json<Vec<Revision>>> {
    let id = id.into_inner();
    let found = db
        .run(move |conn| -> ApiResult<_> {
            store::find(conn, id)?.ok_or_else(domain::no_such_contribution)?;
            Ok(store::revisions(conn, id)?)
        })
        .await?;
    Ok(web::Json(found))
}

/// Decide on a contribution, with the `etag` of what was reviewed as `If-Match`: `approve` (a
/// pending one is published; a reported one stays and its reports are dismissed), `reject` (a
/// pending one is never published), `hide` and `restore`. Each names a reason code.
/// The author learns of it by mail; the public log and the audit log record it. Of two
/// moderators deciding at once, the second gets 412.
#[utoipa::path(
    tag = "moderation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the contribution"), ("If-Match" = String, Header, description = "ETag of the version reviewed")),
    request_body = DecisionSubmission,
    responses(
        (status = 200, description = "Decided", body = ModerationItem, headers(("ETag" = String, description = "Its new entity tag"))),
        (status = 400, description = "Invalid body (`validation_failed`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No contribution with this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The decision does not apply to the contribution as it stands (`decision_not_applicable`), or it was deleted (`contribution_deleted`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/contributions/{id}/decisions")]
pub async fn decide(
    now: Now,
    staff: Staff,
    req: HttpRequest,
    cache: web::Data<super::PageCache>,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: crate::http::Json<DecisionSubmission>,
) -> ApiResult<HttpResponse> {
    let if_match = required_if_match(&req)?;
    let (now, id, submission) = (now.naive(), id.into_inner(), body.into_inner());
    let item = db
        .write(move |conn| domain::decide(conn, now, &staff.0, id, &if_match, &submission))
        .await?;
    Ok(changed(&cache, item))
}

/// Answer a proposal publicly, with the `etag` of what was reviewed as `If-Match`:
/// `under_review`, `accepted` (naming the catalogue measure it became or the consultation
/// whose ballot it joined) or `rejected`, each with an explanation. The author learns of it by
/// mail; the audit log records it.
#[utoipa::path(
    tag = "moderation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the proposal"), ("If-Match" = String, Header, description = "ETag of the version reviewed")),
    request_body = AnswerSubmission,
    responses(
        (status = 200, description = "Answered", body = ModerationItem, headers(("ETag" = String, description = "Its new entity tag"))),
        (status = 400, description = "Invalid body, or a measure or consultation that does not fit the answer (`validation_failed`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No contribution with this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a proposal (`not_a_proposal`) or not published (`not_open_for_reactions`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/proposals/{id}/answer")]
pub async fn answer_proposal(
    now: Now,
    staff: Staff,
    req: HttpRequest,
    cache: web::Data<super::PageCache>,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: crate::http::Json<AnswerSubmission>,
) -> ApiResult<HttpResponse> {
    let if_match = required_if_match(&req)?;
    let (now, id, submission) = (now.naive(), id.into_inner(), body.into_inner());
    let item = db
        .write(move |conn| -> Result<_, ApiError> {
            domain::answer(conn, now, &staff.0, id, &if_match, &submission)
        })
        .await?;
    Ok(changed(&cache, item))
}
