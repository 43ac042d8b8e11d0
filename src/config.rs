//! Typed settings read from the environment (and an optional `.env` file).
//!
//! Every setting has a safe default for the embedded SQLite mode, so a fresh clone runs with
//! no configuration. An invalid value stops the program with one line naming the setting and
//! what it accepts.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

/// The database backend, chosen from the scheme of `DATABASE_URL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// A parsed `DATABASE_URL`: the backend and what to hand to its driver.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    pub backend: Backend,
    /// For PostgreSQL the URL as given; for SQLite the file path (or `:memory:`).
    pub target: String,
}

impl DatabaseUrl {
    /// Picks the backend from the URL scheme; unknown schemes are rejected rather than guessed.
    pub fn parse(raw: &str) -> Result<Self, ConfigError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(ConfigError::new("DATABASE_URL", "is empty", ACCEPTED_DB));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(Self {
                backend: Backend::Postgres,
                target: raw.to_string(),
            });
        }
        if let Some(path) = raw.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(ConfigError::new(
                    "DATABASE_URL",
                    "has no file path after sqlite://",
                    ACCEPTED_DB,
                ));
            }
            return Ok(Self {
                backend: Backend::Sqlite,
                target: path.to_string(),
            });
        }
        if let Some((scheme, _)) = raw.split_once("://") {
            return Err(ConfigError::new(
                "DATABASE_URL",
                &format!("has the unsupported scheme '{scheme}://'"),
                ACCEPTED_DB,
            ));
        }
        if raw.contains(':') && raw != ":memory:" && !raw.starts_with('/') && !raw.starts_with('.')
        {
            return Err(ConfigError::new(
                "DATABASE_URL",
                "looks like a URL without a known scheme",
                ACCEPTED_DB,
            ));
        }
        Ok(Self {
            backend: Backend::Sqlite,
            target: raw.to_string(),
        })
    }

    /// A description safe for logs: PostgreSQL credentials are removed.
    pub fn redacted(&self) -> String {
        match self.backend {
            Backend::Sqlite => format!("SQLite file {}", self.target),
            Backend::Postgres => {
                let rest = self.target.split_once("://").map(|x| x.1).unwrap_or("");
                let host = rest.rsplit_once('@').map(|x| x.1).unwrap_or(rest);
                format!("PostgreSQL {host}")
            }
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

const ACCEPTED_DB: &str =
    "accepted: postgres://…, postgresql://…, sqlite://<path>, or a plain file path for SQLite";

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines (the default on a terminal).
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// All settings of the service.
#[derive(Clone)]
pub struct Settings {
    pub database_url: DatabaseUrl,
    pub bind: SocketAddr,
    /// Origins allowed by CORS (`*` is not accepted: frontends are named one by one).
    pub cors_origins: Vec<String>,
    pub log_format: LogFormat,
    /// Maximum connections in the pool of each node.
    pub db_pool_size: u32,
    /// How long a request waits for a pooled connection before answering 503.
    pub db_pool_timeout: Duration,
    /// Whether `serve` loads the demo catalogue into an empty database.
    pub seed_demo: bool,
    /// Largest accepted JSON body.
    pub json_limit_bytes: usize,
    /// How long a client may take to send a request body, from the end of its headers: a
    /// body trickled in slower answers 408 and the connection closes.
    pub body_read_timeout: Duration,
    /// Base URL the public reaches the API under, for links in logs and later e-mails.
    pub public_base_url: Option<String>,
    /// Worker threads of the HTTP server (defaults to the number of cores).
    pub workers: Option<usize>,
    /// How long a node may answer catalogue reads from its cache; zero turns the cache off.
    pub catalogue_cache_ttl: Duration,
    /// How long a node may answer anonymous comment and proposal pages from its cache (a
    /// change on the node clears it at once; other nodes see it within this time); zero turns
    /// the cache off.
    pub comment_cache_ttl: Duration,
    /// Key for signing access tokens (HS256); at least 32 bytes. Required with PostgreSQL.
    pub jwt_secret: Option<Secret>,
    /// Seed of the Ed25519 key that signs statement receipts (base64 of 32 bytes). Required
    /// with PostgreSQL; on SQLite it is kept beside the database when not set.
    pub receipt_signing_key: Option<Secret>,
    /// Public keys that signed receipts before the current one (each the base64 of its 32
    /// bytes, as `GET /api/v1/statement-receipts/key` gave it): still published, so that old
    /// receipts verify.
    pub receipt_retired_keys: Vec<[u8; 32]>,
    /// Key of the keyed hashes in the records of deleted accounts (base64 of 32 bytes).
    /// Required with PostgreSQL; on SQLite kept in `<database>.erasure-key` when not set.
    pub erasure_key: Option<Secret>,
    /// Erasure keys used before `ERASURE_KEY` was replaced (each the base64 of 32 bytes): the
    /// records made with them still apply after a restore.
    pub erasure_retired_keys: Vec<Secret>,
    /// Version of the privacy notice a registration (and, after a change, a sign-in) must
    /// accept.
    pub privacy_version: String,
    /// Whether request log lines carry the client's address, truncated (IPv4 to /24, IPv6 to
    /// /48); off unless LOG_CLIENT_NETWORK=true.
    pub log_client_network: bool,
    /// Lifetime of access tokens (at most 15 minutes).
    pub access_token_ttl: Duration,
    /// Lifetime of a session (its refresh tokens) without use.
    pub session_ttl: Duration,
    /// SMTP server for outgoing mail (`smtp://`, `smtps://`); without it mails go to the log.
    pub smtp_url: Option<Secret>,
    /// Sender of outgoing mail.
    pub mail_from: String,
    /// Write mails to the log when there is no `SMTP_URL`, also on PostgreSQL (where it is
    /// refused otherwise: mails hold single-use links, and production logs travel).
    pub mail_log: bool,
    /// Version of the terms of participation a registration must accept.
    pub terms_version: String,
    /// Rate limits (see [`RateLimitSettings`]).
    pub rate_limits: RateLimitSettings,
    /// Whether the client address is taken from the last `X-Forwarded-For` entry (only behind
    /// a reverse proxy that sets it) instead of the TCP peer.
    pub trust_forwarded_for: bool,
    /// Password hashes computed at the same time on this node (each takes 19 MiB).
    pub password_hash_concurrency: usize,
    /// Redis for rate limits shared by all nodes (`REDIS_URL`); without it each node counts
    /// on its own.
    pub redis: Option<RedisSettings>,
}

/// Where the nodes keep their shared rate limits.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisSettings {
    /// `redis://[user:password@]host[:port][/db]` or `redis+unix:///path` (may hold a
    /// password: never printed).
    pub url: Secret,
    /// Prefix of every key (`REDIS_KEY_PREFIX`), so installations can share a server.
    pub key_prefix: String,
    /// Bound of each Redis call, connecting included (`REDIS_TIMEOUT_MS`).
    pub timeout: Duration,
}

impl RedisSettings {
    /// Where the server is, safe for logs: host and port (or socket path) and database,
    /// without user or password.
    pub fn redacted(&self) -> String {
        match redis::Client::open(self.url.expose()) {
            Ok(client) => {
                let info = client.get_connection_info();
                format!("{} db {}", info.addr(), info.redis_settings().db())
            }
            Err(_) => "[invalid]".to_owned(),
        }
    }
}

impl fmt::Debug for RedisSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSettings")
            .field("server", &self.redacted())
            .field("key_prefix", &self.key_prefix)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Rate limits of the endpoints an attacker hammers. Each is a number of requests per window
/// per key; bursts up to the full number are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitSettings {
    /// Sign-ins per e-mail address per 15 minutes.
    pub login_per_address: u32,
    /// Sign-ins per client per minute.
    pub login_per_client: u32,
    /// Registrations per client per hour.
    pub register_per_client: u32,
    /// Password-reset requests per client per hour (and verification-mail requests).
    pub reset_per_client: u32,
    /// Comments, replies, proposals, edits and reports per account per 10 minutes.
    pub writes_per_account: u32,
    /// Entries a facilitator records on behalf of others (comments, proposals, ballots) per
    /// hour (`ASSISTED_PER_HOUR`, default 60).
    pub assisted_per_hour: u32,
}

