//! Queries of organisations, memberships, invitations and join requests.

use super::model::{
    Decision, Invitation, JoinRequest, JoinRequestStatus, Member, MemberRole, Membership,
    OrganisationChanges, OrganisationDetails, OrganisationKind, OrganisationProfile,
    OrganisationRegistration, OrganisationStatus, OrganisationSummary, ProposedChange, Verdict,
};
use crate::auth::tokens::{hash_secret, random_secret};
use crate::db::schema::{
    organisation_invitations, organisation_join_requests, organisation_members, organisations,
    users,
};
use crate::db::DbConnection;
use crate::db_run;
use crate::http::pagination::{Cursor, Page, PageRequest, TextCursor};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// The name as the directory sorts and compares it: lower case, German umlauts and ß folded
/// (DIN 5007-1), combining marks dropped (so a decomposed "u\u{308}" equals "ü" equals "u"),
/// runs of white space as one space. Stored, so both backends sort alike.
pub fn name_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len());
    for word in name.split_whitespace() {
        if !key.is_empty() {
            key.push(' ');
        }
        for c in word.chars().flat_map(char::to_lowercase) {
            match c {
                '\u{300}'..='\u{36f}'
                | '\u{1ab0}'..='\u{1aff}'
                | '\u{1dc0}'..='\u{1dff}'
                | '\u{20d0}'..='\u{20ff}'
                | '\u{fe20}'..='\u{fe2f}' => {}
                'ä' => key.push('a'),
                'ö' => key.push('o'),
                'ü' => key.push('u'),
                'ß' => key.push_str("ss"),
                c => key.push(c),
            }
        }
    }
    key
}

/// A stored organisation.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organisations)]
pub struct OrgRow {
    pub id: i64,
    pub name: String,
    pub name_key: String,
    pub kind: String,
    pub proposed_name: Option<String>,
    pub proposed_kind: Option<String>,
    pub description: String,
    pub website: Option<String>,
    pub contact_email: String,
    pub registry_number: Option<String>,
    pub status: String,
    pub verified_at: Option<NaiveDateTime>,
    pub decision: Option<String>,
    pub decision_reason: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub registered_by: Option<i64>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

fn kind(value: &str) -> OrganisationKind {
    OrganisationKind::from_stored(value).unwrap_or(OrganisationKind::OtherCivilSociety)
}

impl OrgRow {
    pub fn kind(&self) -> OrganisationKind {
        kind(&self.kind)
    }

    pub fn status(&self) -> OrganisationStatus {
        OrganisationStatus::from_stored(&self.status).unwrap_or(OrganisationStatus::Pending)
    }

    /// Verified at some time, so in the public directory under its verified name and kind.
    pub fn listed(&self) -> bool {
        self.verified_at.is_some()
    }

    pub fn proposed_change(&self) -> Option<ProposedChange> {
        Some(ProposedChange {
            name: self.proposed_name.clone()?,
            kind: kind(self.proposed_kind.as_deref()?),
        })
    }

    pub fn details(&self) -> OrganisationDetails {
        OrganisationDetails {
            id: self.id,
            name: self.name.clone(),
            kind: self.kind(),
            description: self.description.clone(),
            website: self.website.clone(),
            contact_email: self.contact_email.clone(),
            registry_number: self.registry_number.clone(),
            status: self.status(),
            verified_at: self.verified_at.map(|t| t.and_utc()),
            proposed_change: self.proposed_change(),
            last_decision: match (&self.decision, self.decided_at) {
                (Some(d), Some(at)) => Verdict::from_stored(d).map(|verdict| Decision {
                    verdict,
                    reason: self.decision_reason.clone(),
                    decided_at: at.and_utc(),
                }),
                _ => None,
            },
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        }
    }

    /// The public profile; `None` for an organisation that was never verified.
    pub fn profile(&self) -> Option<OrganisationProfile> {
        Some(OrganisationProfile {
            id: self.id,
            name: self.name.clone(),
            kind: self.kind(),
            description: self.description.clone(),
            website: self.website.clone(),
            contact_email: self.contact_email.clone(),
            registry_number: self.registry_number.clone(),
            verified_at: self.verified_at?.and_utc(),
        })
    }

