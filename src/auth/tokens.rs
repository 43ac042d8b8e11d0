//! Access tokens (short-lived JWTs, RFC 8725) and opaque secrets (refresh tokens, links in
//! e-mails), which the database stores only as SHA-256 hashes.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `iss` of every access token.
pub const ISSUER: &str = "beteiligung";
/// `aud` of every access token.
pub const AUDIENCE: &str = "beteiligung-api";
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

/// Issues and checks access tokens: HS256 only, with `iss`, `aud`, `sub`, `exp` and `iat`
/// required.
#[derive(Clone)]
pub struct AccessTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl AccessTokens {
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["iss", "aud", "sub", "exp", "iat"]);
        validation.leeway = LEEWAY_SECS;
        validation.validate_exp = true;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl,
        }
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
    /// expired, not issued in the future.
    pub fn verify(&self, token: &str) -> Option<(i64, i64)> {
        let claims = decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()?
            .claims;
        if claims.iat > now_secs() + LEEWAY_SECS {
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

    #[test]
    fn secrets_are_random_and_hashed() {
        let a = random_secret();
        assert_ne!(a, random_secret());
        assert_eq!(a.len(), 43);
        assert_eq!(hash_secret(&a).len(), 64);
        assert_eq!(hash_secret(&a), hash_secret(&a));
    }
}
