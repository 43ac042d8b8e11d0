//! Receipts: the canonical form of a submitted statement, its hash, and the installation's
//! Ed25519 signature over number, time and hash — verifiable offline with the public key and
//! a common tool (README, "Statements").
//!
//! **Canonical form** (version 1): one line of JSON, UTF-8, no white space outside strings,
//! keys in this (alphabetical) order, strings escaped as JSON requires and nothing else
//! (non-ASCII characters stay as they are), integers in decimal:
//!
//! ```text
//! {"attachments":[{"filename":…,"sha256":…,"size":…},…],"body":…,"consultation_id":…,
//!  "format":"beteiligung-statement/1","organisation_id":…,"target_id":…|null,
//!  "target_type":"concept"|"field"|"measure","title":…}
//! ```
//!
//! (shown on two lines here). Attachments are in the order they were added; each by its name,
//! SHA-256 and size, so the hash covers their content. `GET /api/v1/statements/{id}/canonical`
//! answers exactly these bytes.
//!
//! **Signed message**: the lines
//! `beteiligung statement receipt 1`, `number: …`, `consultation: …`, `submitted_at: …`
//! (RFC 3339, seconds, `Z`), `sha256: …` and `key: …` (the signing key's id), each ending in a
//! line feed.

use super::model::{ReceiptKey, StatementTarget};
use crate::config::Settings;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::NaiveDateTime;
use ed25519_dalek::pkcs8::EncodePublicKey;
use ed25519_dalek::{Signer as _, SigningKey};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// What a statement's hash covers.
pub struct Content<'a> {
    pub consultation_id: i64,
    pub organisation_id: i64,
    pub target_type: StatementTarget,
    pub target_id: Option<i64>,
    pub title: &'a str,
    pub body: &'a str,
    /// (filename, sha256, size) in the order they were added.
    pub attachments: Vec<(&'a str, &'a str, i64)>,
}

fn string(value: &str) -> String {
    serde_json::to_string(value).expect("a string serialises")
}

/// The canonical form of `content` (see the module's documentation).
pub fn canonical(content: &Content<'_>) -> Vec<u8> {
    let attachments: Vec<String> = content
        .attachments
        .iter()
        .map(|(name, sha256, size)| {
            format!(
                r#"{{"filename":{},"sha256":{},"size":{size}}}"#,
                string(name),
                string(sha256)
            )
        })
        .collect();
    let target_id = content
        .target_id
        .map_or_else(|| "null".to_owned(), |id| id.to_string());
    format!(
        r#"{{"attachments":[{}],"body":{},"consultation_id":{},"format":"beteiligung-statement/1","organisation_id":{},"target_id":{target_id},"target_type":{},"title":{}}}"#,
        attachments.join(","),
        string(content.body),
        content.consultation_id,
        content.organisation_id,
        string(content.target_type.as_str()),
        string(content.title),
    )
    .into_bytes()
}

/// SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The receipt number of the `seq`-th submission, in the year of its submission.
pub fn number(year: i32, seq: i32) -> String {
    format!("ST-{year}-{seq:04}")
}

/// The text a receipt's signature covers.
pub fn signed_message(
    number: &str,
    consultation_id: i64,
    submitted_at: NaiveDateTime,
    sha256: &str,
    key_id: &str,
) -> String {
    format!(
        "beteiligung statement receipt 1\nnumber: {number}\nconsultation: {consultation_id}\nsubmitted_at: {}\nsha256: {sha256}\nkey: {key_id}\n",
        submitted_at.and_utc().format("%Y-%m-%dT%H:%M:%SZ")
    )
}

/// The installation's receipt key.
#[derive(Clone)]
pub struct Signer {
    key: Arc<SigningKey>,
    key_id: String,
    /// Keys that signed receipts before this one.
    retired: Arc<Vec<ed25519_dalek::VerifyingKey>>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

fn random_seed() -> String {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).expect("the operating system provides randomness");
    STANDARD.encode(seed)
}

/// A key's id: the first 16 hex digits of the SHA-256 of its raw public key.
fn key_id_of(public: &ed25519_dalek::VerifyingKey) -> String {
    sha256_hex(public.as_bytes())[..16].to_owned()
}

