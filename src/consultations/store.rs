//! Queries of consultations, and the checks that need the catalogue.

use super::model::{
    phase_at, Consultation, ConsultationDraft, Moderation, OptionKind, ResultsVisibility, Scope,
    VotingRules, Window,
};
use crate::db::schema::{
    consultation_fields, consultation_measures, consultation_options, consultations, fields,
    measures, priority_goals,
};
use crate::db::DbConnection;
use crate::db_run;
use crate::error::{FieldError, Text};
use crate::language::Preferences;
use crate::translations::{localize, localize_one, Languages};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use std::collections::{HashMap, HashSet};

#[derive(Queryable, Selectable)]
#[diesel(table_name = consultations)]
struct Row {
    id: i64,
    title: String,
    description: String,
    whole_concept: bool,
    comment_opens_at: Option<NaiveDateTime>,
    comment_closes_at: Option<NaiveDateTime>,
    vote_opens_at: Option<NaiveDateTime>,
    vote_closes_at: Option<NaiveDateTime>,
    moderation: String,
    points_budget: i32,
    max_points_per_option: i32,
    option_kind: String,
    results_visibility: String,
    version: i32,
}

fn window(opens: Option<NaiveDateTime>, closes: Option<NaiveDateTime>) -> Option<Window> {
    Some(Window {
        opens_at: opens?.and_utc(),
        closes_at: closes?.and_utc(),
    })
}

fn assemble(row: Row, scope: Scope, options: Vec<i64>, now: DateTime<Utc>) -> Consultation {
    let commenting = window(row.comment_opens_at, row.comment_closes_at);
    let voting = window(row.vote_opens_at, row.vote_closes_at);
    let (phase, next_phase_change_at) = phase_at(commenting, voting, now);
    Consultation {
        id: row.id,
        title: row.title,
        description: row.description,
        scope,
        commenting,
        voting,
        moderation: Moderation::from_stored(&row.moderation).unwrap_or(Moderation::Pre),
        voting_rules: VotingRules {
            points_budget: row.points_budget,
            max_points_per_option: row.max_points_per_option,
            option_kind: OptionKind::from_stored(&row.option_kind).unwrap_or(OptionKind::Fields),
            options,
        },
        results_visibility: ResultsVisibility::from_stored(&row.results_visibility)
            .unwrap_or(ResultsVisibility::AfterClose),
        phase,
        next_phase_change_at,
        version: row.version,
        languages: Languages::default(),
    }
}

/// Every consultation, newest first, with its phase at `now`. A city runs a handful, so they
/// are read whole and filtered by phase in memory (the phase depends on the clock).
pub fn all(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    prefs: &Preferences,
) -> QueryResult<Vec<Consultation>> {
    let rows: Vec<Row> = consultations::table
        .order(consultations::id.desc())
        .select(Row::as_select())
        .load(conn)?;
    let mut field_ids: HashMap<i64, Vec<i64>> = HashMap::new();
    for (c, f) in consultation_fields::table
        .order((
            consultation_fields::consultation_id,
            consultation_fields::field_id,
        ))
        .load::<(i64, i64)>(conn)?
    {
        field_ids.entry(c).or_default().push(f);
    }
    let mut measure_ids: HashMap<i64, Vec<i64>> = HashMap::new();
    for (c, m) in consultation_measures::table
        .order((
            consultation_measures::consultation_id,
            consultation_measures::measure_id,
        ))
        .load::<(i64, i64)>(conn)?
    {
        measure_ids.entry(c).or_default().push(m);
    }
    let mut options: HashMap<i64, Vec<i64>> = HashMap::new();
    for (c, item, _) in consultation_options::table
        .order((
            consultation_options::consultation_id,
            consultation_options::position,
        ))
        .load::<(i64, i64, i32)>(conn)?
    {
        options.entry(c).or_default().push(item);
    }
    let mut all: Vec<Consultation> = rows
        .into_iter()
        .map(|row| {
            let scope = Scope {
                whole_concept: row.whole_concept,
                field_ids: field_ids.remove(&row.id).unwrap_or_default(),
                measure_ids: measure_ids.remove(&row.id).unwrap_or_default(),
            };
            let opts = options.remove(&row.id).unwrap_or_default();
            assemble(row, scope, opts, now)
        })
        .collect();
    localize(conn, prefs, &mut all)?;
    Ok(all)
}

