//! Shared helpers of the integration tests: a fresh database per test on either backend, the
//! real application built in-process, and small request helpers.
//!
//! SQLite always; PostgreSQL when `TEST_DATABASE_URL` names a server database that may create
//! databases (one is created per test and dropped afterwards). With `REQUIRE_POSTGRES=1` (set
//! by `.ci/run`) a missing `TEST_DATABASE_URL` fails the PostgreSQL variants instead of
//! skipping them.

#![allow(dead_code)]

pub mod compose;
pub mod contract;
pub mod fixtures;
pub mod smtp;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::HeaderMap;
use actix_web::http::StatusCode;
use actix_web::test;
use beteiligung::config::{Backend, DatabaseUrl, Settings};
use beteiligung::db::{self, Db, DbConnection, Pool};
use beteiligung::AppState;
use diesel::prelude::*;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

/// Runs each listed test body once on SQLite and once on PostgreSQL, as `name::sqlite` and
/// `name::postgres`. The body sees `$db: TestDb`.
#[macro_export]
macro_rules! both_backends {
    ($(async fn $name:ident($db:ident) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[actix_web::test]
            async fn sqlite() {
                let $db = $crate::common::TestDb::sqlite();
                $body
            }

            #[actix_web::test]
            async fn postgres() {
                let Some($db) = $crate::common::TestDb::postgres() else { return };
                $body
            }
        }
    )*};
}

/// A database that exists for one test only.
pub struct TestDb {
    pub url: DatabaseUrl,
    _dir: Option<tempfile::TempDir>,
    /// For PostgreSQL: the server's maintenance URL and the name of the database to drop.
    drop: Option<(String, String)>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A SQLite file with every migration applied, made once per test process; each test copies it
/// instead of running the migrations again.
fn sqlite_template() -> &'static std::path::Path {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir").keep();
        let path = dir.join("template.db");
        let url = DatabaseUrl::parse(path.to_str().unwrap()).unwrap();
        let mut conn = db::establish(&url).expect("template connection");
        db::run_migrations(&mut conn).expect("template migrations");
        // The last connection to close folds the WAL into the file, so the file is complete.
        drop(conn);
        path
    })
}

/// A PostgreSQL database with every migration applied, made once per test process from
/// `admin`; each test's database is created from it (`CREATE DATABASE … TEMPLATE …`).
/// Templates of test processes that are gone are dropped first.
fn postgres_template(admin: &str) -> &'static str {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let mut conn = PgConnection::establish(admin).expect("connect to TEST_DATABASE_URL");
        #[derive(QueryableByName)]
        struct Name {
            #[diesel(sql_type = diesel::sql_types::Text)]
            datname: String,
        }
        let stale: Vec<Name> = diesel::sql_query(
            "SELECT datname::text AS datname FROM pg_database WHERE datname LIKE 'beteiligung_template_%'",
        )
        .load(&mut conn)
        .expect("list templates");
        for Name { datname } in stale {
            let pid = datname.rsplit('_').next().unwrap_or_default();
            if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {datname} WITH (FORCE)"))
                    .execute(&mut conn);
            }
        }
        let name = format!("beteiligung_template_{}", std::process::id());
        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn)
            .expect("drop old template");
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .expect("create template");
        let url = DatabaseUrl::parse(&with_database(admin, &name)).unwrap();
        let mut template = db::establish(&url).expect("template connection");
        db::run_migrations(&mut template).expect("template migrations");
        // A template must have no connections while it is copied.
        drop(template);
        name
    })
}

/// The signing key of test nodes (tests only).
pub const TEST_JWT_SECRET: &str = "test-signing-key-0123456789-abcdefghijklmnop";
/// The receipt key of the tests' installations (base64 of 32 bytes; PostgreSQL requires one).
pub const TEST_RECEIPT_KEY: &str = "dGVzdC1yZWNlaXB0LWtleS0wMTIzNDU2Nzg5YWJjZGU=";
/// The erasure key of the tests (PostgreSQL requires one).
pub const TEST_ERASURE_KEY: &str = "dGVzdC1lcmFzdXJlLWtleS0wMTIzNDU2Nzg5YWJjZGU=";