/// A secret setting: never printed, not even by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &self.database_url)
            .field("bind", &self.bind)
            .field("cors_origins", &self.cors_origins)
            .field("log_format", &self.log_format)
            .field("db_pool_size", &self.db_pool_size)
            .field("db_pool_timeout", &self.db_pool_timeout)
            .field("seed_demo", &self.seed_demo)
            .field("json_limit_bytes", &self.json_limit_bytes)
            .field("public_base_url", &self.public_base_url)
            .field("workers", &self.workers)
            .field("catalogue_cache_ttl", &self.catalogue_cache_ttl)
            .field("comment_cache_ttl", &self.comment_cache_ttl)
            .field("jwt_secret", &self.jwt_secret)
            .field("receipt_signing_key", &self.receipt_signing_key)
            .field("receipt_retired_keys", &self.receipt_retired_keys.len())
            .field("erasure_key", &self.erasure_key)
            .field("erasure_retired_keys", &self.erasure_retired_keys.len())
            .field("privacy_version", &self.privacy_version)
            .field("log_client_network", &self.log_client_network)
            .field("access_token_ttl", &self.access_token_ttl)
            .field("session_ttl", &self.session_ttl)
            .field("smtp_url", &self.smtp_url)
            .field("mail_from", &self.mail_from)
            .field("mail_log", &self.mail_log)
            .field("terms_version", &self.terms_version)
            .field("rate_limits", &self.rate_limits)
            .field("trust_forwarded_for", &self.trust_forwarded_for)
            .field("password_hash_concurrency", &self.password_hash_concurrency)
            .field("redis", &self.redis)
            .finish()
    }
}

