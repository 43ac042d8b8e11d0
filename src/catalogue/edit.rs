//! Changes to the catalogue by administrators: create, update, retire, move, and record a
//! measure's status. Every change runs under optimistic concurrency (the `If-Match` of the
//! request must be the ETag of the current version) and is meant to be audited by the caller
//! in the same transaction.

use super::model::{
    Field, ImplementationStatus, Measure, PriorityGoal, VisionKind, VisionStatement,
};
use super::store;
use crate::db::schema::{
    fields, measure_status_history, measures, priority_goals, vision_statements,
};
use crate::db::DbConnection;
use crate::db_run;
use crate::error::{ApiError, ApiResult, Text};
use crate::http::cache::{etag_of, stale, IfMatch};
use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The item as it is now, if the client's `If-Match` names this version: 404 when it does not
/// exist, 412 when it changed since.
fn current<T: Serialize>(
    conn: &mut DbConnection,
    if_match: &IfMatch,
    id: i64,
    load: fn(&mut DbConnection, i64) -> QueryResult<T>,
) -> ApiResult<T> {
    let item = match load(conn, id) {
        Ok(item) => item,
        Err(diesel::result::Error::NotFound) => {
            return Err(ApiError::not_found(Text::new(
                "Diesen Eintrag gibt es im Katalog nicht.",
                "No such object in the catalogue.",
            )))
        }
        Err(e) => return Err(e.into()),
    };
    if if_match.matches(&etag_of(&item)) {
        Ok(item)
    } else {
        Err(stale())
    }
}

/// Loads the item, compares its ETag with `if_match`, applies the change (which must match
/// the loaded version, or nothing is changed) and loads it again: `(before, after)`.
pub fn guarded<T: Serialize>(
    conn: &mut DbConnection,
    if_match: &IfMatch,
    id: i64,
    load: fn(&mut DbConnection, i64) -> QueryResult<T>,
    apply: impl FnOnce(&mut DbConnection, &T) -> QueryResult<usize>,
) -> ApiResult<(T, T)> {
    let before = current(conn, if_match, id, load)?;
    if apply(conn, &before)? == 0 {
        return Err(stale());
    }
    Ok((before, load(conn, id)?))
}

/// Catalogue items that are retired rather than deleted.
pub trait Retirable {
    fn is_retired(&self) -> bool;
    fn version(&self) -> i32;
}

macro_rules! retirable {
    ($($t:ty),*) => {$(
        impl Retirable for $t {
            fn is_retired(&self) -> bool {
                self.retired_at.is_some()
            }
            fn version(&self) -> i32 {
                self.version
            }
        }
    )*};
}
retirable!(Field, Measure, VisionStatement, PriorityGoal);

/// Retires an item under the rules of [`guarded`]; 409 `already_retired` when it is.
/// `mark` sets `retired_at` and the next version where the row is still at the given version.
fn retire<T: Serialize + Retirable>(
    conn: &mut DbConnection,
    if_match: &IfMatch,
    id: i64,
    load: fn(&mut DbConnection, i64) -> QueryResult<T>,
    mark: impl FnOnce(&mut DbConnection, i32) -> QueryResult<usize>,
) -> ApiResult<(T, T)> {
    let before = current(conn, if_match, id, load)?;
    if before.is_retired() {
        return Err(retired_already());
    }
    if mark(conn, before.version())? == 0 {
        return Err(stale());
    }
    Ok((before, load(conn, id)?))
}

fn retired_already() -> ApiError {
    super::problems::ALREADY_RETIRED.problem()
}

// ---------------------------------------------------------------- measures

/// A date as the catalogue writes it (`status_date`): the pattern of the field in the contract.
pub const DATE_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

fn valid_date(value: &str) -> Result<(), validator::ValidationError> {
    if value.len() == 10 && chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok() {
        Ok(())
    } else {
        Err(crate::error::rule(
            "date",
            Text::new(
                "muss ein Datum in der Form JJJJ-MM-TT sein",
                "must be a date written YYYY-MM-DD",
            ),
        ))
    }
}

