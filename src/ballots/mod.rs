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
pub mod problems;
pub mod routes;
pub mod store;

use crate::error::ApiResult;
use domain::Round;
use model::Results;
use std::sync::Arc;
use std::time::Duration;

/// What the node keeps of votes.
///
/// Results: final ones (the voting window has closed, nothing changes them any more) are kept
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
    live: Option<moka::future::Cache<i64, Arc<Results>>>,
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

    /// The results of consultation `id`: kept ones, or `read()`'s. Once the vote has `closed`,
    /// only final results are answered (and kept for good); before, live ones for a while.
    pub async fn get<F, Fut>(&self, id: i64, closed: bool, read: F) -> ApiResult<Arc<Results>>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = ApiResult<Results>>,
    {
        if closed {
            return self
                .finals
                .try_get_with(id, async { read().await.map(Arc::new) })
                .await
                .map_err(|e| (*e).clone());
        }
        match &self.live {
            None => Ok(Arc::new(read().await?)),
            Some(live) => live
                .try_get_with(id, async { read().await.map(Arc::new) })
                .await
                .map_err(|e| (*e).clone()),
        }
    }

    /// Forgets the live results of consultation `id` (a ballot changed on this node).
    pub async fn changed(&self, id: i64) {
        if let Some(live) = &self.live {
            live.invalidate(&id).await;
        }
    }
}
