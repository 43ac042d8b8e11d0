//! Queries of the catalogue. Each takes a connection and returns a `QueryResult`; handlers
//! call them through [`crate::db::Db::run`].

use super::file::{CatalogueFile, FileSubject, MeasureEntry, TranslationEntry};
use super::model::{
    Concept, Field, ImplementationStatus, Measure, PriorityGoal, VisionKind, VisionStatement,
};
use crate::db::schema::{
    concepts, fields, measure_status_history, measures, priority_goals, translations,
    vision_statements,
};
use crate::db::{write_transaction, DbConnection};
use crate::db_run;
use crate::error::ApiResult;
use crate::http::pagination::{Cursor, Page, PageRequest};
use crate::language::Preferences;
use crate::translations::Localized;
use crate::translations::{localize, localize_one, Languages};
use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use diesel::IntoSql;
use std::collections::HashMap;

#[derive(Queryable, Selectable)]
#[diesel(table_name = concepts)]
struct ConceptRow {
    id: i64,
    title: String,
    vision_title: Option<String>,
    decided_on: Option<String>,
    decision_reference: Option<String>,
    summary: String,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = fields)]
struct FieldRow {
    id: i64,
    number: i32,
    title: String,
    summary: Option<String>,
    retired_at: Option<NaiveDateTime>,
    version: i32,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = measures)]
struct MeasureRow {
    id: i64,
    field_id: i64,
    code: String,
    position: i32,
    title: String,
    description: String,
    responsible_body: Option<String>,
    implementation_status: String,
    status_note: Option<String>,
    status_date: Option<String>,
    retired_at: Option<NaiveDateTime>,
    version: i32,
}

impl From<MeasureRow> for Measure {
    fn from(r: MeasureRow) -> Self {
        Measure {
            id: r.id,
            field_id: r.field_id,
            code: r.code,
            title: r.title,
            description: r.description,
            responsible_body: r.responsible_body,
            implementation_status: ImplementationStatus::from_stored(&r.implementation_status),
            status_note: r.status_note,
            status_date: r.status_date,
            retired_at: r.retired_at.map(|t| t.and_utc()),
            version: r.version,
            languages: Languages::default(),
        }
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = vision_statements)]
struct VisionRow {
    id: i64,
    kind: String,
    position: i32,
    text: String,
    retired_at: Option<NaiveDateTime>,
    version: i32,
}

impl From<VisionRow> for VisionStatement {
    fn from(r: VisionRow) -> Self {
        VisionStatement {
            id: r.id,
            kind: VisionKind::from_stored(&r.kind),
            position: r.position,
            text: r.text,
            retired_at: r.retired_at.map(|t| t.and_utc()),
            version: r.version,
            languages: Languages::default(),
        }
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = priority_goals)]
struct GoalRow {
    id: i64,
    position: i32,
    text: String,
    retired_at: Option<NaiveDateTime>,
    version: i32,
}

impl From<GoalRow> for PriorityGoal {
    fn from(r: GoalRow) -> Self {
        PriorityGoal {
            id: r.id,
            position: r.position,
            text: r.text,
            retired_at: r.retired_at.map(|t| t.and_utc()),
            version: r.version,
            languages: Languages::default(),
        }
    }
}

/// One Leitbild statement, also a retired one, in German (what a change's `If-Match` is
/// compared with). `NotFound` for unknown ids.
pub fn vision_statement(conn: &mut DbConnection, id: i64) -> QueryResult<VisionStatement> {
    vision_statement_in(conn, id, &Preferences::default())
}

/// One Leitbild statement in the reader's languages.
pub fn vision_statement_in(
    conn: &mut DbConnection,
    id: i64,
    prefs: &Preferences,
) -> QueryResult<VisionStatement> {
    let item = vision_statements::table
        .find(id)
        .select(VisionRow::as_select())
        .first::<VisionRow>(conn)
        .map(VisionStatement::from)?;
    localize_one(conn, prefs, item)
}

/// One priority goal, also a retired one, in German. `NotFound` for unknown ids.
pub fn priority_goal(conn: &mut DbConnection, id: i64) -> QueryResult<PriorityGoal> {
    priority_goal_in(conn, id, &Preferences::default())
}