/// A setting with an invalid value; `Display` gives the one line an operator needs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid setting {name}: {problem} ({accepted})")]
pub struct ConfigError {
    pub name: String,
    pub problem: String,
    pub accepted: String,
}

impl ConfigError {
    fn new(name: &str, problem: &str, accepted: &str) -> Self {
        Self {
            name: name.into(),
            problem: problem.into(),
            accepted: accepted.into(),
        }
    }
}

/// The default SQLite file, relative to the working directory.
pub const DEFAULT_DATABASE: &str = "beteiligung.db";

impl Settings {
    /// Reads settings from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can supply their own environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let database_url =
            DatabaseUrl::parse(&get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE.into()))?;
        let bind = match get("BIND") {
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
            Some(v) => v.trim().parse().map_err(|_| {
                ConfigError::new(
                    "BIND",
                    &format!("'{v}' is not an address"),
                    "accepted: IP:port, e.g. 127.0.0.1:8080 or 0.0.0.0:8080",
                )
            })?,
        };
        let cors_origins = match get("CORS_ORIGINS") {
            None => Vec::new(),
            Some(v) => parse_origins(&v)?,
        };
        let log_format = match get("LOG_FORMAT").as_deref().map(str::trim) {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError::new(
                    "LOG_FORMAT",
                    &format!("'{other}' is not a log format"),
                    "accepted: text, json",
                ))
            }
        };
        let db_pool_size = parse_number(get("DB_POOL_SIZE"), "DB_POOL_SIZE", 10, 1, 1000)?;
        let timeout_secs = parse_number(
            get("DB_POOL_TIMEOUT_SECS"),
            "DB_POOL_TIMEOUT_SECS",
            5,
            1,
            300,
        )?;
        let json_limit_bytes = parse_number(
            get("JSON_LIMIT_BYTES"),
            "JSON_LIMIT_BYTES",
            64 * 1024,
            1024,
            16 << 20,
        )?;
        let body_secs = parse_number(
            get("BODY_READ_TIMEOUT_SECS"),
            "BODY_READ_TIMEOUT_SECS",
            15,
            1,
            3600,
        )?;
        let seed_demo = parse_bool(get("SEED_DEMO"), "SEED_DEMO", true)?;
        let public_base_url = match get("PUBLIC_BASE_URL") {
            None => None,
            Some(v) if v.starts_with("http://") || v.starts_with("https://") => {
                Some(v.trim_end_matches('/').to_string())
            }
            Some(v) => {
                return Err(ConfigError::new(
                    "PUBLIC_BASE_URL",
                    &format!("'{v}' is not an http(s) URL"),
                    "accepted: https://host[/path]",
                ))
            }
        };
        let workers = match get("WORKERS") {
            None => None,
            Some(v) => Some(parse_number(Some(v), "WORKERS", 1, 1, 256)? as usize),
        };
        let cache_secs = parse_number(
            get("CATALOGUE_CACHE_TTL_SECS"),
            "CATALOGUE_CACHE_TTL_SECS",
            5,
            0,
            3600,
        )?;
        let comment_cache_secs = parse_number(
            get("COMMENT_CACHE_TTL_SECS"),
            "COMMENT_CACHE_TTL_SECS",
            2,
            0,
            60,
        )?;
        let jwt_secret =
            match get("JWT_SECRET") {
                None => None,
                Some(v) if v.trim().len() >= 32 => Some(Secret::new(v.trim())),
                Some(_) => return Err(ConfigError::new(
                    "JWT_SECRET",
                    "is too short",
                    "accepted: at least 32 random characters, e.g. from `openssl rand -base64 48`",
                )),
            };
        let receipt_signing_key =
            match get("RECEIPT_SIGNING_KEY") {
                None => None,
                Some(v) if seed_of(v.trim()).is_some() => Some(Secret::new(v.trim())),
                Some(_) => return Err(ConfigError::new(
                    "RECEIPT_SIGNING_KEY",
                    "is not a key",
                    "accepted: the base64 of 32 random bytes, e.g. from `openssl rand -base64 32`",
                )),
            };
        let erasure_key =
            match get("ERASURE_KEY") {
                None => None,
                Some(v) if seed_of(v.trim()).is_some() => Some(Secret::new(v.trim())),
                Some(_) => return Err(ConfigError::new(
                    "ERASURE_KEY",
                    "is not a key",
                    "accepted: the base64 of 32 random bytes, e.g. from `openssl rand -base64 32`",
                )),
            };
        let mut erasure_retired_keys = Vec::new();
        for key in get("ERASURE_RETIRED_KEYS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
        {
            if seed_of(key).is_none() {
                return Err(ConfigError::new(
                    "ERASURE_RETIRED_KEYS",
                    "holds something that is not a key",
                    "accepted: a comma-separated list of earlier ERASURE_KEY values, each the base64 of 32 bytes",
                ));
            }
            erasure_retired_keys.push(Secret::new(key));
        }
        let mut receipt_retired_keys = Vec::new();
        for key in get("RECEIPT_RETIRED_KEYS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
        {
            receipt_retired_keys.push(seed_of(key).ok_or_else(|| {
                ConfigError::new(
                    "RECEIPT_RETIRED_KEYS",
                    "holds something that is not a public key",
                    "accepted: a comma-separated list of public keys, each the base64 of 32 bytes (`public_key` of GET /api/v1/statement-receipts/key)",
                )
            })?);
        }
        let access_secs = parse_number(
            get("ACCESS_TOKEN_TTL_SECS"),
            "ACCESS_TOKEN_TTL_SECS",
            900,
            30,
            900,
        )?;
        let session_days = parse_number(get("SESSION_TTL_DAYS"), "SESSION_TTL_DAYS", 30, 1, 365)?;
        let smtp_url = match get("SMTP_URL") {
            None => None,
            Some(v) if v.starts_with("smtps://") => Some(Secret::new(v.trim())),
            Some(v) if v.starts_with("smtp://") => {
                // Plain SMTP would carry the relay's credentials and the mailed links in clear.
                let rest = &v["smtp://".len()..];
                let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
                let loopback = ["localhost", "127.0.0.1", "[::1]"]
                    .iter()
                    .any(|l| host.starts_with(l));
                if !loopback && !v.contains("tls=required") && !v.contains("tls=opportunistic") {
                    return Err(ConfigError::new(
                        "SMTP_URL",
                        "would send mail unencrypted",
                        "accepted: smtps://…, or smtp://…?tls=required (STARTTLS); plain smtp:// only to localhost",
                    ));
                }
                Some(Secret::new(v.trim()))
            }
            Some(_) => {
                return Err(ConfigError::new(
                    "SMTP_URL",
                    "has an unsupported scheme",
                    "accepted: smtp://[user:password@]host[:port][?tls=required] or smtps://…",
                ))
            }
        };
        let mail_log = parse_bool(get("MAIL_LOG"), "MAIL_LOG", false)?;
        let mail_from =
            get("MAIL_FROM").unwrap_or_else(|| "Beteiligung <noreply@localhost>".into());
        if mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError::new(
                "MAIL_FROM",
                &format!("'{mail_from}' is not a mailbox"),
                "accepted: Name <address@example.org> or address@example.org",
            ));
        }
        let terms_version = get("TERMS_VERSION").unwrap_or_else(|| "2026-11".into());
        if terms_version.len() > 32 {
            return Err(ConfigError::new(
                "TERMS_VERSION",
                "is too long",
                "accepted: up to 32 characters",
            ));
        }
        let privacy_version = get("PRIVACY_VERSION").unwrap_or_else(|| "2026-12".into());
        if privacy_version.is_empty() || privacy_version.len() > 32 {
            return Err(ConfigError::new(
                "PRIVACY_VERSION",
                "is empty or too long",
                "accepted: 1 to 32 characters",
            ));
        }
        let log_client_network =
            parse_bool(get("LOG_CLIENT_NETWORK"), "LOG_CLIENT_NETWORK", false)?;
        let rate_limits = RateLimitSettings {
            login_per_address: parse_number(
                get("RATE_LIMIT_LOGIN_PER_ADDRESS"),
                "RATE_LIMIT_LOGIN_PER_ADDRESS",
                10,
                1,
                1_000_000,
            )?,
            login_per_client: parse_number(
                get("RATE_LIMIT_LOGIN_PER_CLIENT"),
                "RATE_LIMIT_LOGIN_PER_CLIENT",
                30,
                1,
                1_000_000,
            )?,
            register_per_client: parse_number(
                get("RATE_LIMIT_REGISTER_PER_CLIENT"),
                "RATE_LIMIT_REGISTER_PER_CLIENT",
                20,
                1,
                1_000_000,
            )?,
            reset_per_client: parse_number(
                get("RATE_LIMIT_RESET_PER_CLIENT"),
                "RATE_LIMIT_RESET_PER_CLIENT",
                10,
                1,
                1_000_000,
            )?,
            writes_per_account: parse_number(
                get("RATE_LIMIT_WRITES_PER_ACCOUNT"),
                "RATE_LIMIT_WRITES_PER_ACCOUNT",
                30,
                1,
                1_000_000,
            )?,
            assisted_per_hour: parse_number(
                get("ASSISTED_PER_HOUR"),
                "ASSISTED_PER_HOUR",
                60,
                1,
                1_000_000,
            )?,
        };
        let trust_forwarded_for =
            parse_bool(get("TRUST_FORWARDED_FOR"), "TRUST_FORWARDED_FOR", false)?;
        // Half the cores by default: a burst of sign-ins then leaves the other half to the
        // rest of the API.
        let half_the_cores =
            (std::thread::available_parallelism().map_or(2, |n| n.get()) / 2).max(1) as u32;
        let password_hash_concurrency = parse_number(
            get("PASSWORD_HASH_CONCURRENCY"),
            "PASSWORD_HASH_CONCURRENCY",
            half_the_cores,
            1,
            256,
        )? as usize;
        let redis = parse_redis(
            get("REDIS_URL"),
            get("REDIS_KEY_PREFIX"),
            get("REDIS_TIMEOUT_MS"),
        )?;
        Ok(Self {
            database_url,
            bind,
            cors_origins,
            log_format,
            db_pool_size,
            db_pool_timeout: Duration::from_secs(timeout_secs.into()),
            seed_demo,
            json_limit_bytes: json_limit_bytes as usize,
            body_read_timeout: Duration::from_secs(body_secs.into()),
            public_base_url,
            workers,
            catalogue_cache_ttl: Duration::from_secs(cache_secs.into()),
            comment_cache_ttl: Duration::from_secs(comment_cache_secs.into()),
            jwt_secret,
            receipt_signing_key,
            receipt_retired_keys,
            erasure_key,
            erasure_retired_keys,
            privacy_version,
            log_client_network,
            access_token_ttl: Duration::from_secs(access_secs.into()),
            session_ttl: Duration::from_secs(u64::from(session_days) * 86_400),
            smtp_url,
            mail_from,
            mail_log,
            terms_version,
            rate_limits,
            trust_forwarded_for,
            password_hash_concurrency,
            redis,
        })
    }
}

