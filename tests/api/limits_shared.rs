//! Rate limits across nodes (issue 16): two real nodes (the binary, two loopback ports, one
//! database) with one Redis limit together; without `REDIS_URL` each counts on its own; with
//! a Redis that is down or silent they count on their own, say so, and answer within the
//! bound. And the Redis store itself against a live Redis.
//!
//! Redis comes from `TEST_REDIS_URL` (`tests/run.sh` sets it when a Redis answers on
//! 127.0.0.1:6379); without it the tests that need one are skipped, unless `REQUIRE_REDIS=1`
//! (set by `.ci/run`), which makes them fail. Each test uses a key prefix of its own.

use crate::cli::{free_port, http_get, post_json, start_server, Log};
use crate::common::{TestDb, TEST_ERASURE_KEY, TEST_JWT_SECRET, TEST_RECEIPT_KEY};
use beteiligung::auth::limits::redis_store::RedisStore;
use beteiligung::auth::limits::{LimitStore, MemoryStore, Quota, FALLBACK_NOTE};
use beteiligung::config::{Backend, RedisSettings, Secret};
use std::net::TcpListener;
use std::process::Child;
use std::time::{Duration, Instant};

/// Sign-ins per client per minute on the test nodes: one every 15 s after a burst of 4.
const PER_CLIENT: u32 = 4;
/// How long any request may take while Redis is down or silent: far above the 250 ms
/// `REDIS_TIMEOUT_MS` and one password hash, far below a hang.
const BOUND: Duration = Duration::from_secs(5);

/// The tests' Redis, or `None` (skip) — a failure instead with `REQUIRE_REDIS=1`.
fn test_redis() -> Option<String> {
    match std::env::var("TEST_REDIS_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var("REQUIRE_REDIS").as_deref() == Ok("1") => {
            panic!("REQUIRE_REDIS=1 but TEST_REDIS_URL is not set")
        }
        _ => {
            eprintln!("skipped: TEST_REDIS_URL is not set");
            None
        }
    }
}

/// A key prefix no other test (or test run) uses.
fn unique_prefix() -> String {
    format!(
        "beteiligung-test:{}:{}:",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    )
}

/// A loopback port nobody listens on.
fn closed_port() -> u16 {
    free_port()
}

/// Two nodes of one installation; stopped (SIGKILL) when dropped.
struct Nodes {
    ports: [u16; 2],
    children: Vec<Child>,
    logs: Vec<Log>,
    _dir: tempfile::TempDir,
}

impl Drop for Nodes {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Nodes {
    /// Starts two nodes on `db`, one after the other (the first migrates and seeds), with
    /// the same settings plus `extra`.
    fn start(db: &TestDb, extra: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = match db.backend() {
            Backend::Sqlite => format!("sqlite://{}", db.url.target),
            Backend::Postgres => db.url.target.clone(),
        };
        let per_client = PER_CLIENT.to_string();
        let mut env = vec![
            ("DATABASE_URL", url.as_str()),
            ("JWT_SECRET", TEST_JWT_SECRET),
            ("RECEIPT_SIGNING_KEY", TEST_RECEIPT_KEY),
            ("ERASURE_KEY", TEST_ERASURE_KEY),
            ("MAIL_LOG", "true"),
            ("RATE_LIMIT_LOGIN_PER_CLIENT", per_client.as_str()),
            ("RATE_LIMIT_LOGIN_PER_ADDRESS", "1000"),
        ];
        env.extend_from_slice(extra);
        let mut nodes = Self {
            ports: [0, 0],
            children: Vec::new(),
            logs: Vec::new(),
            _dir: dir,
        };
        for n in 0..2 {
            let port = free_port();
            let (child, log) = start_server(nodes._dir.path(), &env, port);
            nodes.ports[n] = port;
            nodes.children.push(child);
            nodes.logs.push(log);
        }
        nodes
    }

    /// One sign-in with a wrong password through node `n`: the status and `Retry-After`.
    /// Panics when the answer takes longer than [`BOUND`].
    fn sign_in(&self, n: usize) -> (u16, Option<u64>) {
        let started = Instant::now();
        let answer = post_json(
            self.ports[n],
            "/api/v1/auth/login",
            None,
            r#"{"email":"nobody@example.org","password":"not the password"}"#,
        );
        let took = started.elapsed();
        assert!(took < BOUND, "a sign-in took {took:?}");
        let status = answer
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status: {answer}"));
        let retry_after = answer
            .split("\r\n\r\n")
            .next()
            .unwrap()
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("retry-after")
                    .then(|| value.trim().parse().unwrap())
            });
        (status, retry_after)
    }

    fn log(&self, n: usize) -> String {
        self.logs[n].lock().unwrap().join("\n")
    }
}

