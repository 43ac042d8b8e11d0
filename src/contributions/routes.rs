//! Comments and proposals as routes, and the public transparency log. The rules are in
//! [`super::domain`]; these handlers extract, call one of its functions and answer.

use super::domain::{self, viewer};
use super::model::{
    language_filter, CommentFilter, Contribution, ContributionEdit, ContributionKind, CountFilter,
    FlagReceipt, FlagSubmission, NewComment, NewProposal, NewReply, ProposalFilter, PublicDecision,
    ReplyFilter, Sort, SupportState, TargetCounts, TargetType, TransparencyStatistics,
};
use super::store::{self, Listing, SortCursor, Viewer};
use super::PageCache;
use crate::auth::extract::{CurrentUser, MaybeSession, MaybeUser, Session, Verified};
use crate::auth::Auth;
use crate::clock::Now;
use crate::db::Db;
use crate::error::{ApiError, ApiResult, Problem};
use crate::http::cache::required_if_match;
use crate::http::pagination::{Cursor, Page, PageParams};
use crate::http::Body;
use crate::language::{LangParam, Preferences};
use actix_web::http::header;
use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

/// Routes relative to `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_comment)
        .service(list_comments)
        .service(comment_counts)
        .service(create_proposal)
        .service(list_proposals)
        .service(get_contribution)
        .service(list_replies)
        .service(create_reply)
        .service(edit_contribution)
        .service(delete_contribution)
        .service(support_contribution)
        .service(withdraw_support)
        .service(flag_contribution)
        .service(transparency_log)
        .service(transparency_statistics);
}

/// Answers a read: from the node's cache for anonymous callers (with an `ETag`; 304 for a
/// current `If-None-Match`), straight from the database for signed-in ones, whose pages hold
/// their own pending contributions and supports.
async fn cached<T, F, Fut>(
    req: &HttpRequest,
    cache: &PageCache,
    viewer: Viewer,
    load: F,
) -> ApiResult<HttpResponse>
where
    T: serde::Serialize,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ApiResult<T>>,
{
    if viewer.user.is_none() {
        cache.0.json(req, load).await
    } else {
        Ok(HttpResponse::Ok().json(load().await?))
    }
}

/// A new contribution by `user`, written by `write`: limited per account, in one transaction,
/// and this node's cache cleared before the 201 answers.
async fn create<F>(
    auth: &Auth,
    cache: &PageCache,
    db: &Db,
    (user, assisted): (Verified, bool),
    write: F,
) -> ApiResult<HttpResponse>
where
    F: FnOnce(&mut crate::db::DbConnection, &Verified) -> ApiResult<(Contribution, String)>
        + Send
        + 'static,
{
    auth.limits.write(user.0.id()).await?;
    if assisted {
        domain::facilitator(&user.0)?;
        auth.limits.assisted(user.0.id()).await?;
    }
    let made = db.write(move |conn| write(conn, &user)).await?;
    cache.0.clear();
    Ok(created(made))
}