/// One consultation in German (what a change's `If-Match` is compared with). `NotFound` for
/// unknown ids.
pub fn one(conn: &mut DbConnection, id: i64, now: DateTime<Utc>) -> QueryResult<Consultation> {
    one_in(conn, id, now, &Preferences::default())
}

/// One consultation in the reader's languages.
pub fn one_in(
    conn: &mut DbConnection,
    id: i64,
    now: DateTime<Utc>,
    prefs: &Preferences,
) -> QueryResult<Consultation> {
    let row: Row = consultations::table
        .find(id)
        .select(Row::as_select())
        .first(conn)?;
    let scope = Scope {
        whole_concept: row.whole_concept,
        field_ids: consultation_fields::table
            .filter(consultation_fields::consultation_id.eq(id))
            .order(consultation_fields::field_id)
            .select(consultation_fields::field_id)
            .load(conn)?,
        measure_ids: consultation_measures::table
            .filter(consultation_measures::consultation_id.eq(id))
            .order(consultation_measures::measure_id)
            .select(consultation_measures::measure_id)
            .load(conn)?,
    };
    let options = consultation_options::table
        .filter(consultation_options::consultation_id.eq(id))
        .order(consultation_options::position)
        .select(consultation_options::item_id)
        .load(conn)?;
    localize_one(conn, prefs, assemble(row, scope, options, now))
}

fn err(field: &str, code: &str, message: Text) -> FieldError {
    FieldError::new(field, code, message)
}

