//! Membership of organisations, as routes: members and their roles, invitations by e-mail,
//! requests to join, and the caller's own memberships. The rules are in
//! [`super::membership`]; these handlers extract, call one of its functions and answer.

use super::membership;
use super::model::{
    Invitation, InvitationRequest, JoinRequest, JoinRequestSubmission, Member, MemberRoleChange,
    Membership,
};
use super::standing::Standing;
use super::store;
use crate::auth::extract::{CurrentUser, Verified};
use crate::auth::model::TokenSubmission;
use crate::auth::Auth;
use crate::clock::Now;
use crate::db::{Db, DbConnection};
use crate::error::{ApiResult, Problem};
use crate::http::pagination::{Page, PageParams, PageRequest};
use crate::http::Body;
use actix_web::http::header;
use actix_web::{delete, get, post, put, web, HttpResponse};
use diesel::QueryResult;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

/// Routes relative to `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_members)
        .service(change_member_role)
        .service(remove_member)
        .service(invite)
        .service(list_invitations)
        .service(revoke_invitation)
        .service(accept_invitation)
        .service(request_to_join)
        .service(list_join_requests)
        .service(accept_join_request)
        .service(decline_join_request)
        .service(withdraw_join_request)
        .service(my_organisations)
        .service(my_join_requests);
}

