//! Statements in the search: a statement is found once it is published (answered, with the
//! city's response), never before; it is put at publication and taken out by any transition
//! away from it.

use super::model::{StatementState, StatementTarget};
use super::store::{self, Row};
use crate::db::schema::statements;
use crate::db::DbConnection;
use crate::search::{self, Document, Kind, Links, REINDEX_BATCH, UNDETERMINED};
use diesel::prelude::*;

fn put(conn: &mut DbConnection, row: &Row) -> QueryResult<()> {
    if row.state() != StatementState::Answered {
        return search::remove(conn, Kind::Statement, row.id, None);
    }
    let measure_id = match row.target_type() {
        StatementTarget::Measure => row.target_id,
        _ => None,
    };
    search::put(
        conn,
        &Document {
            kind: Kind::Statement,
            subject_id: row.id,
            language: UNDETERMINED,
            translation: false,
            links: Links {
                consultation_id: Some(row.consultation_id),
                field_id: row.field_id,
                measure_id,
            },
            title: &row.title,
            body: &row.body,
        },
    )
}

/// Puts statement `id` into the index if it is published, takes it out otherwise.
pub fn index(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    match store::find(conn, id)? {
        Some(row) => put(conn, &row),
        None => search::remove(conn, Kind::Statement, id, None),
    }
}

/// Statements in the search registry.
pub struct Statements;

impl search::Searchable for Statements {
    fn name(&self) -> &'static str {
        "statements"
    }

    fn reindex(&self, conn: &mut DbConnection) -> QueryResult<usize> {
        let (mut after, mut put_count) = (0, 0);
        loop {
            let rows: Vec<Row> = statements::table
                .filter(statements::state.eq(StatementState::Answered.as_str()))
                .filter(statements::id.gt(after))
                .order(statements::id)
                .limit(REINDEX_BATCH)
                .select(Row::as_select())
                .load(conn)?;
            for row in &rows {
                put(conn, row)?;
                put_count += 1;
            }
            match rows.last() {
                Some(last) if rows.len() as i64 == REINDEX_BATCH => after = last.id,
                _ => return Ok(put_count),
            }
        }
    }
}
