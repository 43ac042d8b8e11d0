//! Records of deleted accounts, so that a restored backup cannot bring an account back.
//!
//! Each deletion leaves one row in `erasures`: a keyed hash (HMAC-SHA-256 with the
//! installation's erasure key) of the normalised address, the id of the key, the time, and
//! whether the texts were to be removed too — pseudonymous: without the key nobody can test an
//! address against it. `beteiligung erasures export` writes the rows as JSON lines; the
//! operator keeps that file where the backups are not (and the key apart from both). After a
//! restore,
//! `beteiligung erasures apply FILE` erases again every account the file names that the
//! backup brought back (an account registered after the deletion is a new one and is left
//! alone), and adds the rows to the restored database.

use crate::db::schema::{erasures, users};
use crate::db::{write_transaction, DbConnection};
use crate::error::{ApiError, ApiResult};
use crate::personal_data::{erase_everywhere, Registry, Subject};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The key of the address hashes.
#[derive(Clone)]
pub struct Key([u8; 32]);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(…)")
    }
}

impl Key {
    /// The key of `settings` (`ERASURE_KEY`), or on SQLite the one kept beside the database.
    pub fn from_settings(settings: &crate::config::Settings) -> Result<Self, String> {
        use base64::Engine;
        let encoded = match &settings.erasure_key {
            Some(key) => key.expose().to_owned(),
            None => crate::auth::keys::kept_beside_database(
                settings,
                "erasure-key",
                "invalid setting ERASURE_KEY: it is required with PostgreSQL, where all nodes must share it (accepted: the base64 of 32 random bytes, e.g. from `openssl rand -base64 32`)",
                || {
                    let mut seed = [0u8; 32];
                    getrandom::fill(&mut seed).expect("the system's random source");
                    base64::engine::general_purpose::STANDARD.encode(seed)
                },
                |v| crate::config::seed_of(v).is_some(),
            )?,
        };
        crate::config::seed_of(&encoded)
            .map(Key)
            .ok_or_else(|| "invalid setting ERASURE_KEY: not the base64 of 32 bytes".into())
    }

    pub fn new(bytes: [u8; 32]) -> Self {
        Key(bytes)
    }

    /// HMAC-SHA-256 (RFC 2104) of the normalised `address`, as 64 hex digits.
    pub fn hash(&self, address: &str) -> String {
        hex(&hmac_sha256(&self.0, address.as_bytes()))
    }

    /// The key's id (16 hex digits, from an HMAC of a fixed label): records name the key
    /// they were made with, so that records of another key are refused instead of matching
    /// nobody in silence.
    pub fn id(&self) -> String {
        hex(&hmac_sha256(&self.0, b"beteiligung erasure key id"))[..16].to_owned()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// One record, as stored and as exported (one JSON line each).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    pub address_hash: String,
    /// The id of the key of the hash ([`Key::id`]).
    pub key_id: String,
    pub erased_at: NaiveDateTime,
    #[serde(default)]
    pub texts_removed: bool,
}

/// Keeps the record of a deletion (inside the deletion's transaction).
pub fn keep(conn: &mut DbConnection, record: &Record) -> QueryResult<()> {
    diesel::insert_into(erasures::table)
        .values((
            erasures::address_hash.eq(&record.address_hash),
            erasures::key_id.eq(&record.key_id),
            erasures::erased_at.eq(record.erased_at),
            erasures::texts_removed.eq(record.texts_removed),
        ))
        .execute(conn)?;
    Ok(())
}

/// Every record, oldest first.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Record>> {
    erasures::table
        .order(erasures::id)
        .select((
            erasures::address_hash,
            erasures::key_id,
            erasures::erased_at,
            erasures::texts_removed,
        ))
        .load::<(String, String, NaiveDateTime, bool)>(conn)
        .map(|rows| {
            rows.into_iter()
                .map(|(address_hash, key_id, erased_at, texts_removed)| Record {
                    address_hash,
                    key_id,
                    erased_at,
                    texts_removed,
                })
                .collect()
        })
}

/// What applying records did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// Accounts erased again.
    pub erased: usize,
    /// Records added to this database (they were not in it).
    pub added: usize,
    /// Accounts a slice refused to erase (e.g. the last representative of an organisation),
    /// with the code; the operator resolves them and applies again.
    pub refused: Vec<(i64, String)>,
    /// The verified addresses of the accounts erased again (for what lives outside the
    /// database: mail files). Never logged.
    pub addresses: Vec<String>,
}

