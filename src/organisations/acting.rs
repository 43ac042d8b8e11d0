//! Acting for an organisation: the one rule every endpoint follows when a request says "as
//! organisation X" (comments, proposals, ballots, statements).
//!
//! - Only members of a **verified** organisation act for it. An organisation whose change of
//!   name or kind waits for review stays verified under its verified name meanwhile.
//! - What the organisation **signs** (its priority ballot, formal statements) only its
//!   representatives may do.
//! - Someone who is not a member learns nothing about an organisation that is not public:
//!   404, as if it did not exist.
//!
//! Endpoints that write call [`authorize`] inside their write transaction: on PostgreSQL it
//! holds a share lock on the membership until the transaction ends, so a removal or a change
//! of role waits for the action instead of slipping in between the check and the write (on
//! SQLite the write transaction holds the database already).

use super::model::{MemberRole, OrganisationKind};
use super::store::{self, OrgRow};
use crate::auth::extract::Verified;
use crate::db::{Db, DbConnection};
use crate::error::ApiResult;

/// What a request does for the organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// Contribute in its name: comments, proposals, supports.
    Act,
    /// Sign for it: its priority ballot, formal statements.
    Sign,
}

/// An organisation a request acts for, and the member acting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActingOrganisation {
    pub organisation_id: i64,
    /// The verified name, as contributions show it.
    pub name: String,
    /// The verified kind (results per participant group count by it).
    pub kind: OrganisationKind,
    pub member_id: i64,
    pub role: MemberRole,
}

/// Who a contribution is from: a person, or an organisation through one of its members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Author {
    Person { user_id: i64 },
    Organisation(ActingOrganisation),
}

/// Whether a member with `role` may do `capability` for `org` (the policy without the
/// lookups; [`crate::organisations::model::Membership`] shows it to the member).
pub fn permits(org: &OrgRow, role: MemberRole, capability: Capability) -> bool {
    org.listed()
        && match capability {
            Capability::Act => true,
            Capability::Sign => role == MemberRole::Representative,
        }
}

fn judge(
    org: Option<OrgRow>,
    role: Option<MemberRole>,
    member_id: i64,
    capability: Capability,
) -> ApiResult<ActingOrganisation> {
    let Some(org) = org else {
        return Err(super::standing::no_such_organisation());
    };
    let Some(role) = role else {
        return Err(if org.listed() {
            super::problems::NOT_A_MEMBER.problem()
        } else {
            super::standing::no_such_organisation()
        });
    };
    if !org.listed() {
        return Err(super::problems::ORGANISATION_NOT_VERIFIED.problem());
    }
    if !permits(&org, role, capability) {
        return Err(super::problems::REPRESENTATIVE_REQUIRED.problem());
    }
    Ok(ActingOrganisation {
        organisation_id: org.id,
        kind: org.kind(),
        name: org.name,
        member_id,
        role,
    })
}

/// Checks that `user_id` may do `capability` for organisation `organisation_id`: 404 when the
/// organisation does not exist or is hidden from them, 403 `not_a_member`,
/// `organisation_not_verified` or `representative_required` otherwise. Call it inside the
/// write transaction of the action.
pub fn authorize(
    conn: &mut DbConnection,
    user_id: i64,
    organisation_id: i64,
    capability: Capability,
) -> ApiResult<ActingOrganisation> {
    let org = store::find(conn, organisation_id)?;
    let role = match &org {
        Some(_) => store::role_of_shared(conn, organisation_id, user_id)?,
        None => None,
    };
    judge(org, role, user_id, capability)
}

impl Author {
    /// The author of a request by `user` that may name an organisation to act for.
    pub fn resolve(
        conn: &mut DbConnection,
        user: &Verified,
        as_organisation: Option<i64>,
        capability: Capability,
    ) -> ApiResult<Self> {
        let user_id = user.0.id();
        match as_organisation {
            None => Ok(Self::Person { user_id }),
            Some(org) => authorize(conn, user_id, org, capability).map(Self::Organisation),
        }
    }

    /// [`Author::resolve`] on its own, outside a transaction of the caller (for reads).
    pub async fn check(
        db: &Db,
        user: &Verified,
        as_organisation: Option<i64>,
        capability: Capability,
    ) -> ApiResult<Self> {
        let user = user.clone();
        db.run(move |conn| Self::resolve(conn, &user, as_organisation, capability))
            .await
    }
}
