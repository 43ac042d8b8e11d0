//! Production proof against the real binary (issue 16): backups taken under write load and
//! restored, and slow or idle clients that must not keep anyone else waiting.

use crate::cli::{beteiligung, free_port, json_body};
use crate::common::{TestDb, TEST_ERASURE_KEY, TEST_JWT_SECRET, TEST_RECEIPT_KEY};
use diesel::prelude::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ADMIN: &str = "backup-admin@example.org";
const PASSWORD: &str = "Sparrenburg bei Nacht";

/// A running `serve`, killed when the test ends however it ends.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    /// Starts `serve` on a free port and waits until it listens (the command-line tests'
    /// start, which also keeps reading its log).
    fn start(dir: &Path, env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let (child, _log) = crate::cli::start_server(dir, env, port);
        Self { child, port }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request on its own connection; the whole answer (empty when the server is gone).
fn http(port: u16, head: &str) -> String {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return String::new();
    };
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let _ = s.write_all(head.as_bytes());
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

fn get(port: u16, path: &str) -> String {
    http(
        port,
        &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
    )
}

fn post_json(port: u16, path: &str, token: Option<&str>, body: &str) -> String {
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    http(
        port,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// Creates the administrator through the command line (the password on standard input).
fn create_admin(dir: &Path, env: &[(&str, &str)]) {
    let out = crate::cli::create_admin(dir, env, ADMIN, PASSWORD);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn sign_in(port: u16) -> String {
    let res = post_json(
        port,
        "/api/v1/auth/login",
        None,
        &format!(r#"{{"email":"{ADMIN}","password":"{PASSWORD}"}}"#),
    );
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    json_body(&res)["access_token"].as_str().unwrap().to_owned()
}

/// A write the API acknowledged: the new priority goal's id and when its 201 arrived.
type Ack = (i64, Instant);

/// Writers that keep adding priority goals through the API (administrators' writes: every one
/// is a transaction with its audit entry) until stopped; each acknowledged write is recorded.
struct Writers {
    stop: Arc<AtomicBool>,
    acks: Arc<Mutex<Vec<Ack>>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Writers {
    fn start(port: u16, token: &str, clients: usize) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let acks = Arc::new(Mutex::new(Vec::new()));
        let threads = (0..clients)
            .map(|client| {
                let (stop, acks, token) = (stop.clone(), acks.clone(), token.to_owned());
                std::thread::spawn(move || {
                    // Bounded even if nobody stops it.
                    let deadline = Instant::now() + Duration::from_secs(120);
                    for n in 0..5_000 {
                        if stop.load(Ordering::Relaxed) || Instant::now() > deadline {
                            break;
                        }
                        let res = post_json(
                            port,
                            "/api/v1/admin/catalogue/priority-goals",
                            Some(&token),
                            &format!(r#"{{"text":"Ziel {client}-{n}"}}"#),
                        );
                        if res.starts_with("HTTP/1.1 201") {
                            let id = json_body(&res)["id"].as_i64().unwrap();
                            acks.lock().unwrap().push((id, Instant::now()));
                        } else {
                            assert!(stop.load(Ordering::Relaxed), "a write failed: {res}");
                        }
                    }
                })
            })
            .collect();
        Self {
            stop,
            acks,
            threads,
        }
    }

    fn acknowledged(&self) -> usize {
        self.acks.lock().unwrap().len()
    }

    /// Waits until `n` writes are acknowledged (bounded).
    fn wait_for(&self, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.acknowledged() < n {
            assert!(Instant::now() < deadline, "the writers are stuck");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stop(self) -> Vec<Ack> {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads {
            t.join().expect("a writer failed");
        }
        Arc::try_unwrap(self.acks).unwrap().into_inner().unwrap()
    }
}

/// What a backup taken between `started` and `ended` must hold: every write acknowledged
/// before it started; none acknowledged after it ended (it is one snapshot, not a file that
/// went on growing). Returns how many writes were acknowledged while it ran.
fn check_backup_contents(acks: &[Ack], stored: &[i64], started: Instant, ended: Instant) -> usize {
    let before: Vec<i64> = acks
        .iter()
        .filter(|(_, at)| *at < started)
        .map(|(id, _)| *id)
        .collect();
    assert!(!before.is_empty());
    let lost: Vec<_> = before.iter().filter(|id| !stored.contains(id)).collect();
    assert!(
        lost.is_empty(),
        "acknowledged before the backup started, missing from it: {lost:?}"
    );
    let later: Vec<_> = acks
        .iter()
        .filter(|(id, at)| *at > ended && stored.contains(id))
        .collect();
    assert!(
        later.is_empty(),
        "acknowledged after the backup ended, yet in it: {later:?}"
    );
    acks.iter()
        .filter(|(_, at)| *at >= started && *at <= ended)
        .count()
}

fn priority_goal_ids(url: &str) -> Vec<i64> {
    use beteiligung::db::schema::priority_goals;
    let mut conn =
        beteiligung::db::establish(&beteiligung::config::DatabaseUrl::parse(url).unwrap()).unwrap();
    priority_goals::table
        .select(priority_goals::id)
        .load(&mut conn)
        .unwrap()
}

#[test]
fn a_sqlite_backup_under_write_load_holds_every_acknowledged_write_and_restores() {
    let db = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let source = db.url.target.clone();
    // Ballast of 48 MiB, so the copy takes a few dozen steps while the writers write.
    {
        let mut conn = diesel::SqliteConnection::establish(&source).unwrap();
        diesel::sql_query("CREATE TABLE backup_ballast (b BLOB NOT NULL)")
            .execute(&mut conn)
            .unwrap();
        for _ in 0..48 {
            diesel::sql_query("INSERT INTO backup_ballast VALUES (randomblob(1048576))")
                .execute(&mut conn)
                .unwrap();
        }
    }
    let env = [("DATABASE_URL", source.as_str())];
    create_admin(dir.path(), &env);
    let server = Server::start(dir.path(), &env);
    let token = sign_in(server.port);
    let writers = Writers::start(server.port, &token, 4);
    writers.wait_for(40);

    let copy = dir.path().join("backup.db");
    let started = Instant::now();
    let out = beteiligung(dir.path(), &env)
        .args(["backup", copy.to_str().unwrap()])
        .output()
        .unwrap();
    let ended = Instant::now();
    // A few more writes after the backup, which must not be in it.
    let after = writers.acknowledged() + 20;
    writers.wait_for(after);
    let acks = writers.stop();
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("integrity_check ok"), "{said}");
    let steps: u32 = said
        .split(" step(s)")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no step count in {said}"));
    assert!(steps > 10, "48 MiB in steps of 4 MiB: {said}");

    // Only the copy is left: no temporary file beside it, and it is private.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains("partial")), "{names:?}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&copy).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "mode {mode:o}");

    // The copy on its own, as an independent reader sees it.
    let copy_path = copy.to_str().unwrap();
    {
        #[derive(QueryableByName)]
        struct Check {
            #[diesel(sql_type = diesel::sql_types::Text)]
            integrity_check: String,
        }
        let mut conn = diesel::SqliteConnection::establish(copy_path).unwrap();
        let check: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
            .load(&mut conn)
            .unwrap();
        assert_eq!(check.len(), 1);
        assert_eq!(check[0].integrity_check, "ok");
    }
    let stored = priority_goal_ids(copy_path);
    let during = check_backup_contents(&acks, &stored, started, ended);
    eprintln!(
        "{said}{} writes acknowledged in all, {during} while the backup ran",
        acks.len()
    );
    assert!(
        during > 0,
        "no write was acknowledged while the backup ran: the writers waited for it"
    );
    // One snapshot: SQLite commits one writer after the other, so the copy holds the writes
    // up to one point and none after it — no acknowledged write is missing below one it has.
    let newest = stored.iter().max().copied().unwrap();
    let gaps: Vec<_> = acks
        .iter()
        .filter(|(id, _)| *id < newest && !stored.contains(id))
        .collect();
    assert!(
        gaps.is_empty(),
        "writes missing below the newest in the copy: {gaps:?}"
    );

    // A second backup to the same name is refused and leaves the first one alone.
    let before = std::fs::read(&copy).unwrap();
    let out = beteiligung(dir.path(), &env)
        .args(["backup", copy_path])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--force"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::read(&copy).unwrap() == before,
        "the earlier backup was changed"
    );
    drop(server);

    // Restore as the README says: the service stopped, the file in place of the database
    // (without the old -wal and -shm), the service started on it.
    let restored_dir = tempfile::tempdir().unwrap();
    let restored = restored_dir.path().join("beteiligung.db");
    std::fs::copy(&copy, &restored).unwrap();
    let restored_url = restored.to_str().unwrap();
    serves_and_takes_a_write(restored_dir.path(), &[("DATABASE_URL", restored_url)]);
    assert_eq!(priority_goal_ids(restored_url).len(), stored.len() + 1);
}

#[test]
fn backup_refuses_clearly_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("copy.db");
    let target = target.to_str().unwrap();
    let missing = dir.path().join("missing.db");
    let cases: [(&[(&str, &str)], &str); 3] = [
        (
            &[("DATABASE_URL", missing.to_str().unwrap())],
            "there is no database file",
        ),
        (
            &[(
                "DATABASE_URL",
                "postgres://postgres@127.0.0.1:5432/does_not_matter",
            )],
            "pg_dump -Fc",
        ),
        (&[("DATABASE_URL", ":memory:")], "in-memory"),
    ];
    for (env, says) in cases {
        let out = beteiligung(dir.path(), env)
            .args(["backup", target])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.starts_with("error: ") && err.contains(says), "{err}");
        assert!(!missing.exists(), "a mistyped database path is not created");
    }
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

/// The PostgreSQL equivalent the README documents, `pg_dump -Fc` and `pg_restore`, under the
/// same write load: the restored database holds every write acknowledged before the dump
/// started, and a node serves it.
#[test]
fn a_postgres_dump_under_write_load_restores_every_acknowledged_write() {
    let Some(db) = TestDb::postgres() else { return };
    for tool in ["pg_dump", "pg_restore"] {
        if Command::new(tool).arg("--version").output().is_err() {
            assert!(
                std::env::var("REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "{tool} is missing (.ci/run installs postgresql-client)"
            );
            eprintln!("skipped: {tool} is not installed");
            return;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.target.clone();
    let env = [
        ("DATABASE_URL", url.as_str()),
        ("JWT_SECRET", TEST_JWT_SECRET),
        ("RECEIPT_SIGNING_KEY", TEST_RECEIPT_KEY),
        ("ERASURE_KEY", TEST_ERASURE_KEY),
        ("MAIL_LOG", "true"),
    ];
    let out = beteiligung(dir.path(), &env)
        .args(["backup", "copy.db"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump -Fc"));

    create_admin(dir.path(), &env);
    let server = Server::start(dir.path(), &env);
    let token = sign_in(server.port);
    let writers = Writers::start(server.port, &token, 4);
    writers.wait_for(40);
    let dump = dir.path().join("beteiligung.dump");
    let started = Instant::now();
    let out = Command::new("pg_dump")
        .args(["-Fc", "--file", dump.to_str().unwrap(), &url])
        .output()
        .unwrap();
    let ended = Instant::now();
    let after = writers.acknowledged() + 20;
    writers.wait_for(after);
    let acks = writers.stop();
    drop(server);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let restore = Scratch::create(&url);
    let out = Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error", "--dbname", &restore.url])
        .arg(&dump)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stored = priority_goal_ids(&restore.url);
    let during = check_backup_contents(&acks, &stored, started, ended);
    eprintln!(
        "pg_dump took {:?}; {} writes acknowledged in all, {during} while it ran",
        ended - started,
        acks.len()
    );

    let mut env = env.to_vec();
    env[0] = ("DATABASE_URL", &restore.url);
    serves_and_takes_a_write(dir.path(), &env);
}

/// A node started on a restored database is ready and takes a write.
fn serves_and_takes_a_write(dir: &Path, env: &[(&str, &str)]) {
    let server = Server::start(dir, env);
    let ready = get(server.port, "/readyz");
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    let token = sign_in(server.port);
    let res = post_json(
        server.port,
        "/api/v1/admin/catalogue/priority-goals",
        Some(&token),
        r#"{"text":"Nach der Wiederherstellung"}"#,
    );
    assert!(res.starts_with("HTTP/1.1 201"), "{res}");
}

/// An empty PostgreSQL database for a restore, dropped at the end.
struct Scratch {
    admin: String,
    name: String,
    url: String,
}

impl Scratch {
    fn create(beside: &str) -> Self {
        let admin = std::env::var("TEST_DATABASE_URL").unwrap();
        let name = format!(
            "beteiligung_test_restore_{}_{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple().to_string().get(..8).unwrap()
        );
        let mut conn = diesel::PgConnection::establish(&admin).unwrap();
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .unwrap();
        let (base, _) = beside.rsplit_once('/').unwrap();
        let url = format!("{base}/{name}");
        Self { admin, name, url }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Ok(mut conn) = diesel::PgConnection::establish(&self.admin) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut conn);
        }
    }
}

/// Answers one GET on a fresh connection: the status line and how long the whole answer took.
fn timed_get(port: u16, path: &str) -> (String, Duration) {
    let started = Instant::now();
    let answer = get(port, path);
    let status = answer.lines().next().unwrap_or_default().to_owned();
    (status, started.elapsed())
}

/// Whether the server has closed `s` (EOF, or an error other than "no data yet"); reads and
/// discards whatever answer came before.
fn closed_by_server(mut s: &TcpStream) -> bool {
    s.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 4096];
    let closed = loop {
        match s.read(&mut buf) {
            Ok(0) => break true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break false,
            Err(_) => break true,
        }
    };
    s.set_nonblocking(false).unwrap();
    closed
}

/// Hundreds of idle connections, a hundred that send their headers byte by byte and fifty that
/// stall in the middle of a body do not keep `/healthz` or a catalogue page waiting, and the
/// server closes each of them after the timeout the README documents.
#[test]
fn idle_and_slow_connections_do_not_keep_other_requests_waiting() {
    let db = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let body_timeout = 2u64;
    let body_secs = body_timeout.to_string();
    let server = Server::start(
        dir.path(),
        &[
            ("DATABASE_URL", db.url.target.as_str()),
            ("BODY_READ_TIMEOUT_SECS", &body_secs),
        ],
    );
    let port = server.port;
    let (status, _) = timed_get(port, "/api/v1/fields");
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    let connect = || TcpStream::connect(("127.0.0.1", port)).unwrap();

    let opened = Instant::now();
    let idle: Vec<TcpStream> = (0..300).map(|_| connect()).collect();
    // Heads far longer than what a byte every 100 ms delivers before the timeout.
    let mut trickling: Vec<(TcpStream, Vec<u8>)> = (0..100)
        .map(|n| {
            let head = format!(
                "GET /api/v1/fields HTTP/1.1\r\nHost: localhost\r\nX-Slow-{n}: {}\r\n\r\n",
                "a".repeat(400)
            );
            (connect(), head.into_bytes())
        })
        .collect();
    let stalled: Vec<TcpStream> = (0..50)
        .map(|_| {
            let mut s = connect();
            s.write_all(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"email\":")
                .unwrap();
            s
        })
        .collect();

    // One thread trickles a byte to every slow connection each 100 ms until the server
    // closes it (or 20 s pass); it reports when each was closed.
    let trickler = std::thread::spawn(move || {
        let mut closed_after = vec![None; trickling.len()];
        for round in 0..200 {
            for (i, (s, head)) in trickling.iter_mut().enumerate() {
                if closed_after[i].is_some() {
                    continue;
                }
                let byte = &head[round.min(head.len() - 1)..=round.min(head.len() - 1)];
                if s.write_all(byte).is_err() || closed_by_server(s) {
                    closed_after[i] = Some(opened.elapsed());
                }
            }
            if closed_after.iter().all(Option::is_some) {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        closed_after
    });

    // Meanwhile: the health check and a catalogue page, again and again, for 4 s (less than
    // the request timeout, so every slow connection is still open).
    let mut slowest = Duration::ZERO;
    let mut probes = 0;
    while opened.elapsed() < Duration::from_secs(4) {
        for path in [
            "/healthz",
            "/api/v1/fields",
            "/api/v1/fields/1/measures?limit=20",
        ] {
            let (status, took) = timed_get(port, path);
            assert!(status.starts_with("HTTP/1.1 200"), "{path}: {status}");
            slowest = slowest.max(took);
            probes += 1;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!("{probes} probes while 450 connections were idle or slow; slowest {slowest:?}");
    // Generous for a loaded two-core machine; a server serving one connection at a time
    // answers none of them before the slow connections time out.
    assert!(
        slowest < Duration::from_secs(3),
        "slowest probe: {slowest:?}"
    );
    let still_open = idle.iter().filter(|s| !closed_by_server(s)).count();
    assert_eq!(
        still_open,
        idle.len(),
        "idle connections closed before the timeout"
    );

    // After the documented timeout (plus a little), the server has closed every one of them.
    let limit = beteiligung::CLIENT_REQUEST_TIMEOUT + beteiligung::CLIENT_DISCONNECT_TIMEOUT;
    let deadline = opened + limit + Duration::from_secs(4);
    while Instant::now() < deadline && !idle.iter().all(closed_by_server) {
        std::thread::sleep(Duration::from_millis(200));
    }
    let open = idle.iter().filter(|s| !closed_by_server(s)).count();
    assert_eq!(
        open,
        0,
        "idle connections still open {:?} after connecting",
        opened.elapsed()
    );
    let open = stalled.iter().filter(|s| !closed_by_server(s)).count();
    assert_eq!(open, 0, "connections with a stalled body still open");
    let closed_after = trickler.join().unwrap();
    let latest = closed_after
        .iter()
        .map(|c| c.expect("a slow head was never closed"))
        .max();
    eprintln!("slow heads closed at the latest {latest:?} after connecting");
    assert!(
        latest.unwrap() < limit + Duration::from_secs(4),
        "a slow head was served for {latest:?}"
    );
    let (status, _) = timed_get(port, "/healthz");
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
}

/// One row of the README's table of limits: the bound, its value as written (a number, with a
/// unit that may scale it) and where it is set (the first `…` of the third column).
struct Limit {
    bound: String,
    value: Option<u64>,
    set_in: String,
}

fn readme_limits() -> Vec<Limit> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let table = readme
        .split("<!-- limits -->")
        .nth(1)
        .and_then(|t| t.split("<!-- /limits -->").next())
        .expect("the README has a table of limits");
    table
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| bound") && !l.starts_with("| ---"))
        .map(|line| {
            let cells: Vec<&str> = line
                .split(" | ")
                .map(|c| c.trim_matches(['|', ' ']))
                .collect();
            assert_eq!(cells.len(), 4, "{line}");
            let mut words = cells[1].split(' ');
            let number = words.next().unwrap().replace(',', "");
            let scale = match words.next() {
                Some("KiB") => 1 << 10,
                Some("MiB") => 1 << 20,
                _ => 1,
            };
            Limit {
                bound: cells[0].to_owned(),
                value: number.parse::<u64>().ok().map(|n| n * scale),
                set_in: cells[2].split('`').nth(1).expect(line).to_owned(),
            }
        })
        .collect()
}

/// The table of limits in the README says what the code does: every value agrees with its
/// constant, setting default or OpenAPI property, and every constant below is in the table.
#[test]
fn the_readme_table_of_limits_agrees_with_the_code() {
    use beteiligung::*;
    let secs = |d: Duration| d.as_secs();
    let constants: Vec<(&str, u64)> = vec![
        ("CLIENT_REQUEST_TIMEOUT", secs(CLIENT_REQUEST_TIMEOUT)),
        ("CLIENT_DISCONNECT_TIMEOUT", secs(CLIENT_DISCONNECT_TIMEOUT)),
        ("KEEP_ALIVE", secs(KEEP_ALIVE)),
        (
            "MAX_CONNECTIONS_PER_WORKER",
            MAX_CONNECTIONS_PER_WORKER as u64,
        ),
        (
            "catalogue::admin::IMPORT_LIMIT_BYTES",
            catalogue::admin::IMPORT_LIMIT_BYTES as u64,
        ),
        (
            "statements::ATTACHMENT_LIMIT_BYTES",
            statements::ATTACHMENT_LIMIT_BYTES as u64,
        ),
        (
            "statements::model::MAX_ATTACHMENTS",
            statements::model::MAX_ATTACHMENTS as u64,
        ),
        (
            "http::BODY_MIN_RATE_BYTES_PER_SEC",
            http::BODY_MIN_RATE_BYTES_PER_SEC,
        ),
        (
            "http::pagination::MAX_LIMIT",
            http::pagination::MAX_LIMIT as u64,
        ),
        ("search::Q_MAX", search::Q_MAX as u64),
        ("search::MAX_TERMS", search::MAX_TERMS as u64),
        (
            "auth::password::MAX_LENGTH",
            auth::password::MAX_LENGTH as u64,
        ),
        (
            "auth::password::QUEUE_TIMEOUT",
            secs(auth::password::QUEUE_TIMEOUT),
        ),
        (
            "contributions::model::MAX_TEXT",
            contributions::model::MAX_TEXT,
        ),
        (
            "statements::model::MAX_TITLE_CHARS",
            statements::model::MAX_TITLE_CHARS,
        ),
        (
            "statements::model::MAX_BODY_CHARS",
            statements::model::MAX_BODY_CHARS,
        ),
        (
            "admin::translations::TEXT_MAX",
            admin::translations::TEXT_MAX,
        ),
    ];
    let defaults = config::Settings::from_lookup(|_| None).unwrap();
    let rates = &defaults.rate_limits;
    let settings: Vec<(&str, Option<u64>)> = vec![
        ("JSON_LIMIT_BYTES", Some(defaults.json_limit_bytes as u64)),
        (
            "BODY_READ_TIMEOUT_SECS",
            Some(secs(defaults.body_read_timeout)),
        ),
        ("DB_POOL_SIZE", Some(u64::from(defaults.db_pool_size))),
        ("DB_POOL_TIMEOUT_SECS", Some(secs(defaults.db_pool_timeout))),
        // Depends on the machine; the README says how.
        ("PASSWORD_HASH_CONCURRENCY", None),
        (
            "RATE_LIMIT_LOGIN_PER_ADDRESS",
            Some(u64::from(rates.login_per_address)),
        ),
        (
            "RATE_LIMIT_LOGIN_PER_CLIENT",
            Some(u64::from(rates.login_per_client)),
        ),
        (
            "RATE_LIMIT_REGISTER_PER_CLIENT",
            Some(u64::from(rates.register_per_client)),
        ),
        (
            "RATE_LIMIT_RESET_PER_CLIENT",
            Some(u64::from(rates.reset_per_client)),
        ),
        (
            "RATE_LIMIT_WRITES_PER_ACCOUNT",
            Some(u64::from(rates.writes_per_account)),
        ),
        (
            "ASSISTED_PER_HOUR",
            Some(u64::from(rates.assisted_per_hour)),
        ),
    ];
    let spec: serde_json::Value = serde_json::from_str(&api_doc_json()).unwrap();
    let limits = readme_limits();
    for limit in &limits {
        let Limit {
            bound,
            value,
            set_in,
        } = limit;
        let expected = if let Some((_, v)) = constants.iter().find(|(n, _)| n == set_in) {
            Some(*v)
        } else if let Some((_, v)) = settings.iter().find(|(n, _)| n == set_in) {
            *v
        } else if let Some((schema, property)) = set_in.split_once('.') {
            let max = &spec["components"]["schemas"][schema]["properties"][property]["maxLength"];
            Some(
                max.as_u64()
                    .unwrap_or_else(|| panic!("{bound}: no maxLength at {set_in}")),
            )
        } else if set_in == "actix-http" {
            // Checked on the wire by `the_limits_of_a_request_head_hold_on_the_wire`.
            continue;
        } else {
            panic!("{bound}: the README says it is set in `{set_in}`, which this test does not know; add it");
        };
        match expected {
            Some(expected) => assert_eq!(*value, Some(expected), "{bound} (`{set_in}`)"),
            None => assert!(
                value.is_none(),
                "{bound}: a number for a default that depends on the machine"
            ),
        }
    }
    for name in constants
        .iter()
        .map(|(n, _)| *n)
        .chain(settings.iter().map(|(n, _)| *n))
    {
        assert!(
            limits.iter().any(|l| l.set_in == name),
            "`{name}` is missing from the README's table of limits"
        );
    }
}

/// The head limits the README's table gives for actix-http, tried on the binary: at the limit
/// a request is served, one beyond it gets 431.
#[test]
fn the_limits_of_a_request_head_hold_on_the_wire() {
    let limits = readme_limits();
    let of = |bound: &str| {
        limits
            .iter()
            .find(|l| l.set_in == "actix-http" && l.bound.contains(bound))
            .and_then(|l| l.value)
            .unwrap_or_else(|| panic!("no actix-http row for {bound}")) as usize
    };
    let (count, size) = (of("number of header lines"), of("size"));
    let db = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[("DATABASE_URL", db.url.target.as_str())]);
    // `Host` and `Connection` are two of the lines.
    let with_headers = |n: usize| {
        let extra: String = (0..n - 2).map(|i| format!("X-H{i}: x\r\n")).collect();
        http(
            server.port,
            &format!(
                "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{extra}\r\n"
            ),
        )
    };
    let answer = with_headers(count);
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "{count} header lines: {answer}"
    );
    let answer = with_headers(count + 1);
    assert!(
        answer.starts_with("HTTP/1.1 431"),
        "{} header lines: {answer}",
        count + 1
    );
    let with_size = |n: usize| {
        let start = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nX-Pad: ";
        let pad = "a".repeat(n - start.len() - 4);
        http(server.port, &format!("{start}{pad}\r\n\r\n"))
    };
    let answer = with_size(size - 1024);
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "a head of {} bytes: {answer}",
        size - 1024
    );
    let answer = with_size(size + 1024);
    assert!(
        answer.starts_with("HTTP/1.1 431"),
        "a head of {} bytes: {answer}",
        size + 1024
    );
}

/// The README shows the latest load report as `tests/load/run.sh` published it: the section
/// between its markers is `docs/load-report.md`, byte for byte, and that is a whole report.
#[test]
fn the_readme_shows_the_latest_load_report() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let report = std::fs::read_to_string(format!("{root}/docs/load-report.md")).expect(
        "docs/load-report.md: run `bash tests/load/run.sh` (every scenario, both backends)",
    );
    let (begin, end) = ("<!-- load-report:begin -->\n", "<!-- load-report:end -->");
    assert_eq!(readme.matches(begin).count(), 1, "one begin marker");
    assert_eq!(readme.matches(end).count(), 1, "one end marker");
    let shown = readme
        .split(begin)
        .nth(1)
        .and_then(|rest| rest.split(end).next())
        .unwrap();
    assert_eq!(
        shown, report,
        "the README's load report is not docs/load-report.md; the load script writes both"
    );
    assert!(report.starts_with("### Load report "), "{report:.200}");
    for section in [
        "#### Targets",
        "#### Peak resident memory",
        "- machine:",
        "- build:",
    ] {
        assert!(report.contains(section), "the report has no {section:?}");
    }
}
