//! Where the access-token signing key comes from.
//!
//! `JWT_SECRET` when set. Without it, on the embedded SQLite default, a random key is created
//! once and kept beside the database file (`<database>.jwt-key`, readable only by its owner), so
//! sessions survive a restart with no configuration. With PostgreSQL — several nodes that must
//! share the key — a missing `JWT_SECRET` stops startup.

use crate::config::{Backend, Settings};
use std::io::Write;
use std::path::PathBuf;

/// The key file used beside a SQLite database.
pub fn key_file(settings: &Settings) -> Option<PathBuf> {
    let target = &settings.database_url.target;
    (settings.database_url.backend == Backend::Sqlite && target != ":memory:")
        .then(|| PathBuf::from(format!("{target}.jwt-key")))
}

/// The signing key, or a one-line reason why there is none.
pub fn signing_key(settings: &Settings) -> Result<Vec<u8>, String> {
    if let Some(secret) = &settings.jwt_secret {
        return Ok(secret.expose().as_bytes().to_vec());
    }
    if settings.database_url.backend == Backend::Postgres {
        return Err("invalid setting JWT_SECRET: it is required with PostgreSQL, where all nodes must share it (accepted: at least 32 random characters, e.g. from `openssl rand -base64 48`)".into());
    }
    let Some(path) = key_file(settings) else {
        // An in-memory database lives only as long as the process; so does its key.
        return Ok(super::tokens::random_secret().into_bytes());
    };
    match std::fs::read_to_string(&path) {
        Ok(existing) if existing.trim().len() >= 32 => {
            return Ok(existing.trim().as_bytes().to_vec())
        }
        Ok(_) => {
            return Err(format!(
                "the key file {} is damaged; delete it to create a new one (all sessions end)",
                path.display()
            ))
        }
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(format!("cannot read the key file {}: {e}", path.display()))
        }
        Err(_) => {}
    }
    let key = format!(
        "{}{}",
        super::tokens::random_secret(),
        super::tokens::random_secret()
    );
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(&path) {
        Ok(mut file) => {
            file.write_all(key.as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(|e| format!("cannot write the key file {}: {e}", path.display()))?;
            tracing::info!(file = %path.display(), "created the token signing key (no JWT_SECRET set)");
            Ok(key.into_bytes())
        }
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => std::fs::read_to_string(&path)
            .map(|k| k.trim().as_bytes().to_vec())
            .map_err(|e| format!("cannot read the key file {}: {e}", path.display())),
        Err(e) => Err(format!(
            "cannot create the key file {}: {e}",
            path.display()
        )),
    }
}
