//! Regression tests of the findings of an outside probe (issue 9): bounded metrics labels,
//! credential changes that race, sign-in lockout of strangers' addresses, slow bodies,
//! errors without internals, token claims, one text rule, and cache and security headers.

use crate::accounts::{call, login, make_admin, verified_user, Ctx, PASSWORD};
use crate::both_backends;
use crate::common::{get, send, TestDb};
use actix_web::http::Method;
use actix_web::test;
use futures_util::future::join_all;
use serde_json::{json, Value};
use std::time::Duration;

fn access(pair: &Value) -> String {
    pair["access_token"].as_str().unwrap().to_owned()
}

const NEW_PASSWORD: &str = "Sparrenburg bei Nacht";

#[actix_web::test]
async fn unknown_methods_do_not_grow_the_metrics() {
    let db = TestDb::sqlite();
    let app = test::init_service(beteiligung::build_app(&db.state())).await;
    let with_method = |name: String| {
        test::TestRequest::default()
            .method(Method::from_bytes(name.as_bytes()).unwrap())
            .uri("/api/v1/fields")
            .to_request()
    };
    send(&app, with_method("PROBE".into())).await;
    get(&app, "/metrics").await;
    let before = get(&app, "/metrics").await.text;
    for i in 0..50 {
        let r = send(&app, with_method(format!("X{i}{}", "M".repeat(2000)))).await;
        r.assert_problem(405, "method_not_allowed");
    }
    let after = get(&app, "/metrics").await.text;
    assert_eq!(before.lines().count(), after.lines().count(), "{after}");
    assert!(
        !after.contains("MMMM") && !after.contains("PROBE"),
        "{after}"
    );
    assert!(
        after.contains(
            r#"http_requests_total{method="other",route="/api/v1/fields",status="405"} 51"#
        ),
        "{after}"
    );
    assert!(
        after.len() < before.len() + 100,
        "{} -> {}",
        before.len(),
        after.len()
    );
}

#[actix_web::test]
async fn malformed_ids_and_odd_slashes_are_plain_404s() {
    let db = TestDb::sqlite();
    let app = test::init_service(beteiligung::build_app(&db.state())).await;
    for path in [
        "/api/v1/fields/abc",
        "/api/v1/fields/1e30",
        "/api/v1/fields/1.5",
        "/api/v1/fields/18446744073709551616",
    ] {
        let r = get(&app, path).await;
        r.assert_problem(404, "not_found");
        assert_eq!(
            r.body["detail"], "Unter dieser Adresse gibt es nichts.",
            "{path}"
        );
    }
    for path in ["/api/v1/fields/", "/api/v1//admin/users", "//api/v1/fields"] {
        let r = get(&app, path).await;
        assert_eq!(r.status, 404, "{path}: {}", r.text);
        r.assert_problem(404, "not_found");
        assert_eq!(r.header("allow"), None, "{path}");
    }
}

#[actix_web::test]
async fn a_body_that_trickles_in_answers_408() {
    let db = TestDb::sqlite();
    let app = test::init_service(beteiligung::build_app(
        &db.state_with(&[("BODY_READ_TIMEOUT_SECS", "1")]),
    ))
    .await;
    // One byte of the body, then nothing: the client never finishes.
    let (mut sender, payload) = actix_http::h1::Payload::create(false);
    sender.feed_data(actix_web::web::Bytes::from_static(b"{"));
    let req = test::TestRequest::post()
        .uri("/api/v1/auth/login")
        .insert_header(("content-type", "application/json"))
        .insert_header(("content-length", "100"))
        .to_request();
    let (req, _) = req.replace_payload(actix_http::Payload::from(payload));
    let started = std::time::Instant::now();
    let r = actix_web::rt::time::timeout(Duration::from_secs(10), send(&app, req))
        .await
        .expect("the body read is bounded");
    r.assert_problem(408, "request_timeout");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    drop(sender);
}