/// Everything wrong with a consultation as a whole (windows, rules, scope and options against
/// the catalogue), each naming its field. Items a consultation already had stay valid when
/// they are retired later (`before`), so retiring never breaks what refers to it.
pub fn check(
    conn: &mut DbConnection,
    c: &ConsultationDraft,
    before: Option<&Consultation>,
) -> QueryResult<Vec<FieldError>> {
    let mut errors = Vec::new();
    for (name, w) in [("commenting", c.commenting), ("voting", c.voting)] {
        if let Some(w) = w {
            if w.closes_at <= w.opens_at {
                errors.push(err(
                    &format!("{name}.closes_at"),
                    "before_opening",
                    Text::new("muss nach opens_at liegen", "must be after opens_at"),
                ));
            }
        }
    }
    let rules = &c.voting_rules;
    if rules.max_points_per_option > rules.points_budget {
        errors.push(err(
            "voting_rules.points_budget",
            "below_maximum",
            Text::new(
                "muss mindestens max_points_per_option sein",
                "must be at least max_points_per_option",
            ),
        ));
    }
    if c.voting.is_some() && rules.options.is_empty() {
        errors.push(err(
            "voting_rules.options",
            "required",
            Text::new(
                "eine Abstimmung braucht mindestens eine Option",
                "a vote needs at least one option",
            ),
        ));
    }
    if rules.options.iter().collect::<HashSet<_>>().len() != rules.options.len() {
        errors.push(err(
            "voting_rules.options",
            "duplicate",
            Text::new("nennt eine Option zweimal", "lists an option twice"),
        ));
    }
    // The scope: current (not retired) fields and measures.
    let kept_fields: Vec<i64> = before
        .map(|b| b.scope.field_ids.clone())
        .unwrap_or_default();
    let kept_measures: Vec<i64> = before
        .map(|b| b.scope.measure_ids.clone())
        .unwrap_or_default();
    let kept_options = |kind: OptionKind| -> Vec<i64> {
        before
            .filter(|b| b.voting_rules.option_kind == kind && rules.option_kind == kind)
            .map(|b| b.voting_rules.options.clone())
            .unwrap_or_default()
    };
    let (kept_field_options, kept_measure_options, kept_goal_options) = (
        kept_options(OptionKind::Fields),
        kept_options(OptionKind::Measures),
        kept_options(OptionKind::PriorityGoals),
    );
    let live_fields: HashSet<i64> = fields::table
        .select((fields::id, fields::retired_at))
        .load::<(i64, Option<NaiveDateTime>)>(conn)?
        .into_iter()
        .filter(|(id, retired)| {
            retired.is_none() || kept_fields.contains(id) || kept_field_options.contains(id)
        })
        .map(|(id, _)| id)
        .collect();
    let live_measures: HashMap<i64, i64> = measures::table
        .select((measures::id, measures::field_id, measures::retired_at))
        .load::<(i64, i64, Option<NaiveDateTime>)>(conn)?
        .into_iter()
        .filter(|(id, _, retired)| {
            retired.is_none() || kept_measures.contains(id) || kept_measure_options.contains(id)
        })
        .map(|(id, field, _)| (id, field))
        .collect();
    let scope = &c.scope;
    if scope.whole_concept && !(scope.field_ids.is_empty() && scope.measure_ids.is_empty()) {
        errors.push(err(
            "scope",
            "ambiguous",
            Text::new(
                "nennt Handlungsfelder oder Maßnahmen, obwohl das ganze Konzept gemeint ist",
                "lists fields or measures although it is the whole concept",
            ),
        ));
    }
    if !scope.whole_concept && scope.field_ids.is_empty() && scope.measure_ids.is_empty() {
        errors.push(err(
            "scope",
            "empty",
            Text::new(
                "muss das ganze Konzept sein oder Handlungsfelder oder Maßnahmen nennen",
                "must be the whole concept or list fields or measures",
            ),
        ));
    }
    if let Some(f) = scope.field_ids.iter().find(|f| !live_fields.contains(f)) {
        errors.push(err(
            "scope.field_ids",
            "unknown",
            Text::format(
                format!("{f} ist kein aktuelles Handlungsfeld"),
                format!("{f} is not a current field of action"),
            ),
        ));
    }
    if let Some(m) = scope
        .measure_ids
        .iter()
        .find(|m| !live_measures.contains_key(m))
    {
        errors.push(err(
            "scope.measure_ids",
            "unknown",
            Text::format(
                format!("{m} ist keine aktuelle Maßnahme"),
                format!("{m} is not a current measure"),
            ),
        ));
    }
    let field_in_scope =
        |f: &i64| live_fields.contains(f) && (scope.whole_concept || scope.field_ids.contains(f));
    let measure_in_scope = |m: &i64| {
        live_measures.get(m).is_some_and(|field| {
            scope.whole_concept || scope.measure_ids.contains(m) || scope.field_ids.contains(field)
        })
    };
    let outside: Option<&i64> = match rules.option_kind {
        OptionKind::Fields => rules.options.iter().find(|o| !field_in_scope(o)),
        OptionKind::Measures => rules.options.iter().find(|o| !measure_in_scope(o)),
        OptionKind::PriorityGoals => {
            let goals: HashSet<i64> = priority_goals::table
                .select((priority_goals::id, priority_goals::retired_at))
                .load::<(i64, Option<NaiveDateTime>)>(conn)?
                .into_iter()
                .filter(|(id, retired)| retired.is_none() || kept_goal_options.contains(id))
                .map(|(id, _)| id)
                .collect();
            rules.options.iter().find(|o| !goals.contains(o))
        }
    };
    if let Some(o) = outside {
        errors.push(err(
            "voting_rules.options",
            "outside_scope",
            Text::format(
                format!("{o} ist kein Eintrag dieser Art im Umfang der Beteiligungsrunde"),
                format!("{o} is not an item of this kind in the consultation's scope"),
            ),
        ));
    }
    Ok(errors)
}

