//! The contributions' translatable texts: the staff's public answer to a proposal (see
//! [`crate::translations`]). What participants write stays in the language they wrote it in
//! (its declared `language` says which).

use super::model::ProposalAnswer;
use crate::db::schema::contributions;
use crate::db::DbConnection;
use crate::translations::{Localized, Originals, Translatable};
use diesel::prelude::*;

pub struct AnswerTexts;

impl Translatable for AnswerTexts {
    fn subject(&self) -> &'static str {
        ProposalAnswer::SUBJECT
    }
    fn fields(&self) -> &'static [&'static str] {
        &["explanation"]
    }
    fn originals(&self, conn: &mut DbConnection, id: i64) -> QueryResult<Originals> {
        let explanation = contributions::table
            .find(id)
            .filter(contributions::deleted_at.is_null())
            .filter(contributions::answered_at.is_not_null())
            .select(contributions::answer_explanation)
            .first::<Option<String>>(conn)?
            .filter(|t| !t.trim().is_empty())
            .ok_or(diesel::result::Error::NotFound)?;
        Ok(vec![("explanation", explanation)])
    }
    fn all(&self, conn: &mut DbConnection) -> QueryResult<Vec<(i64, Originals)>> {
        Ok(contributions::table
            .filter(contributions::deleted_at.is_null())
            .filter(contributions::answered_at.is_not_null())
            .order(contributions::id)
            .select((contributions::id, contributions::answer_explanation))
            .load::<(i64, Option<String>)>(conn)?
            .into_iter()
            .filter_map(|(id, t)| {
                Some((
                    id,
                    vec![("explanation", t.filter(|t| !t.trim().is_empty())?)],
                ))
            })
            .collect())
    }
}