    pub fn summary(&self) -> OrganisationSummary {
        OrganisationSummary {
            id: self.id,
            name: self.name.clone(),
            kind: self.kind(),
            status: self.status(),
            verified_at: self.verified_at.map(|t| t.and_utc()),
        }
    }
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<OrgRow>> {
    organisations::table
        .find(id)
        .select(OrgRow::as_select())
        .first(conn)
        .optional()
}

/// The organisation's row, locked until the end of the transaction on PostgreSQL, so that
/// changes of its membership or review are made one after the other (SQLite's write
/// transaction holds the whole database already).
pub fn lock(conn: &mut DbConnection, id: i64) -> QueryResult<Option<OrgRow>> {
    match conn {
        DbConnection::Postgresql(pg) => organisations::table
            .find(id)
            .select(OrgRow::as_select())
            .for_update()
            .first(pg)
            .optional(),
        DbConnection::Sqlite(_) => find(conn, id),
    }
}

/// Registers an organisation as `pending` with its registrant as first representative.
pub fn insert(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    registration: &OrganisationRegistration,
    registrant: i64,
) -> QueryResult<i64> {
    let values = (
        organisations::name.eq(&registration.name),
        organisations::name_key.eq(name_key(&registration.name)),
        organisations::kind.eq(registration.kind.as_str()),
        organisations::description.eq(&registration.description),
        organisations::website.eq(&registration.website),
        organisations::contact_email.eq(&registration.contact_email),
        organisations::registry_number.eq(&registration.registry_number),
        organisations::status.eq(OrganisationStatus::Pending.as_str()),
        organisations::registered_by.eq(Some(registrant)),
        organisations::created_at.eq(now),
        organisations::updated_at.eq(now),
    );
    let id: i64 = db_run!(conn, |c| diesel::insert_into(organisations::table)
        .values(values)
        .returning(organisations::id)
        .get_result(c))?;
    add_member(conn, now, id, registrant, MemberRole::Representative)?;
    Ok(id)
}

/// Registrations of this person that wait for their first review.
pub fn pending_registrations(conn: &mut DbConnection, registrant: i64) -> QueryResult<i64> {
    organisations::table
        .filter(organisations::registered_by.eq(registrant))
        .filter(organisations::status.eq(OrganisationStatus::Pending.as_str()))
        .filter(organisations::verified_at.is_null())
        .count()
        .get_result(conn)
}

/// What a change of the profile does to the review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Review {
    /// Nothing that needs review changed.
    Unchanged,
    /// The organisation (again) waits for review.
    Requested,
}

/// Applies `changes` to `current` (checked against its version): a change of name or kind of
/// a verified organisation becomes a proposal and sends it to review; before the first
/// verification they apply at once, and a rejected registration goes back to review.
pub fn update(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    current: &OrgRow,
    changes: &OrganisationChanges,
) -> QueryResult<Option<Review>> {
    let name = changes.name.clone().unwrap_or_else(|| {
        current
            .proposed_name
            .clone()
            .unwrap_or_else(|| current.name.clone())
    });
    let kind = changes
        .kind
        .or_else(|| current.proposed_change().map(|p| p.kind))
        .unwrap_or_else(|| current.kind());
    let (name, kind, proposed, status, review) = if current.listed() {
        // Proposing the verified identity again withdraws the proposal.
        let proposes = name != current.name || kind != current.kind();
        let status = if proposes {
            OrganisationStatus::Pending
        } else {
            OrganisationStatus::Verified
        };
        let review = if proposes
            && current.proposed_change()
                != Some(ProposedChange {
                    name: name.clone(),
                    kind,
                }) {
            Review::Requested
        } else {
            Review::Unchanged
        };
        let proposed = proposes.then_some((name, kind));
        (
            current.name.clone(),
            current.kind(),
            proposed,
            status,
            review,
        )
    } else if current.status() == OrganisationStatus::Rejected {
        // A change of a rejected registration submits it again.
        (
            name,
            kind,
            None,
            OrganisationStatus::Pending,
            Review::Requested,
        )
    } else {
        (name, kind, None, current.status(), Review::Unchanged)
    };
    let website = match &changes.website {
        Some(w) => w.clone(),
        None => current.website.clone(),
    };
    let registry_number = match &changes.registry_number {
        Some(r) => r.clone(),
        None => current.registry_number.clone(),
    };
    let updated = diesel::update(
        organisations::table
            .find(current.id)
            .filter(organisations::version.eq(current.version)),
    )
    .set((
        organisations::name.eq(&name),
        organisations::name_key.eq(name_key(&name)),
        organisations::kind.eq(kind.as_str()),
        organisations::proposed_name.eq(proposed.as_ref().map(|p| p.0.clone())),
        organisations::proposed_kind.eq(proposed.as_ref().map(|p| p.1.as_str())),
        organisations::description.eq(changes.description.as_ref().unwrap_or(&current.description)),
        organisations::website.eq(website),
        organisations::contact_email.eq(changes
            .contact_email
            .as_ref()
            .unwrap_or(&current.contact_email)),
        organisations::registry_number.eq(registry_number),
        organisations::status.eq(status.as_str()),
        organisations::version.eq(current.version + 1),
        organisations::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok((updated == 1).then_some(review))
}

/// Another listed organisation that has (or would have, verified) this name.
pub fn name_taken(conn: &mut DbConnection, id: i64, name: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        organisations::table
            .filter(organisations::verified_at.is_not_null())
            .filter(organisations::id.ne(id))
            .filter(organisations::name_key.eq(name_key(name))),
    ))
    .get_result(conn)
}

/// Records a moderator's decision on a pending organisation. Verifying applies a proposed
/// change; rejecting a proposed change keeps the verified identity; rejecting a first
/// registration marks it rejected.
pub fn decide(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    current: &OrgRow,
    verdict: Verdict,
    reason: Option<&str>,
) -> QueryResult<bool> {
    let (name, kind) = match (verdict, current.proposed_change()) {
        (Verdict::Verified, Some(p)) => (p.name, p.kind),
        _ => (current.name.clone(), current.kind()),
    };
    let status = match verdict {
        Verdict::Verified => OrganisationStatus::Verified,
        Verdict::Rejected if current.listed() => OrganisationStatus::Verified,
        Verdict::Rejected => OrganisationStatus::Rejected,
    };
    let verified_at = match verdict {
        Verdict::Verified => current.verified_at.or(Some(now)),
        Verdict::Rejected => current.verified_at,
    };
    let updated = diesel::update(
        organisations::table
            .find(current.id)
            .filter(organisations::version.eq(current.version)),
    )
    .set((
        organisations::name.eq(&name),
        organisations::name_key.eq(name_key(&name)),
        organisations::kind.eq(kind.as_str()),
        organisations::proposed_name.eq(None::<String>),
        organisations::proposed_kind.eq(None::<String>),
        organisations::status.eq(status.as_str()),
        organisations::verified_at.eq(verified_at),
        organisations::decision.eq(Some(verdict.as_str())),
        organisations::decision_reason.eq(reason),
        organisations::decided_at.eq(Some(now)),
        organisations::version.eq(current.version + 1),
        organisations::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// The public directory: listed organisations in alphabetical order, optionally of one kind.
pub fn directory(
    conn: &mut DbConnection,
    kind: Option<OrganisationKind>,
    page: &PageRequest<TextCursor>,
) -> QueryResult<Page<OrganisationProfile>> {
    let mut query = organisations::table
        .filter(organisations::verified_at.is_not_null())
        .select(OrgRow::as_select())
        .order((organisations::name_key, organisations::id))
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(kind) = kind {
        query = query.filter(organisations::kind.eq(kind.as_str()));
    }
    if let Some(after) = &page.after {
        query = query.filter(
            organisations::name_key
                .gt(after.key.clone())
                .or(organisations::name_key
                    .eq(after.key.clone())
                    .and(organisations::id.gt(after.id))),
        );
    }
    let rows = query.load(conn)?;
    Ok(page.finish(
        rows,
        |r| TextCursor {
            key: r.name_key.clone(),
            id: r.id,
        },
        |r| r.profile().expect("listed organisations are verified"),
    ))
}

/// The moderators' queue: organisations with this status, oldest first.
pub fn queue(
    conn: &mut DbConnection,
    status: OrganisationStatus,
    page: &PageRequest,
) -> QueryResult<Page<OrgRow>> {
    let mut query = organisations::table
        .filter(organisations::status.eq(status.as_str()))
        .select(OrgRow::as_select())
        .order(organisations::id)
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(after) = page.after {
        query = query.filter(organisations::id.gt(after.id));
    }
    let rows = query.load(conn)?;
    Ok(page.finish(rows, |r| Cursor { key: 0, id: r.id }, |r| r))
}

/// The caller's role in the organisation, if they are a member.
pub fn role_of(conn: &mut DbConnection, org: i64, user: i64) -> QueryResult<Option<MemberRole>> {
    let role: Option<String> = organisation_members::table
        .find((org, user))
        .select(organisation_members::role)
        .first(conn)
        .optional()?;
    Ok(role.and_then(|r| MemberRole::from_stored(&r)))
}

/// [`role_of`], holding a share lock on the membership until the transaction ends on
/// PostgreSQL: its removal or a change of role waits (SQLite's write transaction holds the
/// whole database already).
pub fn role_of_shared(
    conn: &mut DbConnection,
    org: i64,
    user: i64,
) -> QueryResult<Option<MemberRole>> {
    let role: Option<String> = match conn {
        DbConnection::Postgresql(pg) => organisation_members::table
            .find((org, user))
            .select(organisation_members::role)
            .for_share()
            .first(pg)
            .optional()?,
        DbConnection::Sqlite(_) => return role_of(conn, org, user),
    };
    Ok(role.and_then(|r| MemberRole::from_stored(&r)))
}

pub fn add_member(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    org: i64,
    user: i64,
    role: MemberRole,
) -> QueryResult<()> {
    diesel::insert_into(organisation_members::table)
        .values((
            organisation_members::organisation_id.eq(org),
            organisation_members::user_id.eq(user),
            organisation_members::role.eq(role.as_str()),
            organisation_members::joined_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_role(conn: &mut DbConnection, org: i64, user: i64, role: MemberRole) -> QueryResult<()> {
    diesel::update(organisation_members::table.find((org, user)))
        .set(organisation_members::role.eq(role.as_str()))
        .execute(conn)?;
    Ok(())
}

pub fn remove_member(conn: &mut DbConnection, org: i64, user: i64) -> QueryResult<()> {
    diesel::delete(organisation_members::table.find((org, user))).execute(conn)?;
    Ok(())
}

/// Representatives whose accounts work (a blocked or deleted account speaks for nobody).
pub fn representatives(conn: &mut DbConnection, org: i64) -> QueryResult<i64> {
    other_representatives(conn, org, 0)
}

/// Representatives whose accounts work, other than `member`.
pub fn other_representatives(conn: &mut DbConnection, org: i64, member: i64) -> QueryResult<i64> {
    organisation_members::table
        .inner_join(users::table)
        .filter(users::blocked_at.is_null())
        .filter(users::deleted_at.is_null())
        .filter(organisation_members::organisation_id.eq(org))
        .filter(organisation_members::user_id.ne(member))
        .filter(organisation_members::role.eq(MemberRole::Representative.as_str()))
        .count()
        .get_result(conn)
}

/// The organisations a person belongs to, each locked (in id order, as every membership
/// change locks its organisation), with the person's role. Call inside a write transaction.
pub fn lock_memberships_of(
    conn: &mut DbConnection,
    user: i64,
) -> QueryResult<Vec<(OrgRow, MemberRole)>> {
    let ids: Vec<i64> = organisation_members::table
        .filter(organisation_members::user_id.eq(user))
        .order(organisation_members::organisation_id)
        .select(organisation_members::organisation_id)
        .load(conn)?;
    let mut locked = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(org) = lock(conn, id)? else { continue };
        // Read again under the lock: the role may have changed while we waited.
        if let Some(role) = role_of(conn, id, user)? {
            locked.push((org, role));
        }
    }
    Ok(locked)
}

/// Removes an organisation that was never verified, with its members, invitations and
/// requests (its registration is withdrawn).
pub fn withdraw(conn: &mut DbConnection, org: i64) -> QueryResult<()> {
    diesel::delete(
        organisations::table
            .find(org)
            .filter(organisations::verified_at.is_null()),
    )
    .execute(conn)?;
    Ok(())
}

/// Invitations this organisation created in the last 24 hours (open, used, replaced or
/// revoked: each one sent a mail).
pub fn invitations_sent_today(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    org: i64,
) -> QueryResult<i64> {
    organisation_invitations::table
        .filter(organisation_invitations::organisation_id.eq(org))
        .filter(organisation_invitations::created_at.gt(now - chrono::Duration::hours(24)))
        .count()
        .get_result(conn)
}

/// Ends every membership of a person (their account is deleted).
pub fn leave_all(conn: &mut DbConnection, user: i64) -> QueryResult<()> {
    diesel::delete(organisation_members::table.filter(organisation_members::user_id.eq(user)))
        .execute(conn)?;
    Ok(())
}

/// Withdraws a person's open requests to join.
pub fn withdraw_open_requests(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: i64,
) -> QueryResult<()> {
    diesel::update(
        organisation_join_requests::table
            .filter(organisation_join_requests::user_id.eq(user))
            .filter(organisation_join_requests::status.eq(JoinRequestStatus::Open.as_str())),
    )
    .set((
        organisation_join_requests::status.eq(JoinRequestStatus::Withdrawn.as_str()),
        organisation_join_requests::decided_at.eq(Some(now)),
    ))
    .execute(conn)?;
    Ok(())
}

/// A member as the list shows them.
pub fn member(conn: &mut DbConnection, org: i64, user: i64) -> QueryResult<Member> {
    let (user_id, display_name, role, joined_at) = organisation_members::table
        .inner_join(users::table)
        .filter(organisation_members::organisation_id.eq(org))
        .filter(organisation_members::user_id.eq(user))
        .select((
            organisation_members::user_id,
            users::display_name,
            organisation_members::role,
            organisation_members::joined_at,
        ))
        .first::<(i64, String, String, NaiveDateTime)>(conn)?;
    Ok(Member {
        user_id,
        display_name,
        role: MemberRole::from_stored(&role).unwrap_or(MemberRole::Member),
        joined_at: joined_at.and_utc(),
    })
}

/// The members, in order of user id.
pub fn members(conn: &mut DbConnection, org: i64, page: &PageRequest) -> QueryResult<Page<Member>> {
    let mut query = organisation_members::table
        .inner_join(users::table)
        .filter(organisation_members::organisation_id.eq(org))
        .select((
            organisation_members::user_id,
            users::display_name,
            organisation_members::role,
            organisation_members::joined_at,
        ))
        .order(organisation_members::user_id)
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(after) = page.after {
        query = query.filter(organisation_members::user_id.gt(after.id));
    }
    let rows = query.load::<(i64, String, String, NaiveDateTime)>(conn)?;
    Ok(page.finish(
        rows,
        |r| Cursor { key: 0, id: r.0 },
        |(user_id, display_name, role, joined_at)| Member {
            user_id,
            display_name,
            role: MemberRole::from_stored(&role).unwrap_or(MemberRole::Member),
            joined_at: joined_at.and_utc(),
        },
    ))
}

/// The person's memberships, in order of organisation id, with what each allows.
pub fn memberships(
    conn: &mut DbConnection,
    user: i64,
    page: &PageRequest,
) -> QueryResult<Page<Membership>> {
    let mut query = organisation_members::table
        .inner_join(organisations::table)
        .filter(organisation_members::user_id.eq(user))
        .select((
            OrgRow::as_select(),
            organisation_members::role,
            organisation_members::joined_at,
        ))
        .order(organisation_members::organisation_id)
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(after) = page.after {
        query = query.filter(organisation_members::organisation_id.gt(after.id));
    }
    let rows = query.load::<(OrgRow, String, NaiveDateTime)>(conn)?;
    Ok(page.finish(
        rows,
        |r| Cursor { key: 0, id: r.0.id },
        |(org, role, joined_at)| {
            let role = MemberRole::from_stored(&role).unwrap_or(MemberRole::Member);
            Membership {
                may_act: super::acting::permits(&org, role, super::acting::Capability::Act),
                may_sign: super::acting::permits(&org, role, super::acting::Capability::Sign),
                organisation: org.summary(),
                role,
                joined_at: joined_at.and_utc(),
            }
        },
    ))
}

/// How long an invitation can be accepted.
pub const INVITATION_DAYS: i64 = 14;
/// Open invitations an organisation may have at once.
pub const MAX_OPEN_INVITATIONS: i64 = 50;
/// Invitations (mails) an organisation may send in 24 hours: verified, and before its
/// verification (when its name is not reviewed yet, so it must not become a way to mail
/// arbitrary text to arbitrary addresses).
pub const INVITATIONS_PER_DAY: i64 = 50;
pub const INVITATIONS_PER_DAY_UNVERIFIED: i64 = 10;
/// Invitations one person may send in 24 hours, whichever organisations they send them for
/// (counted from the audit log, which withdrawing an organisation does not shorten).
pub const INVITATIONS_PER_INVITER_PER_DAY: i64 = 50;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organisation_invitations)]
pub struct InvitationRow {
    pub id: i64,
    pub organisation_id: i64,
    pub email: String,
    pub role: String,
    pub invited_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

impl InvitationRow {
    pub fn role(&self) -> MemberRole {
        MemberRole::from_stored(&self.role).unwrap_or(MemberRole::Member)
    }

    pub fn view(self) -> Invitation {
        Invitation {
            id: self.id,
            role: self.role(),
            email: self.email,
            invited_by: self.invited_by,
            created_at: self.created_at.and_utc(),
            expires_at: self.expires_at.and_utc(),
        }
    }
}

fn open_invitations(
    now: NaiveDateTime,
) -> organisation_invitations::BoxedQuery<'static, <DbConnection as diesel::Connection>::Backend> {
    organisation_invitations::table
        .filter(organisation_invitations::closed_at.is_null())
        .filter(organisation_invitations::expires_at.gt(now))
        .into_boxed()
}

pub fn count_open_invitations(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    org: i64,
) -> QueryResult<i64> {
    open_invitations(now)
        .filter(organisation_invitations::organisation_id.eq(org))
        .count()
        .get_result(conn)
}

/// Creates an invitation and answers it with its secret token (for the mail only). An open
/// invitation of the same address to the same organisation is replaced.
pub fn invite(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    org: i64,
    email: &str,
    role: MemberRole,
    invited_by: i64,
) -> QueryResult<(InvitationRow, String)> {
    diesel::update(
        organisation_invitations::table
            .filter(organisation_invitations::organisation_id.eq(org))
            .filter(organisation_invitations::email.eq(email))
            .filter(organisation_invitations::closed_at.is_null()),
    )
    .set((
        organisation_invitations::closed_at.eq(Some(now)),
        organisation_invitations::outcome.eq(Some("replaced")),
    ))
    .execute(conn)?;
    let token = random_secret();
    let values = (
        organisation_invitations::organisation_id.eq(org),
        organisation_invitations::email.eq(email),
        organisation_invitations::role.eq(role.as_str()),
        organisation_invitations::token_hash.eq(hash_secret(&token)),
        organisation_invitations::invited_by.eq(Some(invited_by)),
        organisation_invitations::created_at.eq(now),
        organisation_invitations::expires_at.eq(now + chrono::Duration::days(INVITATION_DAYS)),
    );
    let id: i64 = db_run!(conn, |c| diesel::insert_into(
        organisation_invitations::table
    )
    .values(values)
    .returning(organisation_invitations::id)
    .get_result(c))?;
    let row = organisation_invitations::table
        .find(id)
        .select(InvitationRow::as_select())
        .first(conn)?;
    Ok((row, token))
}

pub fn invitations(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    org: i64,
    page: &PageRequest,
) -> QueryResult<Page<Invitation>> {
    let mut query = open_invitations(now)
        .filter(organisation_invitations::organisation_id.eq(org))
        .select(InvitationRow::as_select())
        .order(organisation_invitations::id)
        .limit(page.fetch_limit());
    if let Some(after) = page.after {
        query = query.filter(organisation_invitations::id.gt(after.id));
    }
    let rows = query.load(conn)?;
    Ok(page.finish(rows, |r| Cursor { key: 0, id: r.id }, InvitationRow::view))
}

/// Closes an open invitation of this organisation; `false` when there is none.
pub fn revoke_invitation(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    org: i64,
    id: i64,
) -> QueryResult<bool> {
    let closed = diesel::update(
        organisation_invitations::table
            .filter(organisation_invitations::id.eq(id))
            .filter(organisation_invitations::organisation_id.eq(org))
            .filter(organisation_invitations::closed_at.is_null()),
    )
    .set((
        organisation_invitations::closed_at.eq(Some(now)),
        organisation_invitations::outcome.eq(Some("revoked")),
    ))
    .execute(conn)?;
    Ok(closed == 1)
}

/// Deletes every invitation addressed to `email` (open or closed): the address is personal
/// data of someone who deleted their account. Memberships it led to are recorded elsewhere.
pub fn delete_invitations_to(conn: &mut DbConnection, email: &str) -> QueryResult<usize> {
    diesel::delete(
        organisation_invitations::table.filter(organisation_invitations::email.eq(email)),
    )
    .execute(conn)
}

/// The open, unexpired invitation with this token.
pub fn invitation_by_token(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    token: &str,
) -> QueryResult<Option<InvitationRow>> {
    open_invitations(now)
        .filter(organisation_invitations::token_hash.eq(hash_secret(token)))
        .select(InvitationRow::as_select())
        .first(conn)
        .optional()
}

/// Uses up an invitation; `false` when it was used up meanwhile.
pub fn close_invitation_accepted(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    id: i64,
    user: i64,
) -> QueryResult<bool> {
    let closed = diesel::update(
        organisation_invitations::table
            .find(id)
            .filter(organisation_invitations::closed_at.is_null()),
    )
    .set((
        organisation_invitations::closed_at.eq(Some(now)),
        organisation_invitations::outcome.eq(Some("accepted")),
        organisation_invitations::accepted_by.eq(Some(user)),
    ))
    .execute(conn)?;
    Ok(closed == 1)
}

#[derive(Debug, Clone, Queryable)]
pub struct JoinRequestRow {
    pub id: i64,
    pub organisation_id: i64,
    pub user_id: i64,
    pub display_name: String,
    pub message: Option<String>,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
}

impl JoinRequestRow {
    pub fn view(self) -> JoinRequest {
        JoinRequest {
            id: self.id,
            organisation_id: self.organisation_id,
            user_id: self.user_id,
            display_name: self.display_name,
            message: self.message,
            status: JoinRequestStatus::from_stored(&self.status).unwrap_or(JoinRequestStatus::Open),
            created_at: self.created_at.and_utc(),
            decided_at: self.decided_at.map(|t| t.and_utc()),
        }
    }

    pub fn is_open(&self) -> bool {
        self.status == JoinRequestStatus::Open.as_str()
    }
}

macro_rules! join_requests_with_names {
    () => {
        organisation_join_requests::table
            .inner_join(users::table)
            .select((
                organisation_join_requests::id,
                organisation_join_requests::organisation_id,
                organisation_join_requests::user_id,
                users::display_name,
                organisation_join_requests::message,
                organisation_join_requests::status,
                organisation_join_requests::created_at,
                organisation_join_requests::decided_at,
            ))
    };
}

pub fn has_open_request(conn: &mut DbConnection, org: i64, user: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        organisation_join_requests::table
            .filter(organisation_join_requests::organisation_id.eq(org))
            .filter(organisation_join_requests::user_id.eq(user))
            .filter(organisation_join_requests::status.eq(JoinRequestStatus::Open.as_str())),
    ))
    .get_result(conn)
}

pub fn request_to_join(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    org: i64,
    user: i64,
    message: Option<&str>,
) -> QueryResult<JoinRequestRow> {
    let values = (
        organisation_join_requests::organisation_id.eq(org),
        organisation_join_requests::user_id.eq(user),
        organisation_join_requests::message.eq(message),
        organisation_join_requests::status.eq(JoinRequestStatus::Open.as_str()),
        organisation_join_requests::created_at.eq(now),
    );
    let id: i64 = db_run!(conn, |c| diesel::insert_into(
        organisation_join_requests::table
    )
    .values(values)
    .returning(organisation_join_requests::id)
    .get_result(c))?;
    join_requests_with_names!()
        .filter(organisation_join_requests::id.eq(id))
        .first(conn)
}

pub fn join_request(
    conn: &mut DbConnection,
    org: i64,
    id: i64,
) -> QueryResult<Option<JoinRequestRow>> {
    join_requests_with_names!()
        .filter(organisation_join_requests::id.eq(id))
        .filter(organisation_join_requests::organisation_id.eq(org))
        .first(conn)
        .optional()
}

/// A person's requests to join, newest first.
pub fn join_requests_of(
    conn: &mut DbConnection,
    user: i64,
    page: &PageRequest,
) -> QueryResult<Page<JoinRequest>> {
    let mut query = join_requests_with_names!()
        .filter(organisation_join_requests::user_id.eq(user))
        .order(organisation_join_requests::id.desc())
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(after) = page.after {
        query = query.filter(organisation_join_requests::id.lt(after.id));
    }
    let rows = query.load::<JoinRequestRow>(conn)?;
    Ok(page.finish(rows, |r| Cursor { key: 0, id: r.id }, JoinRequestRow::view))
}

/// Days after a declined request before the same person may ask the same organisation again.
pub const DAYS_AFTER_DECLINE: i64 = 30;

/// Whether the organisation declined this person's request within [`DAYS_AFTER_DECLINE`].
pub fn recently_declined(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    org: i64,
    user: i64,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        organisation_join_requests::table
            .filter(organisation_join_requests::organisation_id.eq(org))
            .filter(organisation_join_requests::user_id.eq(user))
            .filter(organisation_join_requests::status.eq(JoinRequestStatus::Declined.as_str()))
            .filter(
                organisation_join_requests::decided_at
                    .gt(now - chrono::Duration::days(DAYS_AFTER_DECLINE)),
            ),
    ))
    .get_result(conn)
}

