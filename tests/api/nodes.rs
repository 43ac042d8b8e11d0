//! Two API nodes on one PostgreSQL behind nginx (issue 16): the real binary twice, with the
//! compose file's environment, and Debian's nginx with the one configuration the compose file
//! mounts. Sessions, mail, ballots, moderation and receipt numbers must hold across the nodes,
//! and nginx must keep answering when a node is gone.

use crate::cli::{free_port, start_server, Log};
use crate::common::smtp::SmtpSink;
use crate::common::{
    compose, fixtures, TestDb, TEST_ERASURE_KEY, TEST_JWT_SECRET, TEST_RECEIPT_KEY,
};
use beteiligung::auth::model::Role;
use beteiligung::db::schema::{consultation_options, fields, outbox_emails};
use diesel::prelude::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The nginx configuration of every environment (see its head), relative to the repository.
const NGINX_TEMPLATE: &str = "deploy/nginx/beteiligung.conf.template";

/// What the test sets on its nodes on top of the compose file's environment: where the
/// database, the port and the mail server are, the tests' keys, and a comment cache of one
/// second. Each is a key of the compose environment (checked below), so the nodes run with
/// exactly the compose file's settings otherwise.
const NODE_OVERRIDES: [&str; 9] = [
    "DATABASE_URL",
    "BIND",
    "JWT_SECRET",
    "RECEIPT_SIGNING_KEY",
    "ERASURE_KEY",
    "SMTP_URL",
    "MAIL_LOG",
    "COMMENT_CACHE_TTL_SECS",
    "WORKERS",
];

/// The comment cache of the test's nodes, in seconds (the documented staleness bound).
const COMMENT_CACHE_TTL_SECS: u64 = 1;

/// The secrets the compose file requires, as the test's nodes get them.
fn secrets() -> [(&'static str, &'static str); 4] {
    [
        ("POSTGRES_PASSWORD", "not-used-here"),
        ("JWT_SECRET", TEST_JWT_SECRET),
        ("RECEIPT_SIGNING_KEY", TEST_RECEIPT_KEY),
        ("ERASURE_KEY", TEST_ERASURE_KEY),
    ]
}

/// A node's environment: the compose file's, with [`NODE_OVERRIDES`] set for this test.
fn node_environment(db: &TestDb, port: u16, smtp: &str) -> Vec<(String, String)> {
    let mut env = compose::api_environment(&secrets());
    let ttl = COMMENT_CACHE_TTL_SECS.to_string();
    for key in NODE_OVERRIDES {
        let value = match key {
            "DATABASE_URL" => db.url.target.clone(),
            "BIND" => format!("127.0.0.1:{port}"),
            "JWT_SECRET" => TEST_JWT_SECRET.to_owned(),
            "RECEIPT_SIGNING_KEY" => TEST_RECEIPT_KEY.to_owned(),
            "ERASURE_KEY" => TEST_ERASURE_KEY.to_owned(),
            "SMTP_URL" => smtp.to_owned(),
            "MAIL_LOG" => "false".to_owned(),
            "COMMENT_CACHE_TTL_SECS" => ttl.clone(),
            "WORKERS" => "2".to_owned(),
            other => unreachable!("{other}"),
        };
        match env.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = value,
            None => env.push((key.to_owned(), value)),
        }
    }
    env
}

/// A child process that is ended (SIGTERM, then SIGKILL) when the test ends, however it ends.
struct Running {
    child: Option<Child>,
}

impl Running {
    /// Stops it: SIGTERM, up to 15 s for a graceful end, then SIGKILL.
    fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        if child.try_wait().ok().flatten().is_none() {
            // Not `cli::sigterm`, which asserts: the process may end by itself meanwhile.
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(15);
            while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
        }
        let _ = child.wait();
    }

    /// Ends it at once, as a crash would (SIGKILL).
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One API node: the binary on a free loopback port with the compose environment.
struct Node {
    port: u16,
    process: Running,
    log: Log,
    _dir: tempfile::TempDir,
}

