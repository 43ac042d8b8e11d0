//! What accounts hold about people, and how deleting an account erases it.

use super::model::Role;
use super::store;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::personal_data::{Kind::*, PersonalData, Subject, Table};

/// Accounts, sessions and single-use tokens.
pub struct Accounts;

impl PersonalData for Accounts {
    fn name(&self) -> &'static str {
        "accounts"
    }

    fn tables(&self) -> &'static [Table] {
        const KEPT: crate::personal_data::Kind =
            Personal("kept; no longer about anyone identifiable once address and name are gone");
        &[
            Table {
                name: "users",
                columns: &[
                    ("id", Plain),
                    ("email", Personal("replaced by deleted-<id>@invalid")),
                    ("password_hash", Secret("replaced by an unusable value")),
                    ("display_name", Personal("replaced by \"Gelöschtes Konto\"")),
                    ("preferred_language", Personal("reset to the default")),
                    ("role", Plain),
                    ("terms_version", Plain),
                    ("email_verified_at", KEPT),
                    ("blocked_at", KEPT),
                    ("deleted_at", Plain),
                    ("created_at", KEPT),
                    ("updated_at", Plain),
                ],
            },
            Table {
                name: "sessions",
                columns: &[
                    ("id", Plain),
                    ("user_id", Personal("deleted with the session")),
                    ("created_at", Personal("deleted with the session")),
                    ("last_used_at", Personal("deleted with the session")),
                    ("expires_at", Plain),
                    ("revoked_at", Plain),
                ],
            },
            Table {
                name: "refresh_tokens",
                columns: &[
                    ("id", Plain),
                    ("session_id", Plain),
                    ("token_hash", Secret("deleted with the session")),
                    ("created_at", Personal("deleted with the session")),
                    ("used_at", Personal("deleted with the session")),
                ],
            },
            Table {
                name: "one_time_tokens",
                columns: &[
                    ("id", Plain),
                    ("user_id", Personal("deleted")),
                    ("purpose", Plain),
                    ("token_hash", Secret("deleted")),
                    ("created_at", Plain),
                    ("expires_at", Plain),
                    ("used_at", Plain),
                ],
            },
        ]
    }

    /// Refuses to delete the last active administrator; otherwise anonymises the account and
    /// ends its sessions.
    fn erase(&self, conn: &mut DbConnection, subject: &Subject) -> Result<(), ApiError> {
        let account = store::user_by_id(conn, subject.user_id)?;
        if account.role() == Role::Admin && store::active_admins(conn)? <= 1 {
            return Err(super::problems::LAST_ADMIN.problem());
        }
        store::anonymise_user(conn, subject.now, subject.user_id)?;
        Ok(())
    }
}
