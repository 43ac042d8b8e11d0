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
    // Written completely under a temporary name, then published with a hard link, which fails
    // if the name exists: another process starting at the same moment sees either no file or
    // a whole key, never a partial one.
    let key = format!(
        "{}{}",
        super::tokens::random_secret(),
        super::tokens::random_secret()
    );
    let temporary = path.with_extension(format!("jwt-key.{}", super::tokens::random_secret()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&temporary).and_then(|mut file| {
        file.write_all(key.as_bytes())
            .and_then(|()| file.sync_all())
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(format!("cannot write the key file {}: {e}", path.display()));
    }
    let published = std::fs::hard_link(&temporary, &path);
    let _ = std::fs::remove_file(&temporary);
    match published {
        Ok(()) => {
            tracing::info!(file = %path.display(), "created the token signing key (no JWT_SECRET set)");
            Ok(key.into_bytes())
        }
        // Another process published its key first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            match std::fs::read_to_string(&path) {
                Ok(theirs) if theirs.trim().len() >= 32 => Ok(theirs.trim().as_bytes().to_vec()),
                _ => Err(format!(
                    "the key file {} is damaged; delete it to create a new one (all sessions end)",
                    path.display()
                )),
            }
        }
        Err(e) => Err(format!(
            "cannot create the key file {}: {e}",
            path.display()
        )),
    }
}
