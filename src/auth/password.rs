//! Password hashing (argon2id with the OWASP parameters) and the password policy.
//!
//! Hashing runs on the blocking pool behind a semaphore, so a burst of sign-ins neither stalls
//! the async workers nor takes more than `PASSWORD_HASH_CONCURRENCY` × 19 MiB of memory.

use crate::error::{ApiError, ApiResult, FieldError, Text};
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use std::collections::HashSet;
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;

/// OWASP: argon2id, 19 MiB, 2 iterations, 1 lane.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes on the calling thread (for the command line; handlers use [`Passwords::hash`]).
pub fn hash_now(password: &str) -> Result<String, String> {
    hasher()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Longest wait for a hashing slot.
pub const QUEUE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 128;

/// Hashes and verifies passwords off the async workers.
#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    /// Verified instead of a real hash when an address has no account, so that a sign-in
    /// with an unknown address costs the same as one with a wrong password.
    dummy_hash: Arc<String>,
}

impl Passwords {
    pub fn new(concurrency: usize) -> Self {
        let dummy_hash = hasher()
            .hash_password(b"no account has this password")
            .expect("hashing works")
            .to_string();
        Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            dummy_hash: Arc::new(dummy_hash),
        }
    }

    /// Waits for a hashing slot, at most [`QUEUE_TIMEOUT`]; then answers 503 rather than
    /// letting a queue of sign-ins grow without bound.
    async fn slot(&self) -> ApiResult<tokio::sync::SemaphorePermit<'_>> {
        match actix_web::rt::time::timeout(QUEUE_TIMEOUT, self.permits.acquire()).await {
            Ok(permit) => permit.map_err(ApiError::internal),
            Err(_) => {
                let mut busy = super::problems::SERVER_BUSY.problem();
                busy.retry_after = Some(5);
                Err(busy)
            }
        }
    }

    /// The PHC string of a new hash of `password`.
    pub async fn hash(&self, password: String) -> ApiResult<String> {
        let _permit = self.slot().await?;
        actix_web::web::block(move || hash_now(&password))
            .await?
            .map_err(ApiError::internal)
    }

    /// Whether `password` matches `stored`; with `None` it checks the dummy hash and answers
    /// `false`, taking as long as a real check.
    pub async fn verify(&self, password: String, stored: Option<String>) -> ApiResult<bool> {
        let _permit = self.slot().await?;
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.dummy_hash.as_str().to_owned());
        let matches = actix_web::web::block(move || {
            PasswordHash::new(&stored)
                .map(|parsed| {
                    hasher()
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                })
                .unwrap_or(false)
        })
        .await?;
        Ok(known && matches)
    }
}

fn common_passwords() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("common_passwords.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// The policy (NIST SP 800-63B): 8–128 characters, no composition rules, not a common
/// password, not a common word with digits or symbols appended, not the e-mail address.
pub fn check_policy(field: &str, password: &str, email: &str) -> Result<(), FieldError> {
    let error = |code: &str, message: Text| FieldError::new(field, code, message);
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(error(
            "too_short",
            Text::new(
                "muss mindestens 8 Zeichen lang sein",
                "must be at least 8 characters long",
            ),
        ));
    }
    if length > MAX_LENGTH {
        return Err(error(
            "too_long",
            Text::new(
                "darf höchstens 128 Zeichen lang sein",
                "must be at most 128 characters long",
            ),
        ));
    }
    let lower = password.to_lowercase();
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    let list = common_passwords();
    let distinct = lower.chars().collect::<HashSet<_>>().len();
    let only_digits = lower.chars().all(|c| c.is_ascii_digit());
    if list.contains(lower.as_str())
        || list.contains(stem)
        || distinct < 3
        || (only_digits && length < 12)
        || is_repetition(&lower)
        || is_keyboard_walk(&lower)
    {
        return Err(error(
            "too_common",
            Text::new(
                "ist eines der häufigsten Passwörter oder ein leichtes Muster; bitte wählen Sie ein anderes",
                "is one of the most common passwords or an easy pattern; choose another",
            ),
        ));
    }
    let local = email.split('@').next().unwrap_or_default();
    if lower == email || (local.len() >= 4 && lower.contains(local)) {
        return Err(error(
            "contains_email",
            Text::new(
                "darf die E-Mail-Adresse nicht enthalten",
                "must not contain the e-mail address",
            ),
        ));
    }
    Ok(())
}