/// The environment of nodes sharing `redis` under `prefix`.
fn shared(redis: &str, prefix: &str) -> Vec<(&'static str, String)> {
    vec![
        ("REDIS_URL", redis.to_owned()),
        ("REDIS_KEY_PREFIX", prefix.to_owned()),
    ]
}

fn as_env<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn redis_connection(url: &str) -> redis::Connection {
    redis::Client::open(url)
        .unwrap()
        .get_connection_with_timeout(Duration::from_secs(2))
        .unwrap()
}

fn keys_under(url: &str, prefix: &str) -> Vec<String> {
    redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query(&mut redis_connection(url))
        .unwrap()
}

fn delete_keys(url: &str, prefix: &str) {
    let keys = keys_under(url, prefix);
    if !keys.is_empty() {
        let _: i64 = redis::cmd("DEL")
            .arg(keys)
            .query(&mut redis_connection(url))
            .unwrap();
    }
}

/// Attempts spread over both nodes are limited together: the one after the limit is refused
/// whichever node gets it, with the same `Retry-After` rule as on one node.
fn spread_sign_ins_are_limited_together(db: TestDb) {
    let Some(redis) = test_redis() else { return };
    let prefix = unique_prefix();
    let env = shared(&redis, &prefix);
    let nodes = Nodes::start(&db, &as_env(&env));
    let started = Instant::now();
    for attempt in 0..PER_CLIENT as usize {
        let (status, _) = nodes.sign_in(attempt % 2);
        assert_eq!(status, 401, "attempt {attempt} is within the limit");
    }
    for n in [0, 1, 0] {
        let (status, retry_after) = nodes.sign_in(n);
        assert_eq!(status, 429, "over the shared limit on node {n}");
        let retry_after = retry_after.expect("Retry-After");
        // One more every 60 s / 4 = 15 s, less what has passed since the burst.
        let passed = started.elapsed().as_secs();
        assert!(
            (15u64.saturating_sub(passed + 1)..=15).contains(&retry_after),
            "Retry-After {retry_after} after {passed} s"
        );
    }
    // What Redis holds: namespaced, hashed, expiring keys — no address in clear.
    let keys = keys_under(&redis, &prefix);
    assert!(
        keys.iter()
            .any(|k| k.starts_with(&format!("{prefix}login-client:"))),
        "{keys:?}"
    );
    let mut con = redis_connection(&redis);
    for key in &keys {
        assert!(
            !key.contains("127.0.0.1") && !key.contains("nobody"),
            "{key}"
        );
        let hashed = key.rsplit(':').next().unwrap();
        assert!(
            hashed.len() == 32 && hashed.chars().all(|c| c.is_ascii_hexdigit()),
            "{key}"
        );
        let ttl: i64 = redis::cmd("PTTL").arg(key).query(&mut con).unwrap();
        assert!(ttl > 0 && ttl <= 15 * 60 * 1000, "{key}: PTTL {ttl}");
        let value: String = redis::cmd("GET").arg(key).query(&mut con).unwrap();
        assert!(value.chars().all(|c| c.is_ascii_digit()), "{key}: {value}");
    }
    delete_keys(&redis, &prefix);
}