impl Node {
    fn start(db: &TestDb, smtp: &str) -> Self {
        let port = free_port();
        let env = node_environment(db, port, smtp);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let dir = tempfile::tempdir().unwrap();
        let (child, log) = start_server(dir.path(), &env, port);
        Self {
            port,
            process: Running { child: Some(child) },
            log,
            _dir: dir,
        }
    }
}

/// The nginx binary: on the PATH, or where Debian puts it.
fn nginx_binary() -> Option<PathBuf> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .chain([PathBuf::from("/usr/sbin")])
        .map(|dir| dir.join("nginx"))
        .find(|p| p.is_file())
}

/// The shared configuration with its placeholders filled in from `values`; panics on a
/// placeholder the test does not know (so a new one cannot be left empty here or in compose).
fn fill_template(values: &[(&str, String)]) -> String {
    let template =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(NGINX_TEMPLATE))
            .unwrap();
    let mut out = template.clone();
    for name in placeholders(&template) {
        let value = values
            .iter()
            .find(|(k, _)| *k == name)
            .unwrap_or_else(|| panic!("the test gives no value for ${{{name}}}"));
        out = out.replace(&format!("${{{name}}}"), &value.1);
    }
    out
}

/// The `${NAME}` placeholders of the nginx template.
fn placeholders(template: &str) -> Vec<String> {
    let mut names: Vec<String> = template
        .split("${")
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// nginx in the foreground on a free loopback port, its files in a temporary directory.
struct Nginx {
    port: u16,
    /// Stopped when the test ends.
    _process: Running,
    dir: tempfile::TempDir,
}

impl Nginx {
    fn start(binary: &Path, nodes: [u16; 2]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        // nginx's workers run as an unprivileged user when the test runs as root: they must
        // reach the temporary paths.
        #[cfg(unix)]
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        let port = free_port();
        let server = fill_template(&[
            ("BETEILIGUNG_LISTEN", format!("127.0.0.1:{port}")),
            ("BETEILIGUNG_NODE_1", format!("127.0.0.1:{}", nodes[0])),
            ("BETEILIGUNG_NODE_2", format!("127.0.0.1:{}", nodes[1])),
        ]);
        let d = dir.path().display();
        std::fs::write(dir.path().join("beteiligung.conf"), server).unwrap();
        std::fs::write(
            dir.path().join("nginx.conf"),
            format!(
                "worker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
                 events {{ worker_connections 512; }}\n\
                 http {{\n  client_body_temp_path {d}/client_body;\n  proxy_temp_path {d}/proxy;\n\
                 \x20 fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
                 \x20 include {d}/beteiligung.conf;\n}}\n"
            ),
        )
        .unwrap();
        let access = std::fs::File::create(dir.path().join("access.log")).unwrap();
        let errors = std::fs::File::create(dir.path().join("stderr.log")).unwrap();
        let child = Command::new(binary)
            .args(["-g", "daemon off;", "-p"])
            .arg(dir.path())
            .arg("-c")
            .arg(dir.path().join("nginx.conf"))
            .arg("-e")
            .arg(dir.path().join("error.log"))
            .stdin(Stdio::null())
            .stdout(access)
            .stderr(errors)
            .spawn()
            .expect("start nginx");
        let mut process = Running { child: Some(child) };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = process.child.as_mut().unwrap().try_wait().unwrap() {
                panic!(
                    "nginx exited ({status}): {}{}",
                    std::fs::read_to_string(dir.path().join("error.log")).unwrap_or_default(),
                    std::fs::read_to_string(dir.path().join("stderr.log")).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "nginx did not listen within 10 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            port,
            _process: process,
            dir,
        }
    }

    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }
}

/// An answer over HTTP.
struct Answer {
    status: u16,
    head: String,
    body: Value,
    text: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with(&prefix))
            .map(|l| l[prefix.len()..].trim().to_owned())
    }
}

/// One request from 127.0.0.2 (an address that appears nowhere else, so the logs can be
/// searched for it), read to the end of its body (by length or chunks).
fn exchange(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    exchange_announcing(port, method, path, headers, body, body.len())
}

