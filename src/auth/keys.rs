//! Where the installation's keys come from.
//!
//! Each key comes from its setting when set. Without it, on the embedded SQLite default, a
//! random key is created once and kept beside the database file (`<database>.<name>`, readable
//! only by its owner), so the installation keeps it across restarts with no configuration.
//! With PostgreSQL — several nodes that must share the key — a missing setting stops startup.
//!
//! The access-token key (`JWT_SECRET`, `<database>.jwt-key`) is the first; the statements'
//! receipt key uses the same rule through [`kept_beside_database`].

use crate::config::{Backend, Settings};
use std::io::Write;
use std::path::PathBuf;

/// The key file `<database>.<extension>` beside a SQLite database.
pub fn key_file(settings: &Settings, extension: &str) -> Option<PathBuf> {
    let target = &settings.database_url.target;
    (settings.database_url.backend == Backend::Sqlite && target != ":memory:")
        .then(|| PathBuf::from(format!("{target}.{extension}")))
}

/// A key that is not set: on SQLite the one kept in `<database>.<extension>` (created by
/// `create` the first time, and accepted only when `valid` says so), a fresh one from `create`
/// for an in-memory database (it lives as long as the process), and with PostgreSQL the refusal
/// `required` (one line for the operator).
pub fn kept_beside_database(
    settings: &Settings,
    extension: &str,
    required: &str,
    create: impl Fn() -> String,
    valid: impl Fn(&str) -> bool,
) -> Result<String, String> {
    if settings.database_url.backend == Backend::Postgres {
        return Err(required.to_owned());
    }
    let Some(path) = key_file(settings, extension) else {
        return Ok(create());
    };
    let damaged = || {
        format!(
            "the key file {} is damaged; delete it to create a new one",
            path.display()
        )
    };
    match std::fs::read_to_string(&path) {
        Ok(existing) if valid(existing.trim()) => return Ok(existing.trim().to_owned()),
        Ok(_) => return Err(damaged()),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(format!("cannot read the key file {}: {e}", path.display()))
        }
        Err(_) => {}
    }
    // Written completely under a temporary name, then published with a hard link, which fails
    // if the name exists: another process starting at the same moment sees either no file or
    // a whole key, never a partial one.
    let key = create();
    let temporary = path.with_extension(format!("{extension}.{}", super::tokens::random_secret()));
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
            tracing::info!(file = %path.display(), "created a key of the installation (its setting is not set)");
            Ok(key)
        }
        // Another process published its key first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            match std::fs::read_to_string(&path) {
                Ok(theirs) if valid(theirs.trim()) => Ok(theirs.trim().to_owned()),
                _ => Err(damaged()),
            }
        }
        Err(e) => Err(format!(
            "cannot create the key file {}: {e}",
            path.display()
        )),
    }
}

/// The access-token signing key, or a one-line reason why there is none.
pub fn signing_key(settings: &Settings) -> Result<Vec<u8>, String> {
    if let Some(secret) = &settings.jwt_secret {
        return Ok(secret.expose().as_bytes().to_vec());
    }
    kept_beside_database(
        settings,
        "jwt-key",
        "invalid setting JWT_SECRET: it is required with PostgreSQL, where all nodes must share it (accepted: at least 32 random characters, e.g. from `openssl rand -base64 48`)",
        || {
            format!(
                "{}{}",
                super::tokens::random_secret(),
                super::tokens::random_secret()
            )
        },
        |existing| existing.len() >= 32,
    )
    .map(String::into_bytes)
}