impl TestDb {
    /// A SQLite database with every migration applied (a copy of the template).
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("test.db");
        std::fs::copy(sqlite_template(), &path).expect("copy the template database");
        Self {
            url: DatabaseUrl::parse(path.to_str().unwrap()).unwrap(),
            _dir: Some(dir),
            drop: None,
        }
    }

    /// A fresh PostgreSQL database, or `None` (the test is skipped) when none is configured.
    pub fn postgres() -> Option<Self> {
        let Ok(admin) = std::env::var("TEST_DATABASE_URL") else {
            if std::env::var("REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set");
            }
            eprintln!("skipped: TEST_DATABASE_URL is not set");
            return None;
        };
        let name = format!(
            "beteiligung_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            uuid::Uuid::new_v4().simple().to_string().get(..8).unwrap()
        );
        let template = postgres_template(&admin);
        let mut conn = PgConnection::establish(&admin).expect("connect to TEST_DATABASE_URL");
        diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .execute(&mut conn)
            .expect("create test database");
        let url = with_database(&admin, &name);
        Some(Self {
            url: DatabaseUrl::parse(&url).unwrap(),
            _dir: None,
            drop: Some((admin, name)),
        })
    }

    /// A database on a server the test runs itself (tests/api/faults.rs): nothing to drop.
    pub fn at(url: &str) -> Self {
        Self {
            url: DatabaseUrl::parse(url).unwrap(),
            _dir: None,
            drop: None,
        }
    }

    pub fn backend(&self) -> Backend {
        self.url.backend
    }

    /// A pool on this database (all migrations are applied: it was copied from the template).
    pub fn pool(&self) -> Pool {
        let pool = self.pool_of(8);
        db::run_migrations(&mut pool.get().unwrap()).expect("migrations");
        pool
    }

    /// A pool on this database with every migration reverted: an empty schema, for the tests
    /// of the migrations themselves.
    pub fn unmigrated_pool(&self, size: u32) -> Pool {
        let pool = self.pool_of(size);
        db::revert_all_migrations(&mut pool.get().unwrap()).expect("revert the template");
        pool
    }

    fn pool_of(&self, size: u32) -> Pool {
        db::build_pool(&self.url, size, Duration::from_secs(10)).expect("pool")
    }

    pub fn connection(&self) -> DbConnection {
        db::establish(&self.url).expect("connection")
    }

    /// The settings a node on this database would have, with `extra` environment on top.
    pub fn settings(&self, extra: &[(&str, &str)]) -> Settings {
        let url = match self.url.backend {
            Backend::Sqlite => format!("sqlite://{}", self.url.target),
            Backend::Postgres => self.url.target.clone(),
        };
        // Defaults of the tests: a fixed signing key (PostgreSQL requires one) and rate limits
        // high enough that only the tests about rate limits meet them.
        let defaults = [
            ("JWT_SECRET", TEST_JWT_SECRET),
            ("RECEIPT_SIGNING_KEY", TEST_RECEIPT_KEY),
            ("ERASURE_KEY", TEST_ERASURE_KEY),
            ("RATE_LIMIT_LOGIN_PER_ADDRESS", "1000"),
            ("RATE_LIMIT_LOGIN_PER_CLIENT", "1000"),
            ("RATE_LIMIT_REGISTER_PER_CLIENT", "1000"),
            ("RATE_LIMIT_RESET_PER_CLIENT", "1000"),
            ("RATE_LIMIT_WRITES_PER_ACCOUNT", "1000"),
            ("ASSISTED_PER_HOUR", "1000"),
            ("PUBLIC_BASE_URL", "https://beteiligung.test"),
        ];
        Settings::from_lookup(|name| {
            if name == "DATABASE_URL" {
                return Some(url.clone());
            }
            extra
                .iter()
                .chain(defaults.iter())
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
        .expect("test settings")
    }

    /// Application state on this database: migrated, with the demo catalogue loaded.
    pub fn state(&self) -> AppState {
        self.state_with(&[])
    }

    pub fn state_with(&self, extra: &[(&str, &str)]) -> AppState {
        let pool = self.pool();
        beteiligung::seed_demo(&mut pool.get().unwrap(), chrono::Utc::now()).expect("seed");
        AppState::new(Db::new(pool, self.url.backend), self.settings(extra)).expect("app state")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.drop {
            if let Ok(mut conn) = PgConnection::establish(admin) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn);
            }
        }
    }
}

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{name}?{q}"),
        None => format!("{host_part}/{name}"),
    }
}

/// A response as tests look at it.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: serde_json::Value,
    pub text: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the response is a problem+json error with this status and code.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "body: {}",
            self.text
        );
        assert_eq!(self.body["code"], code, "body: {}", self.text);
        assert_eq!(self.body["status"], status);
        assert_eq!(self.body["type"], format!("urn:beteiligung:problem:{code}"));
        assert!(self.body["title"].is_string());
        assert!(self.body["detail"].is_string());
        assert!(self.header("x-request-id").is_some());
    }
}

/// Sends `req` to the in-process app and reads the whole answer.
pub async fn send<S, B>(app: &S, req: actix_http::Request) -> Reply
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let (method, path) = (req.method().clone(), req.path().to_owned());
    let res = test::call_service(app, req).await;
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = test::read_body(res).await;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    contract::check_response(&method, &path, status, &headers, &bytes);
    Reply {
        status,
        headers,
        body,
        text,
    }
}

/// A request with a JSON body and, optionally, an access token.
pub fn json_request(
    method: actix_web::http::Method,
    uri: &str,
    token: Option<&str>,
    body: Option<serde_json::Value>,
) -> actix_http::Request {
    let mut req = test::TestRequest::default().method(method).uri(uri);
    if let Some(token) = token {
        req = req.insert_header(("authorization", format!("Bearer {token}")));
    }
    if let Some(body) = body {
        req = req.set_json(body);
    }
    req.to_request()
}

pub async fn get<S, B>(app: &S, uri: &str) -> Reply
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    send(app, test::TestRequest::get().uri(uri).to_request()).await
}