/// One priority goal in the reader's languages.
pub fn priority_goal_in(
    conn: &mut DbConnection,
    id: i64,
    prefs: &Preferences,
) -> QueryResult<PriorityGoal> {
    let item = priority_goals::table
        .find(id)
        .select(GoalRow::as_select())
        .first::<GoalRow>(conn)
        .map(PriorityGoal::from)?;
    localize_one(conn, prefs, item)
}

impl FieldRow {
    fn with_count(self, measure_count: i64) -> Field {
        Field {
            id: self.id,
            number: self.number,
            title: self.title,
            summary: self.summary,
            measure_count,
            retired_at: self.retired_at.map(|t| t.and_utc()),
            version: self.version,
            languages: Languages::default(),
        }
    }
}

/// The concept with its vision and priority goals, in the reader's languages. `NotFound` when
/// no catalogue is loaded.
pub fn concept(conn: &mut DbConnection, prefs: &Preferences) -> QueryResult<Concept> {
    let row: ConceptRow = concepts::table
        .order(concepts::id)
        .select(ConceptRow::as_select())
        .first(conn)?;
    let mut vision: Vec<VisionStatement> = vision_statements::table
        .filter(vision_statements::concept_id.eq(row.id))
        .filter(vision_statements::retired_at.is_null())
        .select(VisionRow::as_select())
        .load::<VisionRow>(conn)?
        .into_iter()
        .map(VisionStatement::from)
        .collect();
    vision.sort_by_key(|v| (v.kind == VisionKind::Commitment, v.position));
    localize(conn, prefs, &mut vision)?;
    let priority_goals = priority_goals::table
        .filter(priority_goals::concept_id.eq(row.id))
        .filter(priority_goals::retired_at.is_null())
        .order(priority_goals::position)
        .select(GoalRow::as_select())
        .load::<GoalRow>(conn)?
        .into_iter()
        .map(PriorityGoal::from)
        .collect::<Vec<_>>();
    let mut priority_goals = priority_goals;
    localize(conn, prefs, &mut priority_goals)?;
    let field_count = fields::table
        .filter(fields::concept_id.eq(row.id))
        .filter(fields::retired_at.is_null())
        .select(count_star())
        .first(conn)?;
    let measure_count = measures::table
        .inner_join(fields::table)
        .filter(fields::concept_id.eq(row.id))
        .filter(fields::retired_at.is_null())
        .filter(measures::retired_at.is_null())
        .select(count_star())
        .first(conn)?;
    localize_one(
        conn,
        prefs,
        Concept {
            id: row.id,
            title: row.title,
            vision_title: row.vision_title,
            decided_on: row.decided_on,
            decision_reference: row.decision_reference,
            summary: row.summary,
            vision,
            priority_goals,
            field_count,
            measure_count,
            languages: Languages::default(),
        },
    )
}

