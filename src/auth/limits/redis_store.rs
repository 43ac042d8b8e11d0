//! The rate limits' state in Redis, shared by every node that names the same `REDIS_URL` and
//! key prefix.
//!
//! One Lua script per request runs the same GCRA as the memory store, atomically on the
//! server and on the server's clock (`TIME`), so nodes whose clocks differ still agree. A key
//! holds one number (the time the next request is due) and expires when that time has come,
//! which is when its state would equal a fresh one: nothing is kept longer than it counts.
//!
//! The client is `redis`'s synchronous one, called inside `web::block` by the limiter: actix
//! runs one single-threaded runtime per worker, and a multiplexed async connection is bound to
//! the runtime that made it, so the async client would need a runtime of its own or one
//! connection per worker; a few blocking calls of a millisecond on actix's blocking pool
//! (where the database calls already run) need neither. Every check is bounded by the
//! configured timeout, connecting included (only the first check after Redis lost its scripts
//! waits for two more replies, each bounded the same way).

use super::store::{LimitStore, Quota, StoreUnavailable};
use crate::config::RedisSettings;
use std::sync::Mutex;
use std::time::Duration;

/// GCRA on Redis: KEYS[1] holds the theoretical arrival time in microseconds of Redis' clock;
/// ARGV[1] is the interval per request and ARGV[2] the burst tolerance (interval × (count −
/// 1)), both in microseconds. Returns 0 when the request passes, else the microseconds until
/// one would.
const GCRA: &str = r"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
local earliest = tat - tolerance
if now < earliest then
  return earliest - now
end
local due = math.max(tat, now) + interval
redis.call('SET', KEYS[1], string.format('%.0f', due), 'PX', math.ceil((due - now) / 1000))
return 0
";

/// Connections kept open between requests; more are opened when needed and closed after.
const IDLE_CONNECTIONS: usize = 16;

/// Rate-limit state in Redis.
pub struct RedisStore {
    client: redis::Client,
    prefix: String,
    timeout: Duration,
    idle: Mutex<Vec<redis::Connection>>,
    script: redis::Script,
}

impl RedisStore {
    /// A store on the configured server. Opens no connection yet: the first request does, so
    /// a node starts even while Redis is down (and counts per node until it answers).
    pub fn new(settings: &RedisSettings) -> Result<Self, String> {
        let client = redis::Client::open(settings.url.expose())
            .map_err(|e| format!("invalid setting REDIS_URL: {}", e.kind_text()))?;
        Ok(Self {
            client,
            prefix: settings.key_prefix.clone(),
            timeout: settings.timeout,
            idle: Mutex::new(Vec::new()),
            script: redis::Script::new(GCRA),
        })
    }

    /// The Redis key of `key` under `quota`: the prefix, the quota's name and the (already
    /// hashed) key.
    pub fn key(&self, quota: &Quota, key: &str) -> String {
        format!("{}{}:{key}", self.prefix, quota.name)
    }

    /// An idle connection (`true`: reused) or a new one.
    fn connection(&self, reuse: bool) -> redis::RedisResult<(redis::Connection, bool)> {
        if reuse {
            if let Some(con) = self.idle.lock().expect("not poisoned").pop() {
                return Ok((con, true));
            }
        }
        self.client
            .get_connection_with_timeout(self.timeout)
            .map(|con| (con, false))
    }

    /// Drops every idle connection: after one failed, the others are likely gone too (Redis
    /// restarted, or closed idle connections after its `timeout`).
    fn forget_idle(&self) {
        self.idle.lock().expect("not poisoned").clear();
    }

    fn give_back(&self, con: redis::Connection) {
        let mut idle = self.idle.lock().expect("not poisoned");
        if idle.len() < IDLE_CONNECTIONS {
            idle.push(con);
        }
    }
}

/// What an error says, without anything of the URL.
trait KindText {
    fn kind_text(&self) -> String;
}

impl KindText for redis::RedisError {
    fn kind_text(&self) -> String {
        if self.is_timeout() {
            "timed out".to_owned()
        } else if self.is_connection_refusal() {
            "connection refused".to_owned()
        } else if let Some(code) = self.code() {
            format!("server error {code}")
        } else {
            format!("{:?}", self.kind())
        }
    }
}

impl LimitStore for RedisStore {
    fn hit(&self, quota: &Quota, key: &str) -> Result<Option<Duration>, StoreUnavailable> {
        let started = std::time::Instant::now();
        match self.try_hit(quota, key, started, true) {
            Ok(wait) => Ok(wait),
            Err((error, reused)) => {
                self.forget_idle();
                // A reused connection the server had closed meanwhile says nothing about
                // Redis now: once more on a new one, within what is left of the timeout.
                let dropped = error.is_connection_dropped() || error.is_io_error();
                if reused && dropped && started.elapsed() < self.timeout {
                    return self
                        .try_hit(quota, key, started, false)
                        .map_err(|(e, _)| StoreUnavailable(e.kind_text()));
                }
                Err(StoreUnavailable(error.kind_text()))
            }
        }
    }
}

impl RedisStore {
    /// One check on an idle (`reuse`) or new connection; an error says whether the connection
    /// was reused.
    fn try_hit(
        &self,
        quota: &Quota,
        key: &str,
        started: std::time::Instant,
        reuse: bool,
    ) -> Result<Option<Duration>, (redis::RedisError, bool)> {
        let interval = quota.interval().as_micros().max(1);
        let tolerance = interval * u128::from(quota.count.max(1) - 1);
        let (mut con, reused) = self.connection(reuse).map_err(|e| (e, false))?;
        // Connecting and the script share one timeout.
        let left = self
            .timeout
            .saturating_sub(started.elapsed())
            .max(Duration::from_millis(1));
        con.set_read_timeout(Some(left))
            .and_then(|()| con.set_write_timeout(Some(left)))
            .map_err(|e| (e, reused))?;
        let wait: i64 = self
            .script
            .key(self.key(quota, key))
            .arg(interval.to_string())
            .arg(tolerance.to_string())
            .invoke(&mut con)
            .map_err(|e| (e, reused))?;
        // Only a connection that answered goes back: one that failed may hold half a reply.
        self.give_back(con);
        Ok((wait > 0).then(|| Duration::from_micros(wait.unsigned_abs())))
    }
}
