//! Operations: health, readiness (also while the database is away), metrics, request ids,
//! security headers, CORS, and the OpenAPI document with Swagger UI.

use crate::both_backends;
use crate::common::{get, send, TestDb};
use actix_web::test as web_test;
use beteiligung::config::DatabaseUrl;
use beteiligung::db::{self, Db};
use beteiligung::AppState;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

both_backends! {
    async fn health_ready_and_common_headers(db) {
        let app = web_test::init_service(beteiligung::build_app(&db.state())).await;
        let r = get(&app, "/healthz").await;
        assert_eq!(r.status, 200);
        assert_eq!(r.body["status"], "ok");
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        let id = r.header("x-request-id").unwrap();
        assert_eq!(id.len(), 36, "a generated UUID: {id}");
        let r = get(&app, "/readyz").await;
        assert_eq!(r.status, 200);
        assert_eq!(r.body["status"], "ready");
    }

    async fn request_ids_are_kept_when_well_formed(db) {
        let app = web_test::init_service(beteiligung::build_app(&db.state())).await;
        let req = |id: &str| web_test::TestRequest::get().uri("/healthz").insert_header(("x-request-id", id)).to_request();
        let r = send(&app, req("frontend-4711.a_b")).await;
        assert_eq!(r.header("x-request-id"), Some("frontend-4711.a_b"));
        let r = send(&app, req("bad id with spaces")).await;
        assert_ne!(r.header("x-request-id"), Some("bad id with spaces"));
        let r = send(&app, req(&"x".repeat(200))).await;
        assert_eq!(r.header("x-request-id").unwrap().len(), 36);
        // Errors carry it too.
        let r = send(&app, web_test::TestRequest::get().uri("/nowhere").insert_header(("x-request-id", "trace-1")).to_request()).await;
        assert_eq!(r.status, 404);
        assert_eq!(r.header("x-request-id"), Some("trace-1"));
    }

    async fn metrics_count_requests_per_route_and_status(db) {
        let app = web_test::init_service(beteiligung::build_app(&db.state())).await;
        get(&app, "/api/v1/fields/1").await;
        get(&app, "/api/v1/fields/2").await;
        get(&app, "/api/v1/fields/999999").await;
        get(&app, "/no/such/route").await;
        let r = get(&app, "/metrics").await;
        assert_eq!(r.status, 200);
        assert!(r.header("content-type").unwrap().starts_with("text/plain"));
        let text = &r.text;
        assert!(text.contains(r#"http_requests_total{method="GET",route="/api/v1/fields/{id}",status="200"} 2"#), "{text}");
        assert!(text.contains(r#"http_requests_total{method="GET",route="/api/v1/fields/{id}",status="404"} 1"#), "{text}");
        assert!(text.contains(r#"http_requests_total{method="GET",route="unmatched",status="404"} 1"#), "{text}");
        assert!(text.contains(r#"http_request_duration_seconds_bucket{method="GET",route="/api/v1/fields/{id}",status="200",le="+Inf"} 2"#), "{text}");
        assert!(text.contains("db_pool_connections "), "{text}");
    }

    async fn cors_allows_only_listed_origins(db) {
        let state = db.state_with(&[("CORS_ORIGINS", "https://frontend.example, http://localhost:5173")]);
        let app = web_test::init_service(beteiligung::build_app(&state)).await;
        let preflight = |origin: &str| {
            web_test::TestRequest::default()
                .method(actix_web::http::Method::OPTIONS)
                .uri("/api/v1/fields")
                .insert_header(("origin", origin))
                .insert_header(("access-control-request-method", "GET"))
                .to_request()
        };
        let r = send(&app, preflight("https://frontend.example")).await;
        assert!(r.status.is_success(), "{}", r.status);
        assert_eq!(r.header("access-control-allow-origin"), Some("https://frontend.example"));
        let r = send(&app, preflight("https://evil.example")).await;
        assert_eq!(r.header("access-control-allow-origin"), None);
        assert_eq!(r.status, 200, "refused by leaving out the allow headers, not with an error");
        // Frontends send Accept and Accept-Language; a preflight asking for them is allowed.
        let asking = web_test::TestRequest::default()
            .method(actix_web::http::Method::OPTIONS)
            .uri("/api/v1/fields")
            .insert_header(("origin", "https://frontend.example"))
            .insert_header(("access-control-request-method", "GET"))
            .insert_header(("access-control-request-headers", "accept, accept-language, content-type, authorization"))
            .to_request();
        let r = send(&app, asking).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.header("access-control-allow-origin"), Some("https://frontend.example"));
        let allowed = r.header("access-control-allow-headers").unwrap().to_ascii_lowercase();
        assert!(allowed.contains("accept-language"), "{allowed}");
        // A header not on the list: no allow headers, no error.
        let odd = web_test::TestRequest::default()
            .method(actix_web::http::Method::OPTIONS)
            .uri("/api/v1/fields")
            .insert_header(("origin", "https://frontend.example"))
            .insert_header(("access-control-request-method", "GET"))
            .insert_header(("access-control-request-headers", "x-something-else"))
            .to_request();
        let r = send(&app, odd).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("access-control-allow-origin"), None);

        let simple = |origin: &str| web_test::TestRequest::get().uri("/api/v1/fields").insert_header(("origin", origin)).to_request();
        let r = send(&app, simple("http://localhost:5173")).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("access-control-allow-origin"), Some("http://localhost:5173"));
        let exposed = r.header("access-control-expose-headers").unwrap().to_ascii_lowercase();
        assert!(exposed.contains("x-request-id"), "{exposed}");
        let r = send(&app, simple("https://evil.example")).await;
        assert_eq!(r.header("access-control-allow-origin"), None);
    }

    async fn openapi_and_swagger_ui_are_served(db) {
        let app = web_test::init_service(beteiligung::build_app(&db.state())).await;
        let r = get(&app, "/openapi.json").await;
        assert_eq!(r.status, 200);
        let generated: serde_json::Value = serde_json::from_str(&beteiligung::api_doc_json()).unwrap();
        assert_eq!(r.body, generated);
        let r = get(&app, "/docs/").await;
        assert_eq!(r.status, 200);
        assert!(r.text.contains("swagger-ui"), "{}", r.text);
        // No validator badge: browsers are not sent to a third-party site.
        let r = get(&app, "/docs/swagger-initializer.js").await;
        assert!(r.text.contains(r#""validatorUrl": "none""#), "{}", r.text);
        let r = get(&app, "/docs/swagger-ui-bundle.js").await;
        assert_eq!(r.status, 200, "Swagger UI is served from the binary");
        assert!(r.text.len() > 100_000);
    }
}

#[test]
fn committed_openapi_document_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let generated = beteiligung::api_doc_json();
    assert!(
        committed == generated,
        "openapi/openapi.json differs from the code. Regenerate it with:\n\n    cargo run -- openapi > openapi/openapi.json\n"
    );
}

#[test]
fn every_operation_documents_its_errors_and_security() {
    let doc: serde_json::Value = serde_json::from_str(&beteiligung::api_doc_json()).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.contains_key("/api/v1/fields/{id}/measures"));
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.contains_key("500"), "{method} {path} lacks 500");
            assert!(
                op.get("security").is_some(),
                "{method} {path} says nothing about security"
            );
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        response["content"]
                            .get("application/problem+json")
                            .is_some(),
                        "{method} {path} {status} is not problem+json"
                    );
                }
            }
            if path.starts_with("/api/") {
                assert!(responses.contains_key("503"), "{method} {path} lacks 503");
            }
        }
    }
}

