//! Rate limits of sign-in, registration, password reset, password checks and writes (429 with
//! `Retry-After`).
//!
//! One limiter ([`RateLimits`]) over one store interface ([`LimitStore`]) with two stores:
//! - without `REDIS_URL`, in memory per node ([`MemoryStore`]): with several nodes an attacker
//!   gets at most the limit once per node — less strict, still bounded;
//! - with `REDIS_URL`, in Redis ([`RedisStore`]), shared by every node with the same key
//!   prefix: the limits hold for the installation as a whole.
//!
//! When Redis does not answer within `REDIS_TIMEOUT_MS`, the node fails open to its memory
//! store (per-node limits, as without Redis) rather than closed: closed would turn a Redis
//! outage into an outage of sign-in and of every write, while per-node limits still bound an
//! attacker. It logs one warning, counts the checks in `rate_limit_fallbacks_total`, says so in
//! `/readyz`, and tries Redis again after [`RETRY_AFTER_FAILURE`] (one request tries, the
//! others keep counting in memory meanwhile), so a sign-in waits at most one timeout.
//!
//! Nothing is kept in clear: every key is an HMAC-SHA-256 of what it counts (e-mail address,
//! client address, device, account) under a key derived from the token signing key, which
//! every node of an installation shares (`JWT_SECRET`) and an outsider lacks. No IP address
//! or e-mail address reaches Redis or memory. Client addresses count per IPv4 address and per
//! IPv6 /64, the block one subscriber usually has.

pub mod redis_store;
pub mod store;

use crate::config::{RateLimitSettings, Settings};
use crate::error::{ApiError, ApiResult};
use actix_web::HttpRequest;
use hmac::{Hmac, Mac};
use redis_store::RedisStore;
use sha2::Sha256;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
pub use store::{LimitStore, MemoryStore, Quota, StoreUnavailable};

/// How long a node counts in memory after Redis failed before it asks Redis again.
pub const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(5);

/// What `/readyz` notes while the limits have fallen back to per-node counting.
pub const FALLBACK_NOTE: &str = "rate limits are counted per node: Redis does not answer";