/// One page of `listing` as the caller sees it. Anonymous callers get the public's page from
/// the node's cache. A participant's page is built from that page and their own share of it
/// (their unpublished contributions, what they support), cached per reader for as long, so
/// that a signed-in read costs the session check and nothing more; both are forgotten when
/// this node changes a contribution. Staff (who see every pending contribution), and readers
/// of a thread the public cannot see, are answered from the database.
async fn listed(
    req: &HttpRequest,
    cache: &PageCache,
    db: web::Data<Db>,
    now: Now,
    session: Option<Session>,
    listing: Listing,
    page: &PageParams,
) -> ApiResult<HttpResponse> {
    let page = page.validate_as::<SortCursor>()?;
    let now = now.naive();
    let reader = match session {
        Some(session) => Some(db.run(move |conn| session.user(conn)).await?),
        None => None,
    };
    let viewer = viewer(reader.as_ref());
    // Proposals' answers are given in the reader's languages.
    let prefs = Preferences::of(req);
    let public = {
        let db = db.clone();
        let prefs = prefs.clone();
        cache.0.entry(req, move || async move {
            let listed = db
                .run(move |conn| {
                    domain::list(conn, now, Viewer::ANONYMOUS, &listing, &page, &prefs)
                })
                .await?;
            Ok((listed.page(), listed))
        })
    };
    let Some(me) = viewer.user.filter(|_| !viewer.staff) else {
        if viewer.user.is_none() {
            return Ok(cache.0.respond(req, &*public.await?));
        }
        let found = db
            .run(move |conn| domain::list(conn, now, viewer, &listing, &page, &prefs))
            .await?;
        return Ok(HttpResponse::Ok().json(found.page()));
    };
    let prefs_own = prefs.clone();
    let entry = match public.await {
        Ok(entry) => entry,
        // The thread's first comment is the reader's own, still pending.
        Err(refused) if refused.status == actix_web::http::StatusCode::NOT_FOUND => {
            let found = db
                .run(move |conn| domain::list(conn, now, viewer, &listing, &page, &prefs_own))
                .await?;
            return Ok(HttpResponse::Ok().json(found.page()));
        }
        Err(refused) => return Err(refused),
    };
    let listed: std::sync::Arc<domain::Listed> = entry
        .parts()
        .ok_or_else(|| ApiError::internal("a cached page without its parts"))?;
    // The reader's page, kept whole: on a hit nothing is built or serialized again.
    let scope = format!("reader {me} {}", entry.etag());
    let body = cache
        .0
        .value(req, &scope, move || async move {
            let limit = page.limit;
            let built = {
                let listed = listed.clone();
                db.run(move |conn| {
                    let own = domain::own_share(conn, viewer, &listing, &page, &listed)?;
                    Ok::<_, ApiError>(domain::merged(&listed, &own, me, limit))
                })
                .await?
            };
            let body = serde_json::to_vec(&built).map_err(ApiError::internal)?;
            let weight = body.len();
            Ok((actix_web::web::Bytes::from(body), weight))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body((*body).clone()))
}

fn answer(
    mut res: actix_web::HttpResponseBuilder,
    (item, etag): (Contribution, String),
) -> HttpResponse {
    res.insert_header((header::ETAG, etag));
    res.json(item)
}

fn created((item, etag): (Contribution, String)) -> HttpResponse {
    let mut res = HttpResponse::Created();
    res.insert_header((
        header::LOCATION,
        format!("/api/v1/contributions/{}", item.id),
    ));
    answer(res, (item, etag))
}

/// Comment on a field of action, a measure or a proposal of the consultation, during its
/// commenting window, as oneself or (`as_organisation`) in the name of a verified organisation
/// one is a member of. In pre-moderation the comment is `pending` until approved; in
/// post-moderation it is visible at once. Facilitators record a comment on behalf of a person
/// without an account with `on_behalf_of` (assisted participation: shown as `assisted` under
/// the person's name; at most `ASSISTED_PER_HOUR` per facilitator and hour). The text's
/// `language` is declared by the writer (`und` when left out).
#[utoipa::path(
    tag = "participation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the consultation")),
    request_body = NewComment,
    responses(
        (status = 201, description = "The new comment", body = Contribution, headers(("Location" = String, description = "Address of the comment"), ("ETag" = String, description = "Send as `If-Match` to change it"))),
        (status = 400, description = "Invalid body (`validation_failed`, with fields), or the target is not in the consultation's scope (`not_in_scope`)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Address not verified (`email_unverified`), not allowed to act for the organisation (`not_a_member`, `organisation_not_verified`), or `on_behalf_of` from somebody who is not a facilitator (`not_a_facilitator`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such consultation, target or organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The commenting window is not open (`phase_closed`), or the proposal is not published (`not_open_for_reactions`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/consultations/{id}/comments")]
pub async fn create_comment(
    now: Now,
    user: Verified,
    auth: web::Data<Auth>,
    cache: web::Data<PageCache>,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: Body<NewComment>,
) -> ApiResult<HttpResponse> {
    let (now, id, new) = (now.naive(), id.into_inner(), body.into_inner());
    let assisted = new.as_ref().is_ok_and(|n| n.on_behalf_of.is_some());
    create(&auth, &cache, &db, (user, assisted), move |conn, user| {
        domain::comment(conn, now, user, id, new)
    })
    .await
}