/// A new measure.
#[derive(Debug, Clone, Deserialize, validator::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMeasure {
    /// The field of action it belongs to.
    pub field_id: i64,
    #[validate(length(min = 1, max = 32), custom(function = "crate::text::name"))]
    #[schema(
        min_length = 1,
        max_length = 32,
        pattern = "^[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF](?:[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF])?$"
    )]
    pub code: String,
    #[validate(length(min = 1, max = 300), custom(function = "crate::text::name"))]
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF](?:[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF])?$"
    )]
    pub title: String,
    #[validate(length(max = 10000), custom(function = "crate::text::text"))]
    #[schema(
        max_length = 10000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    #[serde(default)]
    pub description: String,
    #[validate(length(max = 300), custom(function = "crate::text::line"))]
    #[schema(
        max_length = 300,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub responsible_body: Option<String>,
    pub implementation_status: ImplementationStatus,
    #[validate(length(max = 4000), custom(function = "crate::text::text"))]
    #[schema(
        max_length = 4000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub status_note: Option<String>,
    #[validate(custom(function = "valid_date"))]
    #[schema(format = "date", pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub status_date: Option<String>,
}

/// Changes to a measure; `field_id` moves it to another field of action.
#[derive(Debug, Clone, Deserialize, validator::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasureChanges {
    pub field_id: Option<i64>,
    #[validate(length(min = 1, max = 32), custom(function = "crate::text::name"))]
    #[schema(
        min_length = 1,
        max_length = 32,
        pattern = "^[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF](?:[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF])?$"
    )]
    pub code: Option<String>,
    #[validate(length(min = 1, max = 300), custom(function = "crate::text::name"))]
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF](?:[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF])?$"
    )]
    pub title: Option<String>,
    #[validate(length(max = 10000), custom(function = "crate::text::text"))]
    #[schema(
        max_length = 10000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub description: Option<String>,
    #[validate(length(max = 300), custom(function = "crate::text::line"))]
    #[schema(
        max_length = 300,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub responsible_body: Option<String>,
}

/// A new implementation status (Stand der Umsetzung), recorded in the measure's history.
#[derive(Debug, Clone, Deserialize, validator::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    pub implementation_status: ImplementationStatus,
    #[validate(length(max = 4000), custom(function = "crate::text::text"))]
    #[schema(
        max_length = 4000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub status_note: Option<String>,
    #[validate(custom(function = "valid_date"))]
    #[schema(format = "date", pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub status_date: Option<String>,
}

/// A field of action a measure may be put into: existing and not retired.
fn open_field(conn: &mut DbConnection, field_id: i64) -> ApiResult<()> {
    let field: Option<Option<NaiveDateTime>> = fields::table
        .find(field_id)
        .select(fields::retired_at)
        .first(conn)
        .optional()?;
    match field {
        None => Err(ApiError::invalid_field(
            "field_id",
            "unknown",
            Text::new("ist kein Handlungsfeld", "is not a field of action"),
        )),
        Some(Some(_)) => Err(super::problems::FIELD_RETIRED.problem()),
        Some(None) => Ok(()),
    }
}

fn next_position(conn: &mut DbConnection, field_id: i64) -> QueryResult<i32> {
    let max: Option<i32> = measures::table
        .filter(measures::field_id.eq(field_id))
        .select(diesel::dsl::max(measures::position))
        .first(conn)?;
    Ok(max.unwrap_or(0) + 1)
}