/// Open requests to join the organisation, oldest first.
pub fn open_join_requests(
    conn: &mut DbConnection,
    org: i64,
    page: &PageRequest,
) -> QueryResult<Page<JoinRequest>> {
    let mut query = join_requests_with_names!()
        .filter(organisation_join_requests::organisation_id.eq(org))
        .filter(organisation_join_requests::status.eq(JoinRequestStatus::Open.as_str()))
        .order(organisation_join_requests::id)
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(after) = page.after {
        query = query.filter(organisation_join_requests::id.gt(after.id));
    }
    let rows = query.load::<JoinRequestRow>(conn)?;
    Ok(page.finish(rows, |r| Cursor { key: 0, id: r.id }, JoinRequestRow::view))
}

/// Decides an open request; `false` when it was decided meanwhile.
pub fn decide_join_request(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    id: i64,
    status: JoinRequestStatus,
    by: i64,
) -> QueryResult<bool> {
    let decided = diesel::update(
        organisation_join_requests::table
            .find(id)
            .filter(organisation_join_requests::status.eq(JoinRequestStatus::Open.as_str())),
    )
    .set((
        organisation_join_requests::status.eq(status.as_str()),
        organisation_join_requests::decided_at.eq(Some(now)),
        organisation_join_requests::decided_by.eq(Some(by)),
    ))
    .execute(conn)?;
    Ok(decided == 1)
}

