//! Access tokens (short-lived JWTs, RFC 8725) and opaque secrets (refresh tokens, links in
//! e-mails), which the database stores only as SHA-256 hashes.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// `iss` of every access token.
pub const ISSUER: &str = "beteiligung";
/// `aud` of every access token.
pub const AUDIENCE: &str = "beteiligung-api";
/// `aud` of device tokens, which only exempt a device from the per-address sign-in lockout.
pub const DEVICE_AUDIENCE: &str = "beteiligung-device";
/// How long a device token works.
const DEVICE_TTL: Duration = Duration::from_secs(180 * 86_400);
/// Clock skew tolerated when checking `exp` and `iat`.
const LEEWAY_SECS: u64 = 30;

/// What an access token says.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The user id.
    pub sub: String,
    pub exp: u64,
    pub iat: u64,
    /// The session the token belongs to; checked against the database on every request.
    pub sid: i64,
}

/// What a device token says: the address it signed in with (as a hash) and its own id.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct DeviceClaims {
    iss: String,
    aud: String,
    /// SHA-256 of the normalised address.
    sub: String,
    exp: u64,
    iat: u64,
    /// The device's id: its sign-in limit is kept under it.
    jti: String,
    /// The credential version: a digest of the password hash it signed in with. A new
    /// password (change or reset) ends every device token issued before.
    cv: String,
}

/// The credential version of a password hash (its own salt makes it unguessable).
fn credential_version(password_hash: &str) -> String {
    hash_secret(&format!("device:{password_hash}"))
}

/// Issues and checks access tokens: HS256 only, with `iss`, `aud`, `sub`, `exp` and `iat`
/// required. Device tokens are signed with the same key for another audience, so neither
/// passes for the other.
#[derive(Clone)]
pub struct AccessTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    device_validation: Validation,
    ttl: Duration,
}

use crate::clock::unix_seconds as now_secs;

impl AccessTokens {
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["iss", "aud", "sub", "exp", "iat"]);
        validation.leeway = LEEWAY_SECS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        let mut device_validation = validation.clone();
        device_validation.set_audience(&[DEVICE_AUDIENCE]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            device_validation,
            ttl,
        }
    }

    /// A device token for a successful sign-in with `email` (normalised) and the account's
    /// current `password_hash`.
    pub fn issue_device(&self, email: &str, password_hash: &str) -> String {
        let iat = now_secs();
        let claims = DeviceClaims {
            iss: ISSUER.into(),
            aud: DEVICE_AUDIENCE.into(),
            sub: hash_secret(email),
            exp: iat + DEVICE_TTL.as_secs(),
            iat,
            jti: random_secret(),
            cv: credential_version(password_hash),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing cannot fail")
    }

    /// The id of the device, when `token` is a valid device token of `email` (normalised),
    /// issued under the account's current `password_hash`.
    pub fn device(&self, token: &str, email: &str, password_hash: &str) -> Option<String> {
        let claims = decode::<DeviceClaims>(token, &self.decoding, &self.device_validation)
            .ok()?
            .claims;
        (claims.sub == hash_secret(email)
            && claims.cv == credential_version(password_hash)
            && claims.iat <= now_secs() + LEEWAY_SECS
            && claims.exp.saturating_sub(claims.iat) <= DEVICE_TTL.as_secs())
        .then_some(claims.jti)
    }

    /// Lifetime of a new token in seconds.
    pub fn ttl_secs(&self) -> u64 {
        self.ttl.as_secs()
    }

    pub fn issue(&self, user_id: i64, session_id: i64) -> String {
        let iat = now_secs();
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: user_id.to_string(),
            exp: iat + self.ttl.as_secs(),
            iat,
            sid: session_id,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing cannot fail")
    }

    /// The claims of a valid token: right algorithm and signature, issuer, audience, not
    /// expired, not issued in the future, not before its `nbf`, and not living longer than
    /// this node issues tokens for (a token with a year's lifetime was not made here, or was
    /// made under a setting that no longer holds).
    pub fn verify(&self, token: &str) -> Option<(i64, i64)> {
        let claims = decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()?
            .claims;
        if claims.iat > now_secs() + LEEWAY_SECS
            || claims.exp.saturating_sub(claims.iat) > self.ttl.as_secs()
        {
            return None;
        }
        Some((claims.sub.parse().ok()?, claims.sid))
    }
}