fn record_status(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    measure_id: i64,
    status: ImplementationStatus,
    note: Option<&str>,
    date: Option<&str>,
    by: Option<i64>,
) -> QueryResult<()> {
    diesel::insert_into(measure_status_history::table)
        .values((
            measure_status_history::measure_id.eq(measure_id),
            measure_status_history::implementation_status.eq(status.as_str()),
            measure_status_history::status_note.eq(note),
            measure_status_history::status_date.eq(date),
            measure_status_history::recorded_by.eq(by),
            measure_status_history::recorded_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn create_measure(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    new: &NewMeasure,
    by: i64,
) -> ApiResult<Measure> {
    open_field(conn, new.field_id)?;
    let position = next_position(conn, new.field_id)?;
    let values = (
        measures::field_id.eq(new.field_id),
        measures::code.eq(&new.code),
        measures::position.eq(position),
        measures::title.eq(&new.title),
        measures::description.eq(&new.description),
        measures::responsible_body.eq(&new.responsible_body),
        measures::implementation_status.eq(new.implementation_status.as_str()),
        measures::status_note.eq(&new.status_note),
        measures::status_date.eq(&new.status_date),
        measures::created_at.eq(now),
        measures::updated_at.eq(now),
    );
    let id: i64 = db_run!(conn, |c| diesel::insert_into(measures::table)
        .values(values)
        .returning(measures::id)
        .get_result(c))?;
    record_status(
        conn,
        now,
        id,
        new.implementation_status,
        new.status_note.as_deref(),
        new.status_date.as_deref(),
        Some(by),
    )?;
    super::search::index_measure(conn, id)?;
    Ok(store::measure(conn, id)?)
}

pub fn update_measure(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    id: i64,
    if_match: &IfMatch,
    changes: &MeasureChanges,
) -> ApiResult<(Measure, Measure)> {
    if let Some(field_id) = changes.field_id {
        open_field(conn, field_id)?;
    }
    let moved_to = match changes.field_id {
        Some(field_id) => Some((field_id, next_position(conn, field_id)?)),
        None => None,
    };
    let changed = guarded(conn, if_match, id, store::measure, |conn, m: &Measure| {
        let (field_id, position) = match moved_to {
            Some((to, position)) if to != m.field_id => (to, Some(position)),
            _ => (m.field_id, None),
        };
        let target = measures::table
            .find(id)
            .filter(measures::version.eq(m.version));
        let updated = diesel::update(target)
            .set((
                measures::field_id.eq(field_id),
                measures::code.eq(changes.code.as_ref().unwrap_or(&m.code)),
                measures::title.eq(changes.title.as_ref().unwrap_or(&m.title)),
                measures::description.eq(changes.description.as_ref().unwrap_or(&m.description)),
                measures::responsible_body.eq(changes
                    .responsible_body
                    .as_ref()
                    .or(m.responsible_body.as_ref())),
                measures::version.eq(m.version + 1),
                measures::updated_at.eq(now),
            ))
            .execute(conn)?;
        if let Some(position) = position {
            diesel::update(measures::table.find(id))
                .set(measures::position.eq(position))
                .execute(conn)?;
        }
        Ok(updated)
    })?;
    super::search::index_measure(conn, id)?;
    Ok(changed)
}

pub fn change_status(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    id: i64,
    if_match: &IfMatch,
    change: &StatusChange,
    by: i64,
) -> ApiResult<(Measure, Measure)> {
    let changed = guarded(conn, if_match, id, store::measure, |conn, m: &Measure| {
        let target = measures::table
            .find(id)
            .filter(measures::version.eq(m.version));
        let updated = diesel::update(target)
            .set((
                measures::implementation_status.eq(change.implementation_status.as_str()),
                measures::status_note.eq(&change.status_note),
                measures::status_date.eq(&change.status_date),
                measures::version.eq(m.version + 1),
                measures::updated_at.eq(now),
            ))
            .execute(conn)?;
        if updated == 1 {
            record_status(
                conn,
                now,
                id,
                change.implementation_status,
                change.status_note.as_deref(),
                change.status_date.as_deref(),
                Some(by),
            )?;
        }
        Ok(updated)
    })?;
    super::search::index_measure(conn, id)?;
    Ok(changed)
}

pub fn retire_measure(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    id: i64,
    if_match: &IfMatch,
) -> ApiResult<(Measure, Measure)> {
    let changed = retire(conn, if_match, id, store::measure, |conn, version| {
        let target = measures::table
            .find(id)
            .filter(measures::version.eq(version));
        diesel::update(target)
            .set((
                measures::retired_at.eq(Some(now)),
                measures::version.eq(version + 1),
                measures::updated_at.eq(now),
            ))
            .execute(conn)
    })?;
    super::search::index_measure(conn, id)?;
    Ok(changed)
}

/// One entry of a measure's status history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StatusEntry {
    pub id: i64,
    pub implementation_status: ImplementationStatus,
    pub status_note: Option<String>,
    /// Date of the status, as recorded.
    #[schema(format = Date)]
    pub status_date: Option<String>,
    /// Id of the administrator who recorded it; `null` for the import of a catalogue file.
    pub recorded_by: Option<i64>,
    pub recorded_at: chrono::DateTime<Utc>,
}

/// id, status, note, date, recorded by, recorded at.
type HistoryRow = (
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    NaiveDateTime,
);

/// The history of a measure's status, oldest first. `NotFound` for unknown measures.
pub fn status_history(
    conn: &mut DbConnection,
    measure_id: i64,
    page: &crate::http::pagination::PageRequest,
) -> QueryResult<crate::http::pagination::Page<StatusEntry>> {
    measures::table
        .find(measure_id)
        .select(measures::id)
        .first::<i64>(conn)?;
    let after = page.after.map_or(0, |c| c.id);
    let rows: Vec<HistoryRow> = measure_status_history::table
        .filter(measure_status_history::measure_id.eq(measure_id))
        .filter(measure_status_history::id.gt(after))
        .order(measure_status_history::id)
        .limit(page.fetch_limit())
        .select((
            measure_status_history::id,
            measure_status_history::implementation_status,
            measure_status_history::status_note,
            measure_status_history::status_date,
            measure_status_history::recorded_by,
            measure_status_history::recorded_at,
        ))
        .load(conn)?;
    Ok(page.finish(
        rows,
        |r| crate::http::pagination::Cursor { key: 0, id: r.0 },
        |(id, status, note, date, by, at)| StatusEntry {
            id,
            implementation_status: ImplementationStatus::from_stored(&status),
            status_note: note,
            status_date: date,
            recorded_by: by,
            recorded_at: at.and_utc(),
        },
    ))
}

// ---------------------------------------------------------------- fields

#[derive(Debug, Clone, Deserialize, validator::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewField {
    /// Number within the concept, unique, 1–999.
    #[validate(range(min = 1, max = 999))]
    #[schema(minimum = 1, maximum = 999)]
    pub number: i32,
    #[validate(length(min = 1, max = 300), custom(function = "crate::text::name"))]
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF](?:[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF])?$"
    )]
    pub title: String,
    #[validate(length(max = 10000), custom(function = "crate::text::text"))]
    #[schema(
        max_length = 10000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub summary: Option<String>,
}