/// `REDIS_URL` with its companions, checked without connecting. Errors never repeat the URL,
/// which may hold a password.
fn parse_redis(
    url: Option<String>,
    prefix: Option<String>,
    timeout_ms: Option<String>,
) -> Result<Option<RedisSettings>, ConfigError> {
    let key_prefix = prefix.unwrap_or_else(|| "beteiligung:limits:".into());
    let key_prefix = key_prefix.trim().to_owned();
    if key_prefix.is_empty()
        || key_prefix.len() > 64
        || !key_prefix.chars().all(|c| c.is_ascii_graphic())
    {
        return Err(ConfigError::new(
            "REDIS_KEY_PREFIX",
            "is not a key prefix",
            "accepted: 1 to 64 visible ASCII characters without spaces, e.g. beteiligung:limits:",
        ));
    }
    let timeout_ms = parse_number(timeout_ms, "REDIS_TIMEOUT_MS", 250, 10, 5000)?;
    let Some(url) = url.map(|u| u.trim().to_owned()) else {
        return Ok(None);
    };
    const ACCEPTED: &str =
        "accepted: redis://[user:password@]host[:port][/db] or redis+unix:///path/to/socket";
    if url.starts_with("rediss://") {
        return Err(ConfigError::new(
            "REDIS_URL",
            "asks for TLS (rediss://), which this build does not include",
            "accepted: redis:// on a trusted network or loopback, or redis+unix://",
        ));
    }
    if !(url.starts_with("redis://") || url.starts_with("redis+unix://")) {
        return Err(ConfigError::new(
            "REDIS_URL",
            "has an unsupported scheme",
            ACCEPTED,
        ));
    }
    if redis::Client::open(url.as_str()).is_err() {
        return Err(ConfigError::new(
            "REDIS_URL",
            "is not a valid URL",
            ACCEPTED,
        ));
    }
    Ok(Some(RedisSettings {
        url: Secret::new(url),
        key_prefix,
        timeout: Duration::from_millis(timeout_ms.into()),
    }))
}

