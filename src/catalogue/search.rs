//! The catalogue's part in the search: the German original of every current measure and
//! field of action, put into the index when it is created, changed or imported and taken out
//! when it is retired. Translations are put by whoever writes them, with their language.

use crate::db::schema::{fields, measures};
use crate::db::DbConnection;
use crate::language::ORIGINAL;
use crate::search::{self, Document, Kind, Links, REINDEX_BATCH};
use chrono::NaiveDateTime;
use diesel::prelude::*;

type MeasureRow = (
    i64,
    i64,
    String,
    String,
    Option<String>,
    Option<NaiveDateTime>,
);
type FieldRow = (i64, String, Option<String>, Option<NaiveDateTime>);

const MEASURE: (
    measures::id,
    measures::field_id,
    measures::title,
    measures::description,
    measures::status_note,
    measures::retired_at,
) = (
    measures::id,
    measures::field_id,
    measures::title,
    measures::description,
    measures::status_note,
    measures::retired_at,
);

fn put_measure(conn: &mut DbConnection, row: &MeasureRow) -> QueryResult<()> {
    let (id, field_id, title, description, note, retired) = row;
    if retired.is_some() {
        return search::remove(conn, Kind::Measure, *id, None);
    }
    let body = match note {
        Some(note) => format!("{description}\n{note}"),
        None => description.clone(),
    };
    search::put(
        conn,
        &Document {
            kind: Kind::Measure,
            subject_id: *id,
            language: ORIGINAL,
            translation: false,
            links: Links {
                consultation_id: None,
                field_id: Some(*field_id),
                measure_id: Some(*id),
            },
            title,
            body: &body,
        },
    )
}

fn put_field(conn: &mut DbConnection, row: &FieldRow) -> QueryResult<()> {
    let (id, title, summary, retired) = row;
    if retired.is_some() {
        return search::remove(conn, Kind::Field, *id, None);
    }
    search::put(
        conn,
        &Document {
            kind: Kind::Field,
            subject_id: *id,
            language: ORIGINAL,
            translation: false,
            links: Links {
                consultation_id: None,
                field_id: Some(*id),
                measure_id: None,
            },
            title,
            body: summary.as_deref().unwrap_or_default(),
        },
    )
}

/// Puts measure `id` as it is now into the index (or takes it out when it is retired or gone).
pub fn index_measure(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    match measures::table
        .find(id)
        .select(MEASURE)
        .first::<MeasureRow>(conn)
        .optional()?
    {
        Some(row) => put_measure(conn, &row),
        None => search::remove(conn, Kind::Measure, id, None),
    }
}

/// Puts field `id` as it is now into the index (or takes it out when it is retired or gone).
pub fn index_field(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    match fields::table
        .find(id)
        .select((
            fields::id,
            fields::title,
            fields::summary,
            fields::retired_at,
        ))
        .first::<FieldRow>(conn)
        .optional()?
    {
        Some(row) => put_field(conn, &row),
        None => search::remove(conn, Kind::Field, id, None),
    }
}

/// After an import: the texts of a replaced catalogue (and their translations, whose
/// subjects are gone) leave the index, the new catalogue's originals enter it.
pub fn index_all(conn: &mut DbConnection) -> QueryResult<usize> {
    search::remove_kind(conn, Kind::Measure)?;
    search::remove_kind(conn, Kind::Field)?;
    Catalogue.reindex_originals(conn)
}

/// The catalogue in the search registry.
pub struct Catalogue;

impl Catalogue {
    fn reindex_originals(&self, conn: &mut DbConnection) -> QueryResult<usize> {
        let mut put = 0;
        let fields: Vec<FieldRow> = fields::table
            .filter(fields::retired_at.is_null())
            .select((
                fields::id,
                fields::title,
                fields::summary,
                fields::retired_at,
            ))
            .load(conn)?;
        for row in &fields {
            put_field(conn, row)?;
            put += 1;
        }
        let mut after = 0;
        loop {
            let rows: Vec<MeasureRow> = measures::table
                .filter(measures::retired_at.is_null())
                .filter(measures::id.gt(after))
                .order(measures::id)
                .limit(REINDEX_BATCH)
                .select(MEASURE)
                .load(conn)?;
            for row in &rows {
                put_measure(conn, row)?;
                put += 1;
            }
            match rows.last() {
                Some(last) if rows.len() as i64 == REINDEX_BATCH => after = last.0,
                _ => return Ok(put),
            }
        }
    }
}

impl search::Searchable for Catalogue {
    fn name(&self) -> &'static str {
        "catalogue"
    }

    fn reindex(&self, conn: &mut DbConnection) -> QueryResult<usize> {
        self.reindex_originals(conn)
    }
}