/// [`exchange`] with `Content-Length: length`, which may announce more than `body` holds.
fn exchange_announcing(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    length: usize,
) -> Answer {
    let mut s = crate::cli::from_127_0_0_2(port);
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: beteiligung.test\r\nConnection: close\r\nContent-Length: {length}\r\n"
    );
    if !body.is_empty()
        && !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        head.push_str("Content-Type: application/json\r\n");
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    let mut buf = [0u8; 16384];
    let (head, rest) = loop {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "connection closed before the head: {raw:?}");
        raw.extend_from_slice(&buf[..n]);
        if let Some(at) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break (
                String::from_utf8_lossy(&raw[..at]).into_owned(),
                raw[at + 4..].to_vec(),
            );
        }
    };
    let lower = head.to_ascii_lowercase();
    let mut body = rest;
    if let Some(len) = lower
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map(|v| v.trim().parse::<usize>().unwrap())
    {
        while body.len() < len {
            let n = s.read(&mut buf).unwrap();
            assert!(n > 0, "connection closed in the body");
            body.extend_from_slice(&buf[..n]);
        }
    } else if lower.contains("transfer-encoding: chunked") {
        let _ = s.read_to_end(&mut body);
        let mut decoded = Vec::new();
        let mut at = 0;
        while let Some(end) = body[at..].windows(2).position(|w| w == b"\r\n") {
            let size =
                usize::from_str_radix(String::from_utf8_lossy(&body[at..at + end]).trim(), 16)
                    .unwrap();
            at += end + 2;
            if size == 0 {
                break;
            }
            decoded.extend_from_slice(&body[at..at + size]);
            at += size + 2;
        }
        body = decoded;
    }
    let text = String::from_utf8_lossy(&body).into_owned();
    Answer {
        status: head[9..12].parse().unwrap(),
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        head,
        text,
    }
}

