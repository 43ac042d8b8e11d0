//! Faults an operator meets, against the real binary over HTTP: PostgreSQL stopped and started
//! again under load (503 problem+json with `Retry-After` within the documented bound, `/readyz`
//! 503, service back without a restart), and the process killed with SIGKILL in the middle of
//! comment, ballot and statement writes on both backends (every acknowledged write complete,
//! nothing half there).
//!
//! The database that is stopped is a private PostgreSQL cluster (`initdb` and `pg_ctl` in a
//! temporary directory, on a free loopback port): the shared server on 5432 stays untouched.

use crate::cli::{free_port, start_server};
use crate::common::{fixtures, TestDb, TEST_ERASURE_KEY, TEST_JWT_SECRET, TEST_RECEIPT_KEY};
use beteiligung::auth::model::Role;
use beteiligung::db::schema::{
    ballot_allocations, ballots, consultation_options, contributions, measures, search_documents,
    statement_attachments, statements,
};
use diesel::prelude::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// `DB_POOL_TIMEOUT_SECS` of the node under test (the default): the documented bound on how
/// long a request waits for the database.
const POOL_TIMEOUT: Duration = Duration::from_secs(5);
/// What HTTP, the scheduler of a busy test machine and the node's own work may add to a bound.
const SLACK: Duration = Duration::from_secs(1);

/// One HTTP exchange as a client saw it.
#[derive(Debug, Clone)]
struct Answer {
    /// 0 when the exchange failed on the wire (refused, cut, or no answer within 30 s).
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    took: Duration,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// A 503 `database_unavailable` in the problem+json shape, with `Retry-After`.
    fn is_database_unavailable(&self) -> bool {
        self.status == 503
            && self.header("content-type") == Some("application/problem+json")
            && self.json()["code"] == "database_unavailable"
            && self
                .header("retry-after")
                .is_some_and(|s| s.parse::<u64>().is_ok_and(|n| n > 0))
    }
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = raw.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&raw[..end]);
        let Ok(size) = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16)
        else {
            break;
        };
        if size == 0 || raw.len() < end + 2 + size {
            break;
        }
        out.extend_from_slice(&raw[end + 2..end + 2 + size]);
        raw = &raw[(end + 4 + size).min(raw.len())..];
    }
    out
}

/// A minimal HTTP/1.1 client (one connection per request), so that a request that hangs is
/// seen as one: it gives up after 30 s and reports status 0.
fn request(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    let started = Instant::now();
    let failed = |started: Instant| Answer {
        status: 0,
        headers: Vec::new(),
        body: Vec::new(),
        took: started.elapsed(),
    };
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return failed(started);
    };
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut raw = Vec::new();
    if s.write_all(head.as_bytes()).is_err()
        || s.write_all(body).is_err()
        || s.read_to_end(&mut raw).is_err()
    {
        return failed(started);
    }
    let took = started.elapsed();
    let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return failed(started);
    };
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Answer {
        status,
        headers,
        body,
        took,
    }
}

fn get(port: u16, path: &str, token: Option<&str>) -> Answer {
    let auth = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", a.as_str())).collect();
    request(port, "GET", path, &headers, b"")
}

fn send_json(
    port: u16,
    method: &str,
    path: &str,
    token: &str,
    extra: &[(&str, &str)],
    body: &Value,
) -> Answer {
    let auth = format!("Bearer {token}");
    let mut headers = vec![
        ("authorization", auth.as_str()),
        ("content-type", "application/json"),
    ];
    headers.extend_from_slice(extra);
    request(port, method, path, &headers, body.to_string().as_bytes())
}

