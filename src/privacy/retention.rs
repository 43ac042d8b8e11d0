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
    /// Accounts a slice refused to erase (e.g. the last administrator), with the code: left
    /// as they are, tried again by the next purge.
    pub refused: Vec<(i64, String)>,
}

impl Outcome {
    pub fn total(&self) -> usize {
        self.removed.iter().map(|(_, n)| n).sum::<usize>() + self.accounts_erased
    }
}

/// The time of the last purge, the row locked for this transaction; `None` when another
/// node holds it (PostgreSQL: `SKIP LOCKED`, so a node never waits for another's purge).
fn claim(conn: &mut DbConnection) -> QueryResult<Option<Option<NaiveDateTime>>> {
    // The row is made by the migration; should it be missing, it is made again rather than
    // read as "another node holds it" forever.
    crate::db_run!(conn, |c| diesel::insert_into(maintenance_runs::table)
        .values(maintenance_runs::job.eq(JOB))
        .on_conflict_do_nothing()
        .execute(c))?;
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
///
/// The run is claimed and the rows the rules end are deleted in one short transaction; then
/// each account a rule ends is erased in a transaction of its own, its row locked and the rule
/// checked again (an address verified meanwhile keeps its account), and a refusal by a slice
/// (the last administrator) skips that account instead of stopping the purge.
pub fn purge(
    conn: &mut DbConnection,
    registry: Registry,
    now: NaiveDateTime,
    due_after: Option<chrono::Duration>,
) -> ApiResult<Outcome> {
    let claimed = write_transaction(conn, |conn| {
        let Some(last) = claim(conn)? else {
            return Ok::<_, ApiError>(None);
        };
        if let (Some(last), Some(every)) = (last, due_after) {
            if last > now - every {
                return Ok(None);
            }
        }
        let mut removed = Vec::new();
        for slice in registry {
            for (rule, n) in slice.purge(conn, now)? {
                removed.push((format!("{}: {}", rule.table, rule.what), n));
            }
        }
        let total: usize = removed.iter().map(|(_, n)| n).sum();
        diesel::update(maintenance_runs::table.find(JOB))
            .set((
                maintenance_runs::last_run_at.eq(Some(now)),
                maintenance_runs::removed.eq(i64::try_from(total).unwrap_or(i64::MAX)),
            ))
            .execute(conn)?;
        let mut expired = Vec::new();
        for slice in registry {
            for user_id in slice.expired_accounts(conn, now)? {
                expired.push((*slice, user_id));
            }
        }
        Ok(Some((removed, expired)))
    })?;
    let Some((removed, expired)) = claimed else {
        return Ok(Outcome::default());
    };
    let mut outcome = Outcome {
        ran: true,
        removed,
        ..Outcome::default()
    };
    for (slice, user_id) in expired {
        let erased = write_transaction(conn, |conn| {
            let Some((email, reason)) = slice.claim_expired(conn, user_id, now)? else {
                return Ok::<_, ApiError>(false);
            };
            let subject = Subject {
                user_id,
                email,
                now,
                remove_texts: true,
                address_verified: false,
            };
            erase_everywhere(registry, conn, &subject)?;
            crate::audit::record(
                conn,
                now,
                None,
                "user.purged",
                "user",
                Some(user_id),
                serde_json::json!({"reason": reason}),
            )?;
            Ok(true)
        });
        match erased {
            Ok(true) => outcome.accounts_erased += 1,
            Ok(false) => {}
            // The rows are purged and the run recorded: what was done is answered, and the
            // accounts left are the next run's.
            Err(failed) if failed.status.is_server_error() => {
                tracing::warn!(code = failed.code, "retention: erasing accounts stopped");
                outcome.refused.push((user_id, failed.code.to_owned()));
                break;
            }
            Err(refused) => {
                tracing::warn!(
                    user_id,
                    code = refused.code,
                    "retention: an account was not erased"
                );
                outcome.refused.push((user_id, refused.code.to_owned()));
            }
        }
    }
    Ok(outcome)
}