/// A new opaque secret: 32 random bytes, base64url.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The form in which the database stores a secret.
pub fn hash_secret(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_tampering() {
        let tokens = AccessTokens::new(
            b"0123456789abcdef0123456789abcdef",
            Duration::from_secs(900),
        );
        let t = tokens.issue(7, 42);
        assert_eq!(tokens.verify(&t), Some((7, 42)));
        let other = AccessTokens::new(
            b"another key of enough length, 32+",
            Duration::from_secs(900),
        );
        assert_eq!(other.verify(&t), None);
        let mut tampered = t.clone();
        tampered.pop();
        assert_eq!(tokens.verify(&tampered), None);
    }

    /// A token signed with the real key but with claims this node never issues.
    fn forged(
        tokens: &AccessTokens,
        secret: &[u8],
        claims: serde_json::Value,
    ) -> Option<(i64, i64)> {
        let token = encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(secret),
        )
        .unwrap();
        tokens.verify(&token)
    }

    #[test]
    fn device_tokens_belong_to_one_address_and_are_no_access_tokens() {
        let tokens = AccessTokens::new(
            b"0123456789abcdef0123456789abcdef",
            Duration::from_secs(900),
        );
        let (lena, hash) = (
            "lena@example.org",
            "$argon2id$v=19$m=19456,t=2,p=1$salt$hash",
        );
        let device = tokens.issue_device(lena, hash);
        let id = tokens.device(&device, lena, hash).expect("valid");
        let second = tokens.issue_device(lena, hash);
        assert_ne!(tokens.device(&second, lena, hash), Some(id));
        assert_eq!(tokens.device(&device, "other@example.org", hash), None);
        assert_eq!(
            tokens.device(&device, lena, "$argon2id$new"),
            None,
            "a new password ends it"
        );
        assert_eq!(tokens.verify(&device), None, "not an access token");
        assert_eq!(tokens.device(&tokens.issue(7, 42), lena, hash), None);
    }

    #[test]
    fn lifetimes_beyond_the_setting_and_future_nbf_are_refused() {
        let key = b"0123456789abcdef0123456789abcdef";
        let tokens = AccessTokens::new(key, Duration::from_secs(900));
        let now = now_secs();
        let claims = |iat: u64, exp: u64, nbf: Option<u64>| {
            let mut c = serde_json::json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "7", "sid": 42, "iat": iat, "exp": exp});
            if let Some(nbf) = nbf {
                c["nbf"] = nbf.into();
            }
            c
        };
        assert_eq!(
            forged(&tokens, key, claims(now, now + 900, None)),
            Some((7, 42))
        );
        assert_eq!(
            forged(&tokens, key, claims(now, now + 900, Some(now))),
            Some((7, 42))
        );
        assert_eq!(
            forged(&tokens, key, claims(now, now + 900, Some(now + 3600))),
            None,
            "nbf an hour ahead"
        );
        assert_eq!(
            forged(&tokens, key, claims(now, now + 901, None)),
            None,
            "longer than issued"
        );
        assert_eq!(
            forged(&tokens, key, claims(now, now + 365 * 86_400, None)),
            None,
            "a year"
        );
        assert_eq!(
            forged(&tokens, key, claims(now, 1 << 63, None)),
            None,
            "2^63"
        );
    }

    #[test]
    fn secrets_are_random_and_hashed() {
        let a = random_secret();
        assert_ne!(a, random_secret());
        assert_eq!(a.len(), 43);
        assert_eq!(hash_secret(&a).len(), 64);
        assert_eq!(hash_secret(&a), hash_secret(&a));
    }
}