fn measure_counts(conn: &mut DbConnection, field_ids: &[i64]) -> QueryResult<HashMap<i64, i64>> {
    Ok(measures::table
        .filter(measures::field_id.eq_any(field_ids))
        .filter(measures::retired_at.is_null())
        .group_by(measures::field_id)
        .select((measures::field_id, count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect())
}

/// Fields of action in order of their number, with their measure counts.
pub fn fields_page(
    conn: &mut DbConnection,
    page: &PageRequest,
    include_retired: bool,
    prefs: &Preferences,
) -> QueryResult<Page<Field>> {
    // Numbers start at 1, so the start cursor (0, 0) selects from the first field. One static
    // query shape (no boxing) lets the connection reuse its prepared statement.
    let Cursor { key, id } = page.after.unwrap_or(Cursor { key: 0, id: 0 });
    let key = i32::try_from(key).unwrap_or(i32::MAX);
    let rows = fields::table
        .filter(
            fields::number
                .gt(key)
                .or(fields::number.eq(key).and(fields::id.gt(id))),
        )
        .filter(
            fields::retired_at
                .is_null()
                .or(include_retired.into_sql::<Bool>()),
        )
        .select(FieldRow::as_select())
        .order((fields::number, fields::id))
        .limit(page.fetch_limit())
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let counts = measure_counts(conn, &ids)?;
    let mut page = page.finish(
        rows,
        |r| Cursor {
            key: r.number.into(),
            id: r.id,
        },
        |r| {
            let count = counts.get(&r.id).copied().unwrap_or(0);
            r.with_count(count)
        },
    );
    localize(conn, prefs, &mut page.items)?;
    Ok(page)
}

/// One field of action in German. `NotFound` for unknown ids.
pub fn field(conn: &mut DbConnection, id: i64) -> QueryResult<Field> {
    field_in(conn, id, &Preferences::default())
}

/// One field of action in the reader's languages.
pub fn field_in(conn: &mut DbConnection, id: i64, prefs: &Preferences) -> QueryResult<Field> {
    let row: FieldRow = fields::table
        .find(id)
        .select(FieldRow::as_select())
        .first(conn)?;
    let count = measures::table
        .filter(measures::field_id.eq(id))
        .select(count_star())
        .first(conn)?;
    localize_one(conn, prefs, row.with_count(count))
}

/// Measures of a field in catalogue order, optionally only those with one status.
/// `NotFound` when the field does not exist.
pub fn measures_of_field(
    conn: &mut DbConnection,
    field_id: i64,
    status: Option<ImplementationStatus>,
    page: &PageRequest,
    include_retired: bool,
    prefs: &Preferences,
) -> QueryResult<Page<Measure>> {
    // Positions start at 1, so the start cursor (0, 0) selects from the first measure. Static
    // query shapes (no boxing) let the connection reuse its prepared statements.
    let Cursor { key, id } = page.after.unwrap_or(Cursor { key: 0, id: 0 });
    let key = i32::try_from(key).unwrap_or(i32::MAX);
    let query = measures::table
        .filter(measures::field_id.eq(field_id))
        .filter(
            measures::retired_at
                .is_null()
                .or(include_retired.into_sql::<Bool>()),
        )
        .filter(
            measures::position
                .gt(key)
                .or(measures::position.eq(key).and(measures::id.gt(id))),
        )
        .select(MeasureRow::as_select())
        .order((measures::position, measures::id))
        .limit(page.fetch_limit());
    let rows: Vec<MeasureRow> = match status {
        Some(status) => query
            .filter(measures::implementation_status.eq(status.as_str()))
            .load(conn)?,
        None => query.load(conn)?,
    };
    if rows.is_empty() {
        // Distinguish "no such field" (404) from "no measures on this page" (empty list).
        fields::table
            .find(field_id)
            .select(fields::id)
            .first::<i64>(conn)?;
    }
    let mut page = page.finish(
        rows,
        |r| Cursor {
            key: r.position.into(),
            id: r.id,
        },
        Measure::from,
    );
    localize(conn, prefs, &mut page.items)?;
    Ok(page)
}

/// One measure in German (what a change's `If-Match` is compared with). `NotFound` for
/// unknown ids.
pub fn measure(conn: &mut DbConnection, id: i64) -> QueryResult<Measure> {
    measure_in(conn, id, &Preferences::default())
}

/// One measure in the reader's languages.
pub fn measure_in(conn: &mut DbConnection, id: i64, prefs: &Preferences) -> QueryResult<Measure> {
    let item = measures::table
        .find(id)
        .select(MeasureRow::as_select())
        .first::<MeasureRow>(conn)
        .map(Measure::from)?;
    localize_one(conn, prefs, item)
}

/// Whether a catalogue has been loaded.
pub fn is_loaded(conn: &mut DbConnection) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(concepts::table.select(concepts::id))).get_result(conn)
}

/// What to do when the database already holds a catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// Refuse: the catalogue is loaded once, into an empty database.
    IntoEmpty,
    /// Replace the existing catalogue in the same transaction.
    Replace,
}

/// What an import changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub fields: usize,
    pub measures: usize,
    pub replaced: bool,
}

#[derive(Insertable)]
#[diesel(table_name = concepts)]
struct NewConcept<'a> {
    title: &'a str,
    vision_title: Option<&'a str>,
    decided_on: Option<&'a str>,
    decision_reference: Option<&'a str>,
    summary: &'a str,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = fields)]
struct NewField<'a> {
    concept_id: i64,
    number: i32,
    title: &'a str,
    summary: Option<&'a str>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = measures)]
struct NewMeasure<'a> {
    field_id: i64,
    code: &'a str,
    position: i32,
    title: &'a str,
    description: &'a str,
    responsible_body: Option<&'a str>,
    implementation_status: &'static str,
    status_note: Option<&'a str>,
    status_date: Option<&'a str>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl<'a> NewMeasure<'a> {
    fn new(field_id: i64, position: usize, m: &'a MeasureEntry, now: NaiveDateTime) -> Self {
        Self {
            field_id,
            code: &m.code,
            position: position as i32 + 1,
            title: &m.title,
            description: &m.description,
            responsible_body: m.responsible_body.as_deref(),
            implementation_status: m.implementation_status.as_str(),
            status_note: m.status_note.as_deref(),
            status_date: m.status_date.as_deref(),
            created_at: now,
            updated_at: now,
        }
    }
}