/// The erasure keys an installation knows: the current one, and those it used before
/// (`ERASURE_RETIRED_KEYS`), whose records still apply.
pub fn keys_of(settings: &crate::config::Settings) -> Result<Vec<Key>, String> {
    let mut keys = vec![Key::from_settings(settings)?];
    for retired in &settings.erasure_retired_keys {
        let seed = crate::config::seed_of(retired.expose())
            .ok_or("invalid setting ERASURE_RETIRED_KEYS: not the base64 of 32 bytes")?;
        keys.push(Key(seed));
    }
    Ok(keys)
}

/// Erases again every live account that one of `records` names and that existed at the time
/// of that erasure — its own deletion is the first record at or after the account's creation,
/// and says whether its texts were to go; adds the records this database lacks. Running it
/// twice changes nothing the second time. `keys` are the installation's keys (current first);
/// records made with a key that is not among them are refused as a whole (400
/// `validation_failed`, field `key_id`): they would match nobody, and the deleted accounts
/// would stay restored in silence.
pub fn apply(
    conn: &mut DbConnection,
    registry: Registry,
    keys: &[Key],
    records: &[Record],
    now: NaiveDateTime,
) -> ApiResult<Applied> {
    let known_keys: Vec<(String, &Key)> = keys.iter().map(|k| (k.id(), k)).collect();
    if let Some(foreign) = records
        .iter()
        .find(|r| !known_keys.iter().any(|(id, _)| *id == r.key_id))
    {
        return Err(ApiError::invalid_field(
            "key_id",
            "another_key",
            crate::error::Text::format(
                format!(
                    "die Einträge wurden mit dem Löschschlüssel {} erstellt; er ist weder ERASURE_KEY noch in ERASURE_RETIRED_KEYS",
                    foreign.key_id
                ),
                format!(
                    "records were made with the erasure key {}, which is neither ERASURE_KEY nor in ERASURE_RETIRED_KEYS",
                    foreign.key_id
                ),
            ),
        ));
    }
    let mut applied = Applied::default();
    let stored: std::collections::HashSet<Record> = all(conn)?.into_iter().collect();
    for record in records.iter().filter(|r| !stored.contains(r)) {
        keep(conn, record)?;
        applied.added += 1;
    }
    // The erasures per (key, address), oldest first.
    let mut by_hash: std::collections::HashMap<(&str, &str), Vec<&Record>> =
        std::collections::HashMap::new();
    for record in records {
        by_hash
            .entry((record.key_id.as_str(), record.address_hash.as_str()))
            .or_default()
            .push(record);
    }
    for list in by_hash.values_mut() {
        list.sort_by_key(|r| r.erased_at);
    }
    let live: Vec<(i64, String, NaiveDateTime, Option<NaiveDateTime>)> = users::table
        .filter(users::deleted_at.is_null())
        .select((
            users::id,
            users::email,
            users::created_at,
            users::email_verified_at,
        ))
        .load(conn)?;
    for (id, email, created_at, verified_at) in live {
        let Some(record) = known_keys.iter().find_map(|(key_id, key)| {
            let hash = key.hash(&email);
            by_hash
                .get(&(key_id.as_str(), hash.as_str()))?
                .iter()
                .find(|r| r.erased_at >= created_at)
                .copied()
        }) else {
            continue;
        };
        let subject = Subject {
            user_id: id,
            email: email.clone(),
            now,
            remove_texts: record.texts_removed,
            address_verified: verified_at.is_some(),
        };
        let outcome = write_transaction(conn, |conn| {
            erase_everywhere(registry, conn, &subject)?;
            crate::audit::record(
                conn,
                now,
                None,
                "user.erased_again",
                "user",
                Some(id),
                serde_json::json!({}),
            )?;
            Ok::<_, ApiError>(())
        });
        match outcome {
            Ok(()) => {
                applied.erased += 1;
                if verified_at.is_some() {
                    applied.addresses.push(email);
                }
            }
            Err(failed) if failed.status.is_server_error() => return Err(failed),
            Err(refused) => applied.refused.push((id, refused.code.to_owned())),
        }
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::hmac_sha256;

    /// RFC 4231, test case 2.
    #[test]
    fn hmac_matches_the_rfc_test_vector() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