/// The organisation's members with their roles (members and moderators; no e-mail addresses).
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the organisation"), PageParams),
    responses(
        (status = 200, description = "One page of members, by user id", body = Page<Member>),
        (status = 400, description = "Invalid `limit` or `cursor`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a member of the organisation (`members_only`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No organisation with this id visible to the caller", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organisations/{id}/members")]
pub async fn list_members(
    user: CurrentUser,
    db: web::Data<Db>,
    id: web::Path<i64>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<Member>>> {
    private_page(
        user,
        &db,
        id.into_inner(),
        &page,
        Standing::may_read_private,
        store::members,
    )
    .await
}

/// One page of a list private to an organisation, for the callers `allowed` to see it.
async fn private_page<T: Send + 'static>(
    user: CurrentUser,
    db: &Db,
    id: i64,
    page: &PageParams,
    allowed: fn(&Standing) -> ApiResult<()>,
    query: impl FnOnce(&mut DbConnection, i64, &PageRequest) -> QueryResult<Page<T>> + Send + 'static,
) -> ApiResult<web::Json<Page<T>>> {
    let page = page.validate()?;
    let items = db
        .run(move |conn| -> ApiResult<_> {
            allowed(&Standing::load(conn, id, &user, false)?)?;
            Ok(query(conn, id, &page)?)
        })
        .await?;
    Ok(web::Json(items))
}

/// Change a member's role (representatives). The last representative cannot be made a
/// member (409 `last_representative`).
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the organisation"), ("user_id" = i64, Path, description = "Id of the member")),
    request_body = MemberRoleChange,
    responses(
        (status = 200, description = "The member with the new role", body = Member),
        (status = 400, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a representative (`representative_required`) or address not verified", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation or member", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It would leave the organisation without a representative (`last_representative`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/organisations/{id}/members/{user_id}/role")]
pub async fn change_member_role(
    now: Now,
    Verified(user): Verified,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
    body: Body<MemberRoleChange>,
) -> ApiResult<web::Json<Member>> {
    let (now, (id, member), change) = (now.naive(), path.into_inner(), body.into_inner());
    let changed = db
        .write(move |conn| membership::change_role(conn, now, &user, id, member, change))
        .await?;
    Ok(web::Json(changed))
}

/// End a membership: members leave (their own id), representatives remove members. The last
/// representative can neither leave nor be removed (409 `last_representative`).
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the organisation"), ("user_id" = i64, Path, description = "Id of the member; the caller's own id to leave")),
    responses(
        (status = 204, description = "The membership ended"),
        (status = 403, description = "Removing someone else without being a representative (`representative_required`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation or member", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It would leave the organisation without a representative (`last_representative`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/organisations/{id}/members/{user_id}")]
pub async fn remove_member(
    now: Now,
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (now, (id, member)) = (now.naive(), path.into_inner());
    db.write(move |conn| membership::remove(conn, now, &user, id, member))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Invite someone by e-mail (representatives). The mail holds a single-use link valid for 14
/// days; it is accepted with an account of that address, also one registered later. A new
/// invitation of the same address replaces the open one. The answer never tells whether the
/// address has an account.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the organisation")),
    request_body = InvitationRequest,
    responses(
        (status = 201, description = "Invited; the mail is on its way", body = Invitation, headers(("Location" = String, description = "Address of the organisation's open invitations"))),
        (status = 400, description = "Invalid body (`validation_failed`, with fields)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a representative (`representative_required`) or address not verified", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No organisation with this id visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "50 invitations are open already (`too_many_open_invitations`), or the organisation sent 50 in the last 24 hours, 10 before its verification (`too_many_invitations_today`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organisations/{id}/invitations")]
pub async fn invite(
    now: Now,
    Verified(user): Verified,
    auth: web::Data<Auth>,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: Body<InvitationRequest>,
) -> ApiResult<HttpResponse> {
    let (now, id, request) = (now.naive(), id.into_inner(), body.into_inner());
    let base = auth.link_base.clone();
    let invitation = db
        .write(move |conn| membership::invite(conn, now, &user, id, request, &base))
        .await?;
    let mut res = HttpResponse::Created();
    res.insert_header((
        header::LOCATION,
        format!("/api/v1/organisations/{id}/invitations"),
    ));
    Ok(res.json(invitation))
}

/// The organisation's open invitations (representatives).
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the organisation"), PageParams),
    responses(
        (status = 200, description = "One page of open invitations, oldest first", body = Page<Invitation>),
        (status = 400, description = "Invalid `limit` or `cursor`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a representative (`representative_required`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No organisation with this id visible to the caller", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organisations/{id}/invitations")]
pub async fn list_invitations(
    now: Now,
    user: CurrentUser,
    db: web::Data<Db>,
    id: web::Path<i64>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<Invitation>>> {
    let now = now.naive();
    private_page(
        user,
        &db,
        id.into_inner(),
        &page,
        Standing::representative,
        move |conn, org, page| store::invitations(conn, now, org, page),
    )
    .await
}

/// Revoke an open invitation (representatives); its link stops working.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the organisation"), ("invitation_id" = i64, Path, description = "Id of the invitation")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "Not a representative (`representative_required`) or address not verified", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation or open invitation", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/organisations/{id}/invitations/{invitation_id}")]
pub async fn revoke_invitation(
    now: Now,
    Verified(user): Verified,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (now, (id, invitation)) = (now.naive(), path.into_inner());
    db.write(move |conn| membership::revoke_invitation(conn, now, &user, id, invitation))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Accept an invitation with the token from its mail. The caller's account must have the
/// invited address (verified); the invitation is used up.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    request_body = TokenSubmission,
    responses(
        (status = 200, description = "The new membership", body = Membership),
        (status = 400, description = "Unknown, used, revoked or expired invitation (`invalid_or_expired_token`)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The invitation is for another address (`invitation_for_another_address`) or the address is not verified", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already a member (`already_member`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organisation-invitations/accept")]
pub async fn accept_invitation(
    now: Now,
    Verified(user): Verified,
    db: web::Data<Db>,
    body: Body<TokenSubmission>,
) -> ApiResult<web::Json<Membership>> {
    let now = now.naive();
    let submission = body.into_inner()?;
    submission.validate()?;
    let membership = db
        .write(move |conn| membership::accept_invitation(conn, now, &user, &submission.token))
        .await?;
    Ok(web::Json(membership))
}

/// Ask to join a verified organisation; its representatives accept or decline. One open
/// request per person and organisation.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the organisation")),
    request_body = JoinRequestSubmission,
    responses(
        (status = 201, description = "Requested", body = JoinRequest),
        (status = 400, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Address not verified (`email_unverified`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No organisation with this id visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already a member (`already_member`), a request is open (`already_requested`), one was declined in the last 30 days (`recently_declined`), or the organisation is not verified yet (`organisation_not_yet_verified`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organisations/{id}/join-requests")]
pub async fn request_to_join(
    now: Now,
    Verified(user): Verified,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: Body<JoinRequestSubmission>,
) -> ApiResult<HttpResponse> {
    let (now, id, submission) = (now.naive(), id.into_inner(), body.into_inner());
    let request = db
        .write(move |conn| membership::request_to_join(conn, now, &user, id, submission))
        .await?;
    Ok(HttpResponse::Created().json(request))
}

/// Open requests to join (representatives), oldest first.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the organisation"), PageParams),
    responses(
        (status = 200, description = "One page of open requests", body = Page<JoinRequest>),
        (status = 400, description = "Invalid `limit` or `cursor`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a representative (`representative_required`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No organisation with this id visible to the caller", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organisations/{id}/join-requests")]
pub async fn list_join_requests(
    user: CurrentUser,
    db: web::Data<Db>,
    id: web::Path<i64>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<JoinRequest>>> {
    private_page(
        user,
        &db,
        id.into_inner(),
        &page,
        Standing::representative,
        store::open_join_requests,
    )
    .await
}

/// Accept a request to join (representatives): the person becomes a `member`.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the organisation"), ("request_id" = i64, Path, description = "Id of the request")),
    responses(
        (status = 200, description = "The new member", body = Member),
        (status = 403, description = "Not a representative (`representative_required`) or address not verified", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation or request", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Decided already (`already_decided`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organisations/{id}/join-requests/{request_id}/accept")]
pub async fn accept_join_request(
    now: Now,
    Verified(user): Verified,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
) -> ApiResult<web::Json<Member>> {
    let (now, (id, request)) = (now.naive(), path.into_inner());
    let member = db
        .write(move |conn| membership::accept_join_request(conn, now, &user, id, request))
        .await?;
    Ok(web::Json(member))
}

/// Decline a request to join (representatives).
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the organisation"), ("request_id" = i64, Path, description = "Id of the request")),
    responses(
        (status = 200, description = "The declined request", body = JoinRequest),
        (status = 403, description = "Not a representative (`representative_required`) or address not verified", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation or request", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Decided already (`already_decided`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organisations/{id}/join-requests/{request_id}/decline")]
pub async fn decline_join_request(
    now: Now,
    Verified(user): Verified,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
) -> ApiResult<web::Json<JoinRequest>> {
    let (now, (id, request)) = (now.naive(), path.into_inner());
    let declined = db
        .write(move |conn| membership::decline_join_request(conn, now, &user, id, request))
        .await?;
    Ok(web::Json(declined))
}

/// Withdraw one's own open request to join.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the organisation"), ("request_id" = i64, Path, description = "Id of the request")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 404, description = "No request of the caller with this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Decided already (`already_decided`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/organisations/{id}/join-requests/{request_id}")]
pub async fn withdraw_join_request(
    now: Now,
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (now, (id, request)) = (now.naive(), path.into_inner());
    db.write(move |conn| membership::withdraw_join_request(conn, now, &user, id, request))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's requests to join, newest first, with their status (`open`, `accepted`,
/// `declined`, `withdrawn`).
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "One page of requests", body = Page<JoinRequest>),
        (status = 400, description = "Invalid `limit` or `cursor`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/join-requests")]
pub async fn my_join_requests(
    user: CurrentUser,
    db: web::Data<Db>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<JoinRequest>>> {
    let page = page.validate()?;
    let id = user.id();
    let requests = db
        .run(move |conn| store::join_requests_of(conn, id, &page))
        .await?;
    Ok(web::Json(requests))
}

/// The caller's memberships and roles, with what each allows: `may_act` (contribute as the
/// organisation) and `may_sign` (its ballot and statements).
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "One page of memberships, by organisation id", body = Page<Membership>),
        (status = 400, description = "Invalid `limit` or `cursor`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/organisations")]
pub async fn my_organisations(
    user: CurrentUser,
    db: web::Data<Db>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<Membership>>> {
    let page = page.validate()?;
    let id = user.id();
    let memberships = db
        .run(move |conn| store::memberships(conn, id, &page))
        .await?;
    Ok(web::Json(memberships))
}
