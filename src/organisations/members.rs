//! Membership of organisations: members and their roles, invitations by e-mail, requests to
//! join, and the caller's own memberships. An organisation never loses its last
//! representative (409 `last_representative`); changes to one organisation's membership are
//! made one after the other (its row is locked).

use super::model::{
    Invitation, InvitationRequest, JoinRequest, JoinRequestStatus, JoinRequestSubmission, Member,
    MemberRole, MemberRoleChange, Membership,
};
use super::standing::{no_such_organisation, Standing};
use super::store;
use crate::audit;
use crate::auth::extract::{CurrentUser, Verified};
use crate::auth::model::{Language, TokenSubmission};
use crate::auth::store::{normalize_email, user_by_email};
use crate::auth::Auth;
use crate::clock::Now;
use crate::db::{write_transaction, Db, DbConnection};
use crate::error::{ApiError, ApiResult, Problem};
use crate::http::pagination::{Page, PageParams, PageRequest};
use crate::http::Body;
use crate::mail::{self, templates};
use actix_web::http::header;
use actix_web::{delete, get, post, put, web, HttpResponse};
use chrono::NaiveDateTime;
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

fn last_representative() -> ApiError {
    super::problems::LAST_REPRESENTATIVE.problem()
}

fn no_such_member() -> ApiError {
    ApiError::not_found("This person is not a member of the organisation.")
}