/// A JSON request, signed in with `token` when given, with extra headers.
fn call(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Answer {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let mut all: Vec<(&str, &str)> = headers.to_vec();
    if let Some(b) = &bearer {
        all.push(("Authorization", b));
    }
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    exchange(port, method, path, &all, body.as_bytes())
}

fn get(port: u16, path: &str, token: Option<&str>) -> Answer {
    call(port, "GET", path, token, &[], None)
}

#[track_caller]
fn assert_problem(a: &Answer, status: u16, code: &str) {
    assert_eq!(a.status, status, "{}\n{}", a.head, a.text);
    assert_eq!(
        a.header("content-type").as_deref(),
        Some("application/problem+json"),
        "{}",
        a.head
    );
    assert_eq!(a.body["code"], code, "{}", a.text);
}

/// An account built straight into the database: its access token and id.
fn person(state: &beteiligung::AppState, email: &str, role: Role) -> (String, i64) {
    let pair = fixtures::account(state, email, role);
    (
        pair["access_token"].as_str().unwrap().to_owned(),
        pair["user_id"].as_i64().unwrap(),
    )
}

/// Waits (at most `within`) until `done` holds; answers whether it did.
fn eventually(within: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if done() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn two_nodes_behind_nginx_share_sessions_mail_ballots_moderation_and_receipts() {
    let Some(db) = TestDb::postgres() else { return };
    let Some(nginx_bin) = nginx_binary() else {
        assert!(
            std::env::var("CI").is_err(),
            "nginx is not installed (.ci/run installs it: apt-get install nginx-light)"
        );
        eprintln!("skipped: nginx is not installed (apt-get install nginx-light)");
        return;
    };
    // Every mail takes the server 30 ms: a batch keeps one node's worker busy long enough for
    // the other node's worker to poll the outbox meanwhile.
    let sink = SmtpSink::with_delay(Duration::from_millis(30));
    // In-process state on the same database, for the fixtures only: migrated, demo seeded,
    // tokens minted with the key the nodes share.
    let state = db.state_with(&[("SMTP_URL", &sink.url())]);
    let mut a = Node::start(&db, &sink.url());
    let mut b = Node::start(&db, &sink.url());
    let nginx = Nginx::start(&nginx_bin, [a.port, b.port]);
    let (na, nb, nx) = (a.port, b.port, nginx.port);

    // Through nginx, and at each node.
    for port in [nx, nx, na, nb] {
        let r = get(port, "/api/v1/concept", None);
        assert_eq!(r.status, 200, "{port}: {}", r.text);
        assert!(r.header("x-request-id").is_some());
    }
    assert_eq!(get(nx, "/readyz", None).status, 200);

    // 1. A session ended through node A is refused by node B at once (and through nginx).
    let (lena, _) = person(&state, "lena@example.org", Role::Participant);
    assert_eq!(get(nb, "/api/v1/me", Some(&lena)).status, 200);
    assert_eq!(get(nx, "/api/v1/me", Some(&lena)).status, 200);
    assert_eq!(
        call(na, "POST", "/api/v1/auth/logout", Some(&lena), &[], None).status,
        204
    );
    assert_problem(&get(nb, "/api/v1/me", Some(&lena)), 401, "invalid_token");
    for _ in 0..2 {
        assert_problem(&get(nx, "/api/v1/me", Some(&lena)), 401, "invalid_token");
    }

    // 2. Mail is sent once. A reset asked for through nginx: one mail, whose link works on
    // either node; then a batch written straight into the outbox, which both nodes' workers
    // poll: each mail exactly once.
    person(&state, "reset@example.org", Role::Participant);
    let r = call(
        nx,
        "POST",
        "/api/v1/auth/password-reset",
        None,
        &[],
        Some(json!({"email": "reset@example.org"})),
    );
    assert_eq!(r.status, 202, "{}", r.text);
    assert!(
        eventually(Duration::from_secs(20), || sink
            .to("reset@example.org")
            .len()
            == 1),
        "the reset mail arrives"
    );
    let token = sink.to("reset@example.org")[0].token();
    let r = call(
        nb,
        "POST",
        "/api/v1/auth/password-reset/confirm",
        None,
        &[],
        Some(json!({"token": token, "new_password": "Neue Brücke über die Lutter"})),
    );
    assert!(r.status == 200 || r.status == 204, "{}", r.text);
    const BATCH: usize = 40;
    {
        let mut conn = db.connection();
        let now = chrono::Utc::now().naive_utc();
        for n in 0..BATCH {
            beteiligung::mail::enqueue(
                &mut conn,
                now,
                &beteiligung::mail::Mail {
                    to: format!("batch{n}@example.org"),
                    subject: format!("Nachricht {n}"),
                    body: "Text".into(),
                },
            )
            .unwrap();
        }
    }
    let batch_received = || {
        sink.received
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m.rcpt_to.starts_with("batch"))
            .count()
    };
    assert!(
        eventually(Duration::from_secs(30), || batch_received() >= BATCH),
        "the batch is sent: {} of {BATCH}",
        batch_received()
    );
    // Two more rounds of both workers (they poll every 2 s): nothing is sent again.
    std::thread::sleep(Duration::from_secs(5));
    let received = sink.received.lock().unwrap().clone();
    let mut per_recipient: BTreeMap<String, usize> = BTreeMap::new();
    for m in &received {
        *per_recipient.entry(m.rcpt_to.clone()).or_default() += 1;
    }
    // The reset link, then the notice that the password was changed: each once.
    let to_reset = sink.to("reset@example.org");
    assert_eq!(to_reset.len(), 2, "{to_reset:?}");
    assert_eq!(
        to_reset
            .iter()
            .filter(|m| m.body().contains("token="))
            .count(),
        1
    );
    for n in 0..BATCH {
        assert_eq!(
            per_recipient.get(&format!("batch{n}@example.org")),
            Some(&1),
            "batch{n}"
        );
    }
    let attempts: Vec<i32> = outbox_emails::table
        .filter(outbox_emails::sent_at.is_not_null())
        .select(outbox_emails::attempts)
        .load(&mut db.connection())
        .unwrap();
    assert_eq!(attempts.len(), BATCH + 2);
    assert!(
        attempts.iter().all(|&n| n == 1),
        "each mail claimed once: {attempts:?}"
    );

    // 3. Ballots cast through both nodes (at once) give the same results on both.
    let c = fixtures::consultation(&state, "commenting_and_voting");
    let options: Vec<i64> = consultation_options::table
        .filter(consultation_options::consultation_id.eq(c))
        .order(consultation_options::position)
        .select(consultation_options::item_id)
        .load(&mut db.connection())
        .unwrap();
    assert!(options.len() >= 3, "{options:?}");
    let voters: Vec<String> = (0..8)
        .map(|n| person(&state, &format!("voter{n}@example.org"), Role::Participant).0)
        .collect();
    let mut expected: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    let mut casts = Vec::new();
    for (n, token) in voters.iter().enumerate() {
        let allocation = [
            (options[n % 3], 3),
            (options[(n + 1) % 3], 1 + (n % 2) as i32),
        ];
        for (option, points) in allocation {
            let e = expected.entry(option).or_default();
            e.0 += i64::from(points);
            e.1 += 1;
        }
        let body = json!({"allocations": allocation.iter().map(|(o, p)| json!({"option_id": o, "points": p})).collect::<Vec<_>>()});
        let (port, token) = (if n % 2 == 0 { na } else { nb }, token.clone());
        casts.push(std::thread::spawn(move || {
            call(
                port,
                "PUT",
                &format!("/api/v1/consultations/{c}/ballot"),
                Some(&token),
                &[],
                Some(body),
            )
        }));
    }
    for cast in casts {
        let r = cast.join().unwrap();
        assert!(r.status == 200 || r.status == 201, "{}", r.text);
    }
    let (admin, _) = person(&state, "admin@example.org", Role::Admin);
    let results: Vec<Value> = [na, nb, nx]
        .iter()
        .map(|&port| {
            let r = get(
                port,
                &format!("/api/v1/consultations/{c}/results"),
                Some(&admin),
            );
            assert_eq!(r.status, 200, "{}", r.text);
            r.body
        })
        .collect();
    assert_eq!(results[0]["ballots"], 8);
    for option in results[0]["options"].as_array().unwrap() {
        let id = option["option_id"].as_i64().unwrap();
        let (points, supporters) = expected.get(&id).copied().unwrap_or((0, 0));
        assert_eq!(
            (option["points"].as_i64(), option["supporters"].as_i64()),
            (Some(points), Some(supporters)),
            "option {id}"
        );
    }
    for other in &results[1..] {
        for key in [
            "ballots",
            "options",
            "groups",
            "consensus",
            "ballot_export_sha256",
        ] {
            assert_eq!(
                other[key], results[0][key],
                "{key} differs between the nodes"
            );
        }
    }

    // 4. A comment hidden by a moderator on node A: gone on node A at once, on node B within
    // COMMENT_CACHE_TTL_SECS.
    let (writer, _) = person(&state, "writer@example.org", Role::Participant);
    let (moderator, _) = person(&state, "moderation@example.org", Role::Moderator);
    let field: i64 = fields::table
        .order(fields::id)
        .select(fields::id)
        .first(&mut db.connection())
        .unwrap();
    let r = call(
        na,
        "POST",
        &format!("/api/v1/consultations/{c}/comments"),
        Some(&writer),
        &[],
        Some(json!({"target_type": "field", "target_id": field, "body": "Sichtbar für alle."})),
    );
    let comment = r.body["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{}", r.text));
    let page = format!("/api/v1/consultations/{c}/comments?target_type=field&target_id={field}");
    let status_on = |port: u16| {
        let r = get(port, &page, None);
        assert_eq!(r.status, 200, "{}", r.text);
        let item = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == comment)
            .cloned();
        item.map(|i| i["status"].as_str().unwrap().to_owned())
    };
    // Both nodes have the page in their cache now.
    assert_eq!(status_on(na).as_deref(), Some("visible"));
    assert_eq!(status_on(nb).as_deref(), Some("visible"));
    let item = get(
        na,
        &format!("/api/v1/moderation/contributions/{comment}"),
        Some(&moderator),
    );
    let etag = item
        .header("etag")
        .unwrap_or_else(|| panic!("{}", item.head));
    let r = call(
        na,
        "POST",
        &format!("/api/v1/moderation/contributions/{comment}/decisions"),
        Some(&moderator),
        &[("If-Match", &etag)],
        Some(json!({"decision": "hide", "reason": "insult"})),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let decided = Instant::now();
    assert_ne!(
        status_on(na).as_deref(),
        Some("visible"),
        "the deciding node at once"
    );
    let bound = Duration::from_secs(COMMENT_CACHE_TTL_SECS) + Duration::from_millis(300);
    std::thread::sleep(bound.saturating_sub(decided.elapsed()));
    assert_ne!(
        status_on(nb).as_deref(),
        Some("visible"),
        "node B after the documented staleness"
    );
    for _ in 0..2 {
        assert_ne!(status_on(nx).as_deref(), Some("visible"), "through nginx");
    }

    // 5. Statements submitted through both nodes at once: receipt numbers 1…n, no gap, no
    // duplicate.
    let mut drafts = Vec::new();
    for o in 0..4 {
        let (rep, rep_id) = person(&state, &format!("rep{o}@example.org"), Role::Participant);
        let org = fixtures::organisation(
            &state,
            &format!("Verein {o}"),
            "migrant_organisation",
            true,
            rep_id,
            &[],
        );
        for n in 0..4 {
            let port = if (o + n) % 2 == 0 { na } else { nb };
            let r = call(
                port,
                "POST",
                &format!("/api/v1/organisations/{org}/statements"),
                Some(&rep),
                &[],
                Some(
                    json!({"consultation_id": c, "target_type": "concept", "title": format!("Stellungnahme {o}.{n}"), "body": "Wir regen an, die Sprachförderung früher zu beginnen."}),
                ),
            );
            assert_eq!(r.status, 201, "{}", r.text);
            let id = r.body["id"].as_i64().unwrap();
            let etag = get(port, &format!("/api/v1/statements/{id}"), Some(&rep))
                .header("etag")
                .unwrap();
            drafts.push((rep.clone(), id, etag));
        }
    }
    let submissions: Vec<_> = drafts
        .into_iter()
        .enumerate()
        .map(|(i, (rep, id, etag))| {
            let port = if i % 2 == 0 { na } else { nb };
            std::thread::spawn(move || {
                call(
                    port,
                    "POST",
                    &format!("/api/v1/statements/{id}/submit"),
                    Some(&rep),
                    &[("If-Match", &etag)],
                    Some(json!({"publish_as": "name"})),
                )
            })
        })
        .collect();
    let count = submissions.len();
    let mut numbers: Vec<String> = submissions
        .into_iter()
        .map(|s| {
            let r = s.join().unwrap();
            assert_eq!(r.status, 200, "{}", r.text);
            r.body["receipt"]["number"].as_str().unwrap().to_owned()
        })
        .collect();
    numbers.sort();
    let year = chrono::Datelike::year(&chrono::Utc::now());
    let expected: Vec<String> = (1..=count).map(|n| format!("ST-{year}-{n:04}")).collect();
    assert_eq!(numbers, expected);

    // 6. nginx's own refusals speak the API's problem+json, in its words: a body larger than
    // any the API takes is refused before it is sent.
    let r = exchange_announcing(
        nx,
        "POST",
        "/api/v1/statements/1/attachments",
        &[("Content-Type", "application/pdf")],
        &[],
        12 << 20,
    );
    assert_problem(&r, 413, "payload_too_large");
    assert_eq!(
        r.body,
        problem_body(
            &beteiligung::error::codes::PAYLOAD_TOO_LARGE,
            beteiligung::language::Language::De
        ),
        "{}",
        r.text
    );

    // 7. Node A gone: GETs through nginx are still answered, by node B; nginx's log shows the
    // failover (both nodes named for one request).
    a.process.kill();
    for n in 0..6 {
        let r = get(nx, "/api/v1/concept", None);
        assert_eq!(r.status, 200, "request {n} with node A gone: {}", r.text);
        let r = get(nx, &page, None);
        assert_eq!(r.status, 200, "{}", r.text);
    }
    assert!(
        eventually(Duration::from_secs(5), || nginx
            .log("access.log")
            .lines()
            .any(|l| l.contains(&format!(
                "upstream=\"127.0.0.1:{na}, 127.0.0.1:{nb}\""
            )))),
        "a request went to node A, failed, and was answered by node B:\n{}",
        nginx.log("access.log")
    );

    // 8. No node left: nginx answers 503 problem+json itself, in the reader's language.
    b.process.stop();
    for (language, lang) in [
        ("de", beteiligung::language::Language::De),
        ("en", beteiligung::language::Language::En),
    ] {
        let r = call(
            nx,
            "GET",
            "/api/v1/concept",
            None,
            &[("Accept-Language", language)],
            None,
        );
        assert_problem(&r, 503, "service_unavailable");
        assert!(r.header("retry-after").is_some(), "{}", r.head);
        assert_eq!(r.header("content-language").as_deref(), Some(language));
        assert_eq!(
            r.body,
            problem_body(&beteiligung::error::codes::SERVICE_UNAVAILABLE, lang),
            "{}",
            r.text
        );
    }

    // nginx logged every request, and the client's address nowhere.
    let (access, errors) = (
        nginx.log("access.log"),
        nginx.log("error.log") + &nginx.log("stderr.log"),
    );
    assert!(access.lines().count() >= 20, "{access}");
    assert!(
        !access.contains("127.0.0.2") && !errors.contains("127.0.0.2"),
        "{access}\n{errors}"
    );
    for node in [&a, &b] {
        let log = node.log.lock().unwrap().join("\n");
        assert!(!log.contains("127.0.0.2"), "{log}");
    }
}

