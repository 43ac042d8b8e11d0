//! The statements' translatable texts: the city's published response to each answered
//! statement (see [`crate::translations`]). Translating it is the city's work, like the
//! response itself; the organisation's statement stays in the words it was submitted in.

use super::model::{PublishedResponse, StatementState};
use super::store::{self, Listing, Order};
use crate::db::DbConnection;
use crate::translations::{Localized, Originals, Translatable};
use diesel::prelude::*;

pub struct ResponseTexts;

/// Statements read per query while listing every published response.
const BATCH: i64 = 500;

impl Translatable for ResponseTexts {
    fn subject(&self) -> &'static str {
        PublishedResponse::SUBJECT
    }
    fn fields(&self) -> &'static [&'static str] {
        &["body"]
    }
    fn originals(&self, conn: &mut DbConnection, id: i64) -> QueryResult<Originals> {
        let row = store::find(conn, id)?.ok_or(diesel::result::Error::NotFound)?;
        let parts = store::parts_of(conn, std::slice::from_ref(&row))?;
        match (row.state(), parts.response_of(&row)) {
            (StatementState::Answered, Some(response)) => Ok(vec![("body", response.body.clone())]),
            _ => Err(diesel::result::Error::NotFound),
        }
    }
    fn all(&self, conn: &mut DbConnection) -> QueryResult<Vec<(i64, Originals)>> {
        let listing = Listing {
            order: Order::Created,
            states: vec![StatementState::Answered],
            ..Listing::default()
        };
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let rows = store::list(conn, &listing, after, BATCH)?;
            let parts = store::parts_of(conn, &rows)?;
            for row in &rows {
                if let Some(response) = parts.response_of(row) {
                    all.push((row.id, vec![("body", response.body.clone())]));
                }
            }
            match rows.last() {
                Some(last) if rows.len() as i64 == BATCH => {
                    after = Some(Order::Created.position(last))
                }
                _ => break,
            }
        }
        all.sort_by_key(|(id, _)| *id);
        Ok(all)
    }
}
