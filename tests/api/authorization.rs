//! Access tokens an attacker might try, and the authorisation matrix: for every endpoint, what
//! each kind of caller gets. New endpoints add their rows here.

use crate::accounts::{call, login, make_admin, register, Ctx, PASSWORD};
use crate::both_backends;
use crate::common::TEST_JWT_SECRET;
use actix_web::http::Method;
use actix_web::test;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn sign(claims: &Value, key: &[u8]) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(key),
    )
    .unwrap()
}

both_backends! {
    async fn forged_and_stale_tokens_are_rejected(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let pair = crate::accounts::participant(&app, &ctx, "lena@example.org").await;
        let real = pair["access_token"].as_str().unwrap();
        let payload: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(real.split('.').nth(1).unwrap()).unwrap()).unwrap();
        assert_eq!(payload["iss"], "beteiligung");
        assert_eq!(payload["aud"], "beteiligung-api");
        assert!(payload["exp"].as_u64().unwrap() - payload["iat"].as_u64().unwrap() <= 900);
        let with = |changes: Value| {
            let mut claims = payload.clone();
            for (k, v) in changes.as_object().unwrap() {
                if v.is_null() { claims.as_object_mut().unwrap().remove(k); } else { claims[k] = v.clone(); }
            }
            claims
        };
        let key = TEST_JWT_SECRET.as_bytes();
        // The genuine token, re-signed, works: the cases below fail for the reason they name.
        assert_eq!(call(&app, Method::GET, "/api/v1/me", Some(&sign(&payload, key)), None).await.status, 200);

        let none_alg = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(payload.to_string())
        );
        let hs512 = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS512),
            &payload,
            &jsonwebtoken::EncodingKey::from_secret(key),
        ).unwrap();
        let cases = [
            ("malformed", "not.a.jwt".to_owned()),
            ("garbage", "x".to_owned()),
            ("alg none", none_alg),
            ("other algorithm", hs512),
            ("wrong signature", sign(&payload, b"an attacker's key of sufficient length")),
            ("expired", sign(&with(json!({"iat": now() - 3600, "exp": now() - 600})), key)),
            ("wrong audience", sign(&with(json!({"aud": "another-api"})), key)),
            ("wrong issuer", sign(&with(json!({"iss": "someone-else"})), key)),
            ("no exp", sign(&with(json!({"exp": null})), key)),
            ("no iat", sign(&with(json!({"iat": null})), key)),
            ("no sub", sign(&with(json!({"sub": null})), key)),
            ("issued in the future", sign(&with(json!({"iat": now() + 3600, "exp": now() + 4000})), key)),
            ("another user's session", sign(&with(json!({"sub": "999999"})), key)),
        ];
        for (case, token) in cases {
            let r = call(&app, Method::GET, "/api/v1/me", Some(&token), None).await;
            r.assert_problem(401, "invalid_token");
            assert!(r.header("www-authenticate").is_some(), "{case}");
        }
        let r = call(&app, Method::GET, "/api/v1/me", None, None).await;
        r.assert_problem(401, "unauthorized");
        let basic = crate::common::send(&app, test::TestRequest::get().uri("/api/v1/me").insert_header(("authorization", "Basic bGVuYTpwdw==")).to_request()).await;
        basic.assert_problem(401, "unauthorized");

        // The token of a deleted user.
        assert_eq!(call(&app, Method::DELETE, "/api/v1/me", Some(real), Some(json!({"password": PASSWORD}))).await.status, 204);
        call(&app, Method::GET, "/api/v1/me", Some(&sign(&payload, key)), None).await.assert_problem(401, "invalid_token");
    }

    async fn authorization_matrix(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        // Callers: anonymous, unverified, participant, moderator, admin, blocked.
        assert_eq!(register(&app, "unverified@example.org").await.status, 202);
        let unverified = login(&app, "unverified@example.org", PASSWORD).await.body;
        let participant = crate::accounts::participant(&app, &ctx, "participant@example.org").await;
        crate::accounts::participant(&app, &ctx, "moderator@example.org").await;
        crate::accounts::participant(&app, &ctx, "admin@example.org").await;
        let blocked = crate::accounts::participant(&app, &ctx, "blocked@example.org").await;
        crate::accounts::participant(&app, &ctx, "target@example.org").await;
        make_admin(&ctx, "admin@example.org");
        let admin = login(&app, "admin@example.org", PASSWORD).await.body;
        let admin_token = admin["access_token"].as_str().unwrap().to_owned();
        let ids = call(&app, Method::GET, "/api/v1/admin/users?limit=100", Some(&admin_token), None).await.body["items"].clone();
        let id_of = |email: &str| ids.as_array().unwrap().iter().find(|u| u["email"] == email).unwrap()["id"].as_i64().unwrap();
        let (moderator_id, blocked_id, target) = (id_of("moderator@example.org"), id_of("blocked@example.org"), id_of("target@example.org"));
        assert_eq!(call(&app, Method::PUT, &format!("/api/v1/admin/users/{moderator_id}/role"), Some(&admin_token), Some(json!({"role": "moderator"}))).await.status, 200);
        let moderator = login(&app, "moderator@example.org", PASSWORD).await.body;
        assert_eq!(call(&app, Method::POST, &format!("/api/v1/admin/users/{blocked_id}/block"), Some(&admin_token), Some(json!({}))).await.status, 200);

        let tokens: [Option<String>; 6] = [
            None,
            Some(unverified["access_token"].as_str().unwrap().to_owned()),
            Some(participant["access_token"].as_str().unwrap().to_owned()),
            Some(moderator["access_token"].as_str().unwrap().to_owned()),
            Some(admin_token.clone()),
            Some(blocked["access_token"].as_str().unwrap().to_owned()),
        ];
        let callers = ["anonymous", "unverified", "participant", "moderator", "admin", "blocked"];
        let field = call(&app, Method::GET, "/api/v1/fields", None, None).await.body["items"][0]["id"].as_i64().unwrap();
        let measure = call(&app, Method::GET, &format!("/api/v1/fields/{field}/measures"), None, None).await.body["items"][0]["id"].as_i64().unwrap();
        let wrong_password = json!({"current_password": "nicht das Passwort", "new_password": "Sparrenburg bei Nacht"});

        // (method, path, body, expected status for each caller in the order above)
        let rows: Vec<(Method, String, Option<Value>, [u16; 6])> = vec![
            (Method::GET, "/healthz".into(), None, [200; 6]),
            (Method::GET, "/readyz".into(), None, [200; 6]),
            (Method::GET, "/metrics".into(), None, [200; 6]),
            (Method::GET, "/api/v1/concept".into(), None, [200; 6]),
            (Method::GET, "/api/v1/fields".into(), None, [200; 6]),
            (Method::GET, format!("/api/v1/fields/{field}"), None, [200; 6]),
            (Method::GET, format!("/api/v1/fields/{field}/measures"), None, [200; 6]),
            (Method::GET, format!("/api/v1/measures/{measure}"), None, [200; 6]),
            (Method::POST, "/api/v1/auth/verify-email".into(), Some(json!({"token": "bogus"})), [400; 6]),
            (Method::POST, "/api/v1/auth/verify-email/resend".into(), Some(json!({"email": "nobody@example.org"})), [202; 6]),
            (Method::POST, "/api/v1/auth/login".into(), Some(json!({"email": "nobody@example.org", "password": "irgendein Passwort"})), [401; 6]),
            (Method::POST, "/api/v1/auth/refresh".into(), Some(json!({"refresh_token": "bogus"})), [401; 6]),
            (Method::POST, "/api/v1/auth/password-reset".into(), Some(json!({"email": "nobody@example.org"})), [202; 6]),
            (Method::POST, "/api/v1/auth/password-reset/confirm".into(), Some(json!({"token": "bogus", "new_password": "Sparrenburg bei Nacht"})), [400; 6]),
            (Method::GET, "/api/v1/me".into(), None, [401, 200, 200, 200, 200, 401]),
            (Method::PATCH, "/api/v1/me".into(), Some(json!({"preferred_language": "de"})), [401, 403, 200, 200, 200, 401]),
            // Who may is decided before what was sent: a forbidden field is refused only for
            // callers who could change the profile at all.
            (Method::PATCH, "/api/v1/me".into(), Some(json!({"role": "admin"})), [401, 403, 400, 400, 400, 401]),
            (Method::POST, "/api/v1/auth/password".into(), Some(wrong_password), [401, 400, 400, 400, 400, 401]),
            (Method::DELETE, "/api/v1/me".into(), Some(json!({"password": "nicht das Passwort"})), [401, 400, 400, 400, 400, 401]),
            (Method::DELETE, "/api/v1/me".into(), Some(json!({"password": "nicht das Passwort", "remove_texts": true})), [401, 400, 400, 400, 400, 401]),
            // Data rights: everyone with an account (verified or not) may take their data and
            // see their consents; the versions in force are public.
            (Method::GET, "/api/v1/me/export".into(), None, [401, 200, 200, 200, 200, 401]),
            (Method::GET, "/api/v1/me/consents".into(), None, [401, 200, 200, 200, 200, 401]),
            (Method::POST, "/api/v1/me/consents".into(), Some(json!({"terms_version": "1999-01", "privacy_version": "1999-01"})), [401, 400, 400, 400, 400, 401]),
            (Method::GET, "/api/v1/legal-documents".into(), None, [200; 6]),
            (Method::GET, "/api/v1/admin/users".into(), None, [401, 403, 403, 403, 200, 401]),
            (Method::PUT, format!("/api/v1/admin/users/{target}/role"), Some(json!({"role": "participant"})), [401, 403, 403, 403, 200, 401]),
            (Method::POST, format!("/api/v1/admin/users/{target}/block"), Some(json!({})), [401, 403, 403, 403, 200, 401]),
            (Method::POST, format!("/api/v1/admin/users/{target}/unblock"), None, [401, 403, 403, 403, 200, 401]),
            (Method::GET, "/api/v1/admin/audit-log".into(), None, [401, 403, 403, 403, 200, 401]),
            (Method::GET, "/api/v1/admin/catalogue/export".into(), None, [401, 403, 403, 403, 200, 401]),
            (Method::GET, format!("/api/v1/measures/{measure}/status-history"), None, [200; 6]),
            (Method::GET, "/api/v1/consultations".into(), None, [200; 6]),
            (Method::GET, "/api/v1/vision-statements/1".into(), None, [200; 6]),
            (Method::GET, "/api/v1/priority-goals/1".into(), None, [200; 6]),
            (Method::GET, "/api/v1/consultations/1".into(), None, [200; 6]),
            (Method::POST, "/api/v1/admin/consultations".into(), Some(json!({"title": ""})), [401, 403, 403, 403, 400, 401]),
            (Method::PATCH, "/api/v1/admin/consultations/1".into(), Some(json!({"title": "x"})), [401, 403, 403, 403, 428, 401]),
            // Catalogue changes: without `If-Match` the administrator gets 428, everybody else
            // is refused before that; creations with a body that is invalid on purpose (400)
            // prove the request reached the administrator's handler without changing anything.
            (Method::POST, "/api/v1/admin/catalogue/fields".into(), Some(json!({"number": 0, "title": "x"})), [401, 403, 403, 403, 400, 401]),
            (Method::PATCH, format!("/api/v1/admin/catalogue/fields/{field}"), Some(json!({"title": "x"})), [401, 403, 403, 403, 428, 401]),
            (Method::POST, format!("/api/v1/admin/catalogue/fields/{field}/retire"), None, [401, 403, 403, 403, 428, 401]),
            (Method::POST, "/api/v1/admin/catalogue/measures".into(), Some(json!({"field_id": field, "code": "", "title": "x", "implementation_status": "planned"})), [401, 403, 403, 403, 400, 401]),
            (Method::PATCH, format!("/api/v1/admin/catalogue/measures/{measure}"), Some(json!({"title": "x"})), [401, 403, 403, 403, 428, 401]),
            (Method::POST, format!("/api/v1/admin/catalogue/measures/{measure}/status"), Some(json!({"implementation_status": "implemented"})), [401, 403, 403, 403, 428, 401]),
            (Method::POST, format!("/api/v1/admin/catalogue/measures/{measure}/retire"), None, [401, 403, 403, 403, 428, 401]),
            (Method::POST, "/api/v1/admin/catalogue/vision-statements".into(), Some(json!({"kind": "principle", "text": ""})), [401, 403, 403, 403, 400, 401]),
            (Method::PATCH, "/api/v1/admin/catalogue/vision-statements/1".into(), Some(json!({"text": "x"})), [401, 403, 403, 403, 428, 401]),
            (Method::POST, "/api/v1/admin/catalogue/vision-statements/1/retire".into(), None, [401, 403, 403, 403, 428, 401]),
            (Method::POST, "/api/v1/admin/catalogue/priority-goals".into(), Some(json!({"text": ""})), [401, 403, 403, 403, 400, 401]),
            (Method::PATCH, "/api/v1/admin/catalogue/priority-goals/1".into(), Some(json!({"text": "x"})), [401, 403, 403, 403, 428, 401]),
            (Method::POST, "/api/v1/admin/catalogue/priority-goals/1/retire".into(), None, [401, 403, 403, 403, 428, 401]),
            // A catalogue is loaded and `replace` is not set: the admin gets 409, nothing changes.
            (Method::POST, "/api/v1/admin/catalogue/import".into(), Some(serde_json::to_value(beteiligung::catalogue::demo()).unwrap()), [401, 403, 403, 403, 409, 401]),
            (Method::GET, format!("/api/v1/measures/{measure}?lang=de-x-ls"), None, [200; 6]),
            // Translations (issue 15): administrators only; changes need If-Match.
            (Method::GET, format!("/api/v1/admin/translations/measure/{measure}/tr"), None, [401, 403, 403, 403, 200, 401]),
            (Method::PUT, format!("/api/v1/admin/translations/measure/{measure}/tr"), Some(json!({"texts": []})), [401, 403, 403, 403, 428, 401]),
            (Method::POST, format!("/api/v1/admin/translations/measure/{measure}/tr/confirmation"), None, [401, 403, 403, 403, 428, 401]),
            (Method::DELETE, format!("/api/v1/admin/translations/measure/{measure}/tr"), None, [401, 403, 403, 403, 428, 401]),
            (Method::GET, "/api/v1/admin/translations/missing?language=tr".into(), None, [401, 403, 403, 403, 200, 401]),
            // Last: these end sessions.
            (Method::POST, "/api/v1/auth/logout".into(), None, [401, 204, 204, 204, 204, 401]),
        ];
        let mut mismatches = Vec::new();
        for (method, path, body, expected) in &rows {
            for (i, token) in tokens.iter().enumerate() {
                let r = call(&app, method.clone(), path, token.as_deref(), body.clone()).await;
                if r.status.as_u16() != expected[i] {
                    mismatches.push(format!("{method} {path} as {}: expected {}, got {} {}", callers[i], expected[i], r.status, r.text));
                }
                if r.status.is_client_error() {
                    assert_eq!(r.header("content-type"), Some("application/problem+json"), "{method} {path}");
                }
            }
        }
        assert!(mismatches.is_empty(), "authorisation matrix:\n{}", mismatches.join("\n"));
        // logout-all, with fresh sessions (logout above ended the others).
        for (i, email) in ["", "unverified@example.org", "participant@example.org", "moderator@example.org", "admin@example.org", "blocked@example.org"].iter().enumerate() {
            let token = if email.is_empty() || i == 5 { tokens[i].clone() } else { Some(login(&app, email, PASSWORD).await.body["access_token"].as_str().unwrap().to_owned()) };
            let expected = if i == 0 || i == 5 { 401 } else { 204 };
            let r = call(&app, Method::POST, "/api/v1/auth/logout-all", token.as_deref(), None).await;
            assert_eq!(r.status.as_u16(), expected, "logout-all as {}", callers[i]);
        }
    }

    async fn blocked_and_deleted_accounts_are_refused_even_with_a_live_session(db) {
        // The session rows stay open here, so only the account check can refuse the tokens.
        use beteiligung::db::schema::users;
        use diesel::prelude::*;
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let blocked = crate::accounts::participant(&app, &ctx, "blocked@example.org").await;
        let deleted = crate::accounts::participant(&app, &ctx, "deleted@example.org").await;
        let now = chrono::Utc::now().naive_utc();
        let mut conn = ctx.db.connection();
        diesel::update(users::table.filter(users::email.eq("blocked@example.org"))).set(users::blocked_at.eq(Some(now))).execute(&mut conn).unwrap();
        diesel::update(users::table.filter(users::email.eq("deleted@example.org"))).set(users::deleted_at.eq(Some(now))).execute(&mut conn).unwrap();
        for pair in [&blocked, &deleted] {
            call(&app, Method::GET, "/api/v1/me", Some(pair["access_token"].as_str().unwrap()), None).await.assert_problem(401, "invalid_token");
            call(&app, Method::POST, "/api/v1/auth/refresh", None, Some(json!({"refresh_token": pair["refresh_token"]}))).await
                .assert_problem(401, "invalid_refresh_token");
        }
    }

    async fn the_last_administrator_cannot_delete_their_account(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        crate::accounts::participant(&app, &ctx, "admin@example.org").await;
        make_admin(&ctx, "admin@example.org");
        let admin = login(&app, "admin@example.org", PASSWORD).await.body;
        call(&app, Method::DELETE, "/api/v1/me", Some(admin["access_token"].as_str().unwrap()), Some(json!({"password": PASSWORD}))).await
            .assert_problem(409, "last_admin");
    }

    async fn the_audit_log_is_append_only_in_the_database(db) {
        use beteiligung::db::schema::audit_log;
        use diesel::prelude::*;
        let ctx = Ctx::new(db);
        let mut conn = ctx.db.connection();
        beteiligung::audit::record(&mut conn, chrono::Utc::now().naive_utc(), None, "test.entry", "test", None, json!({})).unwrap();
        assert!(diesel::update(audit_log::table).set(audit_log::action.eq("rewritten")).execute(&mut conn).is_err());
        assert!(diesel::delete(audit_log::table).execute(&mut conn).is_err());
        let actions: Vec<String> = audit_log::table.select(audit_log::action).load(&mut conn).unwrap();
        assert_eq!(actions, ["test.entry"]);
    }

    async fn password_checks_are_limited_per_account(db) {
        let ctx = Ctx::with(db, &[("RATE_LIMIT_LOGIN_PER_ADDRESS", "3"), ("RATE_LIMIT_RESET_PER_CLIENT", "2")]);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let pair = crate::accounts::participant(&app, &ctx, "lena@example.org").await;
        let token = pair["access_token"].as_str().unwrap();
        let guess = json!({"current_password": "vielleicht dieses", "new_password": "Sparrenburg bei Nacht"});
        for _ in 0..3 {
            call(&app, Method::POST, "/api/v1/auth/password", Some(token), Some(guess.clone())).await.assert_problem(400, "validation_failed");
        }
        call(&app, Method::POST, "/api/v1/auth/password", Some(token), Some(guess)).await.assert_problem(429, "rate_limited");
        call(&app, Method::DELETE, "/api/v1/me", Some(token), Some(json!({"password": "vielleicht dieses"}))).await.assert_problem(429, "rate_limited");
        // Confirming a reset is limited per client, and a made-up token is refused.
        for _ in 0..2 {
            call(&app, Method::POST, "/api/v1/auth/password-reset/confirm", None, Some(json!({"token": "erfunden", "new_password": "Sparrenburg bei Nacht"}))).await
                .assert_problem(400, "invalid_or_expired_token");
        }
        call(&app, Method::POST, "/api/v1/auth/password-reset/confirm", None, Some(json!({"token": "erfunden", "new_password": "Sparrenburg bei Nacht"}))).await
            .assert_problem(429, "rate_limited");
    }
}