/// Without `REDIS_URL` the same spread gets through on each node: the limits hold per node,
/// as documented.
fn without_redis_each_node_counts_on_its_own(db: TestDb) {
    let nodes = Nodes::start(&db, &[]);
    for n in [0, 1] {
        for attempt in 0..PER_CLIENT {
            let (status, _) = nodes.sign_in(n);
            assert_eq!(status, 401, "node {n}, attempt {attempt}");
        }
    }
    let (status, retry_after) = nodes.sign_in(0);
    assert_eq!(status, 429, "the node's own limit still holds");
    assert!(retry_after.is_some());
    let readiness = http_get(nodes.ports[0], "/readyz");
    assert!(readiness.contains(r#""notes":[]"#), "{readiness}");
    assert!(nodes
        .log(0)
        .contains("rate limits are counted per node (no REDIS_URL set)"));
}

/// With Redis down, every node counts on its own (fail open to per-node limits), answers
/// within the bound, says so in `/readyz`, `/metrics` and once in its log — without the
/// password of `REDIS_URL`.
fn with_redis_down_each_node_counts_on_its_own(db: TestDb) {
    let port = closed_port();
    let url = format!("redis://:redis-password-1@127.0.0.1:{port}/0");
    let nodes = Nodes::start(&db, &[("REDIS_URL", &url)]);
    for n in [0, 1] {
        for attempt in 0..PER_CLIENT {
            let (status, _) = nodes.sign_in(n);
            assert_eq!(status, 401, "node {n}, attempt {attempt}");
        }
    }
    let (status, retry_after) = nodes.sign_in(1);
    assert_eq!(
        status, 429,
        "the node's own limit holds while Redis is down"
    );
    assert!(retry_after.is_some());

    let readiness = http_get(nodes.ports[0], "/readyz");
    assert!(readiness.starts_with("HTTP/1.1 200"), "{readiness}");
    assert!(readiness.contains(FALLBACK_NOTE), "{readiness}");
    let metrics = http_get(nodes.ports[1], "/metrics");
    assert!(metrics.contains("\nrate_limits_shared 0"), "{metrics}");
    let fallbacks: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("rate_limit_fallbacks_total "))
        .expect("the fallback counter")
        .parse()
        .unwrap();
    // Two checks per attempt (client, then address) — the fifth stops at the first.
    assert_eq!(fallbacks, u64::from(2 * PER_CLIENT + 1), "{metrics}");
    std::thread::sleep(Duration::from_millis(100));
    for n in [0, 1] {
        let log = nodes.log(n);
        assert_eq!(
            log.matches("Redis does not answer").count(),
            1,
            "one warning per node: {log}"
        );
        assert!(!log.contains("redis-password-1"), "{log}");
        assert!(
            log.contains(&format!("shared through Redis at 127.0.0.1:{port} db 0")),
            "{log}"
        );
    }
}

/// A Redis that accepts connections and never answers costs a request at most the timeout,
/// and then nothing for a while: requests go on being answered within the bound.
fn with_redis_silent_requests_still_answer(db: TestDb) {
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("redis://{}", silent.local_addr().unwrap());
    let nodes = Nodes::start(&db, &[("REDIS_URL", &url), ("REDIS_TIMEOUT_MS", "200")]);
    for attempt in 0..PER_CLIENT {
        let (status, _) = nodes.sign_in(0);
        assert_eq!(status, 401, "attempt {attempt}");
    }
    assert_eq!(nodes.sign_in(0).0, 429);
    let readiness = http_get(nodes.ports[0], "/readyz");
    assert!(readiness.contains(FALLBACK_NOTE), "{readiness}");
    drop(silent);
}

macro_rules! on_both_backends {
    ($($scenario:ident),*) => {$(
        mod $scenario {
            #[test]
            fn sqlite() {
                super::$scenario(crate::common::TestDb::sqlite());
            }

            #[test]
            fn postgres() {
                let Some(db) = crate::common::TestDb::postgres() else { return };
                super::$scenario(db);
            }
        }
    )*};
}

on_both_backends!(
    spread_sign_ins_are_limited_together,
    without_redis_each_node_counts_on_its_own,
    with_redis_down_each_node_counts_on_its_own,
    with_redis_silent_requests_still_answer
);

// The Redis store on its own, against the live Redis.

fn store(redis: &str, prefix: &str, timeout: Duration) -> RedisStore {
    RedisStore::new(&RedisSettings {
        url: Secret::new(redis),
        key_prefix: prefix.to_owned(),
        timeout,
    })
    .unwrap()
}

const THREE_PER_3S: Quota = Quota {
    name: "test-quota",
    count: 3,
    window: Duration::from_secs(3),
};

#[test]
fn redis_store_counts_like_the_memory_store() {
    let Some(redis) = test_redis() else { return };
    let prefix = unique_prefix();
    let shared = store(&redis, &prefix, Duration::from_secs(1));
    let memory = MemoryStore::new(&[THREE_PER_3S]);
    let mut decisions = Vec::new();
    for _ in 0..5 {
        let a = shared.hit(&THREE_PER_3S, "someone").unwrap();
        let b = memory.hit(&THREE_PER_3S, "someone").unwrap();
        decisions.push((a, b));
    }
    for (n, (a, b)) in decisions.iter().enumerate() {
        assert_eq!(a.is_none(), b.is_none(), "hit {n}: {decisions:?}");
        assert_eq!(
            a.is_none(),
            n < 3,
            "a burst of 3 passes, then none: {decisions:?}"
        );
        if let (Some(a), Some(b)) = (a, b) {
            // Both wait for the next of one per second, a little less as time passes.
            assert!(
                *a <= Duration::from_secs(1) && *a > Duration::from_millis(500),
                "{a:?}"
            );
            assert!(
                a.abs_diff(*b) < Duration::from_millis(200),
                "{a:?} vs {b:?}"
            );
        }
    }
    // Another key has its own count.
    assert_eq!(shared.hit(&THREE_PER_3S, "someone else").unwrap(), None);
    // After the wait it says, one more passes, and only one.
    let wait = shared.hit(&THREE_PER_3S, "someone").unwrap().unwrap();
    std::thread::sleep(wait + Duration::from_millis(20));
    assert_eq!(shared.hit(&THREE_PER_3S, "someone").unwrap(), None);
    assert!(shared.hit(&THREE_PER_3S, "someone").unwrap().is_some());
    delete_keys(&redis, &prefix);
}

#[test]
fn redis_stores_with_one_prefix_share_their_counts() {
    let Some(redis) = test_redis() else { return };
    let prefix = unique_prefix();
    let node_a = store(&redis, &prefix, Duration::from_secs(1));
    let node_b = store(&redis, &prefix, Duration::from_secs(1));
    assert_eq!(node_a.hit(&THREE_PER_3S, "k").unwrap(), None);
    assert_eq!(node_b.hit(&THREE_PER_3S, "k").unwrap(), None);
    assert_eq!(node_a.hit(&THREE_PER_3S, "k").unwrap(), None);
    assert!(node_b.hit(&THREE_PER_3S, "k").unwrap().is_some());
    assert!(node_a.hit(&THREE_PER_3S, "k").unwrap().is_some());
    // Another installation (prefix) on the same Redis counts apart.
    let other_prefix = unique_prefix();
    let other = store(&redis, &other_prefix, Duration::from_secs(1));
    assert_eq!(other.hit(&THREE_PER_3S, "k").unwrap(), None);
    delete_keys(&redis, &prefix);
    delete_keys(&redis, &other_prefix);
}

#[test]
fn redis_keys_are_namespaced_and_expire_when_the_count_recovers() {
    let Some(redis) = test_redis() else { return };
    let prefix = unique_prefix();
    let shared = store(&redis, &prefix, Duration::from_secs(1));
    let hour = Quota {
        name: "hourly",
        count: 10,
        window: Duration::from_secs(3600),
    };
    shared.hit(&hour, "k").unwrap();
    shared.hit(&hour, "k").unwrap();
    let key = shared.key(&hour, "k");
    assert_eq!(key, format!("{prefix}hourly:k"));
    assert_eq!(keys_under(&redis, &prefix), vec![key.clone()]);
    // Two of ten per hour used: the count is fresh again after two intervals of 6 minutes.
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&key)
        .query(&mut redis_connection(&redis))
        .unwrap();
    assert!(
        (719_000..=720_000).contains(&ttl),
        "PTTL {ttl} ms, expected about 720000"
    );
    delete_keys(&redis, &prefix);
}

#[test]
fn an_unreachable_redis_is_an_error_within_the_timeout() {
    let timeout = Duration::from_millis(200);
    let closed = store(
        &format!("redis://127.0.0.1:{}", closed_port()),
        "t:",
        timeout,
    );
    let started = Instant::now();
    assert!(closed.hit(&THREE_PER_3S, "k").is_err());
    assert!(started.elapsed() < BOUND, "{:?}", started.elapsed());

    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_store = store(
        &format!("redis://{}", silent.local_addr().unwrap()),
        "t:",
        timeout,
    );
    let started = Instant::now();
    let error = silent_store.hit(&THREE_PER_3S, "k").unwrap_err();
    let took = started.elapsed();
    // Connecting and the handshake share one timeout; the call cannot end before it.
    assert!(took >= timeout, "{took:?}: {error}");
    assert!(took < BOUND, "{took:?}");
    assert!(error.to_string().contains("timed out"), "{error}");
}