/// The consultation's comments at the top of their threads, with their reply counts: those of
/// one target (`target_type` and `target_id`), of all targets of one type, or all; optionally
/// of one author group. Placeholders (hidden, deleted) keep their place. Signed-in callers
/// also see their own pending comments and whether they support each; moderators see every
/// pending one.
#[utoipa::path(
    tag = "participation",
    security((), ("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the consultation"), CommentFilter, PageParams, LangParam),
    responses(
        (status = 200, description = "One page of comments", body = Page<Contribution>, headers(("ETag" = String, description = "For anonymous callers: send as `If-None-Match` to revalidate"))),
        (status = 304, description = "Not modified: the `If-None-Match` tag is current (anonymous callers)"),
        (status = 400, description = "Invalid filter, `limit` or `cursor`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "An `Authorization` header without a valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such consultation", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/consultations/{id}/comments")]
#[allow(clippy::too_many_arguments)] // actix extractors, one per part of the request
pub async fn list_comments(
    now: Now,
    MaybeSession(session): MaybeSession,
    req: HttpRequest,
    cache: web::Data<PageCache>,
    db: web::Data<Db>,
    id: web::Path<i64>,
    filter: web::Query<CommentFilter>,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let filter = filter.into_inner();
    let listing = Listing {
        consultation_id: Some(id.into_inner()),
        kind: ContributionKind::Comment,
        parent_id: None,
        target_type: filter.target_type,
        target_id: filter.target_id,
        author_group: filter.author_group,
        language: language_filter(filter.language.as_deref())?,
        sort: filter.sort.unwrap_or(Sort::Newest),
    };
    listed(&req, &cache, db, now, session, listing, &page).await
}

/// Counts of published comments per target of the consultation, in all and per author group
/// ("34 comments, 9 from organisations"), from one query: for one target, the targets of one
/// type, or every target that has comments.
#[utoipa::path(
    tag = "participation",
    security(()),
    params(("id" = i64, Path, description = "Id of the consultation"), CountFilter),
    responses(
        (status = 200, description = "Counts per target, by target", body = Vec<TargetCounts>, headers(("ETag" = String, description = "For anonymous callers: send as `If-None-Match` to revalidate"))),
        (status = 304, description = "Not modified: the `If-None-Match` tag is current (anonymous callers)"),
        (status = 400, description = "Invalid filter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such consultation", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/consultations/{id}/comment-counts")]
pub async fn comment_counts(
    req: HttpRequest,
    cache: web::Data<PageCache>,
    db: web::Data<Db>,
    id: web::Path<i64>,
    filter: web::Query<CountFilter>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (target_type, target_id) = (filter.target_type, filter.target_id);
    let anonymous = Viewer::ANONYMOUS;
    cached(&req, &cache, anonymous, move || async move {
        db.run(move |conn| {
            domain::consultation(conn, id)?;
            Ok::<_, ApiError>(store::counts(conn, id, target_type, target_id)?)
        })
        .await
    })
    .await
}

/// Propose a new measure for a field of action in the consultation's scope, during its
/// commenting window, as oneself or for a verified organisation, or (facilitators, with
/// `on_behalf_of`) for a person without an account. Moderated like comments; staff answer it
/// publicly.
#[utoipa::path(
    tag = "participation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the consultation")),
    request_body = NewProposal,
    responses(
        (status = 201, description = "The new proposal", body = Contribution, headers(("Location" = String, description = "Address of the proposal"), ("ETag" = String, description = "Send as `If-Match` to change it"))),
        (status = 400, description = "Invalid body (`validation_failed`), or the field is not in the consultation's scope (`not_in_scope`)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Address not verified (`email_unverified`), not allowed to act for the organisation, or `on_behalf_of` from somebody who is not a facilitator (`not_a_facilitator`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such consultation, field or organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The commenting window is not open (`phase_closed`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/consultations/{id}/proposals")]
