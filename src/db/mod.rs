//! Database access for both backends: the connection enum, the pool and the migrations.
//!
//! The backend is chosen from the scheme of `DATABASE_URL` (see [`crate::config`]); one
//! portable schema serves both. All database work from request handlers goes through
//! [`Db::run`], which runs it on the blocking thread pool, never on an actix worker.

pub mod backup;
pub mod schema;

use crate::config::{Backend, DatabaseUrl};
use crate::error::{ApiError, ApiResult};
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// A connection to either backend; queries written once run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// Runs `$body` with `$c` bound to the concrete connection inside a [`DbConnection`], for the
/// few queries the enum cannot run itself (upserts with `on_conflict`, `RETURNING` rows).
#[macro_export]
macro_rules! db_run {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Postgresql($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}

/// Settings applied to every SQLite connection when it is opened.
///
/// - `journal_mode=WAL`: readers never block the writer and the writer never blocks readers.
/// - `synchronous=FULL`: a commit is on disk before it is acknowledged, so it survives the
///   process being killed and also a power cut (`NORMAL` would survive only the former).
/// - `busy_timeout`: a writer waits for the lock instead of failing with "database is locked".
/// - `foreign_keys=ON`: SQLite enforces foreign keys only when asked.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
PRAGMA busy_timeout = 10000;
PRAGMA foreign_keys = ON;";

/// How long libpq may take to open a PostgreSQL connection (its `connect_timeout`) unless the
/// URL sets one: without it a connection attempt to a host that drops packets hangs for minutes
/// (the kernel's SYN retries) and holds one of the pool's few connecting threads all that time.
pub const CONNECT_TIMEOUT_SECS: u64 = 5;

/// libpq's parameters a PostgreSQL URL gets unless it sets them itself: the connect timeout,
/// and bounds on a connection that is already open when the server vanishes without closing it
/// (a network partition, not a restart). Without them a query on such a connection, or the
/// `/readyz` ping on an idle one, waits for the kernel's TCP retries (about 15 minutes) or its
/// keepalive (2 hours), holding a permit, a blocking thread and the connection; with them it
/// fails within about 20 s (unacknowledged data for 20 s, or an idle connection unanswered for
/// 10 + 3 × 5 s), the connection is dropped as broken and the node answers 503 until the
/// server is back.
pub const LIBPQ_DEFAULTS: &[(&str, &str)] = &[
    ("connect_timeout", "5"),
    ("keepalives", "1"),
    ("keepalives_idle", "10"),
    ("keepalives_interval", "5"),
    ("keepalives_count", "3"),
    ("tcp_user_timeout", "20000"),
];

/// The PostgreSQL URL with each of [`LIBPQ_DEFAULTS`] added that it does not set itself.
fn with_connect_timeout(url: &str) -> std::borrow::Cow<'_, str> {
    debug_assert_eq!(LIBPQ_DEFAULTS[0].1, CONNECT_TIMEOUT_SECS.to_string());
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let given: Vec<&str> = query
        .split('&')
        .filter_map(|pair| pair.split('=').next())
        .collect();
    let missing: Vec<String> = LIBPQ_DEFAULTS
        .iter()
        .filter(|(name, _)| !given.contains(name))
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    if missing.is_empty() {
        return url.into();
    }
    let glue = if url.contains('?') { '&' } else { '?' };
    format!("{url}{glue}{}", missing.join("&")).into()
}

/// Opens connections of the configured backend for the r2d2 pool.
#[derive(Debug, Clone)]
pub struct DbManager {
    url: DatabaseUrl,
}

impl DbManager {
    pub fn new(url: DatabaseUrl) -> Self {
        Self { url }
    }
}

/// Opens one connection to the configured database, with the SQLite settings applied.
pub fn establish(url: &DatabaseUrl) -> ConnectionResult<DbConnection> {
    match url.backend {
        Backend::Postgres => diesel::PgConnection::establish(&with_connect_timeout(&url.target))
            .map(DbConnection::Postgresql),
        Backend::Sqlite => {
            let mut conn = diesel::SqliteConnection::establish(&url.target)?;
            conn.batch_execute(SQLITE_PRAGMAS)
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
            Ok(DbConnection::Sqlite(conn))
        }
    }
}

impl ManageConnection for DbManager {
    type Connection = DbConnection;
    type Error = ConnectionError;

    fn connect(&self) -> Result<DbConnection, ConnectionError> {
        establish(&self.url)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectionError> {
        conn.batch_execute("SELECT 1")
            .map_err(ConnectionError::CouldntSetupConfiguration)
    }

    /// Broken when its transaction state is, or — after work on it failed on this thread
    /// ([`Db::run`] says so) — when it no longer answers: a connection that died with a
    /// database restart leaves the pool with the request that found out.
    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        let check = CHECK_ON_RETURN.with(|check| check.replace(false));
        r2d2::R2D2Connection::is_broken(conn) || (check && self.is_valid(conn).is_err())
    }
}