/// `abcabc`, `12341234`: a shorter piece repeated.
fn is_repetition(p: &str) -> bool {
    let chars: Vec<char> = p.chars().collect();
    (1..=chars.len() / 2)
        .any(|unit| chars.len() % unit == 0 && chars.chunks(unit).all(|c| c == &chars[..unit]))
}

/// Rows of German (QWERTZ) and English (QWERTY) keyboards, as typed.
const KEYBOARD_ROWS: [[&str; 4]; 2] = [
    ["1234567890ß", "qwertzuiopü", "asdfghjklöä", "<yxcvbnm,.-"],
    ["1234567890-", "qwertyuiop[", "asdfghjkl;'", "\\zxcvbnm,./"],
];

/// Whether most steps between neighbouring characters move to a neighbouring key (same row,
/// row above or below): `qwertzuiop`, `poiuztrewq`, `1qay2wsx3edc`, `q1w2e3r4`, `asdf1234`.
fn is_keyboard_walk(p: &str) -> bool {
    let chars: Vec<char> = p.chars().collect();
    if chars.len() < 6 {
        return false;
    }
    KEYBOARD_ROWS.iter().any(|layout| {
        let position = |c: char| {
            layout
                .iter()
                .enumerate()
                .find_map(|(row, keys)| keys.chars().position(|k| k == c).map(|col| (row as i32, col as i32)))
        };
        let steps = chars.windows(2).filter(|w| {
            matches!((position(w[0]), position(w[1])),
                (Some((r1, c1)), Some((r2, c2))) if (r1 - r2).abs() <= 1 && (c1 - c2).abs() <= 1 && (r1, c1) != (r2, c2))
        });
        steps.count() * 4 >= (chars.len() - 1) * 3
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_rejects_short_long_common_and_email() {
        let code = |p: &str| {
            check_policy("password", p, "lena.meier@example.org")
                .err()
                .map(|e| e.code)
        };
        assert_eq!(code("kurz"), Some("too_short".into()));
        assert_eq!(code(&"x".repeat(129)), Some("too_long".into()));
        for common in [
            "qwertzuiop",
            "Passwort123",
            "12345678",
            "ichliebedich!",
            "aaaaaaaaaa",
            "Schalke04",
            "1qay2wsx3edc",
            "poiuztrewq",
            "1q2w3e4r5t6z",
            "q1w2e3r4",
            "asdf1234",
            "asdfasdf",
            "12341234",
            "87654321",
            "11223344",
            "01011990",
            "qwertzuiopü",
            "yxcvbnm,.-",
        ] {
            assert_eq!(code(common), Some("too_common".into()), "{common}");
        }
        assert_eq!(code("lena.meier-2026"), Some("contains_email".into()));
        for fine in [
            "Teutoburger Wald im Nebel",
            "Sparrenburg bei Nacht",
            "Lasttest Sparrenburg 2026",
            "correct horse battery staple",
            "Bielefelder Alm 1905!",
            "894512367034",
        ] {
            assert_eq!(code(fine), None, "{fine}");
        }
        assert_eq!(code("ü∂ñ¢ødé pässwörd"), None);
    }

    #[actix_web::test]
    async fn hashes_verify_and_unknown_accounts_never_match() {
        let passwords = Passwords::new(2);
        let hash = passwords.hash("Teutoburger Wald".into()).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(passwords
            .verify("Teutoburger Wald".into(), Some(hash.clone()))
            .await
            .unwrap());
        assert!(!passwords
            .verify("teutoburger wald".into(), Some(hash))
            .await
            .unwrap());
        assert!(!passwords
            .verify("no account has this password".into(), None)
            .await
            .unwrap());
    }
}