pub async fn create_proposal(
    now: Now,
    user: Verified,
    auth: web::Data<Auth>,
    cache: web::Data<PageCache>,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: Body<NewProposal>,
) -> ApiResult<HttpResponse> {
    let (now, id, new) = (now.naive(), id.into_inner(), body.into_inner());
    let assisted = new.as_ref().is_ok_and(|n| n.on_behalf_of.is_some());
    create(&auth, &cache, &db, (user, assisted), move |conn, user| {
        domain::propose(conn, now, user, id, new)
    })
    .await
}

/// The consultation's proposals, optionally for one field of action and of one author group,
/// with their answers.
#[utoipa::path(
    tag = "participation",
    security((), ("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the consultation"), ProposalFilter, PageParams, LangParam),
    responses(
        (status = 200, description = "One page of proposals", body = Page<Contribution>, headers(("ETag" = String, description = "For anonymous callers: send as `If-None-Match` to revalidate"))),
        (status = 304, description = "Not modified: the `If-None-Match` tag is current (anonymous callers)"),
        (status = 400, description = "Invalid filter, `limit` or `cursor`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "An `Authorization` header without a valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such consultation", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/consultations/{id}/proposals")]
#[allow(clippy::too_many_arguments)] // actix extractors, one per part of the request
pub async fn list_proposals(
    now: Now,
    MaybeSession(session): MaybeSession,
    req: HttpRequest,
    cache: web::Data<PageCache>,
    db: web::Data<Db>,
    id: web::Path<i64>,
    filter: web::Query<ProposalFilter>,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let listing = Listing {
        consultation_id: Some(id.into_inner()),
        kind: ContributionKind::Proposal,
        parent_id: None,
        target_type: Some(TargetType::Field),
        target_id: filter.field_id,
        author_group: filter.author_group,
        language: language_filter(filter.language.as_deref())?,
        sort: filter.sort.unwrap_or(Sort::Newest),
    };
    listed(&req, &cache, db, now, session, listing, &page).await
}

/// One comment or proposal as the caller may see it, with its `ETag` (for the author's
/// changes).
#[utoipa::path(
    tag = "participation",
    security((), ("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the contribution"), LangParam),
    responses(
        (status = 200, description = "The contribution", body = Contribution, headers(("ETag" = String, description = "Send as `If-Match` to change it"))),
        (status = 401, description = "An `Authorization` header without a valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No contribution with this id visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "Deleted by its author (`contribution_gone`); the lists keep a placeholder in its place", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/contributions/{id}")]
pub async fn get_contribution(
    req: HttpRequest,
    MaybeUser(user): MaybeUser,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let (viewer, id) = (viewer(user.as_ref()), id.into_inner());
    let prefs = Preferences::of(&req);
    let found = db
        .run(move |conn| domain::one(conn, viewer, id, &prefs))
        .await?;
    Ok(answer(HttpResponse::Ok(), found))
}

/// The replies to a comment (one level down), oldest first by default.
#[utoipa::path(
    tag = "participation",
    security((), ("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the comment"), ReplyFilter, PageParams, LangParam),
    responses(
        (status = 200, description = "One page of replies", body = Page<Contribution>, headers(("ETag" = String, description = "For anonymous callers: send as `If-None-Match` to revalidate"))),
        (status = 304, description = "Not modified: the `If-None-Match` tag is current (anonymous callers)"),
        (status = 400, description = "Invalid `sort`, `limit` or `cursor`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "An `Authorization` header without a valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No comment with this id visible to the caller", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/contributions/{id}/replies")]
#[allow(clippy::too_many_arguments)] // actix extractors, one per part of the request
pub async fn list_replies(
    now: Now,
    MaybeSession(session): MaybeSession,
    req: HttpRequest,
    cache: web::Data<PageCache>,
    db: web::Data<Db>,
    id: web::Path<i64>,
    filter: web::Query<ReplyFilter>,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let listing = Listing {
        consultation_id: None,
        kind: ContributionKind::Comment,
        parent_id: Some(id.into_inner()),
        target_type: None,
        target_id: None,
        author_group: None,
        language: None,
        sort: filter.sort.unwrap_or(Sort::Oldest),
    };
    listed(&req, &cache, db, now, session, listing, &page).await
}

