//! Membership as a domain: roles, leaving and removal, invitations by e-mail, requests to
//! join, and what account deletion does to memberships. Each public function is one change
//! with its audit entry (and mails, through the outbox), run by the caller inside one write
//! transaction ([`crate::db::Db::write`]); the handlers in [`super::members`] only extract,
//! call and answer. An organisation never loses its last representative (409
//! `last_representative`); changes to one organisation's membership are made one after the
//! other (its row is locked by [`Standing::load`]).

use super::model::{
    Invitation, InvitationRequest, JoinRequest, JoinRequestStatus, JoinRequestSubmission, Member,
    MemberRole, MemberRoleChange, Membership,
};
use super::standing::{no_such_organisation, Standing};
use super::store;
use crate::audit;
use crate::auth::extract::CurrentUser;
use crate::auth::model::Language;
use crate::auth::store::{normalize_email, user_by_email};
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult, Text};
use crate::mail::{self, templates};
use chrono::NaiveDateTime;
use validator::Validate;

fn no_such_member() -> ApiError {
    ApiError::not_found(Text::new(
        "Diese Person ist kein Mitglied der Organisation.",
        "This person is not a member of the organisation.",
    ))
}

fn invalid_token() -> ApiError {
    crate::auth::problems::INVALID_OR_EXPIRED_TOKEN.problem()
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
        return Err(super::problems::LAST_REPRESENTATIVE.problem());
    }
    Ok(())
}

/// Gives `member` the role of `change` (representatives).
pub fn change_role(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: &CurrentUser,
    id: i64,
    member: i64,
    change: ApiResult<MemberRoleChange>,
) -> ApiResult<Member> {
    Standing::load(conn, id, user, true)?.representative()?;
    let role = change?.role;
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
    Ok(store::member(conn, id, member)?)
}

/// Ends `member`'s membership: the caller leaving, or a representative removing them.
pub fn remove(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: &CurrentUser,
    id: i64,
    member: i64,
) -> ApiResult<()> {
    let standing = Standing::load(conn, id, user, true)?;
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
    Ok(())
}

/// Invites an address (representatives) and queues the mail with its single-use link under
/// `link_base`. `request` arrives as a result so that a caller who may not invite learns
/// only that.
pub fn invite(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: &CurrentUser,
    id: i64,
    request: ApiResult<InvitationRequest>,
    link_base: &str,
) -> ApiResult<Invitation> {
    let standing = Standing::load(conn, id, user, true)?;
    standing.representative()?;
    let request = request?;
    request.validate()?;
    if store::count_open_invitations(conn, now, id)? >= store::MAX_OPEN_INVITATIONS {
        return Err(super::problems::TOO_MANY_OPEN_INVITATIONS.problem());
    }
    if audit::count_recent(conn, now, user.id(), "organisation.member_invited", 24)?
        >= store::INVITATIONS_PER_INVITER_PER_DAY
    {
        return Err(
            super::problems::TOO_MANY_INVITATIONS_TODAY.with_detail(Text::format(
                format!(
                    "Sie haben in den letzten 24 Stunden {} Einladungen verschickt. Bitte versuchen Sie es morgen noch einmal.",
                    store::INVITATIONS_PER_INVITER_PER_DAY
                ),
                format!(
                    "You have sent {} invitations in the last 24 hours; try again tomorrow.",
                    store::INVITATIONS_PER_INVITER_PER_DAY
                ),
            )),
        );
    }
    let listed = standing.org.listed();
    let per_day = if listed {
        store::INVITATIONS_PER_DAY
    } else {
        store::INVITATIONS_PER_DAY_UNVERIFIED
    };
    if store::invitations_sent_today(conn, now, id)? >= per_day {
        return Err(
            super::problems::TOO_MANY_INVITATIONS_TODAY.with_detail(Text::format(
                format!(
                    "Die Organisation hat in den letzten 24 Stunden {per_day} Einladungen verschickt{}. Bitte versuchen Sie es morgen noch einmal.",
                    if listed { "" } else { " (vor ihrer Bestätigung)" }
                ),
                format!(
                    "The organisation has sent {per_day} invitations in the last 24 hours{}; try again tomorrow.",
                    if listed { "" } else { " (before its verification)" }
                ),
            )),
        );
    }
    let email = normalize_email(&request.email);
    if email.chars().count() > 254 {
        return Err(ApiError::invalid_field(
            "email",
            "length",
            Text::new(
                "darf höchstens 254 Zeichen lang sein",
                "is longer than 254 characters",
            ),
        ));
    }
    let (row, token) = store::invite(conn, now, id, &email, request.role, user.id())?;
    let language = user_by_email(conn, &email)?.map_or(Language::De, |u| u.language());
    mail::enqueue(
        conn,
        now,
        &templates::organisation_invitation(
            &email,
            language,
            link_base,
            &token,
            &standing.org.name,
            listed,
        ),
    )?;
    audit::record(
        conn,
        now,
        Some(user.id()),
        "organisation.member_invited",
        "organisation",
        Some(id),
        serde_json::json!({"invitation": row.id, "role": request.role}),
    )?;
    Ok(row.view())
}

