//! The concept catalogue: Integrationskonzept, Leitbild, priority goals, fields of action
//! (Handlungsfelder) and measures (Maßnahmen) — what participants comment on and vote about.

pub mod admin;
pub mod edit;
pub mod file;
pub mod model;
pub mod personal_data;
pub mod problems;
pub mod routes;
pub mod search;
pub mod store;
pub mod translations;

use crate::db::DbConnection;
use crate::error::ApiResult;
use file::CatalogueFile;
use store::{ImportMode, ImportSummary};

/// The demo catalogue compiled into the binary, built only from the city's published material.
const DEMO: &str = include_str!("demo.json");

/// The parsed demo catalogue.
pub fn demo() -> CatalogueFile {
    CatalogueFile::parse(DEMO).expect("the embedded demo catalogue is valid")
}

/// Loads the demo catalogue unless a catalogue is already there; returns what was loaded, or
/// `None` when nothing had to be done (so seeding twice changes nothing).
pub fn seed_demo(
    conn: &mut DbConnection,
    now: chrono::NaiveDateTime,
) -> ApiResult<Option<ImportSummary>> {
    match store::import(conn, now, &demo(), ImportMode::IntoEmpty) {
        Ok(summary) => Ok(Some(summary)),
        Err(e) if e.code == problems::CATALOGUE_LOADED.code => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn demo_catalogue_is_valid() {
        let demo = super::demo();
        assert_eq!(demo.concept.vision.len(), 3);
        assert_eq!(demo.concept.commitments.len(), 3);
        assert_eq!(demo.concept.priority_goals.len(), 7);
        assert_eq!(demo.fields.len(), 6);
    }
}