/// Reply to a published comment (threads go four levels deep: a reply to a reply at depth 3
/// is refused with 409 `thread_too_deep`).
#[utoipa::path(
    tag = "participation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the comment replied to")),
    request_body = NewReply,
    responses(
        (status = 201, description = "The new reply", body = Contribution, headers(("Location" = String, description = "Address of the reply"), ("ETag" = String, description = "Send as `If-Match` to change it"))),
        (status = 400, description = "Invalid body (`validation_failed`)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Address not verified, or not allowed to act for the organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No comment with this id visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The commenting window is not open (`phase_closed`), the comment is not published (`not_open_for_reactions`), or the thread is as deep as it goes (`thread_too_deep`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/contributions/{id}/replies")]
pub async fn create_reply(
    now: Now,
    user: Verified,
    auth: web::Data<Auth>,
    cache: web::Data<PageCache>,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: Body<NewReply>,
) -> ApiResult<HttpResponse> {
    let (now, id, new) = (now.naive(), id.into_inner(), body.into_inner());
    create(&auth, &cache, &db, (user, false), move |conn, user| {
        domain::reply(conn, now, user, id, new)
    })
    .await
}

/// Change one's own contribution within 60 minutes of writing it, with its `ETag` as
/// `If-Match`. The previous text is kept for moderators; the contribution shows `edited_at`.
#[utoipa::path(
    tag = "participation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the contribution"), ("If-Match" = String, Header, description = "ETag of the version being changed")),
    request_body = ContributionEdit,
    responses(
        (status = 200, description = "The changed contribution", body = Contribution, headers(("ETag" = String, description = "Its new entity tag"))),
        (status = 400, description = "Invalid body (`validation_failed`)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Somebody else's contribution (`not_the_author`) or address not verified", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No contribution with this id visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The edit window has closed (`edit_window_closed`), the contribution was deleted (`contribution_deleted`) or is hidden or rejected (`not_open_for_reactions`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/contributions/{id}")]
#[allow(clippy::too_many_arguments)] // actix extractors, one per part of the request
pub async fn edit_contribution(
    now: Now,
    user: Verified,
    req: HttpRequest,
    auth: web::Data<Auth>,
    cache: web::Data<PageCache>,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: Body<ContributionEdit>,
) -> ApiResult<HttpResponse> {
    auth.limits.write(user.0.id()).await?;
    let (now, id, change) = (now.naive(), id.into_inner(), body.into_inner());
    let if_match = required_if_match(&req);
    let changed = db
        .write(move |conn| domain::edit(conn, now, &user, id, if_match, change))
        .await?;
    cache.0.clear();
    Ok(answer(HttpResponse::Ok(), changed))
}

/// Delete one's own contribution, at any time: its text is gone for good (earlier versions
/// too), a placeholder keeps the thread, replies stay. Deleting again changes nothing.
#[utoipa::path(
    tag = "participation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the contribution")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Somebody else's contribution (`not_the_author`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No contribution with this id visible to the caller", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/contributions/{id}")]
pub async fn delete_contribution(
    now: Now,
    user: CurrentUser,
    cache: web::Data<PageCache>,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let (now, id) = (now.naive(), id.into_inner());
    db.write(move |conn| domain::delete(conn, now, &user, id))
        .await?;
    cache.0.clear();
    Ok(HttpResponse::NoContent().finish())
}

/// Support a published contribution (once; supporting again changes nothing), while the
/// commenting window is open.
#[utoipa::path(
    tag = "participation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the contribution")),
    responses(
        (status = 200, description = "Supported, with the count", body = SupportState),
        (status = 403, description = "Address not verified (`email_unverified`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No contribution with this id visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not published (`not_open_for_reactions`, `contribution_deleted`) or the commenting window is not open (`phase_closed`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/contributions/{id}/support")]