fn naive(t: Option<Window>, closes: bool) -> Option<NaiveDateTime> {
    t.map(|w| if closes { w.closes_at } else { w.opens_at }.naive_utc())
}

/// Writes the consultation's parts that live in their own tables.
fn write_parts(conn: &mut DbConnection, id: i64, c: &ConsultationDraft) -> QueryResult<()> {
    diesel::delete(consultation_fields::table.filter(consultation_fields::consultation_id.eq(id)))
        .execute(conn)?;
    diesel::delete(
        consultation_measures::table.filter(consultation_measures::consultation_id.eq(id)),
    )
    .execute(conn)?;
    diesel::delete(
        consultation_options::table.filter(consultation_options::consultation_id.eq(id)),
    )
    .execute(conn)?;
    let f: Vec<_> = c
        .scope
        .field_ids
        .iter()
        .map(|f| {
            (
                consultation_fields::consultation_id.eq(id),
                consultation_fields::field_id.eq(*f),
            )
        })
        .collect();
    let m: Vec<_> = c
        .scope
        .measure_ids
        .iter()
        .map(|m| {
            (
                consultation_measures::consultation_id.eq(id),
                consultation_measures::measure_id.eq(*m),
            )
        })
        .collect();
    let o: Vec<_> = c
        .voting_rules
        .options
        .iter()
        .enumerate()
        .map(|(i, item)| {
            (
                consultation_options::consultation_id.eq(id),
                consultation_options::item_id.eq(*item),
                consultation_options::position.eq(i as i32 + 1),
            )
        })
        .collect();
    if !f.is_empty() {
        db_run!(conn, |c| diesel::insert_into(consultation_fields::table)
            .values(&f)
            .execute(c))?;
    }
    if !m.is_empty() {
        db_run!(conn, |c| diesel::insert_into(consultation_measures::table)
            .values(&m)
            .execute(c))?;
    }
    if !o.is_empty() {
        db_run!(conn, |c| diesel::insert_into(consultation_options::table)
            .values(&o)
            .execute(c))?;
    }
    Ok(())
}

/// The columns a draft sets, the same for creating and for changing a consultation.
macro_rules! draft_columns {
    ($c:expr) => {
        (
            consultations::title.eq(&$c.title),
            consultations::description.eq(&$c.description),
            consultations::whole_concept.eq($c.scope.whole_concept),
            consultations::comment_opens_at.eq(naive($c.commenting, false)),
            consultations::comment_closes_at.eq(naive($c.commenting, true)),
            consultations::vote_opens_at.eq(naive($c.voting, false)),
            consultations::vote_closes_at.eq(naive($c.voting, true)),
            consultations::moderation.eq($c.moderation.as_str()),
            consultations::points_budget.eq($c.voting_rules.points_budget),
            consultations::max_points_per_option.eq($c.voting_rules.max_points_per_option),
            consultations::option_kind.eq($c.voting_rules.option_kind.as_str()),
            consultations::results_visibility.eq($c.results_visibility.as_str()),
        )
    };
}

pub fn insert(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    c: &ConsultationDraft,
) -> QueryResult<i64> {
    let values = (
        draft_columns!(c),
        consultations::created_at.eq(now),
        consultations::updated_at.eq(now),
    );
    let id: i64 = db_run!(conn, |conn| diesel::insert_into(consultations::table)
        .values(values)
        .returning(consultations::id)
        .get_result(conn))?;
    write_parts(conn, id, c)?;
    Ok(id)
}

/// Overwrites a consultation with `c` if it is still at `version`; returns the rows changed.
pub fn update(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    id: i64,
    version: i32,
    c: &ConsultationDraft,
) -> QueryResult<usize> {
    let updated = diesel::update(
        consultations::table
            .find(id)
            .filter(consultations::version.eq(version)),
    )
    .set((
        draft_columns!(c),
        consultations::version.eq(version + 1),
        consultations::updated_at.eq(now),
    ))
    .execute(conn)?;
    if updated == 1 {
        write_parts(conn, id, c)?;
    }
    Ok(updated)
}