/// Loads a validated catalogue in one transaction: on any error nothing is changed.
pub fn import(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    file: &CatalogueFile,
    mode: ImportMode,
) -> ApiResult<ImportSummary> {
    write_transaction(conn, |conn| {
        if let DbConnection::Postgresql(pg) = conn {
            // Serialises imports of several nodes starting at once; readers are not blocked.
            diesel::sql_query("LOCK TABLE concepts IN EXCLUSIVE MODE").execute(pg)?;
        }
        let replaced = is_loaded(conn)?;
        if replaced {
            if mode == ImportMode::IntoEmpty {
                return Err(super::problems::CATALOGUE_LOADED.problem());
            }
            let consultations: i64 = crate::db::schema::consultations::table
                .select(count_star())
                .first(conn)?;
            if consultations > 0 {
                return Err(super::problems::CATALOGUE_IN_USE.problem());
            }
            diesel::delete(concepts::table).execute(conn)?;
            for subject in [
                Concept::SUBJECT,
                VisionStatement::SUBJECT,
                PriorityGoal::SUBJECT,
                Field::SUBJECT,
                Measure::SUBJECT,
            ] {
                crate::translations::forget(conn, subject, None)?;
            }
        }
        let c = &file.concept;
        let new_concept = NewConcept {
            title: &c.title,
            vision_title: c.vision_title.as_deref(),
            decided_on: c.decided_on.as_deref(),
            decision_reference: c.decision_reference.as_deref(),
            summary: &c.summary,
            created_at: now,
            updated_at: now,
        };
        let concept_id: i64 = db_run!(conn, |c| diesel::insert_into(concepts::table)
            .values(&new_concept)
            .returning(concepts::id)
            .get_result(c))?;

        let vision: Vec<_> = [
            (VisionKind::Principle, &c.vision),
            (VisionKind::Commitment, &c.commitments),
        ]
        .into_iter()
        .flat_map(|(kind, texts)| {
            texts.iter().enumerate().map(move |(i, text)| {
                (
                    vision_statements::concept_id.eq(concept_id),
                    vision_statements::kind.eq(kind.as_str()),
                    vision_statements::position.eq(i as i32 + 1),
                    vision_statements::text.eq(text.as_str()),
                )
            })
        })
        .collect();
        // Multi-row inserts need the concrete backend (the enum cannot express them).
        db_run!(conn, |c| diesel::insert_into(vision_statements::table)
            .values(&vision)
            .execute(c))?;

        let goals: Vec<_> = c
            .priority_goals
            .iter()
            .enumerate()
            .map(|(i, text)| {
                (
                    priority_goals::concept_id.eq(concept_id),
                    priority_goals::position.eq(i as i32 + 1),
                    priority_goals::text.eq(text.as_str()),
                )
            })
            .collect();
        db_run!(conn, |c| diesel::insert_into(priority_goals::table)
            .values(&goals)
            .execute(c))?;

        for f in &file.fields {
            let new_field = NewField {
                concept_id,
                number: f.number,
                title: &f.title,
                summary: f.summary.as_deref(),
                created_at: now,
                updated_at: now,
            };
            let field_id: i64 = db_run!(conn, |c| diesel::insert_into(fields::table)
                .values(&new_field)
                .returning(fields::id)
                .get_result(c))?;
            let rows: Vec<_> = f
                .measures
                .iter()
                .enumerate()
                .map(|(i, m)| NewMeasure::new(field_id, i, m, now))
                .collect();
            for chunk in rows.chunks(500) {
                db_run!(conn, |c| diesel::insert_into(measures::table)
                    .values(chunk)
                    .execute(c))?;
            }
            // Each measure's history starts with the status the file gives it.
            let loaded: Vec<(i64, String, Option<String>, Option<String>)> = measures::table
                .filter(measures::field_id.eq(field_id))
                .select((
                    measures::id,
                    measures::implementation_status,
                    measures::status_note,
                    measures::status_date,
                ))
                .load(conn)?;
            let history: Vec<_> = loaded
                .into_iter()
                .map(|(id, status, note, date)| {
                    (
                        measure_status_history::measure_id.eq(id),
                        measure_status_history::implementation_status.eq(status),
                        measure_status_history::status_note.eq(note),
                        measure_status_history::status_date.eq(date),
                        measure_status_history::recorded_by.eq(None::<i64>),
                        measure_status_history::recorded_at.eq(now),
                    )
                })
                .collect();
            for chunk in history.chunks(500) {
                db_run!(conn, |c| diesel::insert_into(measure_status_history::table)
                    .values(chunk)
                    .execute(c))?;
            }
        }
        import_translations(conn, now, file, concept_id)?;
        super::search::index_all(conn)?;
        Ok(ImportSummary {
            fields: file.fields.len(),
            measures: file.measure_count(),
            replaced,
        })
    })
}