/// The node's environment: the test suite's keys (so tokens minted by the fixtures are valid),
/// limits high enough that only the faults matter, and no caches answering for the database.
fn node_env(url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("DATABASE_URL", url.to_owned()),
        ("JWT_SECRET", TEST_JWT_SECRET.to_owned()),
        ("RECEIPT_SIGNING_KEY", TEST_RECEIPT_KEY.to_owned()),
        ("ERASURE_KEY", TEST_ERASURE_KEY.to_owned()),
        ("PUBLIC_BASE_URL", "https://beteiligung.test".to_owned()),
        ("MAIL_LOG", "true".to_owned()),
        ("RATE_LIMIT_WRITES_PER_ACCOUNT", "1000000".to_owned()),
        ("CATALOGUE_CACHE_TTL_SECS", "0".to_owned()),
        ("COMMENT_CACHE_TTL_SECS", "0".to_owned()),
        ("DB_POOL_TIMEOUT_SECS", POOL_TIMEOUT.as_secs().to_string()),
    ]
}

/// A running `beteiligung serve`, killed with SIGKILL when dropped.
struct Node {
    child: Child,
    port: u16,
    _log: crate::cli::Log,
}

impl Node {
    fn start(dir: &Path, env: &[(&'static str, String)]) -> Self {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let port = free_port();
        let (child, log) = start_server(dir, &env, port);
        Self {
            child,
            port,
            _log: log,
        }
    }

    /// SIGKILL: no shutdown, nothing flushed beyond what was committed.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn still_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The directory holding `initdb` and `pg_ctl`: on PATH, or Debian's newest
/// `/usr/lib/postgresql/<version>/bin` (the `postgresql` package; `.ci/run` installs it).
fn postgres_bin() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file());
    if on_path.is_some() {
        return on_path;
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// A PostgreSQL cluster of this test alone, in a temporary directory, on a free loopback port.
/// `initdb` refuses to run as root: then the directory belongs to `postgres` and the tools run
/// as that user (`runuser`), as on CI.
struct PrivateCluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    as_postgres: bool,
}

impl PrivateCluster {
    /// The cluster, running; `None` when PostgreSQL is not installed (an error under
    /// `REQUIRE_POSTGRES=1`).
    fn start() -> Option<Self> {
        let Some(bin) = postgres_bin() else {
            assert!(
                std::env::var("REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "REQUIRE_POSTGRES=1 but initdb/pg_ctl are not installed (Debian: the postgresql package)"
            );
            eprintln!("skipped: initdb/pg_ctl not found");
            return None;
        };
        let root = Command::new("id").arg("-u").output().unwrap().stdout == b"0\n";
        let dir = tempfile::tempdir().unwrap();
        if root {
            let id = |flag: &str| -> u32 {
                let out = Command::new("id")
                    .args([flag, "postgres"])
                    .output()
                    .unwrap();
                assert!(
                    out.status.success(),
                    "running as root needs the user postgres"
                );
                String::from_utf8(out.stdout)
                    .unwrap()
                    .trim()
                    .parse()
                    .unwrap()
            };
            std::os::unix::fs::chown(dir.path(), Some(id("-u")), Some(id("-g"))).unwrap();
        }
        let cluster = Self {
            bin,
            dir,
            port: free_port(),
            as_postgres: root,
        };
        let data = cluster.data();
        let out = cluster
            .tool(
                "initdb",
                &[
                    "-D",
                    &data,
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "--no-sync",
                ],
            )
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        cluster.up();
        Some(cluster)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").to_str().unwrap().to_owned()
    }

    fn tool(&self, name: &str, args: &[&str]) -> Command {
        let path = self.bin.join(name);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        };
        cmd.args(args);
        cmd
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the server and waits until it accepts connections.
    fn up(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("server.log");
        let status = self
            .tool(
                "pg_ctl",
                &[
                    "-D",
                    &self.data(),
                    "-o",
                    &options,
                    "-l",
                    log.to_str().unwrap(),
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
            )
            .status()
            .unwrap();
        assert!(
            status.success(),
            "pg_ctl start: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
    }

    /// Stops the server the way an operator's restart does (`-m fast`: sessions are ended).
    fn down(&self) {
        let status = self
            .tool(
                "pg_ctl",
                &["-D", &self.data(), "-m", "fast", "-w", "-t", "60", "stop"],
            )
            .status()
            .unwrap();
        assert!(status.success(), "pg_ctl stop");
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let _ = self
            .tool(
                "pg_ctl",
                &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
            )
            .output();
    }
}

/// What one load client did: when it started (since the test began) and what it got.
#[derive(Debug, Clone)]
struct Sample {
    at: Duration,
    write: bool,
    answer: Answer,
}

#[test]
fn postgres_stopped_and_started_under_load_fails_fast_and_recovers_without_restart() {
    // A PostgreSQL test: it runs where the other PostgreSQL variants run.
    if std::env::var("TEST_DATABASE_URL").is_err() {
        assert!(
            std::env::var("REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set"
        );
        eprintln!("skipped: TEST_DATABASE_URL is not set");
        return;
    }
    let Some(cluster) = PrivateCluster::start() else {
        return;
    };
    let db = TestDb::at(&cluster.url());
    let state = db.state();
    let consultation = fixtures::consultation(&state, "commenting");
    let writers: Vec<String> = (0..2)
        .map(|i| {
            fixtures::account(&state, &format!("load-{i}@example.org"), Role::Participant)
                ["access_token"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let measure: i64 = measures::table
        .order(measures::id)
        .select(measures::id)
        .first(&mut db.connection())
        .unwrap();
    drop(state);

    let dir = tempfile::tempdir().unwrap();
    let mut env = node_env(&cluster.url());
    env.push(("DB_POOL_SIZE", "4".to_owned()));
    let mut node = Node::start(dir.path(), &env);
    let port = node.port;
    assert_eq!(get(port, "/readyz", None).status, 200);

    // Steady load: two readers of the catalogue (no cache) and two writers of comments.
    let begin = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let samples = Arc::new(Mutex::new(Vec::<Sample>::new()));
    let clients: Vec<_> = (0..4)
        .map(|n| {
            let (stop, samples) = (stop.clone(), samples.clone());
            let token = writers[n % 2].clone();
            std::thread::spawn(move || {
                let mut i = 0u32;
                // Bounded in count as well as by the flag.
                while !stop.load(Ordering::Relaxed) && i < 20_000 {
                    i += 1;
                    let at = begin.elapsed();
                    let write = n >= 2;
                    let answer = if write {
                        let body = json!({"target_type": "measure", "target_id": measure, "body": format!("Kommentar {n}-{i} unter Last")});
                        send_json(port, "POST", &format!("/api/v1/consultations/{consultation}/comments"), &token, &[], &body)
                    } else {
                        get(port, &format!("/api/v1/fields?limit={}", 1 + i % 20), None)
                    };
                    samples.lock().unwrap().push(Sample { at, write, answer });
                    std::thread::sleep(Duration::from_millis(20));
                }
            })
        })
        .collect();

    std::thread::sleep(Duration::from_millis(1500));
    let stopping = begin.elapsed();
    cluster.down();
    let stopped = begin.elapsed();
    std::thread::sleep(Duration::from_secs(1));
    let ready_while_down = get(port, "/readyz", None);
    let health_while_down = get(port, "/healthz", None);
    // Down for three seconds more, and until a read and a write that started after it went
    // down have been answered: on a busy machine one client's request can span the three
    // seconds. Bounded; if a kind is still missing, the assertion below says so.
    std::thread::sleep(Duration::from_secs(3));
    let longest = Instant::now() + POOL_TIMEOUT + POOL_TIMEOUT;
    while Instant::now() < longest
        && ![false, true].iter().all(|write| {
            samples
                .lock()
                .unwrap()
                .iter()
                .any(|s| s.write == *write && s.at >= stopped)
        })
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    let starting = begin.elapsed();
    cluster.up();
    let started = begin.elapsed();
    // Service must come back within the bound; the load then runs on for a while.
    let deadline = Instant::now() + POOL_TIMEOUT + SLACK;
    let resumed = loop {
        let r = get(port, "/readyz", None);
        if r.status == 200 {
            break Some(begin.elapsed());
        }
        if Instant::now() > deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    std::thread::sleep(Duration::from_secs(2));
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
    let samples = samples.lock().unwrap().clone();

    // While the database was down: 503 problem+json with Retry-After, for reads and writes,
    // and /readyz says so; /healthz does not depend on the database.
    assert!(
        ready_while_down.is_database_unavailable(),
        "/readyz while down: {} {:?}",
        ready_while_down.status,
        String::from_utf8_lossy(&ready_while_down.body)
    );
    assert_eq!(health_while_down.status, 200);
    let down: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.at >= stopped && s.at + s.answer.took <= starting)
        .collect();
    for write in [false, true] {
        assert!(
            down.iter().any(|s| s.write == write),
            "no request of this kind (write: {write}) while down ({stopped:?} to {starting:?}); \
             the samples from {stopping:?} on: {:?}",
            samples
                .iter()
                .filter(|s| s.at >= stopping)
                .map(|s| (s.at, s.write, s.answer.status, s.answer.took))
                .collect::<Vec<_>>()
        );
    }
    let wrong: Vec<_> = down
        .iter()
        .filter(|s| !s.answer.is_database_unavailable())
        .map(|s| {
            (
                s.write,
                s.answer.status,
                String::from_utf8_lossy(&s.answer.body).into_owned(),
            )
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "while the database was down, not a 503 database_unavailable with Retry-After: {wrong:?}"
    );
    // Fast: once the node has seen the database gone, a request waits at most
    // UNREACHABLE_WAIT (1 s) for a connection, not the whole DB_POOL_TIMEOUT_SECS.
    let settled = stopped + Duration::from_secs(1);
    let slow: Vec<_> = down
        .iter()
        .filter(|s| s.at >= settled && s.answer.took > beteiligung::db::UNREACHABLE_WAIT + SLACK)
        .map(|s| s.answer.took)
        .collect();
    assert!(
        slow.is_empty(),
        "503s slower than the unreachable wait: {slow:?}"
    );

    // No request, at any moment, hung past the documented bound or got anything but success
    // or 503: a request in flight when the server went away is a 503 too, not a 500.
    let over: Vec<_> = samples
        .iter()
        .filter(|s| s.answer.took > POOL_TIMEOUT + SLACK)
        .map(|s| (s.at, s.answer.took, s.answer.status))
        .collect();
    assert!(
        over.is_empty(),
        "requests past DB_POOL_TIMEOUT_SECS: {over:?}"
    );
    let odd: Vec<_> = samples
        .iter()
        .filter(|s| !s.answer.ok() && !s.answer.is_database_unavailable())
        .map(|s| {
            (
                s.at,
                s.write,
                s.answer.status,
                String::from_utf8_lossy(&s.answer.body).into_owned(),
            )
        })
        .collect();
    assert!(
        odd.is_empty(),
        "answers other than success or 503 database_unavailable: {odd:?}"
    );

    // Before the stop the load was served, and after the start it is again, by the same process.
    for write in [false, true] {
        assert!(
            samples
                .iter()
                .any(|s| s.write == write && s.at + s.answer.took < stopping && s.answer.ok()),
            "load not served before the stop (write: {write})"
        );
    }
    let resumed = resumed.unwrap_or_else(|| {
        panic!(
            "/readyz not 200 within {:?} of the database being back",
            POOL_TIMEOUT + SLACK
        )
    });
    assert!(resumed - started <= POOL_TIMEOUT + SLACK);
    let after: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.at >= resumed + Duration::from_millis(500))
        .collect();
    for write in [false, true] {
        assert!(
            after.iter().any(|s| s.write == write),
            "no load after recovery (write: {write})"
        );
    }
    let failing: Vec<_> = after
        .iter()
        .filter(|s| !s.answer.ok())
        .map(|s| (s.at, s.write, s.answer.status))
        .collect();
    assert!(
        failing.is_empty(),
        "requests failing after the database came back: {failing:?}"
    );
    assert!(node.still_running(), "the same process serves on");
    let longest = down.iter().map(|s| s.answer.took).max().unwrap();
    eprintln!(
        "{} answers while down, the slowest in {longest:?}; ready again {:?} after the restart",
        down.len(),
        resumed - started
    );

    // Every comment that was acknowledged is stored.
    let acknowledged: Vec<i64> = samples
        .iter()
        .filter(|s| s.write && s.answer.status == 201)
        .map(|s| s.answer.json()["id"].as_i64().unwrap())
        .collect();
    let stored: Vec<i64> = contributions::table
        .select(contributions::id)
        .load(&mut db.connection())
        .unwrap();
    let lost: Vec<_> = acknowledged
        .iter()
        .filter(|id| !stored.contains(id))
        .collect();
    assert!(lost.is_empty(), "acknowledged comments lost: {lost:?}");
}

const VOTERS_PER_ROUND: usize = 40;

/// What the writers were told was done: everything the database must hold after a SIGKILL.
#[derive(Default)]
struct Acknowledged {
    /// Comment id → its text.
    comments: Vec<(i64, String)>,
    /// Voter's account id → the points given to each option.
    ballots: HashMap<i64, Vec<(i64, i32)>>,
    /// Statement id → (receipt number, receipt sha256, sha256 of its one attachment).
    statements: HashMap<i64, (String, String, String)>,
}

fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% {text}\ntrailer << /Root 1 0 R >>\n%%EOF\n").into_bytes()
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One writer per kind until `stop`: comments; ballots of fresh voters; statements drafted
/// with a PDF attachment and submitted. Records what got a 2xx.
#[allow(clippy::too_many_arguments)]
fn write_until_killed(
    port: u16,
    kind: usize,
    round: usize,
    consultation: i64,
    measure: i64,
    options: &[i64],
    organisation: i64,
    rep: &str,
    voters: &[(i64, String)],
    acked: &Mutex<Acknowledged>,
    stop: &AtomicBool,
) {
    for i in 0..400usize {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        match kind {
            0 => {
                let (_, token) = &voters[i % voters.len()];
                let text = format!("Runde {round}, Kommentar {i}: mehr Sprachkurse am Abend.");
                let body = json!({"target_type": "measure", "target_id": measure, "body": text});
                let r = send_json(
                    port,
                    "POST",
                    &format!("/api/v1/consultations/{consultation}/comments"),
                    token,
                    &[],
                    &body,
                );
                if r.status == 0 {
                    return;
                }
                assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
                acked
                    .lock()
                    .unwrap()
                    .comments
                    .push((r.json()["id"].as_i64().unwrap(), text));
            }
            1 => {
                // Forty fresh voters per round: each acknowledged ballot is a voter's only one.
                if i >= VOTERS_PER_ROUND {
                    return;
                }
                let (voter, token) = &voters[round * VOTERS_PER_ROUND + i];
                let points: Vec<(i64, i32)> = vec![
                    (options[i % options.len()], 1 + (i % 2) as i32),
                    (options[(i + 1) % options.len()], 1),
                ];
                let body = json!({"allocations": points.iter().map(|(o, p)| json!({"option_id": o, "points": p})).collect::<Vec<_>>()});
                let r = send_json(
                    port,
                    "PUT",
                    &format!("/api/v1/consultations/{consultation}/ballot"),
                    token,
                    &[],
                    &body,
                );
                if r.status == 0 {
                    return;
                }
                assert!(r.ok(), "{} {}", r.status, String::from_utf8_lossy(&r.body));
                acked.lock().unwrap().ballots.insert(*voter, points);
            }
            _ => {
                let draft = json!({"consultation_id": consultation, "target_type": "concept", "title": format!("Stellungnahme {round}-{i}"), "body": "Wir regen an, die Sprachförderung früher zu beginnen."});
                let r = send_json(
                    port,
                    "POST",
                    &format!("/api/v1/organisations/{organisation}/statements"),
                    rep,
                    &[],
                    &draft,
                );
                if r.status == 0 {
                    return;
                }
                assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
                let id = r.json()["id"].as_i64().unwrap();
                let file = pdf(&format!("Anlage {round}-{i}"));
                let auth = format!("Bearer {rep}");
                let r = request(
                    port,
                    "POST",
                    &format!("/api/v1/statements/{id}/attachments?filename=anlage.pdf"),
                    &[
                        ("authorization", &auth),
                        ("content-type", "application/pdf"),
                    ],
                    &file,
                );
                if r.status == 0 {
                    return;
                }
                assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
                let current = get(port, &format!("/api/v1/statements/{id}"), Some(rep));
                let Some(etag) = current.header("etag").map(str::to_owned) else {
                    return;
                };
                let r = send_json(
                    port,
                    "POST",
                    &format!("/api/v1/statements/{id}/submit"),
                    rep,
                    &[("if-match", &etag)],
                    &json!({"publish_as": "name"}),
                );
                if r.status == 0 {
                    return;
                }
                assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
                let receipt = &r.json()["receipt"];
                acked.lock().unwrap().statements.insert(
                    id,
                    (
                        receipt["number"].as_str().unwrap().to_owned(),
                        receipt["sha256"].as_str().unwrap().to_owned(),
                        hex_sha256(&file),
                    ),
                );
            }
        }
    }
}

/// Checks the database against what was acknowledged, and the invariants that say nothing is
/// half there, with the node `port` (started again on the same database) for the results.
fn assert_complete(db: &TestDb, port: u16, admin: &str, consultation: i64, acked: &Acknowledged) {
    let mut conn = db.connection();

    // Comments: each acknowledged one with its text; every visible comment in the search and
    // no search document without its visible comment.
    let stored: HashMap<i64, (String, bool)> = contributions::table
        .filter(contributions::kind.eq("comment"))
        .select((
            contributions::id,
            contributions::body,
            contributions::state,
            contributions::deleted_at.is_null(),
        ))
        .load::<(i64, String, String, bool)>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|(id, body, state, alive)| (id, (body, state == "visible" && alive)))
        .collect();
    for (id, text) in &acked.comments {
        assert_eq!(
            stored.get(id).map(|(b, _)| b),
            Some(text),
            "acknowledged comment {id}"
        );
    }
    let documents: Vec<i64> = search_documents::table
        .filter(search_documents::kind.eq("comment"))
        .select(search_documents::subject_id)
        .load(&mut conn)
        .unwrap();
    let visible: Vec<i64> = stored
        .iter()
        .filter(|(_, (_, public))| *public)
        .map(|(id, _)| *id)
        .collect();
    let mut sorted_documents = documents.clone();
    sorted_documents.sort();
    let mut sorted_visible = visible.clone();
    sorted_visible.sort();
    assert_eq!(
        sorted_documents, sorted_visible,
        "search documents and visible comments differ"
    );

    // Ballots: each acknowledged one as sent; the results count every stored ballot once and
    // its points exactly once (the tallies kept on write equal a recount).
    let rows: Vec<(i64, Option<i64>)> = ballots::table
        .filter(ballots::consultation_id.eq(consultation))
        .select((ballots::id, ballots::user_id))
        .load(&mut conn)
        .unwrap();
    let by_user: HashMap<i64, i64> = rows
        .iter()
        .filter_map(|(id, user)| Some((user.unwrap_or(-1), *id)).filter(|_| user.is_some()))
        .collect();
    for (voter, points) in &acked.ballots {
        let ballot = by_user
            .get(voter)
            .unwrap_or_else(|| panic!("acknowledged ballot of {voter} lost"));
        let mut stored: Vec<(i64, i32)> = ballot_allocations::table
            .filter(ballot_allocations::ballot_id.eq(ballot))
            .select((ballot_allocations::option_id, ballot_allocations::points))
            .load(&mut conn)
            .unwrap();
        stored.sort();
        let mut sent = points.clone();
        sent.sort();
        assert_eq!(stored, sent, "ballot of {voter}");
    }
    let recount: BTreeMap<i64, i64> = ballot_allocations::table
        .inner_join(ballots::table)
        .filter(ballots::consultation_id.eq(consultation))
        .select((ballot_allocations::option_id, ballot_allocations::points))
        .load::<(i64, i32)>(&mut conn)
        .unwrap()
        .into_iter()
        .fold(BTreeMap::new(), |mut m, (o, p)| {
            *m.entry(o).or_default() += i64::from(p);
            m
        });
    let results = get(
        port,
        &format!("/api/v1/consultations/{consultation}/results"),
        Some(admin),
    );
    assert_eq!(
        results.status,
        200,
        "{}",
        String::from_utf8_lossy(&results.body)
    );
    let results = results.json();
    assert_eq!(
        results["ballots"].as_u64().unwrap() as usize,
        rows.len(),
        "ballots in the results: {results}"
    );
    for option in results["options"].as_array().unwrap() {
        let id = option["option_id"]
            .as_i64()
            .or_else(|| option["id"].as_i64())
            .unwrap();
        assert_eq!(
            option["points"].as_i64().unwrap(),
            recount.get(&id).copied().unwrap_or(0),
            "points of option {id}"
        );
    }

    // Statements: each acknowledged submission with its receipt and its attachment; no
    // submitted statement without a receipt; numbers 1…n without gaps or duplicates.
    type Row = (
        i64,
        String,
        Option<i32>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = statements::table
        .filter(statements::consultation_id.eq(consultation))
        .select((
            statements::id,
            statements::state,
            statements::seq,
            statements::receipt_number,
            statements::content_sha256,
            statements::signature,
        ))
        .load(&mut conn)
        .unwrap();
    let attachments: Vec<(i64, String)> = statement_attachments::table
        .select((
            statement_attachments::statement_id,
            statement_attachments::sha256,
        ))
        .load(&mut conn)
        .unwrap();
    for (id, (number, sha, file)) in &acked.statements {
        let row = rows
            .iter()
            .find(|r| r.0 == *id)
            .unwrap_or_else(|| panic!("acknowledged statement {id} lost"));
        assert_eq!(row.1, "submitted", "statement {id}");
        assert_eq!(row.3.as_deref(), Some(number.as_str()));
        assert_eq!(row.4.as_deref(), Some(sha.as_str()));
        let files: Vec<&String> = attachments
            .iter()
            .filter(|(s, _)| s == id)
            .map(|(_, h)| h)
            .collect();
        assert_eq!(files, [file], "attachment of statement {id}");
    }
    let mut seqs = Vec::new();
    for (id, state, seq, number, sha, signature) in &rows {
        if state != "draft" {
            assert!(
                seq.is_some() && number.is_some() && sha.is_some() && signature.is_some(),
                "statement {id} is {state} without its receipt"
            );
            seqs.push(seq.unwrap());
        } else {
            assert!(
                seq.is_none() && number.is_none(),
                "draft {id} with a receipt"
            );
        }
    }
    seqs.sort();
    assert_eq!(
        seqs,
        (1..=seqs.len() as i32).collect::<Vec<_>>(),
        "receipt numbers with gaps or duplicates"
    );
}

fn sigkill_during_writes(db: TestDb) {
    let state = db.state();
    let consultation = fixtures::consultation(&state, "commenting_and_voting");
    let admin = fixtures::account(&state, "admin@example.org", Role::Admin)["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let rep = fixtures::account(&state, "rep@example.org", Role::Participant);
    let organisation = fixtures::organisation(
        &state,
        "Verein Brücke",
        "migrant_organisation",
        true,
        rep["user_id"].as_i64().unwrap(),
        &[],
    );
    let rep = rep["access_token"].as_str().unwrap().to_owned();
    const ROUNDS: usize = 3;
    let voters: Vec<(i64, String)> = (0..ROUNDS * VOTERS_PER_ROUND)
        .map(|i| {
            let a = fixtures::account(&state, &format!("voter-{i}@example.org"), Role::Participant);
            (
                a["user_id"].as_i64().unwrap(),
                a["access_token"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut conn = db.connection();
    let measure: i64 = measures::table
        .order(measures::id)
        .select(measures::id)
        .first(&mut conn)
        .unwrap();
    let options: Vec<i64> = consultation_options::table
        .filter(consultation_options::consultation_id.eq(consultation))
        .order(consultation_options::position)
        .select(consultation_options::item_id)
        .load(&mut conn)
        .unwrap();
    drop(conn);
    drop(state);
    let url = match db.backend() {
        beteiligung::config::Backend::Sqlite => format!("sqlite://{}", db.url.target),
        beteiligung::config::Backend::Postgres => db.url.target.clone(),
    };
    let env = node_env(&url);
    let dir = tempfile::tempdir().unwrap();
    let acked = Arc::new(Mutex::new(Acknowledged::default()));
    let voters = Arc::new(voters);
    let options = Arc::new(options);
    for round in 0..ROUNDS {
        let mut node = Node::start(dir.path(), &env);
        let port = node.port;
        let stop = Arc::new(AtomicBool::new(false));
        let before = {
            let a = acked.lock().unwrap();
            [a.comments.len(), a.ballots.len(), a.statements.len()]
        };
        let writers: Vec<_> = (0..3)
            .map(|kind| {
                let (acked, stop, voters, options, rep) = (
                    acked.clone(),
                    stop.clone(),
                    voters.clone(),
                    options.clone(),
                    rep.clone(),
                );
                std::thread::spawn(move || {
                    write_until_killed(
                        port,
                        kind,
                        round,
                        consultation,
                        measure,
                        &options,
                        organisation,
                        &rep,
                        &voters,
                        &acked,
                        &stop,
                    )
                })
            })
            .collect();
        // Kill once every kind has a few acknowledged writes in this round (bounded in time),
        // at a moment that moves from round to round.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let a = acked.lock().unwrap();
            let now = [a.comments.len(), a.ballots.len(), a.statements.len()];
            drop(a);
            if now.iter().zip(before).all(|(n, b)| *n >= b + 3) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the writers made no progress: {now:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        std::thread::sleep(Duration::from_millis(37 * round as u64 + 11));
        node.kill();
        stop.store(true, Ordering::Relaxed);
        for w in writers {
            w.join().unwrap();
        }
        // Restarted on the same database, the node shows everything acknowledged, whole.
        let again = Node::start(dir.path(), &env);
        assert_complete(
            &db,
            again.port,
            &admin,
            consultation,
            &acked.lock().unwrap(),
        );
    }
    let a = acked.lock().unwrap();
    eprintln!(
        "acknowledged over {ROUNDS} kills: {} comments, {} ballots, {} statements",
        a.comments.len(),
        a.ballots.len(),
        a.statements.len()
    );
}

#[test]
fn sigkill_during_writes_loses_no_acknowledged_write_sqlite() {
    sigkill_during_writes(TestDb::sqlite());
}

#[test]
fn sigkill_during_writes_loses_no_acknowledged_write_postgres() {
    let Some(db) = TestDb::postgres() else { return };
    sigkill_during_writes(db);
}
