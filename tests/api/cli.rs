//! The real binary: subcommands, settings errors, import, and `serve` over loopback HTTP with
//! a graceful shutdown on SIGTERM.

use crate::common::TestDb;
use beteiligung::config::Backend;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_beteiligung");

/// The binary with a clean environment: only what the test passes.
pub(crate) fn beteiligung(dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

fn run(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    beteiligung(dir, env).args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A minimal HTTP/1.1 client: sends `head` and returns the whole answer.
pub(crate) fn http(port: u16, head: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(head.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

pub(crate) fn http_get(port: u16, path: &str) -> String {
    http(
        port,
        &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
    )
}

#[test]
fn help_explains_each_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &[], &["--help"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for sub in [
        "serve",
        "migrate",
        "seed",
        "import",
        "openapi",
        "processing-record",
        "purge",
        "erasures",
    ] {
        assert!(text.contains(sub), "--help lacks {sub}: {text}");
    }
    assert!(text.contains("DATABASE_URL"));
}

#[test]
fn invalid_settings_stop_with_one_line_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        &[("DATABASE_URL", "mysql://localhost/db")],
        &["migrate"],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    for word in ["DATABASE_URL", "mysql://", "postgres://", "sqlite://"] {
        assert!(err.contains(word), "{word} missing from: {err}");
    }
    let out = run(dir.path(), &[("BIND", "everywhere")], &["serve"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("BIND"), "{}", stderr(&out));
}

#[test]
fn openapi_prints_the_document() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &[], &["openapi"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        beteiligung::api_doc_json()
    );
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "printing the spec touches no database"
    );
}

fn count_rows(url: &str, table: &str) -> i64 {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn =
        beteiligung::db::establish(&beteiligung::config::DatabaseUrl::parse(url).unwrap()).unwrap();
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
        .get_result::<Count>(&mut conn)
        .unwrap()
        .n
}

fn import_and_seed_on(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.target.clone();
    let env = [("DATABASE_URL", url.as_str())];
    let out = run(dir.path(), &env, &["migrate"]);
    assert!(out.status.success(), "{}", stderr(&out));

    // A syntax error names its line; nothing is written.
    std::fs::write(
        dir.path().join("broken.json"),
        "{\n  \"format_version\": 1,\n  \"concept\": {\n    \"title\": \"x\",,\n",
    )
    .unwrap();
    let out = run(dir.path(), &env, &["import", "broken.json"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("line 4"), "{}", stderr(&out));

    // An invalid value names its path.
    let mut file = serde_json::to_value(beteiligung::catalogue::demo()).unwrap();
    file["fields"][1]["measures"][0]["implementation_status"] = "finished".into();
    std::fs::write(dir.path().join("invalid.json"), file.to_string()).unwrap();
    let out = run(dir.path(), &env, &["import", "invalid.json"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("finished"), "{}", stderr(&out));
    file["fields"][1]["measures"][0]["implementation_status"] = "planned".into();
    file["fields"][1]["measures"][0]["status_date"] = "2013".into();
    std::fs::write(dir.path().join("invalid.json"), file.to_string()).unwrap();
    let out = run(dir.path(), &env, &["import", "invalid.json"]);
    assert!(
        stderr(&out).contains("fields[1].measures[0].status_date"),
        "{}",
        stderr(&out)
    );
    assert_eq!(count_rows(&url, "measures"), 0);

    // A good file loads; seeding then changes nothing; importing again needs --replace.
    file["fields"][1]["measures"][0]["status_date"] = "2013-12-31".into();
    file["concept"]["title"] = "Importiertes Konzept".into();
    std::fs::write(dir.path().join("good.json"), file.to_string()).unwrap();
    let out = run(dir.path(), &env, &["import", "good.json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(count_rows(&url, "measures"), 7);
    let out = run(dir.path(), &env, &["seed"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("nothing to seed"), "{}", stderr(&out));
    assert_eq!(count_rows(&url, "concepts"), 1);
    let out = run(dir.path(), &env, &["import", "good.json"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--replace"), "{}", stderr(&out));
    let out = run(dir.path(), &env, &["import", "--replace", "good.json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(count_rows(&url, "measures"), 7);

    // `export` prints the catalogue in the import format: the same as what was imported.
    let out = run(dir.path(), &env, &["export"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let exported: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(exported, file);

    // As the README says: a database seeded with the demo holds the demo consultation, which
    // refers to the catalogue, so `--replace` refuses there and says why (a database migrated
    // without the demo takes the file, as above).
    let demo_dir = tempfile::tempdir().unwrap();
    let other = TestDb::sqlite();
    let other_env = [("DATABASE_URL", other.url.target.as_str())];
    assert!(run(demo_dir.path(), &other_env, &["seed"]).status.success());
    std::fs::copy(
        dir.path().join("good.json"),
        demo_dir.path().join("good.json"),
    )
    .unwrap();
    let out = run(
        demo_dir.path(),
        &other_env,
        &["import", "--replace", "good.json"],
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("catalogue_in_use"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn import_and_seed_sqlite() {
    import_and_seed_on(&TestDb::sqlite());
}

#[test]
fn import_and_seed_postgres() {
    if let Some(db) = TestDb::postgres() {
        import_and_seed_on(&db);
    }
}

/// The server's log, collected while it runs.
pub(crate) type Log = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

/// Starts `serve` and waits until it listens; returns the child and its log so far, which
/// keeps growing until the server exits.
pub(crate) fn start_server(dir: &Path, env: &[(&str, &str)], port: u16) -> (Child, Log) {
    let bind = format!("127.0.0.1:{port}");
    let mut all_env = env.to_vec();
    all_env.push(("BIND", &bind));
    all_env.push(("WORKERS", "2"));
    let mut child = beteiligung(dir, &all_env)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let log = Log::default();
    let mut reader = BufReader::new(child.stderr.take().unwrap());
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut line = String::new();
    while Instant::now() < deadline {
        line.clear();
        if reader.read_line(&mut line).unwrap() == 0 {
            panic!("server exited early: {:?}", log.lock().unwrap());
        }
        log.lock().unwrap().push(line.trim_end().to_owned());
        if line.contains("starting service") {
            break;
        }
    }
    // Keep reading the log so the server never blocks on a full pipe.
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in reader.lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    (child, log)
}

pub(crate) fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

pub(crate) fn wait_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the server did not stop within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs `serve`, checks it answers over HTTP, then stops it with SIGTERM. With `hold` (a
/// PostgreSQL database), a request is kept in flight across the SIGTERM by a table lock the
/// test holds, and must still be answered in full.
fn serve_end_to_end(dir: &Path, env: &[(&str, &str)], hold: Option<&TestDb>) -> Vec<String> {
    let port = free_port();
    let (mut child, log) = start_server(dir, env, port);
    let res = http(port, "GET /api/v1/concept?email=someone@example.org HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nX-Request-Id: e2e-request-1\r\n\r\n");
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    assert!(res.contains("Bielefeld – Zusammenleben in Vielfalt"));
    assert!(res.to_ascii_lowercase().contains("x-request-id: "));
    let res = http_get(port, "/docs/");
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");

    let in_flight = hold.map(|db| {
        use diesel::prelude::*;
        let mut locker = diesel::PgConnection::establish(&db.url.target).unwrap();
        diesel::sql_query("BEGIN").execute(&mut locker).unwrap();
        diesel::sql_query("LOCK TABLE fields IN ACCESS EXCLUSIVE MODE")
            .execute(&mut locker)
            .unwrap();
        let request = std::thread::spawn(move || http_get(port, "/api/v1/fields"));
        std::thread::sleep(Duration::from_millis(500));
        (locker, request)
    });
    sigterm(&child);
    if let Some((mut locker, request)) = in_flight {
        use diesel::prelude::*;
        std::thread::sleep(Duration::from_millis(500));
        assert!(
            child.try_wait().unwrap().is_none(),
            "the server waits for the request in flight"
        );
        diesel::sql_query("COMMIT").execute(&mut locker).unwrap();
        let answer = request.join().unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 200"),
            "in-flight request: {answer}"
        );
        assert!(answer.contains("\"items\""));
    }
    let status = wait_exit(&mut child, Duration::from_secs(35));
    assert!(status.success(), "exit status after SIGTERM: {status}");
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "no longer listening"
    );
    std::thread::sleep(Duration::from_millis(100));
    let lines = log.lock().unwrap().clone();
    lines
}

/// The request log lines (one per request) of a server log in either format.
fn request_lines(lines: &[String]) -> Vec<&String> {
    lines
        .iter()
        .filter(|l| l.contains("/api/v1/concept"))
        .collect()
}

#[test]
fn serve_with_no_configuration_uses_a_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let lines = serve_end_to_end(dir.path(), &[], None);
    let requests = request_lines(&lines);
    assert_eq!(requests.len(), 1, "one log line per request: {lines:?}");
    for part in ["e2e-request-1", "method=GET", "status=200", "latency_ms="] {
        assert!(
            requests[0].contains(part),
            "{part} missing: {}",
            requests[0]
        );
    }
    let log = lines.join("\n");
    assert!(
        !log.contains("someone@example.org"),
        "query strings are not logged: {log}"
    );
    assert!(log.contains("API:"), "{log}");
    assert!(
        log.contains("PUBLIC_BASE_URL is not set"),
        "a newcomer is told about mail links: {log}"
    );
    assert!(log.contains("/docs/"), "{log}");
    let db_file = dir.path().join("beteiligung.db");
    assert!(db_file.exists());
    assert!(
        log.contains(&format!(
            "SQLite file {}",
            std::fs::canonicalize(&db_file).unwrap().display()
        )),
        "{log}"
    );
}

#[test]
fn serve_on_postgres_finishes_requests_in_flight_on_sigterm() {
    let Some(db) = TestDb::postgres() else { return };
    assert_eq!(db.backend(), Backend::Postgres);
    let dir = tempfile::tempdir().unwrap();
    let lines = serve_end_to_end(
        dir.path(),
        &[
            ("DATABASE_URL", &db.url.target),
            ("LOG_FORMAT", "json"),
            ("JWT_SECRET", crate::common::TEST_JWT_SECRET),
            ("RECEIPT_SIGNING_KEY", crate::common::TEST_RECEIPT_KEY),
            ("ERASURE_KEY", crate::common::TEST_ERASURE_KEY),
            ("MAIL_LOG", "true"),
        ],
        Some(&db),
    );
    let requests = request_lines(&lines);
    assert_eq!(requests.len(), 1, "one log line per request: {lines:?}");
    let line: serde_json::Value = serde_json::from_str(requests[0]).expect("a JSON log line");
    assert_eq!(line["status"], 200, "{line}");
    assert_eq!(line["route"], "/api/v1/concept", "{line}");
    assert_eq!(line["span"]["request_id"], "e2e-request-1", "{line}");
    assert!(line["latency_ms"].is_number(), "{line}");
    let log = lines.join("\n");
    assert!(log.contains("database: PostgreSQL"), "{log}");
    assert!(
        !log.contains("postgres://"),
        "no credentials or URL in the log: {log}"
    );
}

/// Each key PostgreSQL nodes must share is required there: without it, `serve` stops with
/// the setting's name before it opens the database (the keys are checked in this order).
#[test]
fn postgres_without_a_shared_key_stops_before_touching_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = vec![
        ("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none"),
        ("JWT_SECRET", crate::common::TEST_JWT_SECRET),
    ];
    for (missing, value) in [
        ("RECEIPT_SIGNING_KEY", crate::common::TEST_RECEIPT_KEY),
        ("ERASURE_KEY", crate::common::TEST_ERASURE_KEY),
    ] {
        let out = run(dir.path(), &env, &["serve"]);
        assert!(!out.status.success());
        let err = stderr(&out);
        assert!(err.contains(missing), "{err}");
        assert!(
            !err.contains("cannot open the database"),
            "checked first: {err}"
        );
        env.push((missing, value));
    }
}

#[test]
fn postgres_without_jwt_secret_stops_before_touching_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        &[("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")],
        &["serve"],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("JWT_SECRET"), "{err}");
    assert!(
        !err.contains("cannot open the database"),
        "checked first: {err}"
    );
}

/// `create-admin` reads the password from standard input.
pub(crate) fn create_admin(
    dir: &Path,
    env: &[(&str, &str)],
    email: &str,
    password: &str,
) -> Output {
    let mut child = beteiligung(dir, env)
        .args(["create-admin", "--email", email])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

pub(crate) fn post_json(port: u16, path: &str, token: Option<&str>, body: &str) -> String {
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    http(
        port,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
}

pub(crate) fn json_body(response: &str) -> serde_json::Value {
    serde_json::from_str(response.split_once("\r\n\r\n").unwrap().1).unwrap()
}

#[test]
fn first_admin_from_the_command_line_and_sessions_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let out = create_admin(dir.path(), &[], "Admin@Example.org", "qwertzuiop");
    assert!(!out.status.success(), "a common password is refused");
    assert!(stderr(&out).contains("common"), "{}", stderr(&out));
    let out = create_admin(
        dir.path(),
        &[],
        "Admin@Example.org",
        "Sparrenburg bei Nacht",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("admin@example.org"),
        "no address in the log: {}",
        stderr(&out)
    );

    let port = free_port();
    let (mut child, log) = start_server(dir.path(), &[], port);
    for name in ["beteiligung.db.jwt-key", "beteiligung.db.receipt-key"] {
        let key = dir.path().join(name);
        assert!(key.exists(), "{name} is created beside the database");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }
    let receipt_key = json_body(&http(
        port,
        "GET /api/v1/statement-receipts/key HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    ))["public_key"]
        .clone();
    assert!(receipt_key.is_string());
    let res = post_json(
        port,
        "/api/v1/auth/login",
        None,
        r#"{"email":"admin@example.org","password":"Sparrenburg bei Nacht"}"#,
    );
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    let token = json_body(&res)["access_token"].as_str().unwrap().to_owned();
    let res = http(port, &format!("GET /api/v1/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n\r\n"));
    assert!(res.contains("\"role\":\"admin\""), "{res}");

    // Without SMTP_URL (on SQLite) the verification mail is written as a file beside the
    // database, readable only by its owner; the log holds neither the address nor the link.
    let res = post_json(
        port,
        "/api/v1/auth/register",
        None,
        r#"{"email":"lena@example.org","password":"Teutoburger Wald im Nebel","display_name":"Lena","terms_version":"2026-11","privacy_version":"2026-12"}"#,
    );
    assert!(res.starts_with("HTTP/1.1 202"), "{res}");
    let mails = dir.path().join("beteiligung.db.mails");
    let deadline = Instant::now() + Duration::from_secs(10);
    let mail = loop {
        let found = std::fs::read_dir(&mails).ok().and_then(|entries| {
            entries.flatten().map(|e| e.path()).find(|p| {
                std::fs::read_to_string(p).is_ok_and(|t| t.contains("verify-email?token="))
            })
        });
        if let Some(found) = found {
            break found;
        }
        assert!(
            Instant::now() < deadline,
            "no mail file in {}",
            mails.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let written = std::fs::read_to_string(&mail).unwrap();
    assert!(written.starts_with("To: lena@example.org\r\n"), "{written}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&mail).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o077,
            0,
            "the mail file is for its owner only: {mode:o}"
        );
    }
    sigterm(&child);
    assert!(wait_exit(&mut child, Duration::from_secs(35)).success());
    let text = log.lock().unwrap().join("\n");
    assert!(!text.contains("lena@example.org"), "{text}");
    assert!(!text.contains("token="), "{text}");
    assert!(!text.contains(&token), "no tokens in the log");

    // After a restart the same access token still works: the key was kept.
    let port = free_port();
    let (mut child, _log) = start_server(dir.path(), &[], port);
    let res = http(port, &format!("GET /api/v1/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n\r\n"));
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    // Receipts signed before the restart still verify: the same receipt key.
    let again = json_body(&http(
        port,
        "GET /api/v1/statement-receipts/key HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    ))["public_key"]
        .clone();
    assert_eq!(again, receipt_key);
    sigterm(&child);
    assert!(wait_exit(&mut child, Duration::from_secs(35)).success());

    // Promoting an existing account needs no password.
    let out = run(
        dir.path(),
        &[],
        &["create-admin", "--email", "lena@example.org"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Writes acknowledged by the API over HTTP survive the server being killed with SIGKILL.
fn acknowledged_http_writes_survive_sigkill(db_env: &[(&str, &str)], url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let out = create_admin(
        dir.path(),
        db_env,
        "admin@example.org",
        "Sparrenburg bei Nacht",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let port = free_port();
    let (mut child, _log) = start_server(dir.path(), db_env, port);
    let res = post_json(
        port,
        "/api/v1/auth/login",
        None,
        r#"{"email":"admin@example.org","password":"Sparrenburg bei Nacht"}"#,
    );
    let token = json_body(&res)["access_token"].as_str().unwrap().to_owned();
    let mut acknowledged = Vec::new();
    for n in 0..40 {
        let res = post_json(
            port,
            "/api/v1/admin/catalogue/priority-goals",
            Some(&token),
            &format!(r#"{{"text":"Ziel {n}"}}"#),
        );
        assert!(res.starts_with("HTTP/1.1 201"), "{res}");
        acknowledged.push(json_body(&res)["id"].as_i64().unwrap());
    }
    child.kill().unwrap(); // SIGKILL: no shutdown, no flushing beyond what was committed
    child.wait().unwrap();
    use diesel::prelude::*;
    let mut conn =
        beteiligung::db::establish(&beteiligung::config::DatabaseUrl::parse(url).unwrap()).unwrap();
    let stored: Vec<i64> = beteiligung::db::schema::priority_goals::table
        .select(beteiligung::db::schema::priority_goals::id)
        .load(&mut conn)
        .unwrap();
    let lost: Vec<_> = acknowledged
        .iter()
        .filter(|id| !stored.contains(id))
        .collect();
    assert!(
        lost.is_empty(),
        "acknowledged with 201 but lost after SIGKILL: {lost:?}"
    );
}

#[test]
fn acknowledged_http_writes_survive_sigkill_sqlite() {
    let db = TestDb::sqlite();
    let url = db.url.target.clone();
    acknowledged_http_writes_survive_sigkill(&[("DATABASE_URL", &url)], &url);
}

#[test]
fn acknowledged_http_writes_survive_sigkill_postgres() {
    let Some(db) = TestDb::postgres() else { return };
    let url = db.url.target.clone();
    acknowledged_http_writes_survive_sigkill(
        &[
            ("DATABASE_URL", &url),
            ("JWT_SECRET", crate::common::TEST_JWT_SECRET),
            ("RECEIPT_SIGNING_KEY", crate::common::TEST_RECEIPT_KEY),
            ("ERASURE_KEY", crate::common::TEST_ERASURE_KEY),
            ("MAIL_LOG", "true"),
        ],
        &url,
    );
}

/// Sends `head` (and whatever follows it), then reads for at most `wait`: the answer so far
/// and whether the server closed the connection.
fn exchange(port: u16, head: &str, wait: Duration) -> (String, bool) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(wait)).unwrap();
    s.write_all(head.as_bytes()).unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let closed = loop {
        match s.read(&mut buf) {
            Ok(0) => break true,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(_) => break false,
        }
    };
    (String::from_utf8_lossy(&out).into_owned(), closed)
}

#[test]
fn slow_bodies_oversized_announcements_and_malformed_requests_on_the_wire() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (mut child, log) = start_server(dir.path(), &[("BODY_READ_TIMEOUT_SECS", "1")], port);

    // A body announced with `Expect: 100-continue` over the limit: 413 at once, no invitation.
    let (answer, _) = exchange(
        port,
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 104857600\r\nExpect: 100-continue\r\n\r\n",
        Duration::from_secs(3),
    );
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(!answer.contains("100 Continue"), "{answer}");
    assert!(answer.contains("payload_too_large"), "{answer}");
    // Within the limit, the client is invited to send.
    let (answer, _) = exchange(
        port,
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n",
        Duration::from_millis(500),
    );
    assert!(answer.starts_with("HTTP/1.1 100 Continue"), "{answer}");

    // A body trickled in: 408 after the read timeout, and the connection is closed.
    let started = Instant::now();
    let (answer, closed) = exchange(
        port,
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
        Duration::from_secs(10),
    );
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
    assert!(closed, "the connection stays open: {answer}");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );

    // The same with a chunked body, which actix would otherwise drain without a limit.
    let started = Instant::now();
    let (answer, closed) = exchange(
        port,
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n",
        Duration::from_secs(10),
    );
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(closed, "the connection stays open: {answer}");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    // A body nobody reads (a GET with an endless chunked body): answered, then closed.
    let (answer, closed) = exchange(
        port,
        "GET /api/v1/fields HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n",
        Duration::from_secs(5),
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(closed, "the connection stays open: {answer}");
    // The catalogue import takes files up to 8 MiB: a large announced one is invited.
    let (answer, _) = exchange(
        port,
        "POST /api/v1/admin/catalogue/import HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2097152\r\nExpect: 100-continue\r\n\r\n",
        Duration::from_millis(500),
    );
    assert!(answer.starts_with("HTTP/1.1 100 Continue"), "{answer}");

    // A malformed request is the client's mistake: answered 400, no ERROR in the log.
    let (answer, _) = exchange(
        port,
        "GARBAGE \u{1}\u{2} /x HTTP/9.9\r\n\r\n",
        Duration::from_secs(3),
    );
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    let (answer, _) = exchange(
        port,
        &format!(
            "{} /api/v1/fields HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
            "M".repeat(5000)
        ),
        Duration::from_secs(3),
    );
    assert!(answer.starts_with("HTTP/1.1 405"), "{answer}");
    std::thread::sleep(Duration::from_millis(300));
    sigterm(&child);
    wait_exit(&mut child, Duration::from_secs(40));
    let lines = log.lock().unwrap().clone();
    assert!(!lines.iter().any(|l| l.contains("ERROR")), "{lines:#?}");
    // The request line of the long method is bounded: the method is logged as `other`.
    assert!(lines.iter().all(|l| l.len() < 1000), "{lines:#?}");
    assert!(
        lines.iter().any(|l| l.contains("method=other")),
        "{lines:#?}"
    );
}

/// The API nodes' environment in docker-compose.yml with every `${VAR:-default}` at its
/// default; `${VAR:?…}` (the secrets the file names) get the values in `secrets`.
fn compose_environment(secrets: &[(&str, &str)]) -> Vec<(String, String)> {
    crate::common::compose::api_environment(secrets)
}

#[test]
fn the_compose_environment_is_one_the_binary_accepts() {
    let Some(db) = TestDb::postgres() else { return };
    let secrets = [
        ("POSTGRES_PASSWORD", "not-used-here"),
        ("JWT_SECRET", "compose-test-signing-key-0123456789-abcdefgh"),
        ("RECEIPT_SIGNING_KEY", crate::common::TEST_RECEIPT_KEY),
        ("ERASURE_KEY", crate::common::TEST_ERASURE_KEY),
    ];
    let mut env = compose_environment(&secrets);
    assert!(
        env.iter()
            .any(|(k, v)| k == "DATABASE_URL" && v.contains("@db:5432/")),
        "{env:?}"
    );
    // Exactly that environment, but the database this test created and a free loopback port.
    let port = free_port();
    for (k, v) in env.iter_mut() {
        match k.as_str() {
            "DATABASE_URL" => *v = db.url.target.clone(),
            "BIND" => *v = format!("127.0.0.1:{port}"),
            _ => {}
        }
    }
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let dir = tempfile::tempdir().unwrap();
    let mut child = beteiligung(dir.path(), &env)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut ready = String::new();
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            let mut log = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut log)
                .unwrap();
            panic!("the binary refused the compose environment ({status}): {log}");
        }
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            ready = http_get(port, "/readyz");
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    sigterm(&child);
    wait_exit(&mut child, Duration::from_secs(40));
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
}

/// One request over loopback from 127.0.0.2 (so the client's address is one the server's own
/// log lines never name), with a forwarded address and a user agent that must not be kept
/// anywhere. Answers the status, the head and the JSON body (`Null` when there is none).
/// A connection to the server on `port` from 127.0.0.2, a client address the tests can look
/// for in logs and databases.
pub(crate) fn from_127_0_0_2(port: u16) -> TcpStream {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket
        .bind(
            &"127.0.0.2:0"
                .parse::<std::net::SocketAddr>()
                .unwrap()
                .into(),
        )
        .unwrap();
    socket
        .connect_timeout(
            &std::net::SocketAddr::from(([127, 0, 0, 1], port)).into(),
            Duration::from_secs(5),
        )
        .unwrap_or_else(|e| panic!("connect to {port}: {e}"));
    socket.into()
}

fn request(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<&serde_json::Value>,
) -> (u16, String, serde_json::Value) {
    let mut s = from_127_0_0_2(port);
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nUser-Agent: {PRIVATE_AGENT}\r\nX-Forwarded-For: {PRIVATE_FORWARDED}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, rest) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    let status = head[9..12].parse().unwrap();
    // Chunked bodies (streamed downloads) are not used here; JSON answers carry a length.
    let json = serde_json::from_str(rest).unwrap_or(serde_json::Value::Null);
    (status, head.to_owned(), json)
}

const PRIVATE_AGENT: &str = "PrivacyProbe/9.7 (Kommunal-Tablet 4711)";
const PRIVATE_FORWARDED: &str = "203.0.113.77";

/// A whole participation — register, verify, sign in, comment, vote, submit a statement,
/// delete — with the log at `debug`: afterwards neither the log nor the database holds the
/// addresses, passwords, tokens, IP addresses or user agent it used.
#[test]
fn a_full_scenario_leaves_no_personal_data_in_the_log_or_tracking_data_in_the_database() {
    use serde_json::json;
    let dir = tempfile::tempdir().unwrap();
    let admin_password = "Sparrenburg bei Nacht";
    let out = create_admin(dir.path(), &[], "verwaltung@example.org", admin_password);
    assert!(out.status.success(), "{}", stderr(&out));
    let sink = crate::common::smtp::SmtpSink::start();
    let smtp = sink.url();
    let port = free_port();
    let (mut child, log) = start_server(
        dir.path(),
        &[
            ("RUST_LOG", "debug"),
            ("SMTP_URL", &smtp),
            ("LOG_FORMAT", "text"),
        ],
        port,
    );
    let mut secrets: Vec<String> = vec![
        "Lena D.".into(),
        "verwaltung@example.org".into(),
        admin_password.into(),
        PRIVATE_AGENT.into(),
        PRIVATE_FORWARDED.into(),
        "127.0.0.2".into(),
    ];
    let ok = |(status, head, body): (u16, String, serde_json::Value), want: u16| {
        assert_eq!(status, want, "{head}\n{body}");
        (head, body)
    };
    let (_, admin) = ok(
        request(
            port,
            "POST",
            "/api/v1/auth/login",
            None,
            &[],
            Some(&json!({"email": "verwaltung@example.org", "password": admin_password})),
        ),
        200,
    );
    let admin_token = admin["access_token"].as_str().unwrap().to_owned();
    secrets.push(admin_token.clone());
    secrets.push(admin["refresh_token"].as_str().unwrap().into());

    // A round that is open for comments and votes now.
    let (_, fields) = ok(request(port, "GET", "/api/v1/fields", None, &[], None), 200);
    let field = fields["items"][0]["id"].as_i64().unwrap();
    let (_, measures) = ok(
        request(
            port,
            "GET",
            &format!("/api/v1/fields/{field}/measures"),
            None,
            &[],
            None,
        ),
        200,
    );
    let measure_ids: Vec<i64> = measures["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    let now = chrono::Utc::now();
    let at = |days: i64| {
        (now + chrono::Duration::days(days)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    let (_, round) = ok(
        request(
            port,
            "POST",
            "/api/v1/admin/consultations",
            Some(&admin_token),
            &[],
            Some(&json!({
                "title": "Datenschutzprobe",
                "description": "Runde für den Test",
                "scope": {"whole_concept": false, "field_ids": [field]},
                "commenting": {"opens_at": at(-1), "closes_at": at(10)},
                "voting": {"opens_at": at(-1), "closes_at": at(20)},
                "moderation": "post",
                "voting_rules": {"points_budget": 9, "max_points_per_option": 3, "option_kind": "measures", "options": measure_ids},
                "results_visibility": "after_close"
            })),
        ),
        201,
    );
    let round = round["id"].as_i64().unwrap();

    // Register and verify.
    let email = "lena.datenschutz@example.org";
    let password = "Teutoburger Wald im Nebel";
    secrets.extend([
        email.to_owned(),
        password.to_owned(),
        "lena.datenschutz".to_owned(),
    ]);
    ok(
        request(
            port,
            "POST",
            "/api/v1/auth/register",
            None,
            &[],
            Some(&json!({
                "email": email, "password": password, "display_name": "Lena D.",
                "terms_version": "2026-11", "privacy_version": "2026-12"
            })),
        ),
        202,
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    let verification = loop {
        if let Some(mail) = sink.to(email).first() {
            break mail.token();
        }
        assert!(Instant::now() < deadline, "no verification mail");
        std::thread::sleep(Duration::from_millis(100));
    };
    secrets.push(verification.clone());
    ok(
        request(
            port,
            "POST",
            "/api/v1/auth/verify-email",
            None,
            &[],
            Some(&json!({"token": verification})),
        ),
        204,
    );
    let (_, signed_in) = ok(
        request(
            port,
            "POST",
            "/api/v1/auth/login",
            None,
            &[],
            Some(&json!({"email": email, "password": password})),
        ),
        200,
    );
    let lena = signed_in["access_token"].as_str().unwrap().to_owned();
    secrets.push(lena.clone());
    secrets.push(signed_in["refresh_token"].as_str().unwrap().into());
    if let Some(device) = signed_in["device_token"].as_str() {
        secrets.push(device.into());
    }

    // Comment and vote.
    ok(
        request(
            port,
            "POST",
            &format!("/api/v1/consultations/{round}/comments"),
            Some(&lena),
            &[],
            Some(&json!({
                "target_type": "measure", "target_id": measure_ids[0], "body": "Mehr Sprachkurse am Abend, bitte."
            })),
        ),
        201,
    );
    ok(
        request(
            port,
            "PUT",
            &format!("/api/v1/consultations/{round}/ballot"),
            Some(&lena),
            &[],
            Some(&json!({
                "allocations": [{"option_id": measure_ids[0], "points": 3}]
            })),
        ),
        200,
    );

    // An organisation, verified by staff, and a statement submitted in its name.
    let (_, org) = ok(
        request(
            port,
            "POST",
            "/api/v1/organisations",
            Some(&lena),
            &[],
            Some(&json!({
                "name": "Verein Datenschutzprobe e. V.", "kind": "migrant_organisation",
                "description": "Beratung.", "contact_email": "kontakt-probe@example.org"
            })),
        ),
        201,
    );
    let org = org["id"].as_i64().unwrap();
    let (head, _) = ok(
        request(
            port,
            "GET",
            &format!("/api/v1/organisations/{org}"),
            Some(&admin_token),
            &[],
            None,
        ),
        200,
    );
    let etag = etag_of(&head);
    ok(
        request(
            port,
            "POST",
            &format!("/api/v1/moderation/organisations/{org}/verify"),
            Some(&admin_token),
            &[("If-Match", &etag)],
            Some(&json!({})),
        ),
        200,
    );
    let (_, draft) = ok(
        request(
            port,
            "POST",
            &format!("/api/v1/organisations/{org}/statements"),
            Some(&lena),
            &[],
            Some(&json!({
                "consultation_id": round, "target_type": "concept", "title": "Stellungnahme", "body": "Wir regen an, früher zu beginnen."
            })),
        ),
        201,
    );
    let statement = draft["id"].as_i64().unwrap();
    let (head, _) = ok(
        request(
            port,
            "GET",
            &format!("/api/v1/statements/{statement}"),
            Some(&lena),
            &[],
            None,
        ),
        200,
    );
    let etag = etag_of(&head);
    ok(
        request(
            port,
            "POST",
            &format!("/api/v1/statements/{statement}/submit"),
            Some(&lena),
            &[("If-Match", &etag)],
            Some(&json!({"publish_as": "name"})),
        ),
        200,
    );

    // A second representative (the administration, invited by mail), so that Lena is not the
    // organisation's last one and may leave.
    ok(
        request(
            port,
            "POST",
            &format!("/api/v1/organisations/{org}/invitations"),
            Some(&lena),
            &[],
            Some(&json!({
                "email": "verwaltung@example.org", "role": "representative"
            })),
        ),
        201,
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    let invitation = loop {
        if let Some(mail) = sink
            .to("verwaltung@example.org")
            .into_iter()
            .find(|m| m.body().contains("token="))
        {
            break mail.token();
        }
        assert!(Instant::now() < deadline, "no invitation mail");
        std::thread::sleep(Duration::from_millis(100));
    };
    secrets.push(invitation.clone());
    ok(
        request(
            port,
            "POST",
            "/api/v1/organisation-invitations/accept",
            Some(&admin_token),
            &[],
            Some(&json!({"token": invitation})),
        ),
        200,
    );

    // The export, then the deletion.
    let (status, head, _) = request(port, "GET", "/api/v1/me/export", Some(&lena), &[], None);
    assert_eq!(status, 200, "{head}");
    ok(
        request(
            port,
            "DELETE",
            "/api/v1/me",
            Some(&lena),
            &[],
            Some(&json!({"password": password})),
        ),
        204,
    );
    let (status, _, _) = request(port, "GET", "/api/v1/me", Some(&lena), &[], None);
    assert_eq!(status, 401, "the deleted account's session ended");

    // Let the outbox and the purge run, then stop.
    std::thread::sleep(Duration::from_secs(3));
    sigterm(&child);
    assert!(wait_exit(&mut child, Duration::from_secs(35)).success());
    let text = log.lock().unwrap().join("\n");
    assert!(text.contains("DEBUG"), "the log ran at debug level");
    assert!(
        text.contains("retention purge"),
        "serve runs the retention purge by itself"
    );
    assert!(
        text.contains("route=/api/v1/statements/{id}/submit"),
        "the scenario is in the log"
    );
    for secret in &secrets {
        assert!(
            !text.contains(secret.as_str()),
            "the log holds {secret:?}:\n{text}"
        );
    }
    // Nothing of the client's connection reached the database.
    let mut stored = Vec::new();
    for name in ["beteiligung.db", "beteiligung.db-wal"] {
        if let Ok(bytes) = std::fs::read(dir.path().join(name)) {
            stored.extend(bytes);
        }
    }
    assert!(stored.len() > 10_000);
    for tracking in [
        PRIVATE_AGENT,
        PRIVATE_FORWARDED,
        "127.0.0.2",
        "PrivacyProbe",
    ] {
        assert!(
            !stored
                .windows(tracking.len())
                .any(|w| w == tracking.as_bytes()),
            "the database holds {tracking:?}"
        );
    }
}

/// With `LOG_CLIENT_NETWORK=true` the request lines name the client's network, truncated, and
/// still never the address.
#[test]
fn client_networks_are_logged_only_when_asked_and_only_truncated() {
    let dir = tempfile::tempdir().unwrap();
    for (setting, expected) in [
        ("false", None),
        ("true", Some("client_network=127.0.0.0/24")),
    ] {
        let port = free_port();
        let (mut child, log) = start_server(dir.path(), &[("LOG_CLIENT_NETWORK", setting)], port);
        let (status, _, _) = request(port, "GET", "/api/v1/concept", None, &[], None);
        assert_eq!(status, 200);
        sigterm(&child);
        assert!(wait_exit(&mut child, Duration::from_secs(35)).success());
        let text = log.lock().unwrap().join("\n");
        assert!(text.contains("route=/api/v1/concept"), "{text}");
        assert!(!text.contains("127.0.0.2"), "{text}");
        match expected {
            Some(network) => assert!(text.contains(network), "{text}"),
            None => assert!(!text.contains("client_network"), "{text}"),
        }
    }
}

fn etag_of(head: &str) -> String {
    head.lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("etag")
                .then(|| value.trim().to_owned())
        })
        .expect("an ETag")
}

/// The operator's side of erasure records: `erasures export` writes them as JSON lines,
/// `erasures apply FILE` erases again the accounts a restored backup brought back, and `purge`
/// applies the retention rules at once.
#[test]
fn erasure_records_and_the_purge_from_the_command_line() {
    use base64::Engine;
    let dir = tempfile::tempdir().unwrap();
    let env = [("ERASURE_KEY", crate::common::TEST_ERASURE_KEY)];
    for email in ["erste@example.org", "zweite@example.org"] {
        let out = create_admin(dir.path(), &env, email, "Sparrenburg bei Nacht");
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let out = run(dir.path(), &env, &["erasures", "export"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "no records yet");

    // A record from the live database, kept outside the backup: the second administrator
    // deleted their account a day from now (so the account here existed before).
    let seed: [u8; 32] = base64::engine::general_purpose::STANDARD
        .decode(crate::common::TEST_ERASURE_KEY)
        .unwrap()
        .try_into()
        .unwrap();
    let key = beteiligung::privacy::erasures::Key::new(seed);
    let hash = key.hash("zweite@example.org");
    let key_id = key.id();
    let erased_at = (chrono::Utc::now() + chrono::Duration::days(1))
        .naive_utc()
        .format("%Y-%m-%dT%H:%M:%S");
    let file = dir.path().join("erasures.jsonl");
    std::fs::write(
        &file,
        format!("{{\"address_hash\":\"{hash}\",\"key_id\":\"{key_id}\",\"erased_at\":\"{erased_at}\",\"texts_removed\":false}}\n"),
    )
    .unwrap();
    let out = run(
        dir.path(),
        &env,
        &["erasures", "apply", file.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        said.contains("1 account(s) erased again; 1 record(s) added"),
        "{said}"
    );
    let out = run(dir.path(), &env, &["erasures", "export"]);
    let exported = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(exported.lines().count(), 1, "{exported}");
    assert!(exported.contains(&hash));
    // Applying again changes nothing; the erased administrator cannot be erased twice.
    let out = run(
        dir.path(),
        &env,
        &["erasures", "apply", file.to_str().unwrap()],
    );
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("0 account(s) erased again; 0 record(s) added"));
    // Records of another key would match nobody: refused, naming both keys.
    let other = run(
        dir.path(),
        &[(
            "ERASURE_KEY",
            "b3RoZXItZXJhc3VyZS1rZXktMDEyMzQ1Njc4OWFiY2Q=",
        )],
        &["erasures", "apply", file.to_str().unwrap()],
    );
    assert!(!other.status.success());
    assert!(stderr(&other).contains(&key_id), "{}", stderr(&other));
    // A damaged file is refused with its line.
    std::fs::write(
        &file,
        "{\"address_hash\":\"zz\",\"erased_at\":\"2026-01-01T00:00:00\"}\n",
    )
    .unwrap();
    let out = run(
        dir.path(),
        &env,
        &["erasures", "apply", file.to_str().unwrap()],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("line 1"), "{}", stderr(&out));

    let out = run(dir.path(), &env, &["purge"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    for rule in [
        "outbox_emails: mails that were sent",
        "sessions: sessions that expired",
        "organisation_invitations:",
    ] {
        assert!(said.contains(rule), "{said}");
    }
}