/// A public key as the API publishes it.
fn published(public: &ed25519_dalek::VerifyingKey, current: bool) -> ReceiptKey {
    ReceiptKey {
        algorithm: "Ed25519".into(),
        key_id: key_id_of(public),
        public_key_pem: public
            .to_public_key_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
            .expect("an Ed25519 key encodes"),
        public_key: STANDARD.encode(public.as_bytes()),
        current,
    }
}

impl Signer {
    /// The key from `RECEIPT_SIGNING_KEY`, or kept beside the SQLite database; with
    /// PostgreSQL the setting is required (a one-line reason otherwise).
    pub fn from_settings(settings: &Settings) -> Result<Self, String> {
        let seed = match &settings.receipt_signing_key {
            Some(secret) => secret.expose().to_owned(),
            None => crate::auth::keys::kept_beside_database(
                settings,
                "receipt-key",
                "invalid setting RECEIPT_SIGNING_KEY: it is required with PostgreSQL, where all nodes must sign receipts with one key (accepted: the base64 of 32 random bytes, e.g. from `openssl rand -base64 32`)",
                random_seed,
                |existing| crate::config::seed_of(existing).is_some(),
            )?,
        };
        let seed = crate::config::seed_of(&seed)
            .ok_or("invalid setting RECEIPT_SIGNING_KEY: not the base64 of 32 bytes")?;
        let mut signer = Self::from_seed(&seed);
        let retired = settings
            .receipt_retired_keys
            .iter()
            .map(|bytes| {
                ed25519_dalek::VerifyingKey::from_bytes(bytes).map_err(|_| {
                    "invalid setting RECEIPT_RETIRED_KEYS: a key is not an Ed25519 public key"
                        .to_owned()
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        signer.retired = Arc::new(retired);
        Ok(signer)
    }

    pub fn from_seed(seed: &[u8; 32]) -> Self {
        let key = SigningKey::from_bytes(seed);
        let key_id = key_id_of(&key.verifying_key());
        Self {
            key: Arc::new(key),
            key_id,
            retired: Arc::default(),
        }
    }

    /// The signature of `message`, base64.
    pub fn sign(&self, message: &str) -> String {
        STANDARD.encode(self.key.sign(message.as_bytes()).to_bytes())
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The public half, as the API publishes it.
    pub fn public(&self) -> ReceiptKey {
        published(&self.key.verifying_key(), true)
    }

    /// Every key that signed receipts here: the current one, then the retired ones.
    pub fn all(&self) -> Vec<ReceiptKey> {
        std::iter::once(self.public())
            .chain(self.retired.iter().map(|k| published(k, false)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::Verifier;

    #[test]
    fn the_canonical_form_is_fixed() {
        let content = Content {
            consultation_id: 7,
            organisation_id: 3,
            target_type: StatementTarget::Measure,
            target_id: Some(12),
            title: "Sprachförderung \"früh\"",
            body: "Zeile 1\nZeile 2",
            attachments: vec![("a.pdf", "ab", 5)],
        };
        assert_eq!(
            String::from_utf8(canonical(&content)).unwrap(),
            r#"{"attachments":[{"filename":"a.pdf","sha256":"ab","size":5}],"body":"Zeile 1\nZeile 2","consultation_id":7,"format":"beteiligung-statement/1","organisation_id":3,"target_id":12,"target_type":"measure","title":"Sprachförderung \"früh\""}"#
        );
    }

    #[test]
    fn a_signature_verifies_with_the_published_key_and_fails_for_another_message() {
        let signer = Signer::from_seed(&[7; 32]);
        let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 2)
            .unwrap()
            .and_hms_opt(5, 0, 0)
            .unwrap();
        let message = signed_message("ST-2026-0042", 7, at, &"a".repeat(64), signer.key_id());
        assert!(message.contains("submitted_at: 2026-12-02T05:00:00Z\n"));
        assert!(message.ends_with(&format!("key: {}\n", signer.key_id())));
        let signature = STANDARD.decode(signer.sign(&message)).unwrap();
        let signature = ed25519_dalek::Signature::from_slice(&signature).unwrap();
        let public: [u8; 32] = STANDARD
            .decode(signer.public().public_key)
            .unwrap()
            .try_into()
            .unwrap();
        let public = ed25519_dalek::VerifyingKey::from_bytes(&public).unwrap();
        assert!(public.verify(message.as_bytes(), &signature).is_ok());
        let forged = message.replace("0042", "0043");
        assert!(public.verify(forged.as_bytes(), &signature).is_err());
    }
}