/// Refuses a change that would leave the organisation without a representative: `member`,
/// with `role`, stops being one (demoted, removed, leaving). Only the others whose accounts
/// work count, so a blocked representative can be removed while a working one remains.
fn keeps_a_representative(
    conn: &mut DbConnection,
    org: i64,
    member: i64,
    role: MemberRole,
) -> ApiResult<()> {
    if role == MemberRole::Representative && store::other_representatives(conn, org, member)? == 0 {
        return Err(last_representative());
    }
    Ok(())
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
    let now = now.naive();
    let ((id, member), role) = (path.into_inner(), body.into_inner());
    let changed = db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                Standing::load(conn, id, &user, true)?.representative()?;
                let role = role?.role;
                let current = store::role_of(conn, id, member)?.ok_or_else(no_such_member)?;
                if current != role {
                    keeps_a_representative(conn, id, member, current)?;
                    store::set_role(conn, id, member, role)?;
                    audit::record(
                        conn,
                        now,
                        Some(user.id()),
                        "organisation.member_role_changed",
                        "organisation",
                        Some(id),
                        serde_json::json!({"member": member, "before": current, "after": role}),
                    )?;
                }
                Ok::<_, ApiError>(store::member(conn, id, member)?)
            })
        })
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
    let now = now.naive();
    let (id, member) = path.into_inner();
    db.run(move |conn| {
        write_transaction(conn, |conn| {
            let standing = Standing::load(conn, id, &user, true)?;
            let leaving = member == user.id();
            if !leaving {
                standing.representative()?;
            }
            let current = store::role_of(conn, id, member)?.ok_or_else(no_such_member)?;
            keeps_a_representative(conn, id, member, current)?;
            store::remove_member(conn, id, member)?;
            let action = if leaving {
                "organisation.member_left"
            } else {
                "organisation.member_removed"
            };
            audit::record(
                conn,
                now,
                Some(user.id()),
                action,
                "organisation",
                Some(id),
                serde_json::json!({"member": member, "role": current}),
            )?;
            Ok::<_, ApiError>(())
        })
    })
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
    let now = now.naive();
    let (id, request, base) = (id.into_inner(), body.into_inner(), auth.link_base.clone());
    let invitation = db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let standing = Standing::load(conn, id, &user, true)?;
                standing.representative()?;
                let request = request?;
                request.validate()?;
                if store::count_open_invitations(conn, now, id)? >= store::MAX_OPEN_INVITATIONS {
                    return Err(super::problems::TOO_MANY_OPEN_INVITATIONS.problem());
                }
                if audit::count_recent(conn, now, user.id(), "organisation.member_invited", 24)?
                    >= store::INVITATIONS_PER_INVITER_PER_DAY
                {
                    return Err(super::problems::TOO_MANY_INVITATIONS_TODAY.with_detail(format!("You have sent {} invitations in the last 24 hours; try again tomorrow.", store::INVITATIONS_PER_INVITER_PER_DAY)));
                }
                let per_day = if standing.org.listed() {
                    store::INVITATIONS_PER_DAY
                } else {
                    store::INVITATIONS_PER_DAY_UNVERIFIED
                };
                if store::invitations_sent_today(conn, now, id)? >= per_day {
                    return Err(super::problems::TOO_MANY_INVITATIONS_TODAY.with_detail(format!("The organisation has sent {per_day} invitations in the last 24 hours{}; try again tomorrow.", if standing.org.listed() { "" } else { " (before its verification)" })));
                }
                let email = normalize_email(&request.email);
                if email.chars().count() > 254 {
                    return Err(ApiError::invalid_field("email", "length", "is longer than 254 characters"));
                }
                let (row, token) = store::invite(conn, now, id, &email, request.role, user.id())?;
                let language = user_by_email(conn, &email)?
                    .map_or(Language::De, |u| u.language());
                mail::enqueue(
                    conn, now,
                    &templates::organisation_invitation(&email, language, &base, &token, &standing.org.name, standing.org.listed()),
                )?;
                audit::record(
                    conn, now,
                    Some(user.id()),
                    "organisation.member_invited",
                    "organisation",
                    Some(id),
                    serde_json::json!({"invitation": row.id, "role": request.role}),
                )?;
                Ok(row.view())
            })
        })
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
    let now = now.naive();
    let (id, invitation) = path.into_inner();
    db.run(move |conn| {
        write_transaction(conn, |conn| {
            Standing::load(conn, id, &user, true)?.representative()?;
            if !store::revoke_invitation(conn, now, id, invitation)? {
                return Err(ApiError::not_found(
                    "There is no open invitation with this id.",
                ));
            }
            audit::record(
                conn,
                now,
                Some(user.id()),
                "organisation.invitation_revoked",
                "organisation",
                Some(id),
                serde_json::json!({"invitation": invitation}),
            )?;
            Ok(())
        })
    })
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
    let token = submission.token;
    let membership = db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                // An account deleted meanwhile joins nothing (its deletion locks it too).
                user.still_current(conn, now)?;
                let invitation = store::invitation_by_token(conn, now, &token)?
                    .ok_or_else(|| crate::auth::problems::INVALID_OR_EXPIRED_TOKEN.problem())?;
                if invitation.email != normalize_email(&user.user.email) {
                    return Err(super::problems::INVITATION_FOR_ANOTHER_ADDRESS.problem());
                }
                let org = store::lock(conn, invitation.organisation_id)?
                    .ok_or_else(|| crate::auth::problems::INVALID_OR_EXPIRED_TOKEN.problem())?;
                if store::role_of(conn, org.id, user.id())?.is_some() {
                    return Err(super::problems::ALREADY_MEMBER.problem());
                }
                if !store::close_invitation_accepted(conn, now, invitation.id, user.id())? {
                    return Err(crate::auth::problems::INVALID_OR_EXPIRED_TOKEN.problem());
                }
                store::add_member(conn, now, org.id, user.id(), invitation.role())?;
                store::settle_open_request(conn, now, org.id, user.id())?;
                audit::record(
                    conn,
                    now,
                    Some(user.id()),
                    "organisation.invitation_accepted",
                    "organisation",
                    Some(org.id),
                    serde_json::json!({"invitation": invitation.id, "role": invitation.role()}),
                )?;
                membership_of(conn, org.id, user.id())
            })
        })
        .await?;
    Ok(web::Json(membership))
}

fn membership_of(conn: &mut DbConnection, org: i64, user: i64) -> ApiResult<Membership> {
    let org = store::find(conn, org)?.ok_or_else(no_such_organisation)?;
    let member = store::member(conn, org.id, user)?;
    Ok(Membership {
        may_act: super::acting::permits(&org, member.role, super::acting::Capability::Act),
        may_sign: super::acting::permits(&org, member.role, super::acting::Capability::Sign),
        organisation: org.summary(),
        role: member.role,
        joined_at: member.joined_at,
    })
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
    let now = now.naive();
    let (id, submission) = (id.into_inner(), body.into_inner());
    let request = db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let standing = Standing::load(conn, id, &user, true)?;
                let submission = submission?;
                submission.validate()?;
                if standing.role.is_some() {
                    return Err(super::problems::ALREADY_MEMBER.problem());
                }
                if !standing.org.listed() {
                    return Err(super::problems::NOT_YET_VERIFIED.problem());
                }
                if store::has_open_request(conn, id, user.id())? {
                    return Err(super::problems::ALREADY_REQUESTED.problem());
                }
                if store::recently_declined(conn, now, id, user.id())? {
                    return Err(super::problems::RECENTLY_DECLINED.with_detail(format!("The organisation declined your request within the last {} days; contact it directly.", store::DAYS_AFTER_DECLINE)));
                }
                Ok(store::request_to_join(conn, now, id, user.id(), submission.message.as_deref())?
                    .view())
            })
        })
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