both_backends! {
    async fn parallel_password_changes_in_one_session_have_one_winner(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let pair = verified_user(&app, &ctx, "lena@example.org").await;
        let token = access(&pair);
        let changes = (0..6).map(|i| {
            let token = token.clone();
            let app = &app;
            async move {
                call(app, Method::POST, "/api/v1/auth/password", Some(&token),
                    Some(json!({"current_password": PASSWORD, "new_password": format!("{NEW_PASSWORD} {i}")}))).await
            }
        });
        let replies = join_all(changes).await;
        let winners: Vec<usize> = replies.iter().enumerate().filter(|(_, r)| r.status == 200).map(|(i, _)| i).collect();
        assert_eq!(winners.len(), 1, "{:?}", replies.iter().map(|r| r.text.clone()).collect::<Vec<_>>());
        for (i, r) in replies.iter().enumerate() {
            if i != winners[0] {
                r.assert_problem(401, "invalid_token");
            }
        }
        // The winner's password and session are the ones in force.
        let winner = winners[0];
        let session = access(&replies[winner].body);
        assert_eq!(call(&app, Method::GET, "/api/v1/me", Some(&session), None).await.status, 200);
        assert_eq!(login(&app, "lena@example.org", &format!("{NEW_PASSWORD} {winner}")).await.status, 200);
    }

    async fn a_reset_is_not_undone_by_a_concurrent_password_change(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        verified_user(&app, &ctx, "lena@example.org").await;
        let mut current = PASSWORD.to_owned();
        for round in 0..4 {
            // The attacker holds a session and the password in force; the owner resets.
            let attacker = access(&login(&app, "lena@example.org", &current).await.body);
            call(&app, Method::POST, "/api/v1/auth/password-reset", None, Some(json!({"email": "lena@example.org"}))).await;
            ctx.deliver();
            let reset_token = ctx.sink.to("lena@example.org").pop().unwrap().token();
            let (owner_password, attacker_password) = (format!("Owner reset {round}"), format!("Attacker was here {round}"));
            let (change, reset) = futures_util::join!(
                call(&app, Method::POST, "/api/v1/auth/password", Some(&attacker),
                    Some(json!({"current_password": current, "new_password": attacker_password}))),
                call(&app, Method::POST, "/api/v1/auth/password-reset/confirm", None,
                    Some(json!({"token": reset_token, "new_password": owner_password}))),
            );
            assert!(!(change.status == 200 && reset.status == 204), "both won: {} / {}", change.text, reset.text);
            if reset.status == 204 {
                // The owner's reset holds: the attacker's password and sessions do not.
                change.assert_problem(401, "invalid_token");
                login(&app, "lena@example.org", &attacker_password).await.assert_problem(401, "invalid_credentials");
                call(&app, Method::GET, "/api/v1/me", Some(&attacker), None).await.assert_problem(401, "invalid_token");
                current = owner_password;
            } else {
                // The change came first; the reset link it voided is refused, and nothing half
                // happened: the attacker's password is the one in force.
                assert_eq!(change.status, 200, "{}", change.text);
                reset.assert_problem(400, "invalid_or_expired_token");
                login(&app, "lena@example.org", &owner_password).await.assert_problem(401, "invalid_credentials");
                current = attacker_password;
            }
            assert_eq!(login(&app, "lena@example.org", &current).await.status, 200);
        }
    }

    async fn sign_out_everywhere_is_not_undone_by_a_concurrent_password_change(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let owner = verified_user(&app, &ctx, "lena@example.org").await;
        let mut owner = access(&owner);
        let mut password = PASSWORD.to_owned();
        for round in 0..4 {
            let attacker = access(&login(&app, "lena@example.org", &password).await.body);
            let new_password = format!("Attacker was here {round}");
            let (change, logout) = futures_util::join!(
                call(&app, Method::POST, "/api/v1/auth/password", Some(&attacker),
                    Some(json!({"current_password": password, "new_password": new_password}))),
                call(&app, Method::POST, "/api/v1/auth/logout-all", Some(&owner), None),
            );
            if change.status == 200 {
                // Whichever came first, no session of the attacker's survives the sign-out,
                // unless the change ended the owner's session before the sign-out ran.
                let survivor = access(&change.body);
                let alive = call(&app, Method::GET, "/api/v1/me", Some(&survivor), None).await.status == 200;
                assert!(!(alive && logout.status == 204), "the sign-out everywhere was undone");
                password = new_password;
            } else {
                change.assert_problem(401, "invalid_token");
                assert_eq!(logout.status, 204, "{}", logout.text);
            }
            owner = access(&login(&app, "lena@example.org", &password).await.body);
        }
    }

    async fn strangers_cannot_lock_the_owner_out_of_a_known_device(db) {
        let ctx = Ctx::with(db, &[("RATE_LIMIT_LOGIN_PER_ADDRESS", "3"), ("TRUST_FORWARDED_FOR", "true")]);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        verified_user(&app, &ctx, "lena@example.org").await;
        let from = |client: &str, body: Value| {
            test::TestRequest::post()
                .uri("/api/v1/auth/login")
                .insert_header(("x-forwarded-for", client.to_owned()))
                .set_json(body)
                .to_request()
        };
        // The owner's device signed in before (the helper's sign-in was the first).
        let owner = send(&app, from("198.51.100.1", json!({"email": "lena@example.org", "password": PASSWORD}))).await;
        assert_eq!(owner.status, 200, "{}", owner.text);
        let device = owner.body["device_token"].as_str().unwrap().to_owned();
        assert!(owner.body["access_token"].is_string() && owner.body["refresh_token"].is_string());

        // An attacker hammers the address from elsewhere until it is locked.
        let mut locked = false;
        for _ in 0..10 {
            let r = send(&app, from("203.0.113.66", json!({"email": "lena@example.org", "password": "Falsches Passwort 1"}))).await;
            locked |= r.status == 429;
        }
        assert!(locked, "the address limit still protects against guessing");
        // A new device of the owner waits like the attacker (documented)...
        send(&app, from("198.51.100.1", json!({"email": "lena@example.org", "password": PASSWORD}))).await
            .assert_problem(429, "rate_limited");
        // ...the known one signs in.
        let r = send(&app, from("198.51.100.1", json!({"email": "lena@example.org", "password": PASSWORD, "device_token": device}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        // The device token is no key to another address, nor an access token.
        send(&app, from("198.51.100.1", json!({"email": "other@example.org", "password": PASSWORD, "device_token": device}))).await
            .assert_problem(401, "invalid_credentials");
        for _ in 0..3 {
            send(&app, from("198.51.100.1", json!({"email": "other@example.org", "password": PASSWORD, "device_token": device}))).await;
        }
        send(&app, from("198.51.100.1", json!({"email": "other@example.org", "password": PASSWORD, "device_token": device}))).await
            .assert_problem(429, "rate_limited");
        call(&app, Method::GET, "/api/v1/me", Some(&device), None).await.assert_problem(401, "invalid_token");
        // A new password ends every device token issued before: whoever collected tokens
        // while they knew the old one gets no guessing budget of their own afterwards.
        let fresh = send(&app, from("198.51.100.3", json!({"email": "lena@example.org", "password": PASSWORD, "device_token": device}))).await;
        assert_eq!(fresh.status, 200, "{}", fresh.text);
        let r = call(&app, Method::POST, "/api/v1/auth/password", Some(&access(&fresh.body)),
            Some(json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        send(&app, from("198.51.100.3", json!({"email": "lena@example.org", "password": NEW_PASSWORD, "device_token": device}))).await
            .assert_problem(429, "rate_limited");
        // A known device has a limit of its own: a stolen device token is no free guessing.
        for _ in 0..3 {
            send(&app, from("198.51.100.2", json!({"email": "lena@example.org", "password": "Falsch 12345", "device_token": device}))).await;
        }
        send(&app, from("198.51.100.2", json!({"email": "lena@example.org", "password": PASSWORD, "device_token": device}))).await
            .assert_problem(429, "rate_limited");
    }

    async fn free_text_refuses_control_characters_everywhere(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        verified_user(&app, &ctx, "admin@example.org").await;
        make_admin(&ctx, "admin@example.org");
        let admin = access(&login(&app, "admin@example.org", PASSWORD).await.body);
        let lena = verified_user(&app, &ctx, "lena@example.org").await;
        let lena_id = call(&app, Method::GET, "/api/v1/me", Some(&access(&lena)), None).await.body["id"].as_i64().unwrap();

        for q in ["%00", "a%00b", "%1B%5B31m", "a%0Ab"] {
            let r = call(&app, Method::GET, &format!("/api/v1/admin/users?q={q}"), Some(&admin), None).await;
            r.assert_problem(400, "validation_failed");
            assert_eq!(r.body["errors"][0]["field"], "q", "{q}");
        }
        for reason in ["spam\u{0}", "a\u{1b}[2J", "bell\u{7}"] {
            let r = call(&app, Method::POST, &format!("/api/v1/admin/users/{lena_id}/block"), Some(&admin), Some(json!({"reason": reason}))).await;
            r.assert_problem(400, "validation_failed");
            assert_eq!(r.body["errors"][0]["code"], "invalid_characters");
        }
        let r = call(&app, Method::POST, &format!("/api/v1/admin/users/{lena_id}/block"), Some(&admin), Some(json!({"reason": "Erste Zeile\nzweite Zeile"}))).await;
        assert_eq!(r.status, 200, "line breaks stay allowed in free text: {}", r.text);
        for body in [json!({"number": 50, "title": "Feld\u{0}"}), json!({"number": 50, "title": "Feld", "summary": "a\u{1b}b"})] {
            let r = call(&app, Method::POST, "/api/v1/admin/catalogue/fields", Some(&admin), Some(body)).await;
            r.assert_problem(400, "validation_failed");
        }
    }

    async fn answers_with_tokens_or_personal_data_are_not_stored(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let pair = verified_user(&app, &ctx, "lena@example.org").await;
        let r = login(&app, "lena@example.org", PASSWORD).await;
        assert_eq!(r.header("cache-control"), Some("no-store"));
        let r = call(&app, Method::POST, "/api/v1/auth/refresh", None, Some(json!({"refresh_token": r.body["refresh_token"]}))).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("cache-control"), Some("no-store"));
        let r = call(&app, Method::GET, "/api/v1/me", Some(&access(&pair)), None).await;
        assert_eq!(r.header("cache-control"), Some("no-store"));
        // Any answer to a request with credentials, even of a public resource or an error.
        let r = call(&app, Method::GET, "/api/v1/fields", Some(&access(&pair)), None).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("cache-control"), Some("no-store"));
        let r = call(&app, Method::GET, "/api/v1/me", Some("made-up"), None).await;
        assert_eq!(r.header("cache-control"), Some("no-store"));
        // Anonymous public reads stay cacheable.
        let r = get(&app, "/api/v1/fields").await;
        assert_ne!(r.header("cache-control"), Some("no-store"));
        // Swagger UI may not be framed or load anything from elsewhere.
        let r = get(&app, "/docs/").await;
        let csp = r.header("content-security-policy").unwrap();
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'self'"), "{csp}");
    }
}

#[actix_web::test]
async fn a_bad_enum_value_names_its_field() {
    let db = TestDb::sqlite();
    let app = test::init_service(beteiligung::build_app(&db.state())).await;
    let r = call(&app, Method::POST, "/api/v1/auth/register", None, Some(json!({
        "email": "a@example.org", "password": PASSWORD, "display_name": "A", "terms_version": "2026-11", "privacy_version": "2026-12", "preferred_language": "klingon"
    }))).await;
    r.assert_problem(400, "validation_failed");
    assert_eq!(
        r.body["errors"][0]["field"], "preferred_language",
        "{}",
        r.text
    );
    assert_eq!(r.body["errors"][0]["code"], "invalid_value");
    let r = call(
        &app,
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"email": "a@example.org", "password": 5})),
    )
    .await;
    assert_eq!(r.body["errors"][0]["field"], "password", "{}", r.text);
    let r = call(
        &app,
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"email": "a@example.org"})),
    )
    .await;
    assert_eq!(r.body["errors"][0]["field"], "password", "{}", r.text);
    assert_eq!(r.body["errors"][0]["code"], "missing_field");
}

#[actix_web::test]
async fn whole_numbers_written_with_a_fraction_are_integers() {
    // JSON Schema calls 777.0 an integer, so the API takes it where an integer is documented.
    let db = TestDb::sqlite();
    let ctx = Ctx::new(db);
    let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
    let admin = crate::common::fixtures::account(
        &ctx.state,
        "admin@example.org",
        beteiligung::auth::model::Role::Admin,
    );
    let r = call(
        &app,
        Method::POST,
        "/api/v1/admin/catalogue/fields",
        admin["access_token"].as_str(),
        Some(json!({"number": 777.0, "title": "Neues Feld"})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["number"], 777);
    let r = call(
        &app,
        Method::POST,
        "/api/v1/admin/catalogue/fields",
        admin["access_token"].as_str(),
        Some(json!({"number": 7.5, "title": "Halbes Feld"})),
    )
    .await;
    r.assert_problem(400, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "number");
}
