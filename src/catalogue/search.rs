//! The catalogue's part in the search: every current measure and field of action, in German
//! and in each language it has a translation in (a text without a translation in that
//! language reads German there, as readers see it), put into the index when it is created,
//! changed, translated or imported and taken out when it is retired.

use super::model::{Field, Measure};
use crate::db::schema::{fields, measures};
use crate::db::DbConnection;
use crate::language::ORIGINAL;
use crate::search::{self, Document, Kind, Links, REINDEX_BATCH};
use crate::translations::{self, Localized};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::{BTreeMap, HashMap};

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

/// A subject's translated texts, by language: field → text.
fn translated(
    conn: &mut DbConnection,
    subject: &str,
    id: i64,
) -> QueryResult<BTreeMap<String, HashMap<String, String>>> {
    let mut by_language: BTreeMap<String, HashMap<String, String>> = BTreeMap::new();
    for (_, language, field, body, _) in translations::all_of_one(conn, subject, id)? {
        by_language.entry(language).or_default().insert(field, body);
    }
    Ok(by_language)
}

fn put_measure(conn: &mut DbConnection, row: &MeasureRow) -> QueryResult<()> {
    let (id, field_id, title, description, note, retired) = row;
    search::remove(conn, Kind::Measure, *id, None)?;
    if retired.is_some() {
        return Ok(());
    }
    let links = Links {
        consultation_id: None,
        field_id: Some(*field_id),
        measure_id: Some(*id),
    };
    let original = HashMap::new();
    let languages = translated(conn, Measure::SUBJECT, *id)?;
    for (language, texts) in std::iter::once((ORIGINAL.to_owned(), &original))
        .chain(languages.iter().map(|(l, t)| (l.clone(), t)))
    {
        let text = |field: &str, german: &str| {
            texts
                .get(field)
                .cloned()
                .unwrap_or_else(|| german.to_owned())
        };
        let description = text("description", description);
        let body = match note {
            Some(note) => format!("{description}\n{}", text("status_note", note)),
            None => description,
        };
        search::put(
            conn,
            &Document {
                kind: Kind::Measure,
                subject_id: *id,
                language: &language,
                translation: language != ORIGINAL,
                links,
                title: &text("title", title),
                body: &body,
            },
        )?;
    }
    Ok(())
}

fn put_field(conn: &mut DbConnection, row: &FieldRow) -> QueryResult<()> {
    let (id, title, summary, retired) = row;
    search::remove(conn, Kind::Field, *id, None)?;
    if retired.is_some() {
        return Ok(());
    }
    let original = HashMap::new();
    let languages = translated(conn, Field::SUBJECT, *id)?;
    for (language, texts) in std::iter::once((ORIGINAL.to_owned(), &original))
        .chain(languages.iter().map(|(l, t)| (l.clone(), t)))
    {
        let text = |field: &str, german: &str| {
            texts
                .get(field)
                .cloned()
                .unwrap_or_else(|| german.to_owned())
        };
        search::put(
            conn,
            &Document {
                kind: Kind::Field,
                subject_id: *id,
                language: &language,
                translation: language != ORIGINAL,
                links: Links {
                    consultation_id: None,
                    field_id: Some(*id),
                    measure_id: None,
                },
                title: &text("title", title),
                body: &text("summary", summary.as_deref().unwrap_or_default()),
            },
        )?;
    }
    Ok(())
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