/// 32 bytes written as base64 (standard alphabet, padded) — an Ed25519 key's seed or public
/// key — or `None`.
pub fn seed_of(value: &str) -> Option<[u8; 32]> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(value)
        .ok()?
        .try_into()
        .ok()
}

fn parse_number(
    raw: Option<String>,
    name: &str,
    default: u32,
    min: u32,
    max: u32,
) -> Result<u32, ConfigError> {
    let Some(raw) = raw else { return Ok(default) };
    match raw.trim().parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(ConfigError::new(
            name,
            &format!("'{raw}' is out of range"),
            &format!("accepted: a whole number from {min} to {max}"),
        )),
    }
}

fn parse_bool(raw: Option<String>, name: &str, default: bool) -> Result<bool, ConfigError> {
    match raw.as_deref().map(str::trim) {
        None => Ok(default),
        Some("true") | Some("1") => Ok(true),
        Some("false") | Some("0") => Ok(false),
        Some(other) => Err(ConfigError::new(
            name,
            &format!("'{other}' is not a boolean"),
            "accepted: true, false, 1, 0",
        )),
    }
}

fn parse_origins(raw: &str) -> Result<Vec<String>, ConfigError> {
    let mut out = Vec::new();
    for origin in raw.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        let valid = (origin.starts_with("https://") || origin.starts_with("http://"))
            && !origin.ends_with('/')
            && origin.split_once("://").is_some_and(|(_, host)| {
                !host.is_empty() && !host.contains('/') && !host.contains('*')
            });
        if !valid {
            return Err(ConfigError::new(
                "CORS_ORIGINS",
                &format!("'{origin}' is not an origin"),
                "accepted: comma-separated origins such as https://beteiligung.example.org, no paths, no wildcards",
            ));
        }
        out.push(origin.to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::from_lookup(|k| {
            pairs
                .iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn defaults_need_no_configuration() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.database_url.backend, Backend::Sqlite);
        assert_eq!(s.database_url.target, DEFAULT_DATABASE);
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert!(s.seed_demo);
    }

    #[test]
    fn backend_comes_from_the_scheme() {
        let pg = DatabaseUrl::parse("postgresql://u:secret@db:5432/x").unwrap();
        assert_eq!(pg.backend, Backend::Postgres);
        assert!(!format!("{pg:?}").contains("secret"));
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/b.db").unwrap().target,
            "/var/lib/b.db"
        );
        assert_eq!(
            DatabaseUrl::parse("./data/b.db").unwrap().backend,
            Backend::Sqlite
        );
    }

    #[test]
    fn unknown_scheme_names_the_accepted_ones() {
        let err = settings(&[("DATABASE_URL", "mysql://localhost/db")]).unwrap_err();
        let line = err.to_string();
        assert!(line.contains("DATABASE_URL"), "{line}");
        assert!(line.contains("mysql://"), "{line}");
        assert!(line.contains("postgres://"), "{line}");
        assert!(line.contains("sqlite://"), "{line}");
        assert!(!line.contains('\n'));
    }

    #[test]
    fn invalid_values_name_the_setting() {
        for (name, value) in [
            ("BIND", "localhost"),
            ("CORS_ORIGINS", "*"),
            ("CORS_ORIGINS", "https://a.example/path"),
            ("LOG_FORMAT", "xml"),
            ("DB_POOL_SIZE", "0"),
            ("SEED_DEMO", "maybe"),
            ("PUBLIC_BASE_URL", "ftp://x"),
            ("JWT_SECRET", "short"),
            ("RECEIPT_SIGNING_KEY", "c2hvcnQ="),
            ("RECEIPT_RETIRED_KEYS", "c2hvcnQ="),
            ("ACCESS_TOKEN_TTL_SECS", "3600"),
            ("SMTP_URL", "http://mail"),
            ("SMTP_URL", "smtp://mail.example.org:25"),
            ("MAIL_LOG", "maybe"),
            ("MAIL_FROM", "not a mailbox"),
            ("RATE_LIMIT_LOGIN_PER_CLIENT", "0"),
            ("TRUST_FORWARDED_FOR", "yes"),
            ("REDIS_URL", "http://127.0.0.1:6379"),
            ("REDIS_URL", "rediss://cache.example:6380"),
            ("REDIS_URL", "redis://127.0.0.1:notaport"),
            ("REDIS_KEY_PREFIX", "has space"),
            ("REDIS_TIMEOUT_MS", "0"),
        ] {
            let err = settings(&[(name, value)]).unwrap_err();
            assert_eq!(err.name, name, "{value}");
        }
    }

    #[test]
    fn secrets_are_not_printed() {
        let s = settings(&[
            ("JWT_SECRET", "0123456789abcdef0123456789abcdef-hunter2"),
            (
                "RECEIPT_SIGNING_KEY",
                "aHVudGVyM2h1bnRlcjNodW50ZXIzaHVudGVyM2h1bnQ=",
            ),
            (
                "SMTP_URL",
                "smtp://user:mailpassword@mail.example:587?tls=required",
            ),
            (
                "REDIS_URL",
                "redis://limits:redispassword@cache.example:6380/2",
            ),
        ])
        .unwrap();
        let printed = format!("{s:?}");
        assert!(printed.contains("cache.example:6380 db 2"), "{printed}");
        assert!(!printed.contains("redispassword"), "{printed}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(!printed.contains("aHVudGVy"), "{printed}");
        assert!(!printed.contains("mailpassword"), "{printed}");
    }

    #[test]
    fn redis_is_optional_with_a_prefix_and_a_bounded_timeout() {
        assert_eq!(settings(&[]).unwrap().redis, None);
        let s = settings(&[("REDIS_URL", "redis://127.0.0.1:6379")]).unwrap();
        let redis = s.redis.unwrap();
        assert_eq!(redis.key_prefix, "beteiligung:limits:");
        assert_eq!(redis.timeout, Duration::from_millis(250));
        let err = settings(&[("REDIS_URL", "redis://:pw-in-url@127.0.0.1:notaport")]).unwrap_err();
        assert!(!err.to_string().contains("pw-in-url"), "{err}");
    }

    #[test]
    fn cors_origins_are_a_list() {
        let s = settings(&[("CORS_ORIGINS", "https://a.example, http://localhost:5173")]).unwrap();
        assert_eq!(
            s.cors_origins,
            vec!["https://a.example", "http://localhost:5173"]
        );
    }
}