both_backends! {
    async fn organisation_authorization_matrix(db) {
        use crate::organisations::{invite_and_join, register_org, staff, token, user_id, verified_org};
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        // Callers: the six of the main matrix, then a member and a representative of the
        // verified organisation A, the representative of another verified organisation B, and
        // the representative of a pending organisation P.
        assert_eq!(register(&app, "unverified@example.org").await.status, 202);
        let unverified = token(&login(&app, "unverified@example.org", PASSWORD).await.body);
        let participant = token(&crate::accounts::participant(&app, &ctx, "participant@example.org").await);
        let moderator = staff(&app, &ctx, "moderator@example.org", "moderator").await;
        crate::accounts::participant(&app, &ctx, "admin@example.org").await;
        make_admin(&ctx, "admin@example.org");
        let admin = token(&login(&app, "admin@example.org", PASSWORD).await.body);
        let (representative, a) = verified_org(&app, &ctx, &moderator, "rep-a@example.org", "Verein A", "migrant_organisation").await;
        crate::accounts::participant(&app, &ctx, "member-a@example.org").await;
        assert_eq!(invite_and_join(&app, &ctx, &representative, a, "member-a@example.org", "member").await.status, 200);
        let member = token(&login(&app, "member-a@example.org", PASSWORD).await.body);
        // A blocked member of A: their tokens stop working everywhere.
        crate::accounts::participant(&app, &ctx, "blocked@example.org").await;
        assert_eq!(invite_and_join(&app, &ctx, &representative, a, "blocked@example.org", "representative").await.status, 200);
        let blocked = token(&login(&app, "blocked@example.org", PASSWORD).await.body);
        let (other_rep, b) = verified_org(&app, &ctx, &moderator, "rep-b@example.org", "Verein B", "welfare_provider").await;
        let pending_rep = token(&crate::accounts::participant(&app, &ctx, "rep-p@example.org").await);
        let p = register_org(&app, &pending_rep, "Verein P", "other_civil_society").await;
        let (member_id, pending_rep_id, blocked_id) = (user_id(&app, &member).await, user_id(&app, &pending_rep).await, user_id(&app, &blocked).await);
        assert_eq!(call(&app, Method::POST, &format!("/api/v1/admin/users/{blocked_id}/block"), Some(&admin), Some(json!({}))).await.status, 200);

        let tokens: [Option<&str>; 10] = [None, Some(&unverified), Some(&participant), Some(&moderator), Some(&admin), Some(&blocked), Some(&member), Some(&representative), Some(&other_rep), Some(&pending_rep)];
        let callers = ["anonymous", "unverified", "participant", "moderator", "admin", "blocked", "member", "representative", "other representative", "pending representative"];
        let o = |id: i64, rest: &str| format!("/api/v1/organisations/{id}{rest}");
        // (method, path, body, expected status for each caller in the order above). Requests
        // that would change something are made invalid on purpose (no `If-Match`, an id that
        // does not exist, an invalid body), so the answer shows how far each caller got.
        let rows: Vec<(Method, String, Option<Value>, [u16; 10])> = vec![
            (Method::POST, "/api/v1/organisations".into(), Some(json!({"name": ""})), [401, 403, 400, 400, 400, 401, 400, 400, 400, 400]),
            (Method::GET, "/api/v1/organisations".into(), None, [200; 10]),
            (Method::GET, o(a, ""), None, [200, 200, 200, 200, 200, 401, 200, 200, 200, 200]),
            (Method::GET, o(p, ""), None, [404, 404, 404, 200, 200, 401, 404, 404, 404, 200]),
            (Method::PATCH, o(a, ""), Some(json!({"description": "x"})), [401, 403, 403, 403, 403, 401, 403, 428, 403, 403]),
            (Method::PATCH, o(b, ""), Some(json!({"description": "x"})), [401, 403, 403, 403, 403, 401, 403, 403, 428, 403]),
            (Method::PATCH, o(p, ""), Some(json!({"description": "x"})), [401, 403, 404, 403, 403, 401, 404, 404, 404, 428]),
            (Method::GET, o(a, "/members"), None, [401, 403, 403, 200, 200, 401, 200, 200, 403, 403]),
            (Method::GET, o(p, "/members"), None, [401, 404, 404, 200, 200, 401, 404, 404, 404, 200]),
            (Method::PUT, o(a, &format!("/members/{member_id}/role")), Some(json!({"role": "member"})), [401, 403, 403, 403, 403, 401, 403, 200, 403, 403]),
            (Method::PUT, o(p, &format!("/members/{pending_rep_id}/role")), Some(json!({"role": "representative"})), [401, 403, 404, 403, 403, 401, 404, 404, 404, 200]),
            (Method::DELETE, o(a, "/members/999999"), None, [401, 403, 403, 403, 403, 401, 403, 404, 403, 403]),
            (Method::DELETE, o(p, "/members/999999"), None, [401, 404, 404, 403, 403, 401, 404, 404, 404, 404]),
            (Method::POST, o(a, "/invitations"), Some(json!({"email": "keine Adresse"})), [401, 403, 403, 403, 403, 401, 403, 400, 403, 403]),
            (Method::POST, o(p, "/invitations"), Some(json!({"email": "keine Adresse"})), [401, 403, 404, 403, 403, 401, 404, 404, 404, 400]),
            (Method::GET, o(a, "/invitations"), None, [401, 403, 403, 403, 403, 401, 403, 200, 403, 403]),
            (Method::GET, o(p, "/invitations"), None, [401, 404, 404, 403, 403, 401, 404, 404, 404, 200]),
            (Method::DELETE, o(a, "/invitations/999999"), None, [401, 403, 403, 403, 403, 401, 403, 404, 403, 403]),
            (Method::POST, "/api/v1/organisation-invitations/accept".into(), Some(json!({"token": "erfunden"})), [401, 403, 400, 400, 400, 401, 400, 400, 400, 400]),
            (Method::GET, o(a, "/join-requests"), None, [401, 403, 403, 403, 403, 401, 403, 200, 403, 403]),
            (Method::GET, o(p, "/join-requests"), None, [401, 404, 404, 403, 403, 401, 404, 404, 404, 200]),
            (Method::POST, o(a, "/join-requests/999999/accept"), None, [401, 403, 403, 403, 403, 401, 403, 404, 403, 403]),
            (Method::POST, o(a, "/join-requests/999999/decline"), None, [401, 403, 403, 403, 403, 401, 403, 404, 403, 403]),
            (Method::GET, "/api/v1/me/organisations".into(), None, [401, 200, 200, 200, 200, 401, 200, 200, 200, 200]),
            (Method::GET, "/api/v1/me/join-requests".into(), None, [401, 200, 200, 200, 200, 401, 200, 200, 200, 200]),
            (Method::DELETE, o(a, "/join-requests/999999"), None, [401, 404, 404, 404, 404, 401, 404, 404, 404, 404]),
            (Method::GET, "/api/v1/moderation/organisations".into(), None, [401, 403, 403, 200, 200, 401, 403, 403, 403, 403]),
            (Method::POST, format!("/api/v1/moderation/organisations/{p}/verify"), Some(json!({})), [401, 403, 403, 428, 428, 401, 403, 403, 403, 403]),
            (Method::POST, format!("/api/v1/moderation/organisations/{p}/reject"), Some(json!({"reason": "x"})), [401, 403, 403, 428, 428, 401, 403, 403, 403, 403]),
            // Requests to join change state: each caller asks once.
            (Method::POST, o(a, "/join-requests"), Some(json!({})), [401, 403, 201, 201, 201, 401, 409, 409, 201, 201]),
            (Method::POST, o(p, "/join-requests"), Some(json!({})), [401, 403, 404, 409, 409, 401, 404, 404, 404, 409]),
            (Method::DELETE, o(a, ""), None, [401, 403, 403, 403, 403, 401, 403, 409, 403, 403]),
            // Last: the pending representative withdraws P.
            (Method::DELETE, o(p, ""), None, [401, 403, 404, 403, 403, 401, 404, 404, 404, 204]),
        ];
        let mut mismatches = Vec::new();
        for (method, path, body, expected) in &rows {
            for (i, token) in tokens.iter().enumerate() {
                let r = call(&app, method.clone(), path, *token, body.clone()).await;
                if r.status.as_u16() != expected[i] {
                    mismatches.push(format!("{method} {path} as {}: expected {}, got {} {}", callers[i], expected[i], r.status, r.text));
                }
                if r.status.is_client_error() {
                    assert_eq!(r.header("content-type"), Some("application/problem+json"), "{method} {path}");
                }
            }
        }
        assert!(mismatches.is_empty(), "organisation authorisation matrix:\n{}", mismatches.join("\n"));

        // What outsiders read of A is the public profile only (OWASP API3): no review state,
        // no members, no addresses of people.
        for outsider in [None, Some(participant.as_str()), Some(other_rep.as_str())] {
            let r = call(&app, Method::GET, &o(a, ""), outsider, None).await;
            for private in ["status", "last_decision", "proposed_change", "created_at", "updated_at"] {
                assert!(r.body.get(private).is_none(), "{private} shown to an outsider: {}", r.text);
            }
            assert!(!r.text.contains("rep-a@example.org") && !r.text.contains("member-a@example.org"));
        }
        // Members see no one's account address either.
        let members = call(&app, Method::GET, &o(a, "/members"), Some(&member), None).await;
        assert!(!members.text.contains("@example.org"), "{}", members.text);
        // Nothing of A, B or P changed through the refused requests.
        assert_eq!(call(&app, Method::GET, &o(a, ""), None, None).await.body["description"], "Beratung und Begegnung für Zugewanderte in Bielefeld.");
        call(&app, Method::GET, &o(p, ""), Some(&moderator), None).await.assert_problem(404, "not_found");
        let members_of_a = call(&app, Method::GET, &o(a, "/members"), Some(&representative), None).await.body["items"].as_array().unwrap().len();
        assert_eq!(members_of_a, 3);
    }
}