fn decide_join_request(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: &CurrentUser,
    id: i64,
    request: i64,
    status: JoinRequestStatus,
) -> ApiResult<store::JoinRequestRow> {
    Standing::load(conn, id, user, true)?.representative()?;
    let found = store::join_request(conn, id, request)?
        .ok_or_else(|| ApiError::not_found("There is no request to join with this id."))?;
    if !found.is_open() || !store::decide_join_request(conn, now, request, status, user.id())? {
        return Err(super::problems::ALREADY_DECIDED.problem());
    }
    let action = match status {
        JoinRequestStatus::Accepted => {
            store::add_member(conn, now, id, found.user_id, MemberRole::Member)?;
            "organisation.join_request_accepted"
        }
        _ => "organisation.join_request_declined",
    };
    audit::record(
        conn,
        now,
        Some(user.id()),
        action,
        "organisation",
        Some(id),
        serde_json::json!({"join_request": request, "member": found.user_id}),
    )?;
    Ok(found)
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
    let now = now.naive();
    let (id, request) = path.into_inner();
    let member = db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let found = decide_join_request(
                    conn,
                    now,
                    &user,
                    id,
                    request,
                    JoinRequestStatus::Accepted,
                )?;
                Ok::<_, ApiError>(store::member(conn, id, found.user_id)?)
            })
        })
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
    let now = now.naive();
    let (id, request) = path.into_inner();
    let declined = db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let mut declined = decide_join_request(
                    conn,
                    now,
                    &user,
                    id,
                    request,
                    JoinRequestStatus::Declined,
                )?;
                declined.status = JoinRequestStatus::Declined.as_str().to_owned();
                declined.decided_at = Some(now);
                Ok::<_, ApiError>(declined.view())
            })
        })
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
    let now = now.naive();
    let (id, request) = path.into_inner();
    db.run(move |conn| {
        write_transaction(conn, |conn| {
            // Other people's requests do not exist for the caller.
            let found = store::join_request(conn, id, request)?
                .filter(|r| r.user_id == user.id())
                .ok_or_else(|| ApiError::not_found("You have no request to join with this id."))?;
            if !found.is_open()
                || !store::decide_join_request(
                    conn,
                    now,
                    request,
                    JoinRequestStatus::Withdrawn,
                    user.id(),
                )?
            {
                return Err(super::problems::ALREADY_DECIDED.problem());
            }
            Ok(())
        })
    })
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

/// Ends a person's memberships as their account is deleted, inside the deletion's write
/// transaction (which has locked the account). Refuses with 409 `last_representative` while
/// they are the only representative of a verified organisation; an organisation that was
/// never verified and has no other representative is withdrawn with the account (nobody
/// could ever speak for it), so deletion is never blocked by a registration alone.
pub fn end_memberships_of_deleted_account(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: i64,
) -> ApiResult<()> {
    // Open requests first: one being accepted at this moment is waited for, and its new
    // membership is then among those locked below.
    store::withdraw_open_requests(conn, now, user)?;
    let memberships = store::lock_memberships_of(conn, user)?;
    let mut withdrawn = Vec::new();
    for (org, role) in &memberships {
        if *role == MemberRole::Representative
            && store::other_representatives(conn, org.id, user)? == 0
        {
            if org.listed() {
                return Err(super::problems::LAST_REPRESENTATIVE.problem());
            }
            withdrawn.push(org.id);
        }
    }
    store::leave_all(conn, user)?;
    for (org, role) in &memberships {
        let action = if withdrawn.contains(&org.id) {
            store::withdraw(conn, org.id)?;
            "organisation.withdrawn"
        } else {
            "organisation.member_left"
        };
        audit::record(
            conn,
            now,
            Some(user),
            action,
            "organisation",
            Some(org.id),
            serde_json::json!({"member": user, "role": role, "account_deleted": true}),
        )?;
    }
    Ok(())
}