#[derive(Debug, Clone, Deserialize, validator::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldChanges {
    #[validate(range(min = 1, max = 999))]
    #[schema(minimum = 1, maximum = 999)]
    pub number: Option<i32>,
    #[validate(length(min = 1, max = 300), custom(function = "crate::text::name"))]
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF](?:[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF])?$"
    )]
    pub title: Option<String>,
    #[validate(length(max = 10000), custom(function = "crate::text::text"))]
    #[schema(
        max_length = 10000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub summary: Option<String>,
}

fn concept_id(conn: &mut DbConnection) -> QueryResult<Option<i64>> {
    crate::db::schema::concepts::table
        .order(crate::db::schema::concepts::id)
        .select(crate::db::schema::concepts::id)
        .first(conn)
        .optional()
}

fn no_catalogue() -> ApiError {
    super::problems::NO_CATALOGUE.problem()
}

pub fn create_field(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    new: &NewField,
) -> ApiResult<Field> {
    let Some(concept_id) = concept_id(conn)? else {
        return Err(no_catalogue());
    };
    let values = (
        fields::concept_id.eq(concept_id),
        fields::number.eq(new.number),
        fields::title.eq(&new.title),
        fields::summary.eq(&new.summary),
        fields::created_at.eq(now),
        fields::updated_at.eq(now),
    );
    let id: i64 = db_run!(conn, |c| diesel::insert_into(fields::table)
        .values(values)
        .returning(fields::id)
        .get_result(c))?;
    super::search::index_field(conn, id)?;
    Ok(store::field(conn, id)?)
}

pub fn update_field(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    id: i64,
    if_match: &IfMatch,
    changes: &FieldChanges,
) -> ApiResult<(Field, Field)> {
    let changed = guarded(conn, if_match, id, store::field, |conn, f: &Field| {
        diesel::update(fields::table.find(id).filter(fields::version.eq(f.version)))
            .set((
                fields::number.eq(changes.number.unwrap_or(f.number)),
                fields::title.eq(changes.title.as_ref().unwrap_or(&f.title)),
                fields::summary.eq(changes.summary.as_ref().or(f.summary.as_ref())),
                fields::version.eq(f.version + 1),
                fields::updated_at.eq(now),
            ))
            .execute(conn)
    })?;
    super::search::index_field(conn, id)?;
    Ok(changed)
}

/// Retires a field of action; its measures stay readable where they are.
pub fn retire_field(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    id: i64,
    if_match: &IfMatch,
) -> ApiResult<(Field, Field)> {
    let changed = retire(conn, if_match, id, store::field, |conn, version| {
        let target = fields::table.find(id).filter(fields::version.eq(version));
        diesel::update(target)
            .set((
                fields::retired_at.eq(Some(now)),
                fields::version.eq(version + 1),
                fields::updated_at.eq(now),
            ))
            .execute(conn)
    })?;
    super::search::index_field(conn, id)?;
    Ok(changed)
}

// ---------------------------------------------------------------- vision and goals

#[derive(Debug, Clone, Deserialize, validator::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVisionStatement {
    pub kind: VisionKind,
    #[validate(length(min = 1, max = 4000), custom(function = "crate::text::text"))]
    #[schema(
        min_length = 1,
        max_length = 4000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub text: String,
}

#[derive(Debug, Clone, Deserialize, validator::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPriorityGoal {
    #[validate(length(min = 1, max = 4000), custom(function = "crate::text::text"))]
    #[schema(
        min_length = 1,
        max_length = 4000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub text: String,
}

/// A new wording of a statement or goal.
#[derive(Debug, Clone, Deserialize, validator::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextChange {
    #[validate(length(min = 1, max = 4000), custom(function = "crate::text::text"))]
    #[schema(
        min_length = 1,
        max_length = 4000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub text: String,
}

