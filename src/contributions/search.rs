//! Comments and proposals in the search: a contribution is found while the public can read
//! its text — published (`visible`) and not deleted. Pending, rejected, hidden (by flags or by
//! a moderator) and deleted ones are not in the index. The store keeps the index in step in
//! every function that changes a text or a state (insert, edit, text removal, moderation,
//! hiding by flags), so every way there — the author, a moderator, reports, account erasure
//! with its texts — passes through here inside its own transaction.

use super::model::{ContributionKind, TargetType};
use super::store::Row;
use crate::db::schema::contributions;
use crate::db::DbConnection;
use crate::search::{self, Document, Kind, Links, REINDEX_BATCH, UNDETERMINED};
use diesel::prelude::*;

fn kind_of(row: &Row) -> Kind {
    match row.kind() {
        ContributionKind::Comment => Kind::Comment,
        ContributionKind::Proposal => Kind::Proposal,
    }
}

/// Puts `row` into the index when the public can read it, takes it out otherwise.
pub fn index(conn: &mut DbConnection, row: &Row) -> QueryResult<()> {
    let kind = kind_of(row);
    if !row.is_public() {
        return search::remove(conn, kind, row.id, None);
    }
    let target = TargetType::from_stored(&row.target_type);
    let links = Links {
        consultation_id: Some(row.consultation_id),
        field_id: (target == Some(TargetType::Field)).then_some(row.target_id),
        measure_id: (target == Some(TargetType::Measure)).then_some(row.target_id),
    };
    let body = match &row.rationale {
        Some(rationale) if !rationale.is_empty() => format!("{}\n{rationale}", row.body),
        _ => row.body.clone(),
    };
    search::put(
        conn,
        &Document {
            kind,
            subject_id: row.id,
            language: UNDETERMINED,
            translation: false,
            links,
            title: row.title.as_deref().unwrap_or_default(),
            body: &body,
        },
    )
}

/// Takes contribution `id` (of either kind) out of the index.
pub fn unindex(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    search::remove(conn, Kind::Comment, id, None)?;
    search::remove(conn, Kind::Proposal, id, None)
}

/// Comments and proposals in the search registry.
pub struct Contributions;

impl search::Searchable for Contributions {
    fn name(&self) -> &'static str {
        "contributions"
    }

    fn reindex(&self, conn: &mut DbConnection) -> QueryResult<usize> {
        let (mut after, mut put) = (0, 0);
        loop {
            let rows: Vec<Row> = contributions::table
                .filter(contributions::state.eq(super::model::Stored::Visible.as_str()))
                .filter(contributions::deleted_at.is_null())
                .filter(contributions::id.gt(after))
                .order(contributions::id)
                .limit(REINDEX_BATCH)
                .select(Row::as_select())
                .load(conn)?;
            for row in &rows {
                index(conn, row)?;
                put += 1;
            }
            match rows.last() {
                Some(last) if rows.len() as i64 == REINDEX_BATCH => after = last.id,
                _ => return Ok(put),
            }
        }
    }
}
