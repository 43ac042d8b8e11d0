//! Priority voting: each verified participant, and each verified organisation through its
//! representatives, distributes a budget of points over the options of a consultation's
//! ballot; results for the whole city, per participant group and as a consensus view, with an
//! anonymised export anyone can recompute them from.
//!
//! One ballot per voter and consultation (a unique key on the voter); casting again replaces
//! it atomically. Tallies are kept up to date in the transaction of every change, so results
//! never scan the ballots.

pub mod domain;
pub mod model;
pub mod personal_data;
mod pg;
pub mod problems;
pub mod routes;
pub mod store;

use crate::error::ApiResult;
use domain::Round;
use model::Results;
use std::sync::Arc;
use std::time::Duration;

/// Seconds after the close of a voting window from which its results are kept for good. A
/// change checks the window again right before it commits, so only one that passed that check
/// just before the close can still be committing after it, for as long as a commit takes;
/// until then the results are read like live ones.
pub const SETTLE_SECS: i64 = 10;

/// Where a vote stands, for its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Before the close (or before the window, or without one).
    Open,
    /// Closed less than [`SETTLE_SECS`] ago.
    Closed,
    /// Closed at least [`SETTLE_SECS`] ago: nothing changes the results any more.
    Settled,
}

/// What the node keeps of votes.
///
/// Results: final ones (the voting window has closed and settled, nothing changes them any more) are kept
/// until the node stops; live ones for `COMMENT_CACHE_TTL_SECS`, and a ballot cast on this node
/// forgets its consultation's at once. Concurrent misses share one reading, which hashes the
/// whole export.
///
/// Rounds (the rules and options a cast is checked against): kept once the voting window has
/// opened, when they are frozen (`rules_frozen`); an opened window can only be extended, never
/// moved, shortened or removed, so a kept round that says "open" is right on every node. One
/// that says "closed" is read again (the window may have been extended elsewhere).
#[derive(Clone)]
pub struct VotingCache {
    finals: moka::future::Cache<i64, Arc<Results>>,
    live: Option<moka::future::Cache<(i64, Stage), Arc<Results>>>,
    rounds: moka::sync::Cache<i64, Arc<Round>>,
}

impl VotingCache {
    pub fn new(live_ttl: Duration) -> Self {
        Self {
            finals: moka::future::Cache::builder().max_capacity(256).build(),
            live: (!live_ttl.is_zero()).then(|| {
                moka::future::Cache::builder()
                    .time_to_live(live_ttl)
                    .max_capacity(256)
                    .build()
            }),
            rounds: moka::sync::Cache::builder().max_capacity(1024).build(),
        }
    }

    /// The round of consultation `id` as it stands at `now`: the kept one while its window is
    /// open, otherwise `read()`'s (kept when its window has opened). Call from blocking code.
    pub fn round<F>(&self, id: i64, now: chrono::NaiveDateTime, read: F) -> ApiResult<Arc<Round>>
    where
        F: FnOnce() -> ApiResult<Round>,
    {
        if let Some(kept) = self.rounds.get(&id).filter(|r| r.open(now)) {
            return Ok(kept);
        }
        let round = Arc::new(read()?);
        if round.frozen(now) {
            self.rounds.insert(id, round.clone());
        }
        Ok(round)
    }

    /// The results of consultation `id` at `stage`: kept ones, or `read()`'s. Settled results
    /// are final and kept for good; live ones, and those of a vote that closed only just, for a
    /// while, and never across the close.
    pub async fn get<F, Fut>(&self, id: i64, stage: Stage, read: F) -> ApiResult<Arc<Results>>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = ApiResult<Results>>,
    {
        if stage == Stage::Settled {
            return self
                .finals
                .try_get_with(id, async { read().await.map(Arc::new) })
                .await
                .map_err(|e| (*e).clone());
        }
        match &self.live {
            None => Ok(Arc::new(read().await?)),
            Some(live) => live
                .try_get_with((id, stage), async { read().await.map(Arc::new) })
                .await
                .map_err(|e| (*e).clone()),
        }
    }

    /// Forgets the live results of consultation `id` (a ballot changed on this node).
    pub async fn changed(&self, id: i64) {
        if let Some(live) = &self.live {
            live.invalidate(&(id, Stage::Open)).await;
            live.invalidate(&(id, Stage::Closed)).await;
        }
    }
}
