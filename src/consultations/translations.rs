//! A consultation's translatable texts: its title and description (see
//! [`crate::translations`]).

use super::model::Consultation;
use crate::db::schema::consultations;
use crate::db::DbConnection;
use crate::translations::{Localized, Originals, Translatable};
use diesel::prelude::*;

pub struct ConsultationTexts;

fn originals(title: String, description: String) -> Originals {
    [("title", title), ("description", description)]
        .into_iter()
        .filter(|(_, t)| !t.trim().is_empty())
        .collect()
}

impl Translatable for ConsultationTexts {
    fn subject(&self) -> &'static str {
        Consultation::SUBJECT
    }
    fn fields(&self) -> &'static [&'static str] {
        &["title", "description"]
    }
    fn originals(&self, conn: &mut DbConnection, id: i64) -> QueryResult<Originals> {
        let (title, description) = consultations::table
            .find(id)
            .select((consultations::title, consultations::description))
            .first::<(String, String)>(conn)?;
        Ok(originals(title, description))
    }
    fn all(&self, conn: &mut DbConnection) -> QueryResult<Vec<(i64, Originals)>> {
        Ok(consultations::table
            .order(consultations::id)
            .select((
                consultations::id,
                consultations::title,
                consultations::description,
            ))
            .load::<(i64, String, String)>(conn)?
            .into_iter()
            .map(|(id, title, description)| (id, originals(title, description)))
            .collect())
    }
}