both_backends! {
    async fn statement_authorization_matrix(db) {
        use crate::contributions::person;
        use crate::statements::{answer, draft, on_concept, org, pdf, submit};
        use beteiligung::auth::model::Role;
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        // Callers: anonymous, a participant, a moderator, an administrator, a plain member and the
        // representative of organisation A, and the representative of organisation B.
        let participant = person(&ctx, "participant@example.org", Role::Participant);
        let moderator = person(&ctx, "moderator@example.org", Role::Moderator);
        let admin = person(&ctx, "admin@example.org", Role::Admin);
        let a = org(&ctx, "Verein A", "migrant_organisation", "a");
        let b = org(&ctx, "Verein B", "welfare_provider", "b");
        let c = crate::common::fixtures::consultation(&ctx.state, "commenting");
        // A's draft (with an attachment), a submitted statement, and a published one.
        let d = draft(&app, &a.member, a.id, on_concept(c, "Entwurf")).await.body["id"].as_i64().unwrap();
        let req = test::TestRequest::post()
            .uri(&format!("/api/v1/statements/{d}/attachments?filename=a.pdf"))
            .insert_header(("authorization", format!("Bearer {}", a.member.token)))
            .insert_header(("content-type", "application/pdf"))
            .set_payload(pdf("Anlage"))
            .to_request();
        let attachment = crate::common::send(&app, req).await.body["id"].as_i64().unwrap();
        let s = draft(&app, &a.member, a.id, on_concept(c, "Eingereicht")).await.body["id"].as_i64().unwrap();
        assert_eq!(submit(&app, &a.rep, s, "name").await.status, 200);
        let p = draft(&app, &a.member, a.id, on_concept(c, "Beantwortet")).await.body["id"].as_i64().unwrap();
        assert_eq!(submit(&app, &a.rep, p, "kind").await.status, 200);
        assert_eq!(answer(&app, &moderator, p, "Antwort").await.status, 200);

        let tokens: [Option<&str>; 7] = [None, Some(&participant.token), Some(&moderator.token), Some(&admin.token), Some(&a.member.token), Some(&a.rep.token), Some(&b.rep.token)];
        let callers = ["anonymous", "participant", "moderator", "admin", "member A", "representative A", "representative B"];
        let st = |id: i64, rest: &str| format!("/api/v1/statements/{id}{rest}");
        let m = |id: i64, rest: &str| format!("/api/v1/moderation/statements/{id}{rest}");
        // Requests that would change something are made invalid on purpose (an invalid body, no
        // `If-Match`, an id that does not exist), so the answer shows how far each caller got.
        let rows: Vec<(Method, String, Option<Value>, [u16; 7])> = vec![
            (Method::POST, format!("/api/v1/organisations/{}/statements", a.id), Some(json!({"title": ""})), [401, 403, 403, 403, 400, 400, 403]),
            (Method::GET, format!("/api/v1/organisations/{}/statements", a.id), None, [401, 403, 403, 403, 200, 200, 403]),
            (Method::GET, st(d, ""), None, [404, 404, 404, 404, 200, 200, 404]),
            (Method::GET, st(s, ""), None, [404, 404, 200, 200, 200, 200, 404]),
            (Method::GET, st(p, ""), None, [200; 7]),
            (Method::PATCH, st(d, ""), Some(json!({"title": "x"})), [401, 404, 404, 404, 428, 428, 404]),
            (Method::PATCH, st(s, ""), Some(json!({"title": "x"})), [401, 404, 404, 404, 428, 428, 404]),
            (Method::POST, st(d, "/attachments?filename=b.pdf"), Some(json!({})), [401, 404, 404, 404, 415, 415, 404]),
            (Method::GET, st(d, &format!("/attachments/{attachment}")), None, [404, 404, 404, 404, 200, 200, 404]),
            (Method::DELETE, st(d, "/attachments/999999"), None, [401, 404, 404, 404, 404, 404, 404]),
            (Method::GET, st(d, "/canonical"), None, [404, 404, 404, 404, 200, 200, 404]),
            (Method::GET, st(s, "/canonical"), None, [404, 404, 200, 200, 200, 200, 404]),
            // Published by kind only: its canonical form names the organisation's id, so the
            // public does not get it.
            (Method::GET, st(p, "/canonical"), None, [404, 404, 200, 200, 200, 200, 404]),
            (Method::POST, st(d, "/submit"), Some(json!({"publish_as": "name"})), [401, 404, 404, 404, 403, 428, 404]),
            (Method::POST, st(p, "/withdraw"), None, [401, 404, 404, 404, 403, 409, 404]),
            (Method::GET, "/api/v1/statements".into(), None, [200; 7]),
            (Method::GET, "/api/v1/statement-receipts/key".into(), None, [200; 7]),
            (Method::GET, "/api/v1/statement-receipts/keys".into(), None, [200; 7]),
            (Method::GET, format!("/api/v1/consultations/{c}/statement-receipts/ST-2026-0001?sha256={}", "0".repeat(64)), None, [200; 7]),
            (Method::GET, format!("/api/v1/consultations/{c}/statements.csv"), None, [200; 7]),
            (Method::GET, format!("/api/v1/consultations/{c}/statements.xlsx?variant=anonymised"), None, [200; 7]),
            (Method::GET, "/api/v1/moderation/statements".into(), None, [401, 403, 200, 200, 403, 403, 403]),
            (Method::PUT, m(s, "/reviewer"), Some(json!({"reviewer_id": 999_999})), [401, 403, 400, 400, 403, 403, 403]),
            (Method::POST, m(s, "/responses"), Some(json!({"body": ""})), [401, 403, 400, 400, 403, 403, 403]),
            (Method::GET, m(s, "/responses"), None, [401, 403, 200, 200, 403, 403, 403]),
            (Method::GET, m(d, "/responses"), None, [401, 403, 404, 404, 403, 403, 403]),
            (Method::POST, m(s, "/publish"), None, [401, 403, 428, 428, 403, 403, 403]),
            // Last: these change state. The member cannot withdraw, the representative can.
            (Method::POST, st(s, "/withdraw"), None, [401, 404, 404, 404, 403, 200, 404]),
            (Method::DELETE, st(d, ""), None, [401, 404, 404, 404, 204, 404, 404]),
        ];
        let mut mismatches = Vec::new();
        for (method, path, body, expected) in &rows {
            for (i, token) in tokens.iter().enumerate() {
                let r = call(&app, method.clone(), path, *token, body.clone()).await;
                if r.status.as_u16() != expected[i] {
                    mismatches.push(format!("{method} {path} as {}: expected {}, got {} {}", callers[i], expected[i], r.status, r.text));
                }
                if r.status.is_client_error() {
                    assert_eq!(r.header("content-type"), Some("application/problem+json"), "{method} {path}");
                }
            }
        }
        assert!(mismatches.is_empty(), "statement authorisation matrix:\n{}", mismatches.join("\n"));
    }
}

both_backends! {
    async fn assisted_participation_authorization_matrix(db) {
        // Anonymous, participant, facilitator, moderator, admin (tests/api/assisted.rs).
        let ctx = Ctx::new(db);
        let mismatches = crate::assisted::assisted_matrix(&ctx).await;
        assert!(mismatches.is_empty(), "authorisation matrix:\n{}", mismatches.join("\n"));
    }
}