/// The API's own problem body for `code` in `lang`, as JSON.
fn problem_body(code: &beteiligung::error::Code, lang: beteiligung::language::Language) -> Value {
    serde_json::to_value(code.problem().body(lang)).unwrap()
}

/// The compose file runs what the two-node test proves: both nodes take the one environment
/// the test starts its nodes with (`x-api-node`, merged unchanged), every setting the test
/// changes is one of its keys, and nginx mounts the test's configuration file and fills in
/// exactly its placeholders, pointing at the two nodes.
#[test]
fn compose_runs_the_nodes_and_the_nginx_configuration_of_the_two_node_test() {
    let text = compose::text();
    assert!(
        text.contains("\nx-api-node: &api-node\n"),
        "the nodes' shared block"
    );
    for node in ["api1", "api2"] {
        assert_eq!(
            compose::block(&text, &["services", node]),
            ["<<: *api-node"],
            "{node} takes the shared block unchanged"
        );
    }
    let env = compose::api_environment(&secrets());
    for key in NODE_OVERRIDES {
        assert!(
            env.iter().any(|(k, _)| k == key),
            "the test sets {key}, which the compose file does not"
        );
    }
    let keys: Vec<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
    assert!(keys.contains(&"TRUST_FORWARDED_FOR"), "{keys:?}");
    assert_eq!(
        env.iter()
            .find(|(k, _)| k == "TRUST_FORWARDED_FOR")
            .map(|(_, v)| v.as_str()),
        Some("true"),
        "behind nginx, which replaces X-Forwarded-For, the nodes take the client from it"
    );

    let volumes = compose::block(&text, &["services", "nginx", "volumes"]);
    let mount = format!("- ./{NGINX_TEMPLATE}:/etc/nginx/templates/default.conf.template:ro");
    assert_eq!(
        volumes,
        [mount],
        "nginx mounts the test's configuration as its default server"
    );
    let nginx_env = compose::entries(&text, &["services", "nginx", "environment"]);
    let template =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(NGINX_TEMPLATE))
            .unwrap();
    let mut given: Vec<String> = nginx_env
        .iter()
        .filter(|(k, _)| k.starts_with("BETEILIGUNG_"))
        .map(|(k, _)| k.clone())
        .collect();
    given.sort();
    assert_eq!(
        given,
        placeholders(&template),
        "compose fills in every placeholder, and only those"
    );
    let value = |k: &str| {
        nginx_env
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(
        value("NGINX_ENVSUBST_FILTER").as_deref(),
        Some("^BETEILIGUNG_")
    );
    let bind = env.iter().find(|(k, _)| k == "BIND").unwrap().1.clone();
    let port = bind.rsplit(':').next().unwrap();
    assert_eq!(value("BETEILIGUNG_NODE_1"), Some(format!("api1:{port}")));
    assert_eq!(value("BETEILIGUNG_NODE_2"), Some(format!("api2:{port}")));
    let published = compose::block(&text, &["services", "nginx", "ports"]);
    let listen = value("BETEILIGUNG_LISTEN").unwrap();
    assert!(
        published
            .iter()
            .any(|p| p.trim_end_matches('"').ends_with(&format!(":{listen}"))),
        "nginx publishes the port it listens on: {published:?}"
    );
    let shared = text.split("\nx-api-node:").nth(1).unwrap();
    let shared = shared.split("\nservices:").next().unwrap();
    assert!(
        !shared.contains("\n  ports:"),
        "only nginx is published: the nodes trust X-Forwarded-For"
    );
}

