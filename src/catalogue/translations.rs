//! The catalogue's translatable subjects: the concept, its Leitbild statements and priority
//! goals, its fields of action and measures (see [`crate::translations`]).

use super::model::{Concept, Field, Measure, PriorityGoal, VisionStatement};
use super::store;
use crate::db::schema::{concepts, fields, measures, priority_goals, vision_statements};
use crate::db::DbConnection;
use crate::language::Preferences;
use crate::translations::{Localized, Originals, Translatable};
use diesel::prelude::*;

/// The texts of a German answer, as originals.
fn originals_of<T: Localized>(mut item: T) -> Originals {
    let (texts, _) = item.texts();
    texts
        .into_iter()
        .filter(|(_, t)| !t.trim().is_empty())
        .map(|(f, t)| (f, t.clone()))
        .collect()
}

fn present(texts: Vec<(&'static str, Option<String>)>) -> Originals {
    texts
        .into_iter()
        .filter_map(|(f, t)| Some((f, t.filter(|t| !t.trim().is_empty())?)))
        .collect()
}

pub struct ConceptTexts;
pub struct VisionTexts;
pub struct GoalTexts;
pub struct FieldTexts;
pub struct MeasureTexts;

impl Translatable for ConceptTexts {
    fn subject(&self) -> &'static str {
        Concept::SUBJECT
    }
    fn fields(&self) -> &'static [&'static str] {
        &["title", "vision_title", "summary"]
    }
    fn originals(&self, conn: &mut DbConnection, id: i64) -> QueryResult<Originals> {
        let concept = store::concept(conn, &Preferences::default())?;
        if concept.id != id {
            return Err(diesel::result::Error::NotFound);
        }
        Ok(originals_of(concept))
    }
    fn all(&self, conn: &mut DbConnection) -> QueryResult<Vec<(i64, Originals)>> {
        Ok(concepts::table
            .order(concepts::id)
            .select((
                concepts::id,
                concepts::title,
                concepts::vision_title,
                concepts::summary,
            ))
            .load::<(i64, String, Option<String>, String)>(conn)?
            .into_iter()
            .map(|(id, title, vision_title, summary)| {
                (
                    id,
                    present(vec![
                        ("title", Some(title)),
                        ("vision_title", vision_title),
                        ("summary", Some(summary)),
                    ]),
                )
            })
            .collect())
    }
}

impl Translatable for VisionTexts {
    fn subject(&self) -> &'static str {
        VisionStatement::SUBJECT
    }
    fn fields(&self) -> &'static [&'static str] {
        &["text"]
    }
    fn originals(&self, conn: &mut DbConnection, id: i64) -> QueryResult<Originals> {
        Ok(originals_of(store::vision_statement(conn, id)?))
    }
    fn all(&self, conn: &mut DbConnection) -> QueryResult<Vec<(i64, Originals)>> {
        Ok(vision_statements::table
            .filter(vision_statements::retired_at.is_null())
            .order(vision_statements::id)
            .select((vision_statements::id, vision_statements::text))
            .load::<(i64, String)>(conn)?
            .into_iter()
            .map(|(id, text)| (id, vec![("text", text)]))
            .collect())
    }
}

impl Translatable for GoalTexts {
    fn subject(&self) -> &'static str {
        PriorityGoal::SUBJECT
    }
    fn fields(&self) -> &'static [&'static str] {
        &["text"]
    }
    fn originals(&self, conn: &mut DbConnection, id: i64) -> QueryResult<Originals> {
        Ok(originals_of(store::priority_goal(conn, id)?))
    }
    fn all(&self, conn: &mut DbConnection) -> QueryResult<Vec<(i64, Originals)>> {
        Ok(priority_goals::table
            .filter(priority_goals::retired_at.is_null())
            .order(priority_goals::id)
            .select((priority_goals::id, priority_goals::text))
            .load::<(i64, String)>(conn)?
            .into_iter()
            .map(|(id, text)| (id, vec![("text", text)]))
            .collect())
    }
}

impl Translatable for FieldTexts {
    fn subject(&self) -> &'static str {
        Field::SUBJECT
    }
    fn fields(&self) -> &'static [&'static str] {
        &["title", "summary"]
    }
    fn originals(&self, conn: &mut DbConnection, id: i64) -> QueryResult<Originals> {
        Ok(originals_of(store::field(conn, id)?))
    }
    fn translated(&self, conn: &mut DbConnection, id: i64) -> QueryResult<()> {
        super::search::index_field(conn, id)
    }
    fn all(&self, conn: &mut DbConnection) -> QueryResult<Vec<(i64, Originals)>> {
        Ok(fields::table
            .filter(fields::retired_at.is_null())
            .order(fields::id)
            .select((fields::id, fields::title, fields::summary))
            .load::<(i64, String, Option<String>)>(conn)?
            .into_iter()
            .map(|(id, title, summary)| {
                (
                    id,
                    present(vec![("title", Some(title)), ("summary", summary)]),
                )
            })
            .collect())
    }
}

impl Translatable for MeasureTexts {
    fn subject(&self) -> &'static str {
        Measure::SUBJECT
    }
    fn fields(&self) -> &'static [&'static str] {
        &["title", "description", "responsible_body", "status_note"]
    }
    fn originals(&self, conn: &mut DbConnection, id: i64) -> QueryResult<Originals> {
        Ok(originals_of(store::measure(conn, id)?))
    }
    fn translated(&self, conn: &mut DbConnection, id: i64) -> QueryResult<()> {
        super::search::index_measure(conn, id)
    }
    fn all(&self, conn: &mut DbConnection) -> QueryResult<Vec<(i64, Originals)>> {
        Ok(measures::table
            .filter(measures::retired_at.is_null())
            .order(measures::id)
            .select((
                measures::id,
                measures::title,
                measures::description,
                measures::responsible_body,
                measures::status_note,
            ))
            .load::<(i64, String, String, Option<String>, Option<String>)>(conn)?
            .into_iter()
            .map(|(id, title, description, body, note)| {
                (
                    id,
                    present(vec![
                        ("title", Some(title)),
                        ("description", Some(description)),
                        ("responsible_body", body),
                        ("status_note", note),
                    ]),
                )
            })
            .collect())
    }
}
