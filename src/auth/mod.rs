//! Accounts, sign-in, sessions and roles.
//!
//! Passwords are argon2id hashes; access tokens are short-lived JWTs tied to a session row,
//! which every request checks, so logout, password or role change, blocking and deletion take
//! effect at once on every node; refresh tokens are opaque, stored as hashes and rotated on
//! every use, and a reused one ends its session.

pub mod consent;
pub mod extract;
pub mod keys;
pub mod limits;
pub mod me;
pub mod model;
pub mod password;
pub mod personal_data;
pub mod problems;
pub mod routes;
pub mod store;
pub mod tokens;

use crate::config::Settings;
use limits::RateLimits;
use password::Passwords;
use std::time::Duration;
use tokens::AccessTokens;

/// How long the link in a verification mail works.
pub const VERIFY_EMAIL_TTL: Duration = Duration::from_secs(48 * 3600);
/// How long the link in a password-reset mail works.
pub const RESET_PASSWORD_TTL: Duration = Duration::from_secs(3600);

/// What the account endpoints share on a node.
#[derive(Clone)]
pub struct Auth {
    pub tokens: AccessTokens,
    pub passwords: Passwords,
    pub limits: RateLimits,
    /// Base of links in mails (the participation frontend).
    pub link_base: String,
    /// The versions of the terms and the privacy notice in force ([`consent`]).
    pub documents: std::sync::Arc<consent::Documents>,
    pub session_ttl: Duration,
}

impl Auth {
    /// Checks that `password` is `user`'s current one (password change, account deletion):
    /// 400 naming `field` otherwise. The caller checks the per-account limit first.
    pub async fn confirm_password(
        &self,
        user: &extract::CurrentUser,
        password: String,
        field: &str,
    ) -> crate::error::ApiResult<()> {
        if self
            .passwords
            .verify(password, Some(user.user.password_hash.clone()))
            .await?
        {
            Ok(())
        } else {
            Err(crate::error::ApiError::invalid_field(
                field,
                "incorrect",
                crate::error::Text::new(
                    "ist nicht das aktuelle Passwort",
                    "is not the current password",
                ),
            ))
        }
    }

    /// What the account endpoints need; fails only on a `REDIS_URL` the client refuses.
    pub fn new(settings: &Settings, signing_key: &[u8]) -> Result<Self, String> {
        Ok(Self {
            tokens: AccessTokens::new(signing_key, settings.access_token_ttl),
            passwords: Passwords::new(settings.password_hash_concurrency),
            limits: RateLimits::new(settings, signing_key)?,
            link_base: settings
                .public_base_url
                .clone()
                .unwrap_or_else(|| format!("http://{}", settings.bind)),
            documents: std::sync::Arc::new(consent::Documents {
                terms_version: settings.terms_version.clone(),
                privacy_version: settings.privacy_version.clone(),
            }),
            session_ttl: settings.session_ttl,
        })
    }
}