pub fn create_vision_statement(
    conn: &mut DbConnection,
    new: &NewVisionStatement,
) -> ApiResult<VisionStatement> {
    let Some(concept_id) = concept_id(conn)? else {
        return Err(no_catalogue());
    };
    let max: Option<i32> = vision_statements::table
        .filter(vision_statements::concept_id.eq(concept_id))
        .filter(vision_statements::kind.eq(new.kind.as_str()))
        .select(diesel::dsl::max(vision_statements::position))
        .first(conn)?;
    let values = (
        vision_statements::concept_id.eq(concept_id),
        vision_statements::kind.eq(new.kind.as_str()),
        vision_statements::position.eq(max.unwrap_or(0) + 1),
        vision_statements::text.eq(&new.text),
    );
    let id: i64 = db_run!(conn, |c| diesel::insert_into(vision_statements::table)
        .values(values)
        .returning(vision_statements::id)
        .get_result(c))?;
    Ok(store::vision_statement(conn, id)?)
}

pub fn update_vision_statement(
    conn: &mut DbConnection,
    id: i64,
    if_match: &IfMatch,
    change: &TextChange,
) -> ApiResult<(VisionStatement, VisionStatement)> {
    guarded(
        conn,
        if_match,
        id,
        store::vision_statement,
        |conn, v: &VisionStatement| {
            diesel::update(
                vision_statements::table
                    .find(id)
                    .filter(vision_statements::version.eq(v.version)),
            )
            .set((
                vision_statements::text.eq(&change.text),
                vision_statements::version.eq(v.version + 1),
            ))
            .execute(conn)
        },
    )
}

pub fn retire_vision_statement(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    id: i64,
    if_match: &IfMatch,
) -> ApiResult<(VisionStatement, VisionStatement)> {
    retire(
        conn,
        if_match,
        id,
        store::vision_statement,
        |conn, version| {
            let target = vision_statements::table
                .find(id)
                .filter(vision_statements::version.eq(version));
            diesel::update(target)
                .set((
                    vision_statements::retired_at.eq(Some(now)),
                    vision_statements::version.eq(version + 1),
                ))
                .execute(conn)
        },
    )
}

pub fn create_priority_goal(
    conn: &mut DbConnection,
    new: &NewPriorityGoal,
) -> ApiResult<PriorityGoal> {
    let Some(concept_id) = concept_id(conn)? else {
        return Err(no_catalogue());
    };
    if let DbConnection::Postgresql(pg) = conn {
        // Two goals created at once would both take the highest position + 1 and one would
        // be refused as a duplicate: the concept's row puts them one after the other (SQLite's
        // write transaction already does).
        crate::db::schema::concepts::table
            .find(concept_id)
            .select(crate::db::schema::concepts::id)
            .for_update()
            .first::<i64>(pg)?;
    }
    let max: Option<i32> = priority_goals::table
        .filter(priority_goals::concept_id.eq(concept_id))
        .select(diesel::dsl::max(priority_goals::position))
        .first(conn)?;
    let values = (
        priority_goals::concept_id.eq(concept_id),
        priority_goals::position.eq(max.unwrap_or(0) + 1),
        priority_goals::text.eq(&new.text),
    );
    let id: i64 = db_run!(conn, |c| diesel::insert_into(priority_goals::table)
        .values(values)
        .returning(priority_goals::id)
        .get_result(c))?;
    Ok(store::priority_goal(conn, id)?)
}

pub fn update_priority_goal(
    conn: &mut DbConnection,
    id: i64,
    if_match: &IfMatch,
    change: &TextChange,
) -> ApiResult<(PriorityGoal, PriorityGoal)> {
    guarded(
        conn,
        if_match,
        id,
        store::priority_goal,
        |conn, g: &PriorityGoal| {
            diesel::update(
                priority_goals::table
                    .find(id)
                    .filter(priority_goals::version.eq(g.version)),
            )
            .set((
                priority_goals::text.eq(&change.text),
                priority_goals::version.eq(g.version + 1),
            ))
            .execute(conn)
        },
    )
}

pub fn retire_priority_goal(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    id: i64,
    if_match: &IfMatch,
) -> ApiResult<(PriorityGoal, PriorityGoal)> {
    retire(conn, if_match, id, store::priority_goal, |conn, version| {
        let target = priority_goals::table
            .find(id)
            .filter(priority_goals::version.eq(version));
        diesel::update(target)
            .set((
                priority_goals::retired_at.eq(Some(now)),
                priority_goals::version.eq(version + 1),
            ))
            .execute(conn)
    })
}
