//! Every error answers as problem+json with a stable code: malformed JSON, wrong content type,
//! unknown route, wrong method, too-large body, bad query parameter.
//!
//! The catalogue has no JSON-body endpoint yet, so the body errors are exercised on a route the
//! test adds to the real application (outside `/api/v1`, whose scope answers 404 for paths it
//! does not know): the JSON settings under test are the application's own, installed app-wide
//! by `build_app`.

use crate::both_backends;
use crate::common::{get, send};
use actix_web::{test, web, HttpResponse};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Sample {
    name: String,
    count: u32,
}

async fn echo(body: web::Json<Sample>) -> HttpResponse {
    HttpResponse::Ok().body(body.name.clone())
}

fn post(uri: &str, content_type: &str, body: impl Into<Vec<u8>>) -> actix_http::Request {
    test::TestRequest::post()
        .uri(uri)
        .insert_header(("content-type", content_type))
        .set_payload(body.into())
        .to_request()
}

both_backends! {
    async fn body_errors_are_problems(db) {
        let state = db.state_with(&[("JSON_LIMIT_BYTES", "2048")]);
        let app = test::init_service(
            beteiligung::build_app(&state).route("/test/echo", web::post().to(echo)),
        )
        .await;
        let ok = send(&app, post("/test/echo", "application/json", r#"{"name":"a","count":1}"#)).await;
        assert_eq!(ok.status, 200);
        assert_eq!(ok.text, "a");

        send(&app, post("/test/echo", "application/json", r#"{"name": "a", "#)).await
            .assert_problem(400, "malformed_json");
        send(&app, post("/test/echo", "text/plain", r#"{"name":"a","count":1}"#)).await
            .assert_problem(415, "unsupported_media_type");

        let r = send(&app, post("/test/echo", "application/json", r#"{"name":"a","count":1,"role":"admin"}"#)).await;
        r.assert_problem(400, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "role");
        assert_eq!(r.body["errors"][0]["code"], "unknown_field");

        let r = send(&app, post("/test/echo", "application/json", r#"{"name":"a"}"#)).await;
        r.assert_problem(400, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "count");
        assert_eq!(r.body["errors"][0]["code"], "missing_field");

        let r = send(&app, post("/test/echo", "application/json", r#"{"name":"a","count":-1}"#)).await;
        r.assert_problem(400, "validation_failed");
        assert_eq!(r.body["errors"][0]["code"], "invalid_value");

        let big = format!(r#"{{"name":"{}","count":1}}"#, "x".repeat(4096));
        send(&app, post("/test/echo", "application/json", big)).await
            .assert_problem(413, "payload_too_large");
    }

    async fn routing_errors_are_problems(db) {
        let app = test::init_service(beteiligung::build_app(&db.state())).await;
        get(&app, "/api/v1/nothing-here").await.assert_problem(404, "not_found");
        // The front door points the way instead of a bare 404.
        let r = get(&app, "/").await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["docs"], "/docs/");
        assert_eq!(r.body["openapi"], "/openapi.json");
        // HEAD works wherever GET does; unknown paths stay 404.
        for path in ["/api/v1/fields", "/healthz", "/api/v1/concept"] {
            let r = send(&app, test::TestRequest::default().method(actix_web::http::Method::HEAD).uri(path).to_request()).await;
            assert_eq!(r.status, 200, "HEAD {path}: {}", r.text);
        }
        let r = send(&app, test::TestRequest::default().method(actix_web::http::Method::HEAD).uri("/api/v1/nothing-here").to_request()).await;
        assert_eq!(r.status, 404);
        let r = send(&app, test::TestRequest::delete().uri("/api/v1/fields").to_request()).await;
        r.assert_problem(405, "method_not_allowed");
        assert_eq!(r.header("allow"), Some("GET"));
        let r = send(&app, test::TestRequest::post().uri("/api/v1/measures/1").to_request()).await;
        r.assert_problem(405, "method_not_allowed");
        get(&app, "/api/v1/fields?limit=x").await.assert_problem(400, "invalid_query");
    }
}