thread_local! {
    /// Set by [`Db`] on the blocking thread that found its connection dead, read
    /// by [`DbManager::has_broken`] when the connection goes back to the pool on that thread.
    static CHECK_ON_RETURN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// How long after a failed query every connection is checked as it is handed out.
const SUSPICION: Duration = Duration::from_secs(5);

/// How long a request waits for a connection while the database is taken for unreachable (a
/// connection died or none could be opened, and none is open now): it answers 503 after this
/// instead of after the whole `DB_POOL_TIMEOUT_SECS`, while r2d2 keeps trying to connect in
/// the background (at least every `DB_POOL_TIMEOUT_SECS / 2`).
pub const UNREACHABLE_WAIT: Duration = Duration::from_secs(1);

pub type Pool = r2d2::Pool<DbManager>;
pub type PooledConnection = r2d2::PooledConnection<DbManager>;
/// The pool could not hand out a connection in time (database down or pool exhausted).
pub type PoolError = r2d2::PoolError;

/// Either the pool or the query failed.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database connection: {0}")]
    Pool(#[from] PoolError),
    #[error("query: {0}")]
    Query(#[from] diesel::result::Error),
}

/// Builds the pool; fails when no connection can be opened within `timeout`.
pub fn build_pool(url: &DatabaseUrl, size: u32, timeout: Duration) -> Result<Pool, PoolError> {
    let size = match url.backend {
        // One in-memory SQLite database exists per connection; share it by using one.
        Backend::Sqlite if url.target == ":memory:" => 1,
        _ => size,
    };
    r2d2::Pool::builder()
        .max_size(size)
        // No idle connections are kept ready in the background: r2d2 would open them on its own
        // threads, and a process ending while one of those is inside libpq crashes in OpenSSL's
        // exit handler (seen: segfaults at the end of CLI commands on PostgreSQL).
        .min_idle(Some(0))
        .connection_timeout(timeout)
        // Connections are not checked as they are handed out: on PostgreSQL that is one round
        // trip more for every request, as much as a whole signed-in read costs. Dead ones are
        // found when work on them fails, and then for a while every connection is checked
        // before use ([`Db::run`]).
        .test_on_check_out(false)
        .build(DbManager::new(url.clone()))
}

/// The database as request handlers see it: a pool plus the rule that work runs off the
/// async workers.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    backend: Backend,
    /// One permit per pooled connection: requests beyond that wait here, as cheap futures,
    /// instead of as blocking threads parked on the pool (which costs a thread each and
    /// context switches for all of them).
    permits: Arc<Semaphore>,
    /// Long downloads (exports, files) at once: a quarter of the pool (at least one), so that
    /// slow readers of large files never take every connection from the rest of the API.
    downloads: Arc<Semaphore>,
    /// Until when (milliseconds on [`Db::started`]'s clock) connections are checked before
    /// use, because a query failed with a server error: after a database restart every pooled
    /// connection is dead, and only the first request that meets one fails.
    suspect_until: Arc<std::sync::atomic::AtomicU64>,
    started: std::time::Instant,
}

impl Db {
    pub fn new(pool: Pool, backend: Backend) -> Self {
        let permits = Arc::new(Semaphore::new(pool.max_size() as usize));
        let downloads = Arc::new(Semaphore::new((pool.max_size() as usize / 4).max(1)));
        Self {
            pool,
            backend,
            permits,
            downloads,
            suspect_until: Arc::default(),
            started: std::time::Instant::now(),
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// One of the pool's permits, for work that holds a connection outside [`Db::run`] (a
    /// streamed export): it counts against the same bound, and is waited for at most
    /// `DB_POOL_TIMEOUT_SECS` (then 503).
    pub async fn permit(&self) -> ApiResult<tokio::sync::OwnedSemaphorePermit> {
        let wait = self.pool.connection_timeout();
        match actix_web::rt::time::timeout(wait, self.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(ApiError::unavailable()),
        }
    }

    /// A place among the node's long downloads, or `503` with `Retry-After` at once when they
    /// are all taken (a download waits for nobody).
    pub fn download_slot(&self) -> ApiResult<tokio::sync::OwnedSemaphorePermit> {
        self.downloads.clone().try_acquire_owned().map_err(|_| {
            let mut busy = ApiError::unavailable();
            busy.detail = crate::error::Text::new(
                "Auf diesem Server laufen gerade zu viele Downloads. Bitte versuchen Sie es gleich noch einmal.",
                "Too many downloads are running on this node; try again shortly.",
            );
            busy
        })
    }

    /// Runs `f` with a pooled connection on the blocking thread pool; both the wait for a
    /// connection and the query happen there, never on an actix worker.
    ///
    /// The wait for a permit and a connection together lasts at most `DB_POOL_TIMEOUT_SECS`
    /// (the pool's connection timeout), and at most [`UNREACHABLE_WAIT`] while the database
    /// is taken for unreachable; then the answer is 503 `database_unavailable`.
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: Send + 'static,
        ApiError: From<E>,
    {
        let wait = self.pool.connection_timeout();
        let deadline = std::time::Instant::now() + wait;
        let _permit = match actix_web::rt::time::timeout(wait, self.permits.acquire()).await {
            Ok(Ok(permit)) => permit,
            Ok(Err(_)) => return Err(ApiError::unavailable()),
            Err(_) => {
                tracing::warn!("no database connection: every one is busy or unreachable");
                return Err(ApiError::unavailable());
            }
        };
        let db = self.clone();
        let outcome = actix_web::web::block(move || -> Result<Result<T, ApiError>, DbError> {
            let mut conn = match db.connection(deadline) {
                Ok(conn) => conn,
                // Every connection tried was dead.
                Err(DbError::Query(_)) => return Ok(Err(ApiError::unavailable())),
                Err(refused) => return Err(refused),
            };
            let outcome = f(&mut conn).map_err(ApiError::from);
            if outcome.as_ref().is_err_and(|e| e.status.is_server_error())
                && conn.batch_execute("SELECT 1").is_err()
            {
                // The connection died (a database restart, a network cut): it leaves the pool
                // as it goes back, the others are checked before their next use for a while,
                // and the caller hears that the database is unavailable (503, `Retry-After`).
                CHECK_ON_RETURN.with(|check| check.set(true));
                db.suspect();
                return Ok(Err(ApiError::unavailable()));
            }
            Ok(outcome)
        })
        .await?;
        outcome?
    }

    fn millis(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// From now on for [`SUSPICION`], connections are checked before use and, while none is
    /// open, waited for only [`UNREACHABLE_WAIT`].
    fn suspect(&self) {
        self.suspect_until.store(
            self.millis() + SUSPICION.as_millis() as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    fn suspected(&self) -> bool {
        self.millis()
            < self
                .suspect_until
                .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A connection from the pool; while connections are suspect, one that answers.
    fn connection(&self, deadline: std::time::Instant) -> Result<PooledConnection, DbError> {
        if !self.suspected() {
            return Ok(self.wait(deadline)?);
        }
        self.answering(deadline)
    }

    /// Waits for a pooled connection until `deadline` — only [`UNREACHABLE_WAIT`] when the
    /// database is suspect and no connection is open. A wait that ends with no connection open
    /// (none could be made) makes the database suspect.
    fn wait(&self, deadline: std::time::Instant) -> Result<PooledConnection, PoolError> {
        let mut wait = deadline.saturating_duration_since(std::time::Instant::now());
        if self.suspected() && self.pool.state().connections == 0 {
            wait = wait.min(UNREACHABLE_WAIT);
        }
        self.pool.get_timeout(wait).inspect_err(|_| {
            if self.pool.state().connections == 0 {
                self.suspect();
            }
        })
    }

    /// A connection that answers `SELECT 1`, waiting until `deadline` at most; the dead ones
    /// met on the way are dropped from the pool.
    fn answering(&self, deadline: std::time::Instant) -> Result<PooledConnection, DbError> {
        let mut conn = self.wait(deadline)?;
        for attempt in 0..=self.pool.max_size() {
            match conn.batch_execute("SELECT 1") {
                Ok(()) => return Ok(conn),
                Err(dead) => {
                    CHECK_ON_RETURN.with(|check| check.set(true));
                    self.suspect();
                    if attempt == self.pool.max_size() {
                        return Err(DbError::Query(dead));
                    }
                }
            }
            drop(conn);
            conn = self.wait(deadline)?;
        }
        unreachable!("the last attempt returns")
    }

    /// [`Db::run`] inside one [`write_transaction`]: what a domain change runs in, so that
    /// it and its audit entry are written together or not at all.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<diesel::result::Error> + Send + 'static,
        ApiError: From<E>,
    {
        self.run(move |conn| write_transaction(conn, f)).await
    }

    /// Checks that the database answers, waiting at most `timeout` for a connection; connections
    /// that died meanwhile (a database restart) leave the pool on the way.
    pub async fn ping(&self, timeout: Duration) -> Result<(), DbError> {
        let db = self.clone();
        let deadline = std::time::Instant::now() + timeout;
        actix_web::web::block(move || db.answering(deadline).map(drop))
            .await
            .map_err(|_| DbError::Query(diesel::result::Error::BrokenTransactionManager))?
    }
}

/// Runs `f` in a read-only transaction that sees one snapshot of the database throughout:
/// `REPEATABLE READ` on PostgreSQL; on SQLite (WAL) a deferred transaction, whose snapshot is
/// taken at its first read.
pub fn read_snapshot<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    conn.transaction(|conn| {
        if let DbConnection::Postgresql(_) = conn {
            conn.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
        }
        f(conn)
    })
}

/// Runs `f` in a write transaction.
///
/// On SQLite the transaction starts with `BEGIN IMMEDIATE`: it takes the write lock at the
/// start, so concurrent writers wait for each other (up to `busy_timeout`) instead of failing
/// with "database is locked" when a deferred transaction tries to upgrade its read lock.
/// Called inside another write transaction it opens a savepoint.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    let DbConnection::Sqlite(sqlite) = conn else {
        return conn.transaction(f);
    };
    let depth =
        AnsiTransactionManager::transaction_manager_status_mut(sqlite).transaction_depth()?;
    if depth.is_some() {
        // Already inside a write transaction: a savepoint, as diesel nests them.
        return conn.transaction(f);
    }
    AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
    let result = f(conn);
    let DbConnection::Sqlite(sqlite) = conn else {
        unreachable!("the connection cannot change its backend")
    };
    match result {
        Ok(value) => {
            <AnsiTransactionManager as TransactionManager<diesel::SqliteConnection>>::commit_transaction(sqlite)?;
            Ok(value)
        }
        Err(e) => {
            <AnsiTransactionManager as TransactionManager<diesel::SqliteConnection>>::rollback_transaction(sqlite)?;
            Err(e)
        }
    }
}

const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

type MigrationError = Box<dyn std::error::Error + Send + Sync>;

fn names(versions: Vec<diesel::migration::MigrationVersion<'_>>) -> Vec<String> {
    versions.into_iter().map(|v| v.to_string()).collect()
}

/// Applies all pending migrations; returns the names of those applied.
pub fn run_migrations(conn: &mut DbConnection) -> Result<Vec<String>, MigrationError> {
    Ok(match conn {
        DbConnection::Postgresql(c) => names(c.run_pending_migrations(POSTGRES_MIGRATIONS)?),
        DbConnection::Sqlite(c) => names(c.run_pending_migrations(SQLITE_MIGRATIONS)?),
    })
}

/// Reverts every applied migration (used by the migration test and by operators rolling back).
pub fn revert_all_migrations(conn: &mut DbConnection) -> Result<Vec<String>, MigrationError> {
    Ok(match conn {
        DbConnection::Postgresql(c) => names(c.revert_all_migrations(POSTGRES_MIGRATIONS)?),
        DbConnection::Sqlite(c) => names(c.revert_all_migrations(SQLITE_MIGRATIONS)?),
    })
}

impl From<PoolError> for ApiError {
    fn from(e: PoolError) -> Self {
        tracing::warn!(error = %e, "no database connection");
        Self::unavailable()
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Pool(p) => p.into(),
            DbError::Query(q) => q.into(),
        }
    }
}

/// An enum of the API that the database stores as text: serde and OpenAPI in snake case,
/// `as_str` for writing it and `from_stored` for reading it back (a CHECK constraint of the
/// column admits only these values).
#[macro_export]
macro_rules! stored_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }

            /// The value as the database holds it (its CHECK constraint admits only these).
            pub fn from_stored(value: &str) -> Option<Self> {
                match value { $($text => Some(Self::$variant),)+ _ => None }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::with_connect_timeout;

    #[test]
    fn a_postgres_url_gets_the_bounds_it_does_not_set_itself() {
        let all = "connect_timeout=5&keepalives=1&keepalives_idle=10&keepalives_interval=5\
                   &keepalives_count=3&tcp_user_timeout=20000";
        assert_eq!(
            with_connect_timeout("postgres://u@db/app"),
            format!("postgres://u@db/app?{all}")
        );
        let own = with_connect_timeout("postgres://u@db/app?sslmode=require&tcp_user_timeout=5000");
        assert!(
            own.starts_with(
                "postgres://u@db/app?sslmode=require&tcp_user_timeout=5000&connect_timeout=5&"
            ),
            "{own}"
        );
        assert_eq!(own.matches("tcp_user_timeout").count(), 1, "{own}");
        let complete = format!("postgres://u@db/app?{all}");
        assert_eq!(with_connect_timeout(&complete), complete);
    }
}
