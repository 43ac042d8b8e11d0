//! The personal-data registry: how each slice declares what it holds about people and how it
//! erases it. Slices implement [`PersonalData`] for their own tables; one list at the top of
//! the crate (`crate::personal_data_registry`) names them in order, and the privacy module runs
//! them without naming any slice. A new slice adds its entry there, and a test fails on any
//! column of the database that no entry classifies — so every migration makes a privacy
//! decision (the idea of crates.io's `dump-db.toml`).

use crate::db::DbConnection;
use crate::error::ApiError;
use chrono::NaiveDateTime;

/// The person whose data a duty is about, as they were before any step changed their account.
#[derive(Debug, Clone)]
pub struct Subject {
    pub user_id: i64,
    /// The normalised e-mail address of the account.
    pub email: String,
    /// The time of the request ([`crate::clock::Clock`]).
    pub now: NaiveDateTime,
}

/// What a column holds, from the point of view of data protection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Nothing about a person: ids, catalogue texts, states, times of public events.
    Plain,
    /// The id of an account (author, actor, member). It stays: the account row itself keeps
    /// no personal data after deletion, so the reference points at "deleted participant".
    Account,
    /// Data about a person, with what account deletion does to it.
    Personal(&'static str),
    /// A secret or its hash (tokens, password hashes): removed or made unusable on deletion.
    Secret(&'static str),
}

/// One table's columns and their kinds.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [(&'static str, Kind)],
}

/// A slice's part in the duties about personal data.
///
/// `erase` runs inside the deletion's one write transaction, after the account's row is
/// locked; the registry's order is the order the steps run and take their locks in. A
/// refusal (an [`ApiError`], e.g. `409 last_representative`) rolls the whole deletion back.
pub trait PersonalData: Sync {
    /// The slice's name, e.g. `accounts` (also the name of its section in a future export).
    fn name(&self) -> &'static str;

    /// Every table the slice owns, every column classified.
    fn tables(&self) -> &'static [Table];

    /// Erases or anonymises what the slice holds about `subject` when its account is deleted.
    /// Slices that hold nothing to erase (only [`Kind::Plain`] and [`Kind::Account`] columns,
    /// or records that are kept) keep the default, which does nothing.
    fn erase(&self, _conn: &mut DbConnection, _subject: &Subject) -> Result<(), ApiError> {
        Ok(())
    }
}

/// The registered slices, in the order their steps run (which is also their lock order).
pub type Registry = &'static [&'static dyn PersonalData];

/// Runs every registered erasure step for `subject`, in order. Call inside one write
/// transaction; the first refusal stops and is returned (the caller rolls back).
pub fn erase_everywhere(
    registry: Registry,
    conn: &mut DbConnection,
    subject: &Subject,
) -> Result<(), ApiError> {
    for slice in registry {
        slice.erase(conn, subject)?;
    }
    Ok(())
}
