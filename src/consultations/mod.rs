//! Consultations (Beteiligungsrunden): time-boxed rounds over part of the catalogue, with a
//! commenting window, a voting window and rules everybody can read in advance. The phase is
//! derived from the clock; rules participants rely on are frozen once they take effect.

pub mod model;
pub mod personal_data;
pub mod problems;
pub mod routes;
pub mod store;
pub mod translations;

use crate::db::schema::priority_goals;
use crate::db::DbConnection;
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use model::{
    ConsultationDraft, Moderation, OptionKind, ResultsVisibility, Scope, VotingRules, Window,
};

/// The demo consultation over the demo catalogue: commenting for six weeks from `now`, a
/// priority vote over the seven prioritised goals from week four to week eight.
pub fn demo_draft(conn: &mut DbConnection, now: DateTime<Utc>) -> QueryResult<ConsultationDraft> {
    let goals = priority_goals::table
        .filter(priority_goals::retired_at.is_null())
        .order(priority_goals::position)
        .select(priority_goals::id)
        .load(conn)?;
    let day = |n: i64| now + Duration::days(n);
    Ok(ConsultationDraft {
        title: "Dialog zur Weiterentwicklung des Integrationskonzeptes (Demo)".into(),
        description: "Demo-Beteiligungsrunde: Kommentieren Sie die Maßnahmen der Handlungsfelder und setzen Sie Prioritäten unter den priorisierten Zielen. Im Mittelpunkt stehen die Gestaltung des Zusammenlebens in Vielfalt, der Abbau sozialer Ungleichheiten und die Bekämpfung ausgrenzenden und rassistischen Denkens und Handelns.".into(),
        scope: Scope {
            whole_concept: true,
            field_ids: vec![],
            measure_ids: vec![],
        },
        commenting: Some(Window { opens_at: now, closes_at: day(42) }),
        voting: Some(Window { opens_at: day(28), closes_at: day(56) }),
        moderation: Moderation::Post,
        voting_rules: VotingRules {
            points_budget: 10,
            max_points_per_option: 3,
            option_kind: OptionKind::PriorityGoals,
            options: goals,
        },
        results_visibility: ResultsVisibility::AfterClose,
    })
}