/// IPv4 addresses as they are; IPv6 addresses by their /64 prefix, since one subscriber
/// usually holds a whole /64.
fn client_key(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// The operations these limits guard, with what a 429 there means: the OpenAPI document
/// documents their 429 from this list (`openapi::complete`).
pub const LIMITED_OPERATIONS: &[(&str, &str, &str)] = &[
    ("post", "/api/v1/auth/register", "Too many registrations from this client (`rate_limited`, see `Retry-After`)"),
    ("post", "/api/v1/auth/login", "Too many attempts for this address, this device or from this client (`rate_limited`, see `Retry-After`)"),
    ("post", "/api/v1/auth/verify-email/resend", "Too many requests from this client (`rate_limited`, see `Retry-After`)"),
    ("post", "/api/v1/auth/password-reset", "Too many requests from this client (`rate_limited`, see `Retry-After`)"),
    ("post", "/api/v1/auth/password-reset/confirm", "Too many requests from this client (`rate_limited`, see `Retry-After`)"),
    ("post", "/api/v1/auth/password", "Too many password checks for this account (`rate_limited`, see `Retry-After`)"),
    ("delete", "/api/v1/me", "Too many password checks for this account (`rate_limited`, see `Retry-After`)"),
    ("post", "/api/v1/consultations/{id}/comments", WRITES_OR_ASSISTED),
    ("post", "/api/v1/consultations/{id}/proposals", WRITES_OR_ASSISTED),
    ("post", "/api/v1/consultations/{id}/assisted-ballots", ASSISTED),
    ("post", "/api/v1/contributions/{id}/replies", WRITES),
    ("patch", "/api/v1/contributions/{id}", WRITES),
    ("post", "/api/v1/contributions/{id}/flags", WRITES),
    ("post", "/api/v1/organisations/{id}/statements", WRITES),
    ("patch", "/api/v1/statements/{id}", WRITES),
    ("post", "/api/v1/statements/{id}/attachments", WRITES),
    ("post", "/api/v1/statements/{id}/submit", WRITES),
];

const WRITES_OR_ASSISTED: &str = "Too many contributions, changes or reports from this account, or too many assisted entries of this facilitator in the last hour (`rate_limited`, see `Retry-After`)";

const ASSISTED: &str = "Too many assisted entries of this facilitator in the last hour (`rate_limited`, see `Retry-After`)";

const WRITES: &str = "Too many contributions, changes or reports from this account (`rate_limited`, see `Retry-After`)";

/// The quotas of the limits, from the settings.
#[derive(Debug, Clone, Copy)]
struct Quotas {
    login_per_address: Quota,
    login_per_device: Quota,
    login_per_client: Quota,
    password_check: Quota,
    register_per_client: Quota,
    reset_per_client: Quota,
    writes_per_account: Quota,
    assisted_per_facilitator: Quota,
}

impl Quotas {
    fn new(s: &RateLimitSettings) -> Self {
        let quota = |name, count, secs| Quota {
            name,
            count,
            window: Duration::from_secs(secs),
        };
        Self {
            login_per_address: quota("login-address", s.login_per_address, 15 * 60),
            login_per_device: quota("login-device", s.login_per_address, 15 * 60),
            login_per_client: quota("login-client", s.login_per_client, 60),
            password_check: quota("password-check", s.login_per_address, 15 * 60),
            register_per_client: quota("register-client", s.register_per_client, 3600),
            reset_per_client: quota("reset-client", s.reset_per_client, 3600),
            writes_per_account: quota("writes-account", s.writes_per_account, 600),
            assisted_per_facilitator: quota("assisted-facilitator", s.assisted_per_hour, 3600),
        }
    }

    fn all(&self) -> [Quota; 8] {
        [
            self.login_per_address,
            self.login_per_device,
            self.login_per_client,
            self.password_check,
            self.register_per_client,
            self.reset_per_client,
            self.writes_per_account,
            self.assisted_per_facilitator,
        ]
    }
}

/// Redis, with what the node does while it does not answer.
struct Shared {
    store: Arc<RedisStore>,
    /// Set while Redis is taken as down: until when the node counts in memory.
    down_until: Mutex<Option<Instant>>,
    fallbacks: prometheus::IntCounter,
    shared: prometheus::IntGauge,
}

impl Shared {
    /// Whether to ask Redis now: yes while it is up; while it is down, once per
    /// [`RETRY_AFTER_FAILURE`] (for the request that claims the retry).
    fn ask(&self) -> bool {
        let mut down = self.down_until.lock().expect("not poisoned");
        match *down {
            None => true,
            Some(until) if Instant::now() >= until => {
                *down = Some(Instant::now() + RETRY_AFTER_FAILURE);
                true
            }
            Some(_) => false,
        }
    }

    fn failed(&self, error: &StoreUnavailable) {
        let mut down = self.down_until.lock().expect("not poisoned");
        if down.is_none() {
            tracing::warn!(
                %error,
                retry_in_secs = RETRY_AFTER_FAILURE.as_secs(),
                "rate limits: Redis does not answer; this node counts on its own until it does"
            );
            self.shared.set(0);
        }
        *down = Some(Instant::now() + RETRY_AFTER_FAILURE);
    }

    fn answered(&self) {
        let mut down = self.down_until.lock().expect("not poisoned");
        if down.take().is_some() {
            tracing::info!("rate limits: Redis answers again; the limits are shared again");
            self.shared.set(1);
        }
    }
}

/// The rate limits of a node: its memory store, and Redis when configured.
#[derive(Clone)]
pub struct RateLimits {
    inner: Arc<Inner>,
}

struct Inner {
    quotas: Quotas,
    /// Key of the HMAC that turns what is counted into a store key.
    key: [u8; 32],
    memory: MemoryStore,
    shared: Option<Shared>,
    trust_forwarded_for: bool,
}

impl RateLimits {
    /// The limits of `settings`; `signing_key` is the access-token key, from which the key of
    /// the keyed hashes is derived. Fails only on a `REDIS_URL` the client does not accept.
    pub fn new(settings: &Settings, signing_key: &[u8]) -> Result<Self, String> {
        let quotas = Quotas::new(&settings.rate_limits);
        let shared = match &settings.redis {
            None => None,
            Some(redis) => {
                let fallbacks = prometheus::IntCounter::new(
                    "rate_limit_fallbacks_total",
                    "Rate-limit checks this node counted on its own because Redis did not answer",
                )
                .expect("valid metric");
                let shared = prometheus::IntGauge::new(
                    "rate_limits_shared",
                    "1 while this node counts rate limits in Redis, 0 while it counts on its own",
                )
                .expect("valid metric");
                shared.set(1);
                Some(Shared {
                    store: Arc::new(RedisStore::new(redis)?),
                    down_until: Mutex::new(None),
                    fallbacks,
                    shared,
                })
            }
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(signing_key).expect("any key length");
        mac.update(b"beteiligung rate-limit keys v1");
        Ok(Self {
            inner: Arc::new(Inner {
                quotas,
                key: mac.finalize().into_bytes().into(),
                memory: MemoryStore::new(&quotas.all()),
                shared,
                trust_forwarded_for: settings.trust_forwarded_for,
            }),
        })
    }

    /// The metrics of the shared limits (none without Redis), for the node's registry.
    pub fn collectors(&self) -> Vec<Box<dyn prometheus::core::Collector>> {
        self.inner.shared.as_ref().map_or_else(Vec::new, |s| {
            vec![
                Box::new(s.fallbacks.clone()) as Box<dyn prometheus::core::Collector>,
                Box::new(s.shared.clone()),
            ]
        })
    }

    /// A note for `/readyz` while the limits are counted per node because Redis is down.
    pub fn degraded(&self) -> Option<&'static str> {
        let shared = self.inner.shared.as_ref()?;
        let down = shared.down_until.lock().expect("not poisoned").is_some();
        down.then_some(FALLBACK_NOTE)
    }

    /// The store key of `subject` under `quota`: a keyed hash, so no address is kept in clear.
    fn keyed(&self, quota: &Quota, subject: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.inner.key).expect("any key length");
        mac.update(quota.name.as_bytes());
        mac.update(&[0]);
        mac.update(subject.as_bytes());
        mac.finalize().into_bytes()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Counts one request of `subject` against `quota`, in Redis when configured and
    /// answering, else in this node's memory.
    async fn check(&self, quota: Quota, subject: &str) -> ApiResult<()> {
        let key = self.keyed(&quota, subject);
        let wait = match &self.inner.shared {
            Some(shared) if shared.ask() => {
                let store = shared.store.clone();
                let redis_key = key.clone();
                let answer = actix_web::web::block(move || store.hit(&quota, &redis_key))
                    .await
                    .unwrap_or_else(|e| Err(StoreUnavailable(e.to_string())));
                match answer {
                    Ok(wait) => {
                        shared.answered();
                        wait
                    }
                    Err(error) => {
                        shared.failed(&error);
                        shared.fallbacks.inc();
                        self.inner.memory.check(&quota, &key)
                    }
                }
            }
            Some(shared) => {
                shared.fallbacks.inc();
                self.inner.memory.check(&quota, &key)
            }
            None => self.inner.memory.check(&quota, &key),
        };
        match wait {
            None => Ok(()),
            Some(wait) => Err(ApiError::rate_limited(
                wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            )),
        }
    }

    /// The client's address as the limits see it: the TCP peer, or behind a trusted reverse
    /// proxy the last `X-Forwarded-For` entry.
    fn client(&self, req: &HttpRequest) -> String {
        if self.inner.trust_forwarded_for {
            if let Some(last) = req
                .headers()
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
            {
                let last = last.trim();
                return last
                    .parse::<std::net::IpAddr>()
                    .map_or_else(|_| last.to_owned(), client_key);
            }
        }
        req.peer_addr()
            .map_or_else(|| "unknown".to_owned(), |a| client_key(a.ip()))
    }

    /// Checks of a signed-in person's current password (change, deletion), per account: a
    /// stolen session must not become an unlimited password oracle.
    pub async fn password_check(&self, user_id: i64) -> ApiResult<()> {
        self.check(self.inner.quotas.password_check, &user_id.to_string())
            .await
    }

    /// A sign-in attempt, first check: per client.
    pub async fn login_client(&self, req: &HttpRequest) -> ApiResult<()> {
        let client = self.client(req);
        self.check(self.inner.quotas.login_per_client, &client)
            .await
    }

    /// A sign-in attempt, second check: per address — unless it comes from a device that
    /// signed in with this address and its current password before (`device`, from a valid
    /// device token), which has a limit of its own instead. So a stranger's wrong passwords
    /// lock out new devices for at most 15 minutes, never the owner's known ones, and guessing
    /// stays bounded per address for everyone else: device tokens die with a new password.
    pub async fn login_account(&self, email: &str, device: Option<&str>) -> ApiResult<()> {
        match device {
            Some(id) => self.check(self.inner.quotas.login_per_device, id).await,
            None => self.check(self.inner.quotas.login_per_address, email).await,
        }
    }

    /// A registration, per client.
    pub async fn register(&self, req: &HttpRequest) -> ApiResult<()> {
        let client = self.client(req);
        self.check(self.inner.quotas.register_per_client, &client)
            .await
    }

    /// A password-reset request or confirmation, or a verification-mail request, per client.
    pub async fn reset(&self, req: &HttpRequest) -> ApiResult<()> {
        let client = self.client(req);
        self.check(self.inner.quotas.reset_per_client, &client)
            .await
    }

    /// A contribution written, changed or reported by a signed-in account.
    pub async fn write(&self, user_id: i64) -> ApiResult<()> {
        self.check(self.inner.quotas.writes_per_account, &user_id.to_string())
            .await
    }

    /// An entry a facilitator records on behalf of somebody else (comments, proposals,
    /// ballots), per facilitator and hour: a steady stream of them is what misuse looks like.
    pub async fn assisted(&self, user_id: i64) -> ApiResult<()> {
        self.check(
            self.inner.quotas.assisted_per_facilitator,
            &user_id.to_string(),
        )
        .await
    }

    /// Forgets keys whose limits have recovered in the memory store, so memory stays bounded.
    pub fn forget_idle(&self) {
        self.inner.memory.forget_idle();
    }
}

#[cfg(test)]
mod tests {
    use super::client_key;

    #[test]
    fn ipv6_clients_count_by_their_64_prefix() {
        let a = client_key("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = client_key("2001:db8:1:2:bbbb:cccc::9".parse().unwrap());
        let c = client_key("2001:db8:1:3::1".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(client_key("198.51.100.7".parse().unwrap()), "198.51.100.7");
    }
}
