//! Accounts: registration with e-mail verification over real SMTP, sign-in, sessions and
//! token rotation, passwords, the own profile, roles and blocking.

use crate::both_backends;
use crate::common::smtp::SmtpSink;
use crate::common::{json_request, send, Reply, TestDb};
use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::Method;
use actix_web::test;
use beteiligung::mail::{self, Mailer};
use beteiligung::AppState;
use serde_json::{json, Value};

pub use crate::common::fixtures::PASSWORD;

/// A node whose mails go to a loopback SMTP server.
pub struct Ctx {
    pub db: TestDb,
    pub state: AppState,
    pub sink: SmtpSink,
}

impl Ctx {
    pub fn new(db: TestDb) -> Self {
        Self::with(db, &[])
    }

    pub fn with(db: TestDb, extra: &[(&str, &str)]) -> Self {
        let sink = SmtpSink::start();
        let url = sink.url();
        let mut env: Vec<(&str, &str)> = extra.to_vec();
        env.push(("SMTP_URL", &url));
        let state = db.state_with(&env);
        Self { db, state, sink }
    }

    /// Runs the outbox once, as the background worker does.
    pub fn deliver(&self) -> usize {
        let mailer = Mailer::from_settings(&self.state.settings).unwrap();
        let mut conn = self.state.db.pool().get().unwrap();
        mail::process_due(&mut conn, &mailer, &self.state.clock, 100).unwrap()
    }
}

pub async fn call<S, B>(
    app: &S,
    method: Method,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Reply
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    send(app, json_request(method, uri, token, body)).await
}

pub async fn register<S, B>(app: &S, email: &str) -> Reply
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    call(app, Method::POST, "/api/v1/auth/register", None, Some(json!({
        "email": email, "password": PASSWORD, "display_name": "Lena M.", "terms_version": "2026-11", "privacy_version": "2026-12"
    }))).await
}

pub async fn login<S, B>(app: &S, email: &str, password: &str) -> Reply
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    call(
        app,
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"email": email, "password": password})),
    )
    .await
}

/// A verified participant `email`, signed in (built directly: no registration, no mail, no
/// password hash); returns the tokens like [`verified_user`]. For tests that are not about
/// registration and sign-in.
pub async fn participant<S, B>(_app: &S, ctx: &Ctx, email: &str) -> Value
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    crate::common::fixtures::account(
        &ctx.state,
        email,
        beteiligung::auth::model::Role::Participant,
    )
}

