//! How a caller stands to an organisation — member, representative, staff or nobody — and
//! what follows for reading and managing it. The policy of the slice's handlers, beside the one
//! rule for acting in an organisation's name (`acting.rs`).

use super::model::MemberRole;
use super::store::{self, OrgRow};
use crate::auth::extract::CurrentUser;
use crate::auth::model::Role;
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult};

/// 404 for an organisation that does not exist or that the caller may not know of.
pub fn no_such_organisation() -> ApiError {
    ApiError::not_found(crate::error::Text::new(
        "Es gibt keine Organisation mit dieser ID.",
        "There is no organisation with this id.",
    ))
}

/// How the caller stands to an organisation: their membership, and whether they are staff.
/// Loading it refuses with 404 an organisation the caller may not know of (neither public,
/// nor theirs, nor staff's to review) — the same answer as for one that does not exist.
pub struct Standing {
    pub org: OrgRow,
    pub role: Option<MemberRole>,
    pub staff: bool,
}

impl Standing {
    /// `lock`: hold the organisation's row until the transaction ends (for changes).
    pub fn load(
        conn: &mut DbConnection,
        org: i64,
        user: &CurrentUser,
        lock: bool,
    ) -> ApiResult<Self> {
        let row = if lock {
            store::lock(conn, org)?
        } else {
            store::find(conn, org)?
        };
        let org = row.ok_or_else(no_such_organisation)?;
        let role = store::role_of(conn, org.id, user.id())?;
        let staff = matches!(user.role(), Role::Moderator | Role::Admin);
        if role.is_none() && !staff && !org.listed() {
            return Err(no_such_organisation());
        }
        Ok(Self { org, role, staff })
    }

    /// Members and staff see the whole record and the member list.
    pub fn may_read_private(&self) -> ApiResult<()> {
        if self.role.is_some() || self.staff {
            Ok(())
        } else {
            Err(super::problems::MEMBERS_ONLY.problem())
        }
    }

    /// Only representatives manage the organisation.
    pub fn representative(&self) -> ApiResult<()> {
        if self.role == Some(MemberRole::Representative) {
            Ok(())
        } else {
            Err(super::problems::REPRESENTATIVE_REQUIRED.problem())
        }
    }
}
