//! The one interface of the rate limits' state, and its in-memory store.
//!
//! Both stores ([`MemoryStore`] here, [`super::redis_store::RedisStore`]) run the same
//! algorithm (GCRA, as the `governor` crate does): a quota of `count` per `window` lets a burst
//! of `count` through at once, then one more every `window / count`; a refused request learns
//! how long until the next one would pass, which becomes `Retry-After`.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, RateLimiter};
use std::num::NonZeroU32;
use std::time::Duration;

/// How many requests per window one key may make. `name` tells the limits apart in a store
/// (and in Redis keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub name: &'static str,
    pub count: u32,
    pub window: Duration,
}

impl Quota {
    /// The time after which one more request is allowed again (`window / count`).
    pub fn interval(&self) -> Duration {
        self.window / self.count.max(1)
    }
}

/// A store that cannot answer (Redis unreachable, too slow, or refusing); the text names
/// the cause and never the store's address or credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rate-limit store unavailable: {0}")]
pub struct StoreUnavailable(pub String);

/// Where the rate limits keep their state.
pub trait LimitStore: Send + Sync {
    /// Counts one request of `key` against `quota`: `Ok(None)` when it may pass,
    /// `Ok(Some(wait))` when it is refused and the next one passes after `wait`.
    fn hit(&self, quota: &Quota, key: &str) -> Result<Option<Duration>, StoreUnavailable>;
}

type Limiter = DefaultKeyedRateLimiter<String>;

/// The state of one node, in memory: correct for that node alone.
pub struct MemoryStore {
    limiters: Vec<(Quota, Limiter)>,
}

impl MemoryStore {
    /// A store for exactly these quotas.
    pub fn new(quotas: &[Quota]) -> Self {
        let limiters = quotas
            .iter()
            .map(|q| {
                let count = NonZeroU32::new(q.count.max(1)).expect("at least one");
                let quota = governor::Quota::with_period(q.interval())
                    .expect("a positive period")
                    .allow_burst(count);
                (*q, RateLimiter::keyed(quota))
            })
            .collect();
        Self { limiters }
    }

    /// [`LimitStore::hit`] for a store that cannot fail. A quota the store was not made for
    /// is a programming error.
    pub fn check(&self, quota: &Quota, key: &str) -> Option<Duration> {
        let (_, limiter) = self
            .limiters
            .iter()
            .find(|(q, _)| q.name == quota.name)
            .expect("the memory store knows every quota");
        limiter
            .check_key(&key.to_owned())
            .err()
            .map(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// Forgets keys whose limits have recovered, so memory stays bounded.
    pub fn forget_idle(&self) {
        for (_, l) in &self.limiters {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }
}

impl LimitStore for MemoryStore {
    fn hit(&self, quota: &Quota, key: &str) -> Result<Option<Duration>, StoreUnavailable> {
        Ok(self.check(quota, key))
    }
}