/// Closes a person's open request to join (they became a member another way).
pub fn settle_open_request(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    org: i64,
    user: i64,
) -> QueryResult<()> {
    diesel::update(
        organisation_join_requests::table
            .filter(organisation_join_requests::organisation_id.eq(org))
            .filter(organisation_join_requests::user_id.eq(user))
            .filter(organisation_join_requests::status.eq(JoinRequestStatus::Open.as_str())),
    )
    .set((
        organisation_join_requests::status.eq(JoinRequestStatus::Accepted.as_str()),
        organisation_join_requests::decided_at.eq(Some(now)),
    ))
    .execute(conn)?;
    Ok(())
}

/// Addresses and languages of the organisation's representatives (for mails about it).
pub fn representative_addresses(
    conn: &mut DbConnection,
    org: i64,
) -> QueryResult<Vec<(String, String)>> {
    organisation_members::table
        .inner_join(users::table)
        .filter(organisation_members::organisation_id.eq(org))
        .filter(organisation_members::role.eq(MemberRole::Representative.as_str()))
        .filter(users::deleted_at.is_null())
        .select((users::email, users::preferred_language))
        .load(conn)
}

#[cfg(test)]
mod tests {
    use super::name_key;

    #[test]
    fn names_fold_for_sorting_and_comparing() {
        assert_eq!(
            name_key("  Türkischer   Elternverein  Bielefeld "),
            "turkischer elternverein bielefeld"
        );
        assert_eq!(name_key("STRASSE"), name_key("Straße"));
        assert_eq!(name_key("Ärzte ohne Grenzen"), "arzte ohne grenzen");
        assert!(name_key("Ökumene") < name_key("Pfadfinder"));
        assert_eq!(
            name_key("Tu\u{308}rkischer Verein"),
            name_key("Türkischer Verein")
        );
    }
}