/// Registers, follows the verification link from the mail, signs in; returns the tokens.
pub async fn verified_user<S, B>(app: &S, ctx: &Ctx, email: &str) -> Value
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    assert_eq!(register(app, email).await.status, 202);
    ctx.deliver();
    let mail = ctx.sink.to(email).pop().expect("a verification mail");
    let r = call(
        app,
        Method::POST,
        "/api/v1/auth/verify-email",
        None,
        Some(json!({"token": mail.token()})),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = login(app, email, PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

fn access(pair: &Value) -> &str {
    pair["access_token"].as_str().unwrap()
}

/// Makes `email` an administrator directly in the database (as `create-admin` does).
pub fn make_admin(ctx: &Ctx, email: &str) {
    use beteiligung::auth::store;
    let mut conn = ctx.db.connection();
    let user = store::user_by_email(&mut conn, email).unwrap().unwrap();
    let now = ctx.state.clock.now().naive_utc();
    store::promote_to_admin(&mut conn, now, user.id).unwrap();
}

both_backends! {
    async fn registration_is_verified_through_the_mailed_link(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let r = register(&app, "  Lena@Example.ORG ").await;
        assert_eq!(r.status, 202, "{}", r.text);
        assert_eq!(ctx.deliver(), 1);
        let mails = ctx.sink.to("lena@example.org");
        assert_eq!(mails.len(), 1, "the address is normalised");
        assert!(mails[0].body().contains("https://beteiligung.test/verify-email?token="), "{}", mails[0].body());

        // Signed in but unverified: may read, may not write.
        let pair = login(&app, "LENA@example.org", PASSWORD).await;
        assert_eq!(pair.status, 200, "{}", pair.text);
        let token = pair.body["access_token"].as_str().unwrap().to_owned();
        assert_eq!(pair.body["token_type"], "Bearer");
        assert!(pair.body["expires_in"].as_u64().unwrap() <= 900);
        let me = call(&app, Method::GET, "/api/v1/me", Some(&token), None).await;
        assert_eq!(me.status, 200);
        assert_eq!(me.body["email"], "lena@example.org");
        assert_eq!(me.body["email_verified"], false);
        assert_eq!(me.body["role"], "participant");
        call(&app, Method::PATCH, "/api/v1/me", Some(&token), Some(json!({"display_name": "Lena"}))).await
            .assert_problem(403, "email_unverified");

        let r = call(&app, Method::POST, "/api/v1/auth/verify-email", None, Some(json!({"token": mails[0].token()}))).await;
        assert_eq!(r.status, 204, "{}", r.text);
        call(&app, Method::POST, "/api/v1/auth/verify-email", None, Some(json!({"token": mails[0].token()}))).await
            .assert_problem(400, "invalid_or_expired_token");
        let r = call(&app, Method::PATCH, "/api/v1/me", Some(&token), Some(json!({"display_name": "Lena", "preferred_language": "en"}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["display_name"], "Lena");
        assert_eq!(r.body["preferred_language"], "en");
        assert_eq!(r.body["email_verified"], true);
    }

    async fn registering_a_taken_address_reveals_nothing(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let first = register(&app, "lena@example.org").await;
        let again = register(&app, "lena@example.org").await;
        assert_eq!(first.status, again.status);
        assert_eq!(first.body, again.body);
        assert_eq!(ctx.deliver(), 2);
        let mails = ctx.sink.to("lena@example.org");
        assert_eq!(mails.len(), 2);
        assert!(mails[1].body().contains("bereits ein Konto"), "the owner is told: {}", mails[1].body());
        // Only one account exists, with the first password.
        assert_eq!(login(&app, "lena@example.org", PASSWORD).await.status, 200);
    }

    async fn passwords_follow_the_policy(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        for (password, code) in [("kurz", "too_short"), ("qwertzuiop", "too_common"), ("Passwort123!", "too_common"), ("lena.meier.example", "contains_email")] {
            let r = call(&app, Method::POST, "/api/v1/auth/register", None, Some(json!({
                "email": "lena.meier@example.org", "password": password, "display_name": "Lena", "terms_version": "2026-11", "privacy_version": "2026-12"
            }))).await;
            r.assert_problem(400, "validation_failed");
            assert_eq!(r.body["errors"][0]["field"], "password", "{password}");
            assert_eq!(r.body["errors"][0]["code"], code, "{password}");
        }
        let r = call(&app, Method::POST, "/api/v1/auth/register", None, Some(json!({
            "email": "not-an-address", "password": PASSWORD, "display_name": "", "terms_version": "2019-01", "privacy_version": "2026-12"
        }))).await;
        r.assert_problem(400, "validation_failed");
        let fields: Vec<_> = r.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert!(fields.contains(&"email") && fields.contains(&"display_name"), "{fields:?}");
        let r = call(&app, Method::POST, "/api/v1/auth/register", None, Some(json!({
            "email": "a@example.org", "password": PASSWORD, "display_name": "A", "terms_version": "2019-01", "privacy_version": "2026-12"
        }))).await;
        assert_eq!(r.body["errors"][0]["field"], "terms_version");
        assert_eq!(r.body["errors"][0]["code"], "outdated");
        let r = call(&app, Method::POST, "/api/v1/auth/register", None, Some(json!({
            "email": "a@example.org", "password": PASSWORD, "display_name": "A", "terms_version": "2026-11", "privacy_version": "2026-12", "role": "admin"
        }))).await;
        r.assert_problem(400, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "role");
        assert_eq!(ctx.deliver(), 0, "nothing was registered");
    }

    async fn wrong_password_and_unknown_address_answer_alike(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        verified_user(&app, &ctx, "lena@example.org").await;
        let wrong = login(&app, "lena@example.org", "Falsches Passwort 1").await;
        let unknown = login(&app, "nobody@example.org", "Falsches Passwort 1").await;
        wrong.assert_problem(401, "invalid_credentials");
        unknown.assert_problem(401, "invalid_credentials");
        assert_eq!(wrong.body, unknown.body);
        assert_eq!(wrong.header("www-authenticate"), Some("Bearer realm=\"beteiligung\""));
    }

    async fn refresh_tokens_rotate_and_reuse_ends_the_session(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let pair = verified_user(&app, &ctx, "lena@example.org").await;
        let first_refresh = pair["refresh_token"].as_str().unwrap();
        let r = call(&app, Method::POST, "/api/v1/auth/refresh", None, Some(json!({"refresh_token": first_refresh}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let second = r.body.clone();
        assert_ne!(second["refresh_token"], pair["refresh_token"]);
        assert_eq!(call(&app, Method::GET, "/api/v1/me", Some(access(&second)), None).await.status, 200);

        // The first refresh token again: a thief or a replay. The whole session ends.
        call(&app, Method::POST, "/api/v1/auth/refresh", None, Some(json!({"refresh_token": first_refresh}))).await
            .assert_problem(401, "refresh_token_reused");
        call(&app, Method::POST, "/api/v1/auth/refresh", None, Some(json!({"refresh_token": second["refresh_token"]}))).await
            .assert_problem(401, "invalid_refresh_token");
        call(&app, Method::GET, "/api/v1/me", Some(access(&second)), None).await.assert_problem(401, "invalid_token");
        call(&app, Method::GET, "/api/v1/me", Some(access(&pair)), None).await.assert_problem(401, "invalid_token");
        call(&app, Method::POST, "/api/v1/auth/refresh", None, Some(json!({"refresh_token": "made-up"}))).await
            .assert_problem(401, "invalid_refresh_token");
    }

    async fn logout_ends_one_session_and_logout_all_every_one(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let phone = verified_user(&app, &ctx, "lena@example.org").await;
        let laptop = login(&app, "lena@example.org", PASSWORD).await.body;
        let tablet = login(&app, "lena@example.org", PASSWORD).await.body;
        assert_eq!(call(&app, Method::POST, "/api/v1/auth/logout", Some(access(&phone)), None).await.status, 204);
        call(&app, Method::GET, "/api/v1/me", Some(access(&phone)), None).await.assert_problem(401, "invalid_token");
        call(&app, Method::POST, "/api/v1/auth/refresh", None, Some(json!({"refresh_token": phone["refresh_token"]}))).await
            .assert_problem(401, "invalid_refresh_token");
        assert_eq!(call(&app, Method::GET, "/api/v1/me", Some(access(&laptop)), None).await.status, 200);

        assert_eq!(call(&app, Method::POST, "/api/v1/auth/logout-all", Some(access(&laptop)), None).await.status, 204);
        for pair in [&laptop, &tablet] {
            call(&app, Method::GET, "/api/v1/me", Some(access(pair)), None).await.assert_problem(401, "invalid_token");
        }
    }

    async fn password_change_ends_all_sessions_and_returns_a_new_one(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let pair = verified_user(&app, &ctx, "lena@example.org").await;
        let other = login(&app, "lena@example.org", PASSWORD).await.body;
        call(&app, Method::POST, "/api/v1/auth/password", Some(access(&pair)), Some(json!({"current_password": "falsch falsch", "new_password": "Sparrenburg bei Nacht"}))).await
            .assert_problem(400, "validation_failed");
        let r = call(&app, Method::POST, "/api/v1/auth/password", Some(access(&pair)), Some(json!({"current_password": PASSWORD, "new_password": "Sparrenburg bei Nacht"}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        for old in [&pair, &other] {
            call(&app, Method::GET, "/api/v1/me", Some(access(old)), None).await.assert_problem(401, "invalid_token");
        }
        assert_eq!(call(&app, Method::GET, "/api/v1/me", Some(access(&r.body)), None).await.status, 200);
        login(&app, "lena@example.org", PASSWORD).await.assert_problem(401, "invalid_credentials");
        assert_eq!(login(&app, "lena@example.org", "Sparrenburg bei Nacht").await.status, 200);
        ctx.deliver();
        assert!(ctx.sink.to("lena@example.org").iter().any(|m| m.body().contains("Passwort Ihres Kontos wurde geändert")));
    }

    async fn password_reset_by_mail(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let pair = verified_user(&app, &ctx, "lena@example.org").await;
        let unknown = call(&app, Method::POST, "/api/v1/auth/password-reset", None, Some(json!({"email": "nobody@example.org"}))).await;
        let known = call(&app, Method::POST, "/api/v1/auth/password-reset", None, Some(json!({"email": "Lena@example.org"}))).await;
        assert_eq!((unknown.status.as_u16(), known.status.as_u16()), (202, 202));
        assert_eq!(unknown.body, known.body, "the answer does not tell whether the address exists");
        ctx.deliver();
        assert!(ctx.sink.to("nobody@example.org").is_empty());
        let mail = ctx.sink.to("lena@example.org").pop().unwrap();
        assert!(mail.body().contains("https://beteiligung.test/password-reset?token="));
        let token = mail.token();
        call(&app, Method::POST, "/api/v1/auth/password-reset/confirm", None, Some(json!({"token": token, "new_password": "qwertzuiop"}))).await
            .assert_problem(400, "validation_failed");
        let r = call(&app, Method::POST, "/api/v1/auth/password-reset/confirm", None, Some(json!({"token": token, "new_password": "Sparrenburg bei Nacht"}))).await;
        assert_eq!(r.status, 204, "{}", r.text);
        call(&app, Method::GET, "/api/v1/me", Some(access(&pair)), None).await.assert_problem(401, "invalid_token");
        assert_eq!(login(&app, "lena@example.org", "Sparrenburg bei Nacht").await.status, 200);
        call(&app, Method::POST, "/api/v1/auth/password-reset/confirm", None, Some(json!({"token": token, "new_password": "Noch ein neues Passwort"}))).await
            .assert_problem(400, "invalid_or_expired_token");

        // An expired link does not work either.
        call(&app, Method::POST, "/api/v1/auth/password-reset", None, Some(json!({"email": "lena@example.org"}))).await;
        ctx.deliver();
        let token = ctx.sink.to("lena@example.org").pop().unwrap().token();
        {
            use beteiligung::db::schema::one_time_tokens;
            use diesel::prelude::*;
            diesel::update(one_time_tokens::table)
                .set(one_time_tokens::expires_at.eq(chrono::Utc::now().naive_utc() - chrono::Duration::minutes(1)))
                .execute(&mut ctx.db.connection())
                .unwrap();
        }
        call(&app, Method::POST, "/api/v1/auth/password-reset/confirm", None, Some(json!({"token": token, "new_password": "Noch ein neues Passwort"}))).await
            .assert_problem(400, "invalid_or_expired_token");
    }

    async fn profile_rejects_fields_a_client_must_not_set(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let pair = verified_user(&app, &ctx, "lena@example.org").await;
        for field in [json!({"role": "admin"}), json!({"email_verified": true}), json!({"id": 1}), json!({"created_at": "2020-01-01T00:00:00Z"}), json!({"email": "x@example.org"})] {
            let r = call(&app, Method::PATCH, "/api/v1/me", Some(access(&pair)), Some(field.clone())).await;
            r.assert_problem(400, "validation_failed");
            assert_eq!(r.body["errors"][0]["code"], "unknown_field", "{field}");
        }
        let r = call(&app, Method::PATCH, "/api/v1/me", Some(access(&pair)), Some(json!({"display_name": "  "}))).await;
        r.assert_problem(400, "validation_failed");
        let me = call(&app, Method::GET, "/api/v1/me", Some(access(&pair)), None).await;
        assert_eq!(me.body["role"], "participant");
    }

    async fn deleting_the_account_ends_it_everywhere(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let pair = verified_user(&app, &ctx, "lena@example.org").await;
        call(&app, Method::DELETE, "/api/v1/me", Some(access(&pair)), Some(json!({"password": "falsch falsch"}))).await
            .assert_problem(400, "validation_failed");
        let r = call(&app, Method::DELETE, "/api/v1/me", Some(access(&pair)), Some(json!({"password": PASSWORD}))).await;
        assert_eq!(r.status, 204, "{}", r.text);
        call(&app, Method::GET, "/api/v1/me", Some(access(&pair)), None).await.assert_problem(401, "invalid_token");
        login(&app, "lena@example.org", PASSWORD).await.assert_problem(401, "invalid_credentials");
        // No personal data is left in the row.
        use beteiligung::db::schema::users;
        use diesel::prelude::*;
        let (email, name): (String, String) = users::table.select((users::email, users::display_name)).first(&mut ctx.db.connection()).unwrap();
        assert!(email.starts_with("deleted-") && !email.contains("lena"), "{email}");
        assert_eq!(name, "Gelöschtes Konto");
        // The address can register again.
        assert_eq!(register(&app, "lena@example.org").await.status, 202);
    }

    async fn admins_change_roles_block_and_read_the_audit_log(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        verified_user(&app, &ctx, "admin@example.org").await;
        make_admin(&ctx, "admin@example.org");
        let admin = login(&app, "admin@example.org", PASSWORD).await.body;
        let lena = verified_user(&app, &ctx, "lena@example.org").await;
        let lena_id = call(&app, Method::GET, "/api/v1/me", Some(access(&lena)), None).await.body["id"].as_i64().unwrap();

        let list = call(&app, Method::GET, "/api/v1/admin/users?q=LENA@Example", Some(access(&admin)), None).await;
        assert_eq!(list.status, 200, "{}", list.text);
        assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
        assert_eq!(list.body["items"][0]["email"], "lena@example.org");
        let list = call(&app, Method::GET, "/api/v1/admin/users?role=admin", Some(access(&admin)), None).await;
        assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
        let list = call(&app, Method::GET, "/api/v1/admin/users?q=%25", Some(access(&admin)), None).await;
        assert_eq!(list.body["items"].as_array().unwrap().len(), 0, "wildcards are searched literally");
        let page = call(&app, Method::GET, "/api/v1/admin/users?limit=1", Some(access(&admin)), None).await;
        let next = page.body["next_cursor"].as_str().unwrap();
        let page2 = call(&app, Method::GET, &format!("/api/v1/admin/users?limit=1&cursor={next}"), Some(access(&admin)), None).await;
        assert_eq!(page2.body["items"][0]["email"], "lena@example.org");

        // A role change ends the user's sessions, so the new role applies at once.
        let r = call(&app, Method::PUT, &format!("/api/v1/admin/users/{lena_id}/role"), Some(access(&admin)), Some(json!({"role": "moderator"}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["role"], "moderator");
        call(&app, Method::GET, "/api/v1/me", Some(access(&lena)), None).await.assert_problem(401, "invalid_token");
        let lena = login(&app, "lena@example.org", PASSWORD).await.body;
        assert_eq!(call(&app, Method::GET, "/api/v1/me", Some(access(&lena)), None).await.body["role"], "moderator");

        // Blocking ends the sessions; sign-in says why; unblocking lets them back in.
        let r = call(&app, Method::POST, &format!("/api/v1/admin/users/{lena_id}/block"), Some(access(&admin)), Some(json!({"reason": "spam"}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["blocked"], true);
        call(&app, Method::GET, "/api/v1/me", Some(access(&lena)), None).await.assert_problem(401, "invalid_token");
        login(&app, "lena@example.org", PASSWORD).await.assert_problem(403, "account_blocked");
        let r = call(&app, Method::POST, &format!("/api/v1/admin/users/{lena_id}/unblock"), Some(access(&admin)), None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(login(&app, "lena@example.org", PASSWORD).await.status, 200);

        // The last administrator can neither be demoted nor block themselves.
        let admin_id = call(&app, Method::GET, "/api/v1/me", Some(access(&admin)), None).await.body["id"].as_i64().unwrap();
        call(&app, Method::PUT, &format!("/api/v1/admin/users/{admin_id}/role"), Some(access(&admin)), Some(json!({"role": "participant"}))).await
            .assert_problem(409, "last_admin");
        call(&app, Method::POST, &format!("/api/v1/admin/users/{admin_id}/block"), Some(access(&admin)), Some(json!({}))).await
            .assert_problem(409, "own_account");
        call(&app, Method::PUT, "/api/v1/admin/users/999999/role", Some(access(&admin)), Some(json!({"role": "admin"}))).await
            .assert_problem(404, "not_found");
        call(&app, Method::PUT, &format!("/api/v1/admin/users/{lena_id}/role"), Some(access(&admin)), Some(json!({"role": "superuser"}))).await
            .assert_problem(400, "validation_failed");

        let log = call(&app, Method::GET, "/api/v1/admin/audit-log?object_type=user", Some(access(&admin)), None).await;
        assert_eq!(log.status, 200, "{}", log.text);
        let actions: Vec<_> = log.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["user.unblocked", "user.blocked", "user.role_changed"]);
        let change = &log.body["items"][2];
        assert_eq!(change["actor_id"], admin_id);
        assert_eq!(change["object_id"], lena_id);
        assert_eq!(change["details"], json!({"before": {"role": "participant"}, "after": {"role": "moderator"}}));
        assert_eq!(log.body["items"][1]["details"]["reason"], "spam");
        let mine = call(&app, Method::GET, &format!("/api/v1/admin/audit-log?actor_id={lena_id}"), Some(access(&admin)), None).await;
        assert_eq!(mine.body["items"], json!([]));
    }

    async fn sign_in_is_rate_limited(db) {
        let ctx = Ctx::with(db, &[("RATE_LIMIT_LOGIN_PER_ADDRESS", "3"), ("RATE_LIMIT_REGISTER_PER_CLIENT", "2"), ("RATE_LIMIT_RESET_PER_CLIENT", "2")]);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        for _ in 0..3 {
            login(&app, "lena@example.org", "Falsches Passwort 1").await.assert_problem(401, "invalid_credentials");
        }
        let r = login(&app, "lena@example.org", "Falsches Passwort 1").await;
        r.assert_problem(429, "rate_limited");
        let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=300).contains(&wait), "{wait}");
        // Another address is not affected by this one's limit.
        login(&app, "other@example.org", "Falsches Passwort 1").await.assert_problem(401, "invalid_credentials");

        assert_eq!(register(&app, "a@example.org").await.status, 202);
        assert_eq!(register(&app, "b@example.org").await.status, 202);
        register(&app, "c@example.org").await.assert_problem(429, "rate_limited");
        for _ in 0..2 {
            call(&app, Method::POST, "/api/v1/auth/password-reset", None, Some(json!({"email": "a@example.org"}))).await;
        }
        call(&app, Method::POST, "/api/v1/auth/password-reset", None, Some(json!({"email": "a@example.org"}))).await
            .assert_problem(429, "rate_limited");
    }

    async fn session_ending_changes_on_one_node_hold_on_every_node(db) {
        let ctx = Ctx::new(db);
        let node_a = test::init_service(beteiligung::build_app(&ctx.state)).await;
        // A second node: its own state and caches, the same database and key.
        let other_state = ctx.db.state();
        let node_b = test::init_service(beteiligung::build_app(&other_state)).await;
        verified_user(&node_a, &ctx, "admin@example.org").await;
        make_admin(&ctx, "admin@example.org");
        let admin = login(&node_a, "admin@example.org", PASSWORD).await.body;
        let pair = verified_user(&node_a, &ctx, "lena@example.org").await;
        let lena_id = call(&node_a, Method::GET, "/api/v1/me", Some(access(&pair)), None).await.body["id"].as_i64().unwrap();
        let fresh = || async { login(&node_a, "lena@example.org", PASSWORD).await.body };

        // Each change is made on node A; node B must reject the tokens issued before it.
        let cases: Vec<(&str, Method, String, bool, Option<Value>)> = vec![
            ("logout", Method::POST, "/api/v1/auth/logout".into(), false, None),
            ("logout-all", Method::POST, "/api/v1/auth/logout-all".into(), false, None),
            ("role change", Method::PUT, format!("/api/v1/admin/users/{lena_id}/role"), true, Some(json!({"role": "moderator"}))),
            ("blocking", Method::POST, format!("/api/v1/admin/users/{lena_id}/block"), true, Some(json!({}))),
        ];
        for (case, method, path, by_admin, body) in cases {
            let victim = fresh().await;
            assert_eq!(call(&node_b, Method::GET, "/api/v1/me", Some(access(&victim)), None).await.status, 200, "{case}");
            let token = if by_admin { access(&admin) } else { access(&victim) };
            let r = call(&node_a, method, &path, Some(token), body).await;
            assert!(r.status.is_success(), "{case}: {}", r.text);
            call(&node_b, Method::GET, "/api/v1/me", Some(access(&victim)), None).await.assert_problem(401, "invalid_token");
        }
        call(&node_a, Method::POST, &format!("/api/v1/admin/users/{lena_id}/unblock"), Some(access(&admin)), None).await;

        let victim = fresh().await;
        let r = call(&node_a, Method::POST, "/api/v1/auth/password", Some(access(&victim)), Some(json!({"current_password": PASSWORD, "new_password": "Sparrenburg bei Nacht"}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        call(&node_b, Method::GET, "/api/v1/me", Some(access(&victim)), None).await.assert_problem(401, "invalid_token");

        let victim = r.body;
        assert_eq!(call(&node_b, Method::GET, "/api/v1/me", Some(access(&victim)), None).await.status, 200);
        let r = call(&node_a, Method::DELETE, "/api/v1/me", Some(access(&victim)), Some(json!({"password": "Sparrenburg bei Nacht"}))).await;
        assert_eq!(r.status, 204, "{}", r.text);
        call(&node_b, Method::GET, "/api/v1/me", Some(access(&victim)), None).await.assert_problem(401, "invalid_token");
    }

    async fn rate_limits_count_per_client(db) {
        let ctx = Ctx::with(db, &[("RATE_LIMIT_LOGIN_PER_CLIENT", "2"), ("TRUST_FORWARDED_FOR", "true")]);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let from = |client: &str, email: &str| {
            test::TestRequest::post()
                .uri("/api/v1/auth/login")
                .insert_header(("x-forwarded-for", format!("203.0.113.9, {client}")))
                .set_json(json!({"email": email, "password": "Falsches Passwort 1"}))
                .to_request()
        };
        send(&app, from("198.51.100.1", "a@example.org")).await.assert_problem(401, "invalid_credentials");
        send(&app, from("198.51.100.1", "b@example.org")).await.assert_problem(401, "invalid_credentials");
        send(&app, from("198.51.100.1", "c@example.org")).await.assert_problem(429, "rate_limited");
        // Another client (the proxy's last entry) has its own budget.
        send(&app, from("198.51.100.2", "c@example.org")).await.assert_problem(401, "invalid_credentials");
    }
}