/// Loads the translations of a catalogue file just imported (with `concept_id`): each is
/// current for its original in the file unless the file marks it outdated.
fn import_translations(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    file: &CatalogueFile,
    concept_id: i64,
) -> QueryResult<()> {
    if file.translations.is_empty() {
        return Ok(());
    }
    let mut ids: HashMap<(FileSubject, String), (&'static str, i64)> = HashMap::new();
    ids.insert(
        (FileSubject::Concept, String::new()),
        (Concept::SUBJECT, concept_id),
    );
    for (id, kind, position) in vision_statements::table
        .filter(vision_statements::concept_id.eq(concept_id))
        .select((
            vision_statements::id,
            vision_statements::kind,
            vision_statements::position,
        ))
        .load::<(i64, String, i32)>(conn)?
    {
        let subject = match VisionKind::from_stored(&kind) {
            VisionKind::Principle => FileSubject::Vision,
            VisionKind::Commitment => FileSubject::Commitment,
        };
        ids.insert(
            (subject, position.to_string()),
            (VisionStatement::SUBJECT, id),
        );
    }
    for (id, position) in priority_goals::table
        .filter(priority_goals::concept_id.eq(concept_id))
        .select((priority_goals::id, priority_goals::position))
        .load::<(i64, i32)>(conn)?
    {
        ids.insert(
            (FileSubject::PriorityGoal, position.to_string()),
            (PriorityGoal::SUBJECT, id),
        );
    }
    for (id, number) in fields::table
        .filter(fields::concept_id.eq(concept_id))
        .select((fields::id, fields::number))
        .load::<(i64, i32)>(conn)?
    {
        ids.insert(
            (FileSubject::Field, number.to_string()),
            (Field::SUBJECT, id),
        );
    }
    for (id, code) in measures::table
        .inner_join(fields::table)
        .filter(fields::concept_id.eq(concept_id))
        .select((measures::id, measures::code))
        .load::<(i64, String)>(conn)?
    {
        ids.insert((FileSubject::Measure, code), (Measure::SUBJECT, id));
    }
    let rows: Vec<_> = file
        .translations
        .iter()
        .filter_map(|t| {
            let (subject, id) = ids.get(&(t.subject, t.key.clone()))?;
            let original = file.original(t.subject, &t.key, &t.field)?;
            let hash = if t.outdated {
                String::new()
            } else {
                crate::translations::source_hash(original)
            };
            Some((
                translations::subject.eq(*subject),
                translations::subject_id.eq(*id),
                translations::field.eq(t.field.clone()),
                translations::language.eq(t.language.to_ascii_lowercase()),
                translations::body.eq(t.text.clone()),
                translations::source_hash.eq(hash),
                translations::updated_at.eq(now),
            ))
        })
        .collect();
    for chunk in rows.chunks(500) {
        db_run!(conn, |c| diesel::insert_into(translations::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

/// The current catalogue (without retired items) in the import format, so that exporting and
/// importing it again gives the same catalogue. `NotFound` when none is loaded.
pub fn export(conn: &mut DbConnection) -> QueryResult<CatalogueFile> {
    let row: ConceptRow = concepts::table
        .order(concepts::id)
        .select(ConceptRow::as_select())
        .first(conn)?;
    let statements: Vec<(i64, String, String)> = vision_statements::table
        .filter(vision_statements::concept_id.eq(row.id))
        .filter(vision_statements::retired_at.is_null())
        .order((vision_statements::kind, vision_statements::position))
        .select((
            vision_statements::id,
            vision_statements::kind,
            vision_statements::text,
        ))
        .load(conn)?;
    // Where each translatable item is in the file: (subject, key) by (table subject, id).
    let mut keys: HashMap<(&'static str, i64), (FileSubject, String)> = HashMap::new();
    keys.insert(
        (Concept::SUBJECT, row.id),
        (FileSubject::Concept, String::new()),
    );
    let mut of_kind = |kind: VisionKind, subject: FileSubject| {
        statements
            .iter()
            .filter(|(_, k, _)| VisionKind::from_stored(k) == kind)
            .enumerate()
            .map(|(i, (id, _, text))| {
                keys.insert(
                    (VisionStatement::SUBJECT, *id),
                    (subject, (i + 1).to_string()),
                );
                text.clone()
            })
            .collect::<Vec<_>>()
    };
    let vision = of_kind(VisionKind::Principle, FileSubject::Vision);
    let commitments = of_kind(VisionKind::Commitment, FileSubject::Commitment);
    let goal_rows: Vec<(i64, String)> = priority_goals::table
        .filter(priority_goals::concept_id.eq(row.id))
        .filter(priority_goals::retired_at.is_null())
        .order(priority_goals::position)
        .select((priority_goals::id, priority_goals::text))
        .load(conn)?;
    let mut priority_goals = Vec::new();
    for (i, (id, text)) in goal_rows.into_iter().enumerate() {
        keys.insert(
            (PriorityGoal::SUBJECT, id),
            (FileSubject::PriorityGoal, (i + 1).to_string()),
        );
        priority_goals.push(text);
    }
    let field_rows: Vec<FieldRow> = fields::table
        .filter(fields::concept_id.eq(row.id))
        .filter(fields::retired_at.is_null())
        .order((fields::number, fields::id))
        .select(FieldRow::as_select())
        .load(conn)?;
    let mut measures_by_field: HashMap<i64, Vec<MeasureEntry>> = HashMap::new();
    let measure_rows: Vec<MeasureRow> = measures::table
        .inner_join(fields::table)
        .filter(fields::concept_id.eq(row.id))
        .filter(measures::retired_at.is_null())
        .order((measures::field_id, measures::position, measures::id))
        .select(MeasureRow::as_select())
        .load(conn)?;
    for m in measure_rows {
        keys.insert(
            (Measure::SUBJECT, m.id),
            (FileSubject::Measure, m.code.clone()),
        );
        measures_by_field
            .entry(m.field_id)
            .or_default()
            .push(MeasureEntry {
                code: m.code,
                title: m.title,
                description: m.description,
                responsible_body: m.responsible_body,
                implementation_status: ImplementationStatus::from_stored(&m.implementation_status),
                status_note: m.status_note,
                status_date: m.status_date,
            });
    }
    for f in &field_rows {
        keys.insert(
            (Field::SUBJECT, f.id),
            (FileSubject::Field, f.number.to_string()),
        );
    }
    let mut file = CatalogueFile {
        format_version: super::file::FORMAT_VERSION,
        concept: super::file::ConceptEntry {
            title: row.title,
            vision_title: row.vision_title,
            decided_on: row.decided_on,
            decision_reference: row.decision_reference,
            summary: row.summary,
            vision,
            commitments,
            priority_goals,
        },
        fields: field_rows
            .into_iter()
            .map(|f| super::file::FieldEntry {
                measures: measures_by_field.remove(&f.id).unwrap_or_default(),
                number: f.number,
                title: f.title,
                summary: f.summary,
            })
            .collect(),
        translations: Vec::new(),
    };
    let mut translated = Vec::new();
    for subject in [
        Concept::SUBJECT,
        VisionStatement::SUBJECT,
        PriorityGoal::SUBJECT,
        Field::SUBJECT,
        Measure::SUBJECT,
    ] {
        for (id, language, field, text, hash) in crate::translations::all_of(conn, subject)? {
            let Some((file_subject, key)) = keys.get(&(subject, id)) else {
                continue; // a retired item: not in the file
            };
            let Some(original) = file.original(*file_subject, key, &field) else {
                continue; // its original is empty now
            };
            translated.push(TranslationEntry {
                subject: *file_subject,
                key: key.clone(),
                outdated: hash != crate::translations::source_hash(original),
                language,
                field,
                text,
            });
        }
    }
    file.translations = translated;
    Ok(file)
}