/// The nginx configuration keeps the rules its comments promise: a body limit just above the
/// API's largest (so the API refuses an oversized upload itself), failover that never resends
/// a POST or PATCH, the client's address replaced rather than appended in X-Forwarded-For, and
/// an access log without the client's address.
#[test]
fn the_nginx_configuration_fits_the_api() {
    let template =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(NGINX_TEMPLATE))
            .unwrap();
    let directive = |name: &str| -> Vec<String> {
        template
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with(&format!("{name} ")))
            .map(|l| l[name.len()..].trim().trim_end_matches(';').to_owned())
            .collect()
    };
    let size = directive("client_max_body_size");
    assert_eq!(size.len(), 1, "{size:?}");
    let mebibytes: usize = size[0].trim_end_matches('m').parse().unwrap();
    let largest = beteiligung::statements::ATTACHMENT_LIMIT_BYTES
        .max(beteiligung::catalogue::admin::IMPORT_LIMIT_BYTES);
    assert!(
        mebibytes << 20 > largest && mebibytes << 20 <= largest + (1 << 20),
        "client_max_body_size {mebibytes}m against the API's largest body of {largest} bytes"
    );
    // The upstream block's own keepalive_timeout (the server block's is for clients).
    let upstream = template
        .split("upstream beteiligung_nodes")
        .nth(1)
        .and_then(|rest| rest.split("\n}").next())
        .expect("an upstream block");
    let idle: Vec<&str> = upstream
        .lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix("keepalive_timeout "))
        .collect();
    assert_eq!(idle.len(), 1, "{idle:?}");
    let idle: u64 = idle[0]
        .trim_end_matches(';')
        .trim_end_matches('s')
        .parse()
        .unwrap();
    assert!(
        std::time::Duration::from_secs(idle) < beteiligung::KEEP_ALIVE,
        "nginx keeps idle connections to a node ({idle} s) as long as the node does or longer"
    );
    let next = directive("proxy_next_upstream");
    assert_eq!(next.len(), 1);
    assert!(!next[0].contains("non_idempotent"), "{next:?}");
    assert!(
        !next[0].contains("http_503"),
        "a node's own 503 reaches the client: {next:?}"
    );
    assert_eq!(
        directive("proxy_set_header")
            .iter()
            .find(|h| h.starts_with("X-Forwarded-For"))
            .map(String::as_str),
        Some("X-Forwarded-For $remote_addr")
    );
    let formats = template
        .split("log_format")
        .nth(1)
        .unwrap()
        .split(';')
        .next()
        .unwrap();
    for private in [
        "$remote_addr",
        "$http_user_agent",
        "$http_x_forwarded_for",
        "$request ",
        "$args",
        "$request_uri",
        "$http_referer",
    ] {
        assert!(!formats.contains(private), "the access log names {private}");
    }
    assert_eq!(directive("access_log"), ["/dev/stdout beteiligung_privacy"]);
}