/// Every string a client sends in a JSON body is bounded in the schema (`maxLength`), or is
/// an enum or a format with its own bound, so that generated clients and form validation know
/// the limit the server enforces. (Found missing once: a clearable field whose schema was
/// spelled out by hand.)
#[test]
fn every_string_a_client_sends_has_a_length_limit() {
    fn resolve<'a>(
        doc: &'a serde_json::Value,
        schema: &'a serde_json::Value,
    ) -> &'a serde_json::Value {
        match schema["$ref"].as_str() {
            Some(r) => &doc["components"]["schemas"][r.trim_start_matches("#/components/schemas/")],
            None => schema,
        }
    }
    fn walk(
        doc: &serde_json::Value,
        schema: &serde_json::Value,
        at: &str,
        seen: &mut Vec<String>,
        unbounded: &mut Vec<String>,
    ) {
        if let Some(r) = schema["$ref"].as_str() {
            if seen.iter().any(|s| s == r) {
                return;
            }
            seen.push(r.to_owned());
        }
        let schema = resolve(doc, schema);
        for key in ["oneOf", "anyOf", "allOf"] {
            for (i, part) in schema[key].as_array().into_iter().flatten().enumerate() {
                walk(doc, part, &format!("{at}/{key}[{i}]"), seen, unbounded);
            }
        }
        let is_string = schema["type"] == "string"
            || schema["type"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t == "string"));
        let bounded_otherwise = schema.get("enum").is_some()
            || schema.get("const").is_some()
            || matches!(
                schema["format"].as_str(),
                Some("date-time" | "date" | "int64" | "uuid")
            );
        if is_string && schema.get("maxLength").is_none() && !bounded_otherwise {
            unbounded.push(at.to_owned());
        }
        for (name, property) in schema["properties"].as_object().into_iter().flatten() {
            walk(doc, property, &format!("{at}.{name}"), seen, unbounded);
        }
        if let Some(items) = schema.get("items") {
            walk(doc, items, &format!("{at}[]"), seen, unbounded);
        }
    }
    let doc: serde_json::Value = serde_json::from_str(&beteiligung::api_doc_json()).unwrap();
    let mut unbounded = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if let Some(body) =
                op["requestBody"]["content"]["application/json"]["schema"].as_object()
            {
                let body = serde_json::Value::Object(body.clone());
                walk(
                    &doc,
                    &body,
                    &format!("{method} {path}"),
                    &mut Vec::new(),
                    &mut unbounded,
                );
            }
        }
    }
    assert!(
        unbounded.is_empty(),
        "strings without a length limit in request bodies: {unbounded:#?}"
    );
}

