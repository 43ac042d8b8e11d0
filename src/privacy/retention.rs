//! The retention purge: every slice's retention rules applied at once, and accounts whose
//! rule ended them erased like a deletion.
//!
//! Every node runs it from `serve` (every [`CHECK_EVERY`]); the command `beteiligung purge`
//! runs it at once. Nodes do not do the same work twice: the purge locks the `retention` row
//! of `maintenance_runs` — with `SKIP LOCKED` on PostgreSQL, so a node that finds it locked
//! skips instead of waiting; SQLite's one writer serialises the nodes of a file anyway — and
//! a scheduled run skips when the row says another node purged within [`RUN_EVERY`].

use crate::db::schema::maintenance_runs;
use crate::db::{write_transaction, DbConnection};
use crate::error::{ApiError, ApiResult};
use crate::personal_data::{erase_everywhere, Registry, Subject};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::time::Duration;

/// How often a node looks whether a purge is due.
pub const CHECK_EVERY: Duration = Duration::from_secs(10 * 60);
/// How often the purge runs across all nodes.
pub const RUN_EVERY: chrono::Duration = chrono::Duration::hours(1);

const JOB: &str = "retention";

/// What a purge did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Whether this call purged (`false`: another node holds the purge or did it recently).
    pub ran: bool,
    /// Rows removed, per rule (`table: what`).
    pub removed: Vec<(String, usize)>,
    /// Accounts erased because a rule ended them (e.g. never verified).
    pub accounts_erased: usize,
}

impl Outcome {
    pub fn total(&self) -> usize {
        self.removed.iter().map(|(_, n)| n).sum::<usize>() + self.accounts_erased
    }
}

/// The time of the last purge, the row locked for this transaction; `None` when another
/// node holds it (PostgreSQL).
fn claim(conn: &mut DbConnection) -> QueryResult<Option<Option<NaiveDateTime>>> {
    let q = maintenance_runs::table
        .find(JOB)
        .select(maintenance_runs::last_run_at);
    match conn {
        DbConnection::Postgresql(pg) => q.for_update().skip_locked().first(pg).optional(),
        DbConnection::Sqlite(lite) => q.first(lite).optional(),
    }
}

/// Applies every rule of `registry` at `now`, unless another node holds the purge or, with
/// `due_after` set, purged less than that long ago.
pub fn purge(
    conn: &mut DbConnection,
    registry: Registry,
    now: NaiveDateTime,
    due_after: Option<chrono::Duration>,
) -> ApiResult<Outcome> {
    write_transaction(conn, |conn| {
        let Some(last) = claim(conn)? else {
            return Ok(Outcome::default());
        };
        if let (Some(last), Some(every)) = (last, due_after) {
            if last > now - every {
                return Ok(Outcome::default());
            }
        }
        let mut outcome = Outcome {
            ran: true,
            ..Outcome::default()
        };
        for slice in registry {
            for (rule, n) in slice.purge(conn, now)? {
                outcome
                    .removed
                    .push((format!("{}: {}", rule.table, rule.what), n));
            }
        }
        for slice in registry {
            for (user_id, email) in slice.expired_accounts(conn, now)? {
                let subject = Subject {
                    user_id,
                    email,
                    now,
                    remove_texts: true,
                };
                erase_everywhere(registry, conn, &subject)?;
                crate::audit::record(
                    conn,
                    now,
                    None,
                    "user.purged",
                    "user",
                    Some(user_id),
                    serde_json::json!({"reason": "never_verified"}),
                )?;
                outcome.accounts_erased += 1;
            }
        }
        let removed = i64::try_from(outcome.total()).unwrap_or(i64::MAX);
        diesel::update(maintenance_runs::table.find(JOB))
            .set((
                maintenance_runs::last_run_at.eq(Some(now)),
                maintenance_runs::removed.eq(removed),
            ))
            .execute(conn)?;
        Ok::<_, ApiError>(outcome)
    })
}
