//! Password hashing (argon2id with the OWASP parameters) and the password policy.
//!
//! Hashing runs on the blocking pool behind a semaphore, so a burst of sign-ins neither stalls
//! the async workers nor takes more than `PASSWORD_HASH_CONCURRENCY` × 19 MiB of memory: each
//! hashing slot keeps one 19 MiB work area and reuses it for every hash, instead of asking the
//! allocator for a fresh one each time (which kept freed areas around and let a burst of
//! sign-ins grow the process by more than the slots' worth).

use crate::error::{ApiError, ApiResult, FieldError, Text};
use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::Semaphore;

/// OWASP: argon2id, 19 MiB, 2 iterations, 1 lane.
fn params() -> Params {
    Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters")
}

fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
}

/// Hashes on the calling thread (for the command line; handlers use [`Passwords::hash`]).
pub fn hash_now(password: &str) -> Result<String, String> {
    hasher()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Verified instead of a real hash when an address has no account, so that a sign-in with an
/// unknown address costs the same as one with a wrong password. A fixed hash (of "no account
/// has this password") with the parameters of every new hash, as a test checks; computing one
/// at start cost 19 MiB at once for nothing. No one signs in with it: an unknown address is
/// refused whatever the check says.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$TT7RxFboZ3SKODMr0umy+A$M+B82I+OP3sbB9G+jwfZnxj+GWuY4SwuK9qUAwj+eJg";

/// Longest wait for a hashing slot.
pub const QUEUE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 128;

/// The work areas of the hashing slots (19 MiB each), made on first use and kept: at most one
/// per slot exists, as only a holder of a slot takes one.
#[derive(Clone, Default)]
struct WorkAreas(Arc<Mutex<Vec<Vec<Block>>>>);

impl WorkAreas {
    /// Runs `f` with a work area of `blocks` blocks, and keeps the area for the next caller.
    fn with<T>(&self, blocks: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
        let taken = self.0.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut area = match taken {
            Some(area) if area.len() == blocks => area,
            _ => vec![Block::new(); blocks],
        };
        let result = f(&mut area);
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(area);
        result
    }
}

/// A new PHC string for `password`, computed in `areas`.
fn hash_in(areas: &WorkAreas, password: &str) -> Result<String, String> {
    let params = params();
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| e.to_string())?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    areas
        .with(params.block_count(), |area| {
            hasher().hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, area)
        })
        .map_err(|e| e.to_string())?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| e.to_string())?,
        salt: Some(Salt::new(&salt).map_err(|e| e.to_string())?),
        hash: Some(Output::new(&out).map_err(|e| e.to_string())?),
    };
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `stored`, computed in `areas` (a hash with other
/// parameters than today's, of which there are none yet, is checked with memory of its own).
fn verify_in(areas: &WorkAreas, password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return false;
    };
    let ours = params();
    let current = Algorithm::try_from(parsed.algorithm.as_str())
        .is_ok_and(|a| a == Algorithm::Argon2id)
        && parsed.version == Some(Version::V0x13.into())
        && Params::try_from(&parsed).is_ok_and(|p| {
            (p.m_cost(), p.t_cost(), p.p_cost()) == (ours.m_cost(), ours.t_cost(), ours.p_cost())
        });
    if !current {
        return hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
    }
    let mut out = vec![0u8; expected.len()];
    let Ok(exact) = Params::new(
        ours.m_cost(),
        ours.t_cost(),
        ours.p_cost(),
        Some(expected.len()),
    ) else {
        return false;
    };
    let computed = areas.with(ours.block_count(), |area| {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, exact).hash_password_into_with_memory(
            password.as_bytes(),
            salt.as_ref(),
            &mut out,
            area,
        )
    });
    // `Output`'s equality is constant-time.
    computed.is_ok() && Output::new(&out).is_ok_and(|out| &out == expected)
}

/// Hashes and verifies passwords off the async workers.
#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    areas: WorkAreas,
}

impl Passwords {
    pub fn new(concurrency: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            areas: WorkAreas::default(),
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
        let areas = self.areas.clone();
        actix_web::web::block(move || hash_in(&areas, &password))
            .await?
            .map_err(ApiError::internal)
    }

    /// Whether `password` matches `stored`; with `None` it checks the dummy hash and answers
    /// `false`, taking as long as a real check.
    pub async fn verify(&self, password: String, stored: Option<String>) -> ApiResult<bool> {
        let _permit = self.slot().await?;
        let known = stored.is_some();
        let areas = self.areas.clone();
        let matches = actix_web::web::block(move || {
            verify_in(&areas, &password, stored.as_deref().unwrap_or(DUMMY_HASH))
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
    fn the_dummy_hash_is_a_hash_with_todays_parameters() {
        let areas = WorkAreas::default();
        assert!(verify_in(
            &areas,
            "no account has this password",
            DUMMY_HASH
        ));
        assert!(!verify_in(&areas, "any other password", DUMMY_HASH));
        let parsed = PasswordHash::new(DUMMY_HASH).unwrap();
        let (dummy, ours) = (Params::try_from(&parsed).unwrap(), params());
        assert_eq!(
            (dummy.m_cost(), dummy.t_cost(), dummy.p_cost()),
            (ours.m_cost(), ours.t_cost(), ours.p_cost())
        );
    }

    /// Hashes made in a work area are ordinary PHC strings the library verifies, and the
    /// library's hashes verify in a work area; one area serves one hash after the other.
    #[test]
    fn hashes_in_a_kept_work_area_are_the_librarys_hashes() {
        let areas = WorkAreas::default();
        let mine = hash_in(&areas, "Teutoburger Wald 2026").unwrap();
        let again = hash_in(&areas, "Teutoburger Wald 2026").unwrap();
        assert_ne!(mine, again, "a new salt each time");
        assert_eq!(areas.0.lock().unwrap().len(), 1, "one area, reused");
        let parsed = PasswordHash::new(&mine).unwrap();
        assert!(hasher()
            .verify_password(b"Teutoburger Wald 2026", &parsed)
            .is_ok());
        assert!(hasher()
            .verify_password(b"Teutoburger Wald", &parsed)
            .is_err());
        let theirs = hash_now("Sparrenburg am Abend").unwrap();
        assert!(verify_in(&areas, "Sparrenburg am Abend", &theirs));
        assert!(!verify_in(&areas, "Sparrenburg am Morgen", &theirs));
        assert!(verify_in(&areas, "Teutoburger Wald 2026", &mine));
        assert!(!verify_in(&areas, "Teutoburger Wald 2026", "not a hash"));
        assert_eq!(areas.0.lock().unwrap().len(), 1);
        // A hash with other parameters (an older policy) still verifies, with its own memory.
        let older = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 3, 1, None).unwrap(),
        )
        .hash_password(b"Obersee")
        .unwrap()
        .to_string();
        assert!(verify_in(&areas, "Obersee", &older));
        assert!(!verify_in(&areas, "Untersee", &older));
    }

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