/// A TCP proxy in front of PostgreSQL that can be switched off, to take the database away
/// from the application without touching the server the other tests use.
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let open = Arc::new(Mutex::new(Vec::<TcpStream>::new()));
        let (up2, open2) = (up.clone(), open.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                // Checked and registered under the lock `set_up` takes, so a connection is
                // either refused here or cut there, never missed by both.
                {
                    let mut open = open2.lock().unwrap();
                    if !up2.load(Ordering::SeqCst) {
                        let _ = client.shutdown(Shutdown::Both);
                        let _ = server.shutdown(Shutdown::Both);
                        continue;
                    }
                    open.extend([client.try_clone().unwrap(), server.try_clone().unwrap()]);
                }
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    std::thread::spawn(move || {
                        let mut buf = [0u8; 16384];
                        while let Ok(n) = from.read(&mut buf) {
                            if n == 0 || to.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                        let _ = to.shutdown(Shutdown::Both);
                    });
                }
            }
        });
        Self { port, up, open }
    }

    fn set_up(&self, up: bool) {
        let mut open = self.open.lock().unwrap();
        self.up.store(up, Ordering::SeqCst);
        if !up {
            for s in open.drain(..) {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
    }
}

#[actix_web::test]
async fn readiness_follows_the_database_without_restart() {
    let Some(db) = TestDb::postgres() else { return };
    db.pool(); // migrate
    let rest = db.url.target.split_once("://").unwrap().1;
    let (auth_host, path) = rest.split_once('/').unwrap();
    let (auth, host) = match auth_host.rsplit_once('@') {
        Some((a, h)) => (format!("{a}@"), h),
        None => (String::new(), auth_host),
    };
    let proxy = Proxy::start(host.to_owned());
    let via_proxy =
        DatabaseUrl::parse(&format!("postgres://{auth}127.0.0.1:{}/{path}", proxy.port)).unwrap();
    let pool = db::build_pool(&via_proxy, 4, Duration::from_secs(5)).unwrap();
    let state = AppState::new(Db::new(pool, via_proxy.backend), db.settings(&[])).unwrap();
    let app = web_test::init_service(beteiligung::build_app(&state)).await;
    assert_eq!(get(&app, "/readyz").await.status, 200);

    proxy.set_up(false);
    let r = get(&app, "/readyz").await;
    r.assert_problem(503, "database_unavailable");
    assert!(r.header("retry-after").is_some());
    get(&app, "/api/v1/fields")
        .await
        .assert_problem(503, "database_unavailable");
    assert_eq!(
        get(&app, "/healthz").await.status,
        200,
        "liveness does not depend on the database"
    );

    proxy.set_up(true);
    assert_eq!(
        get(&app, "/readyz").await.status,
        200,
        "ready again without a restart"
    );
    assert_eq!(get(&app, "/api/v1/fields").await.status, 200);

    // Connections are not checked as they are handed out: the request that meets a dead one
    // answers 503, and the next ones find live connections without `/readyz` having cleaned up.
    // (Each address once: the catalogue cache must not answer for the database.)
    proxy.set_up(false);
    get(&app, "/api/v1/fields?limit=3")
        .await
        .assert_problem(503, "database_unavailable");
    proxy.set_up(true);
    for limit in 10..16 {
        let r = get(&app, &format!("/api/v1/fields?limit={limit}")).await;
        assert_eq!(r.status, 200, "after a cut: {}", r.text);
    }
}

/// Every `$ref` of the document points at a schema it defines: an enum that only a query
/// parameter uses is not collected by utoipa, and a generated client (or schemathesis) then
/// cannot read the parameter at all.
#[test]
fn every_reference_of_the_document_resolves() {
    fn refs(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    match (k.as_str(), v) {
                        ("$ref", serde_json::Value::String(r)) => out.push(r.clone()),
                        _ => refs(v, out),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let spec: serde_json::Value = serde_json::from_str(&beteiligung::api_doc_json()).unwrap();
    let mut found = Vec::new();
    refs(&spec, &mut found);
    assert!(!found.is_empty());
    let broken: Vec<&String> = found
        .iter()
        .filter(|r| {
            r.strip_prefix('#')
                .is_none_or(|pointer| spec.pointer(pointer).is_none())
        })
        .collect();
    assert!(broken.is_empty(), "unresolvable references: {broken:?}");
}
