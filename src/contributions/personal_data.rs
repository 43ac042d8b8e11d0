//! What comments and proposals hold about people — their texts can reveal political opinions
//! and origin — and what deleting an account does to it: contributions stay on the record as
//! "deleted participant" with their text (the account row no longer names anybody); supports
//! are withdrawn (the counts go down, the timeline of counts keeps no person); reports stay
//! counted but lose their author and note.

use super::store;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::personal_data::{Kind::*, PersonalData, Subject, Table};

/// Comments, proposals, their supports, reports, earlier texts and moderation decisions.
pub struct Contributions;

impl PersonalData for Contributions {
    fn name(&self) -> &'static str {
        "contributions"
    }

    fn tables(&self) -> &'static [Table] {
        const TEXT: crate::personal_data::Kind =
            Personal("stays with \"deleted participant\" (the author's own deletion removes it)");
        &[
            Table {
                name: "contributions",
                columns: &[
                    ("id", Plain),
                    ("kind", Plain),
                    ("consultation_id", Plain),
                    ("target_type", Plain),
                    ("target_id", Plain),
                    ("parent_id", Plain),
                    ("depth", Plain),
                    ("author_id", Account),
                    ("organisation_id", Plain),
                    ("author_group", Plain),
                    ("title", TEXT),
                    ("body", TEXT),
                    ("rationale", TEXT),
                    ("state", Plain),
                    ("hidden_by_flags", Plain),
                    ("open_flags", Plain),
                    ("support_count", Plain),
                    ("reply_count", Plain),
                    ("answer", Plain),
                    ("answer_explanation", Plain),
                    ("answer_measure_id", Plain),
                    ("answer_consultation_id", Plain),
                    ("answered_at", Plain),
                    ("edited_at", Plain),
                    ("deleted_at", Plain),
                    ("version", Plain),
                    ("created_at", Plain),
                    ("updated_at", Plain),
                ],
            },
            Table {
                name: "contribution_revisions",
                columns: &[
                    ("id", Plain),
                    ("contribution_id", Plain),
                    ("title", TEXT),
                    ("body", TEXT),
                    ("rationale", TEXT),
                    ("written_at", Plain),
                    ("replaced_at", Plain),
                ],
            },
            Table {
                name: "contribution_supports",
                columns: &[
                    (
                        "contribution_id",
                        Personal("deleted: the support is withdrawn"),
                    ),
                    ("user_id", Personal("deleted: the support is withdrawn")),
                    ("created_at", Personal("deleted: the support is withdrawn")),
                ],
            },
            Table {
                name: "support_events",
                columns: &[
                    ("id", Plain),
                    ("contribution_id", Plain),
                    ("at", Plain),
                    ("delta", Plain),
                ],
            },
            Table {
                name: "contribution_flags",
                columns: &[
                    ("id", Plain),
                    ("contribution_id", Plain),
                    (
                        "user_id",
                        Personal("unlinked (set to null); the report stays counted"),
                    ),
                    ("reason", Plain),
                    ("note", Personal("deleted with the link to its author")),
                    ("created_at", Plain),
                    ("resolved_at", Plain),
                ],
            },
            Table {
                name: "moderation_decisions",
                columns: &[
                    ("id", Plain),
                    ("contribution_id", Plain),
                    ("item_kind", Plain),
                    ("consultation_id", Plain),
                    ("decision", Plain),
                    ("reason", Plain),
                    (
                        "note",
                        Personal(
                            "a moderator's note to the author; kept as the record of the decision",
                        ),
                    ),
                    ("after_automatic_hiding", Plain),
                    ("moderator_id", Account),
                    ("decided_at", Plain),
                ],
            },
        ]
    }

    fn erase(&self, conn: &mut DbConnection, subject: &Subject) -> Result<(), ApiError> {
        store::withdraw_all_supports(conn, subject.now, subject.user_id)?;
        store::unlink_flags(conn, subject.user_id)?;
        Ok(())
    }
}