/// Revokes an open invitation (representatives).
pub fn revoke_invitation(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: &CurrentUser,
    id: i64,
    invitation: i64,
) -> ApiResult<()> {
    Standing::load(conn, id, user, true)?.representative()?;
    if !store::revoke_invitation(conn, now, id, invitation)? {
        return Err(ApiError::not_found(Text::new(
            "Es gibt keine offene Einladung mit dieser ID.",
            "There is no open invitation with this id.",
        )));
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
}

/// Accepts the invitation with `token` for the caller, whose account must have its address.
pub fn accept_invitation(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: &CurrentUser,
    token: &str,
) -> ApiResult<Membership> {
    // An account deleted meanwhile joins nothing (its deletion locks it too).
    user.still_current(conn, now)?;
    let invitation = store::invitation_by_token(conn, now, token)?.ok_or_else(invalid_token)?;
    if invitation.email != normalize_email(&user.user.email) {
        return Err(super::problems::INVITATION_FOR_ANOTHER_ADDRESS.problem());
    }
    let org = store::lock(conn, invitation.organisation_id)?.ok_or_else(invalid_token)?;
    if store::role_of(conn, org.id, user.id())?.is_some() {
        return Err(super::problems::ALREADY_MEMBER.problem());
    }
    if !store::close_invitation_accepted(conn, now, invitation.id, user.id())? {
        return Err(invalid_token());
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

/// Asks to join a verified organisation. `submission` arrives as a result so that an
/// organisation the caller may not know of answers 404 whatever the body.
pub fn request_to_join(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: &CurrentUser,
    id: i64,
    submission: ApiResult<JoinRequestSubmission>,
) -> ApiResult<JoinRequest> {
    let standing = Standing::load(conn, id, user, true)?;
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
        let days = store::DAYS_AFTER_DECLINE;
        return Err(super::problems::RECENTLY_DECLINED.with_detail(Text::format(
            format!(
                "Die Organisation hat Ihre Anfrage in den letzten {days} Tagen abgelehnt. Bitte wenden Sie sich direkt an sie."
            ),
            format!(
                "The organisation declined your request within the last {days} days; contact it directly."
            ),
        )));
    }
    Ok(store::request_to_join(conn, now, id, user.id(), submission.message.as_deref())?.view())
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
    let found = store::join_request(conn, id, request)?.ok_or_else(|| {
        ApiError::not_found(Text::new(
            "Es gibt keine Beitrittsanfrage mit dieser ID.",
            "There is no request to join with this id.",
        ))
    })?;
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

/// Accepts a request to join (representatives): the person becomes a `member`.
pub fn accept_join_request(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: &CurrentUser,
    id: i64,
    request: i64,
) -> ApiResult<Member> {
    let found = decide_join_request(conn, now, user, id, request, JoinRequestStatus::Accepted)?;
    Ok(store::member(conn, id, found.user_id)?)
}

/// Declines a request to join (representatives).
pub fn decline_join_request(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: &CurrentUser,
    id: i64,
    request: i64,
) -> ApiResult<JoinRequest> {
    let mut declined =
        decide_join_request(conn, now, user, id, request, JoinRequestStatus::Declined)?;
    declined.status = JoinRequestStatus::Declined.as_str().to_owned();
    declined.decided_at = Some(now);
    Ok(declined.view())
}

/// Withdraws the caller's own open request; other people's requests do not exist for them.
pub fn withdraw_join_request(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: &CurrentUser,
    id: i64,
    request: i64,
) -> ApiResult<()> {
    let found = store::join_request(conn, id, request)?
        .filter(|r| r.user_id == user.id())
        .ok_or_else(|| {
            ApiError::not_found(Text::new(
                "Sie haben keine Beitrittsanfrage mit dieser ID.",
                "You have no request to join with this id.",
            ))
        })?;
    if !found.is_open()
        || !store::decide_join_request(conn, now, request, JoinRequestStatus::Withdrawn, user.id())?
    {
        return Err(super::problems::ALREADY_DECIDED.problem());
    }
    Ok(())
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
