//! The catalogue holds the concept under revision — no personal data but who recorded a
//! status change.

use crate::personal_data::{Kind::*, PersonalData, Table};

/// Concept, vision, goals, fields of action, measures and their status history.
pub struct Catalogue;

impl PersonalData for Catalogue {
    fn name(&self) -> &'static str {
        "catalogue"
    }

    fn tables(&self) -> &'static [Table] {
        &[
            Table {
                name: "concepts",
                columns: &[
                    ("id", Plain),
                    ("title", Plain),
                    ("vision_title", Plain),
                    ("decided_on", Plain),
                    ("decision_reference", Plain),
                    ("summary", Plain),
                    ("created_at", Plain),
                    ("updated_at", Plain),
                ],
            },
            Table {
                name: "vision_statements",
                columns: &[
                    ("id", Plain),
                    ("concept_id", Plain),
                    ("kind", Plain),
                    ("position", Plain),
                    ("text", Plain),
                    ("retired_at", Plain),
                    ("version", Plain),
                ],
            },
            Table {
                name: "priority_goals",
                columns: &[
                    ("id", Plain),
                    ("concept_id", Plain),
                    ("position", Plain),
                    ("text", Plain),
                    ("retired_at", Plain),
                    ("version", Plain),
                ],
            },
            Table {
                name: "fields",
                columns: &[
                    ("id", Plain),
                    ("concept_id", Plain),
                    ("number", Plain),
                    ("title", Plain),
                    ("summary", Plain),
                    ("created_at", Plain),
                    ("updated_at", Plain),
                    ("retired_at", Plain),
                    ("version", Plain),
                ],
            },
            Table {
                name: "measures",
                columns: &[
                    ("id", Plain),
                    ("field_id", Plain),
                    ("code", Plain),
                    ("position", Plain),
                    ("title", Plain),
                    ("description", Plain),
                    ("responsible_body", Plain),
                    ("implementation_status", Plain),
                    ("status_note", Plain),
                    ("status_date", Plain),
                    ("created_at", Plain),
                    ("updated_at", Plain),
                    ("retired_at", Plain),
                    ("version", Plain),
                ],
            },
            Table {
                name: "measure_status_history",
                columns: &[
                    ("id", Plain),
                    ("measure_id", Plain),
                    ("implementation_status", Plain),
                    ("status_note", Plain),
                    ("status_date", Plain),
                    ("recorded_by", Account),
                    ("recorded_at", Plain),
                ],
            },
        ]
    }
}