pub async fn support_contribution(
    now: Now,
    user: Verified,
    cache: web::Data<PageCache>,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<web::Json<SupportState>> {
    let (now, id) = (now.naive(), id.into_inner());
    let state = db
        .write(move |conn| domain::support(conn, now, &user.0, id, true))
        .await?;
    // The supporter's pages on this node show it at once.
    cache.0.clear();
    Ok(web::Json(state))
}

/// Withdraw one's support (withdrawing again changes nothing).
#[utoipa::path(
    tag = "participation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the contribution")),
    responses(
        (status = 200, description = "Not supported, with the count", body = SupportState),
        (status = 404, description = "No contribution with this id visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not published (`not_open_for_reactions`, `contribution_deleted`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/contributions/{id}/support")]
pub async fn withdraw_support(
    now: Now,
    user: CurrentUser,
    cache: web::Data<PageCache>,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<web::Json<SupportState>> {
    let (now, id) = (now.naive(), id.into_inner());
    let state = db
        .write(move |conn| domain::support(conn, now, &user, id, false))
        .await?;
    cache.0.clear();
    Ok(web::Json(state))
}

/// Report a contribution to the moderators, once, with a reason (`other` needs a note). After
/// reports from three different people it is hidden pending review.
#[utoipa::path(
    tag = "participation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the contribution")),
    request_body = FlagSubmission,
    responses(
        (status = 201, description = "Reported", body = FlagReceipt),
        (status = 400, description = "Invalid body (`validation_failed`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No contribution with this id visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Reported by the caller already (`already_flagged`), deleted (`contribution_deleted`), or not published or hidden (`not_open_for_reactions`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/contributions/{id}/flags")]
pub async fn flag_contribution(
    now: Now,
    user: CurrentUser,
    auth: web::Data<Auth>,
    cache: web::Data<PageCache>,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: Body<FlagSubmission>,
) -> ApiResult<HttpResponse> {
    auth.limits.write(user.id()).await?;
    let (now, id, submission) = (now.naive(), id.into_inner(), body.into_inner());
    let receipt = db
        .write(move |conn| domain::flag(conn, now, &user, id, submission))
        .await?;
    // A report may have hidden the contribution.
    cache.0.clear();
    Ok(HttpResponse::Created().json(receipt))
}

/// Filter of the public log.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogFilter {
    /// Only decisions about contributions to this consultation.
    pub consultation_id: Option<i64>,
}

/// The public transparency log: every moderation decision, newest first — the kind of item,
/// the consultation, the decision, its reason, whether it followed automatic hiding by
/// reports, and the day — with nothing that identifies a person (no author, no moderator, no
/// text, no note).
#[utoipa::path(
    tag = "transparency",
    security(()),
    params(LogFilter, PageParams),
    responses(
        (status = 200, description = "One page of decisions", body = Page<PublicDecision>),
        (status = 400, description = "Invalid filter, `limit` or `cursor`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/transparency/moderation-decisions")]
pub async fn transparency_log(
    db: web::Data<Db>,
    filter: web::Query<LogFilter>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<PublicDecision>>> {
    let page = page.validate()?;
    let consultation = filter.consultation_id;
    let rows = db
        .run(move |conn| {
            store::public_decisions(conn, consultation, page.limit, page.after.map(|c| c.id))
        })
        .await?;
    Ok(web::Json(page.finish(
        rows,
        |d| Cursor {
            key: d.id,
            id: d.id,
        },
        |d| d,
    )))
}

/// Counts of all moderation decisions by reason (`none` for decisions without one), by
/// decision and by month (`YYYY-MM`, UTC).
#[utoipa::path(
    tag = "transparency",
    security(()),
    responses(
        (status = 200, description = "The statistics", body = TransparencyStatistics),
    )
)]
#[get("/transparency/moderation-statistics")]
pub async fn transparency_statistics(
    db: web::Data<Db>,
) -> ApiResult<web::Json<TransparencyStatistics>> {
    let facts = db.run(store::decision_facts).await?;
    Ok(web::Json(TransparencyStatistics {
        total: facts.len() as i64,
        by_reason: store::tally(
            facts
                .iter()
                .map(|(_, r, _)| r.clone().unwrap_or_else(|| "none".to_owned())),
        ),
        by_decision: store::tally(facts.iter().map(|(d, _, _)| d.clone())),
        by_month: store::tally(
            facts
                .iter()
                .map(|(_, _, at)| at.format("%Y-%m").to_string()),
        ),
    }))
}
