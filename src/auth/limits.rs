//! Rate limits of sign-in, registration and password reset (429 with `Retry-After`).
//!
//! State lives in memory only, per node (never in the database): with several nodes an
//! attacker gets at most the limit once per node — less strict, still bounded. E-mail
//! addresses and user ids are kept as hashes; client addresses as they are (IPv6 by /64, the
//! block one subscriber usually has).

use super::tokens::hash_secret;
use crate::config::RateLimitSettings;
use crate::error::{ApiError, ApiResult};
use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

type Limiter = Arc<DefaultKeyedRateLimiter<String>>;

fn limiter(count: u32, window: Duration) -> Limiter {
    let count = NonZeroU32::new(count.max(1)).expect("at least one");
    let quota = Quota::with_period(window / count.get())
        .expect("a positive period")
        .allow_burst(count);
    Arc::new(RateLimiter::keyed(quota))
}

fn check(limiter: &Limiter, key: String) -> ApiResult<()> {
    limiter.check_key(&key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        ApiError::rate_limited(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
    })
}

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

/// The limiters of one node.
#[derive(Clone)]
pub struct RateLimits {
    login_per_address: Limiter,
    login_per_device: Limiter,
    login_per_client: Limiter,
    register_per_client: Limiter,
    reset_per_client: Limiter,
    writes_per_account: Limiter,
    assisted_per_facilitator: Limiter,
    trust_forwarded_for: bool,
}

impl RateLimits {
    pub fn new(settings: &RateLimitSettings, trust_forwarded_for: bool) -> Self {
        Self {
            login_per_address: limiter(settings.login_per_address, Duration::from_secs(15 * 60)),
            login_per_device: limiter(settings.login_per_address, Duration::from_secs(15 * 60)),
            login_per_client: limiter(settings.login_per_client, Duration::from_secs(60)),
            register_per_client: limiter(settings.register_per_client, Duration::from_secs(3600)),
            reset_per_client: limiter(settings.reset_per_client, Duration::from_secs(3600)),
            writes_per_account: limiter(settings.writes_per_account, Duration::from_secs(600)),
            assisted_per_facilitator: limiter(
                settings.assisted_per_hour,
                Duration::from_secs(3600),
            ),
            trust_forwarded_for,
        }
    }

    /// The client's address as the limits see it: the TCP peer, or behind a trusted reverse
    /// proxy the last `X-Forwarded-For` entry.
    fn client(&self, req: &HttpRequest) -> String {
        if self.trust_forwarded_for {
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
    pub fn password_check(&self, user_id: i64) -> ApiResult<()> {
        check(
            &self.login_per_address,
            hash_secret(&format!("user:{user_id}")),
        )
    }

    /// A sign-in attempt, first check: per client.
    pub fn login_client(&self, req: &HttpRequest) -> ApiResult<()> {
        check(&self.login_per_client, self.client(req))
    }

    /// A sign-in attempt, second check: per address — unless it comes from a device that
    /// signed in with this address and its current password before (`device`, from a valid
    /// device token), which has a limit of its own instead. So a stranger's wrong passwords
    /// lock out new devices for at most 15 minutes, never the owner's known ones, and guessing
    /// stays bounded per address for everyone else: device tokens die with a new password.
    pub fn login_account(&self, email: &str, device: Option<&str>) -> ApiResult<()> {
        match device {
            Some(id) => check(&self.login_per_device, hash_secret(id)),
            None => check(&self.login_per_address, hash_secret(email)),
        }
    }

    pub fn register(&self, req: &HttpRequest) -> ApiResult<()> {
        check(&self.register_per_client, self.client(req))
    }

    pub fn reset(&self, req: &HttpRequest) -> ApiResult<()> {
        check(&self.reset_per_client, self.client(req))
    }

    /// A contribution written, changed or reported by a signed-in account.
    pub fn write(&self, user_id: i64) -> ApiResult<()> {
        check(
            &self.writes_per_account,
            hash_secret(&format!("writer:{user_id}")),
        )
    }

    /// An entry a facilitator records on behalf of somebody else (comments, proposals,
    /// ballots), per facilitator and hour: a steady stream of them is what misuse looks like.
    pub fn assisted(&self, user_id: i64) -> ApiResult<()> {
        check(
            &self.assisted_per_facilitator,
            hash_secret(&format!("facilitator:{user_id}")),
        )
    }

    /// Forgets keys whose limits have recovered, so memory stays bounded.
    pub fn forget_idle(&self) {
        for l in [
            &self.login_per_address,
            &self.login_per_device,
            &self.login_per_client,
            &self.register_per_client,
            &self.reset_per_client,
            &self.writes_per_account,
            &self.assisted_per_facilitator,
        ] {
            l.retain_recent();
            l.shrink_to_fit();
        }
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
