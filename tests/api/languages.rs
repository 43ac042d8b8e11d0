//! Languages of the service's own words: problems in German or English by `?lang=` or
//! `Accept-Language` (German when neither asks for one of the two), the same `code` in every
//! language; mails in the recipient's chosen language where a template exists, German otherwise.

use crate::accounts::{call, Ctx, PASSWORD};
use crate::both_backends;
use crate::common::{send, Reply};
use crate::contributions::{person, Person};
use crate::organisations::call_if;
use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::Method;
use actix_web::test::{self, TestRequest};
use beteiligung::auth::model::Role;
use beteiligung::db::schema::outbox_emails;
use diesel::prelude::*;
use serde_json::{json, Value};

/// `method uri` with `Accept-Language: accept` (none when `None`) and an optional token and body.
async fn asking<S, B>(
    app: &S,
    method: Method,
    uri: &str,
    accept: Option<&str>,
    token: Option<&str>,
    body: Option<Value>,
) -> Reply
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let mut req = TestRequest::default().method(method).uri(uri);
    if let Some(accept) = accept {
        req = req.insert_header(("accept-language", accept));
    }
    if let Some(token) = token {
        req = req.insert_header(("authorization", format!("Bearer {token}")));
    }
    if let Some(body) = body {
        req = req.set_json(body);
    }
    send(app, req.to_request()).await
}

/// The language a problem answer says it is in, and that it varies by `Accept-Language`.
#[track_caller]
fn language_of(r: &Reply) -> &str {
    let vary = r.header("vary").unwrap_or_default().to_ascii_lowercase();
    assert!(vary.contains("accept-language"), "Vary: {vary}");
    r.header("content-language").expect("Content-Language")
}

/// The subjects and bodies of the mails queued for `to`, oldest first.
fn mails_to(ctx: &Ctx, to: &str) -> Vec<(String, String)> {
    outbox_emails::table
        .filter(outbox_emails::recipient.eq(to))
        .order(outbox_emails::id)
        .select((outbox_emails::subject, outbox_emails::body))
        .load(&mut ctx.db.connection())
        .unwrap()
}

/// A verified participant who chose `tag` as their language (through `PATCH /me`).
async fn speaking<S, B>(app: &S, ctx: &Ctx, email: &str, tag: &str) -> Person
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let p = person(ctx, email, Role::Participant);
    let r = call(
        app,
        Method::PATCH,
        "/api/v1/me",
        Some(&p.token),
        Some(json!({"preferred_language": tag})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["preferred_language"], tag.to_ascii_lowercase());
    p
}

both_backends! {
    async fn problems_are_german_unless_english_is_asked_for(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let german = ("Nicht gefunden", "Unter dieser Adresse gibt es nichts.");
        let english = ("Not found", "There is nothing at this address.");
        for (uri, accept, (title, detail), lang) in [
            ("/api/v1/nowhere", None, german, "de"),
            ("/api/v1/nowhere", Some("de"), german, "de"),
            ("/api/v1/nowhere", Some("en-GB,en;q=0.9"), english, "en"),
            ("/api/v1/nowhere?lang=en", None, english, "en"),
            ("/api/v1/nowhere?lang=en", Some("de"), english, "en"),
            ("/api/v1/nowhere?lang=de", Some("en"), german, "de"),
            ("/api/v1/nowhere", Some("tr"), german, "de"),
            ("/api/v1/nowhere", Some("tr, en;q=0.5"), english, "en"),
            ("/api/v1/nowhere", Some("tr, de;q=0.8, en;q=0.5"), german, "de"),
        ] {
            let r = asking(&app, Method::GET, uri, accept, None, None).await;
            r.assert_problem(404, "not_found");
            assert_eq!((r.body["title"].as_str(), r.body["detail"].as_str()), (Some(title), Some(detail)), "{uri} {accept:?}: {}", r.text);
            assert_eq!(language_of(&r), lang, "{uri} {accept:?}");
        }

        // The same in problems that middleware, extractors and handlers answer.
        let lena = person(&ctx, "lena@example.org", Role::Participant);
        let r = asking(&app, Method::GET, "/api/v1/admin/users", Some("en"), Some(&lena.token), None).await;
        r.assert_problem(403, "forbidden");
        assert_eq!((r.body["title"].as_str(), r.body["detail"].as_str(), language_of(&r)), (Some("Forbidden"), Some("Only administrators may do this."), "en"));
        let r = asking(&app, Method::GET, "/api/v1/admin/users", None, Some(&lena.token), None).await;
        r.assert_problem(403, "forbidden");
        assert_eq!((r.body["title"].as_str(), r.body["detail"].as_str(), language_of(&r)), (Some("Nicht erlaubt"), Some("Das darf nur die Administration."), "de"));
        let r = asking(&app, Method::GET, "/api/v1/me", None, Some("kein-token"), None).await;
        r.assert_problem(401, "invalid_token");
        assert_eq!(r.body["title"], "Nicht angemeldet", "{}", r.text);
        let r = asking(&app, Method::DELETE, "/api/v1/concept", Some("en"), None, None).await;
        r.assert_problem(405, "method_not_allowed");
        assert!(r.body["detail"].as_str().unwrap().starts_with("This resource allows only: GET"), "{}", r.text);
        let r = asking(&app, Method::DELETE, "/api/v1/concept", None, None, None).await;
        assert!(r.body["detail"].as_str().unwrap().starts_with("Hier sind nur diese Methoden erlaubt: GET"), "{}", r.text);
        assert_eq!(r.header("allow"), Some("GET"));

        // Answers that are not problems vary by language too, and say none.
        let r = asking(&app, Method::GET, "/api/v1/concept", None, None, None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r.header("vary").unwrap_or_default().to_ascii_lowercase().contains("accept-language"));
    }

    async fn field_messages_speak_the_answers_language_and_fields_and_codes_do_not(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let body = json!({
            "email": "keine-adresse", "password": PASSWORD, "display_name": "x".repeat(81),
            "terms_version": "2026-11", "privacy_version": "2026-12",
        });
        let de = asking(&app, Method::POST, "/api/v1/auth/register", None, None, Some(body.clone())).await;
        let en = asking(&app, Method::POST, "/api/v1/auth/register", Some("en"), None, Some(body)).await;
        de.assert_problem(400, "validation_failed");
        en.assert_problem(400, "validation_failed");
        assert_eq!((language_of(&de), language_of(&en)), ("de", "en"));
        assert_eq!((de.body["title"].as_str(), en.body["title"].as_str()), (Some("Eingaben ungültig"), Some("Validation failed")));
        let fields = |r: &Reply| -> Vec<(String, String, String)> {
            r.body["errors"].as_array().unwrap().iter()
                .map(|e| (e["field"].as_str().unwrap().into(), e["code"].as_str().unwrap().into(), e["message"].as_str().unwrap().into()))
                .collect()
        };
        assert_eq!(fields(&de), [
            ("display_name".into(), "length".into(), "muss 1 bis 80 Zeichen lang sein".into()),
            ("email".into(), "email".into(), "muss eine E-Mail-Adresse sein".into()),
        ], "{}", de.text);
        assert_eq!(fields(&en), [
            ("display_name".into(), "length".into(), "must be 1 to 80 characters long".into()),
            ("email".into(), "email".into(), "must be an e-mail address".into()),
        ], "{}", en.text);

        // A query parameter out of range, a rule of the text checks, a password rule.
        let r = asking(&app, Method::GET, "/api/v1/consultations?limit=0", None, None, None).await;
        r.assert_problem(400, "validation_failed");
        assert_eq!((r.body["errors"][0]["field"].as_str(), r.body["errors"][0]["message"].as_str()), (Some("limit"), Some("muss zwischen 1 und 100 liegen")), "{}", r.text);
        let r = asking(&app, Method::GET, "/api/v1/consultations?limit=0&lang=en", None, None, None).await;
        assert_eq!(r.body["errors"][0]["message"], "must be between 1 and 100", "{}", r.text);
        let lena = person(&ctx, "lena@example.org", Role::Participant);
        for (accept, message) in [(None, "darf nicht leer sein, nicht mit Leerzeichen beginnen oder enden und keine Steuer- oder unsichtbaren Formatierungszeichen enthalten"), (Some("en"), "must not be empty, start or end with spaces, or contain control or invisible formatting characters")] {
            let r = asking(&app, Method::PATCH, "/api/v1/me", accept, Some(&lena.token), Some(json!({"display_name": " Lena"}))).await;
            r.assert_problem(400, "validation_failed");
            assert_eq!((r.body["errors"][0]["code"].as_str(), r.body["errors"][0]["message"].as_str()), (Some("invalid_characters"), Some(message)), "{}", r.text);
        }
        let r = asking(&app, Method::POST, "/api/v1/auth/register", Some("de-DE"), None, Some(json!({
            "email": "neu@example.org", "password": "passwort", "display_name": "Neu", "terms_version": "2026-11", "privacy_version": "2026-12",
        }))).await;
        assert_eq!((r.body["errors"][0]["code"].as_str(), r.body["errors"][0]["message"].as_str()), (Some("too_common"), Some("ist eines der häufigsten Passwörter oder ein leichtes Muster; bitte wählen Sie ein anderes")), "{}", r.text);
    }

    async fn a_person_may_choose_any_language_and_mails_are_english_or_german(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        for (email, tag, stored) in [("en@example.org", "en-GB", "en-gb"), ("tr@example.org", "tr", "tr"), ("de@example.org", "de", "de")] {
            let r = call(&app, Method::POST, "/api/v1/auth/register", None, Some(json!({
                "email": email, "password": PASSWORD, "display_name": "Neu", "terms_version": "2026-11", "privacy_version": "2026-12", "preferred_language": tag,
            }))).await;
            assert_eq!(r.status, 202, "{}", r.text);
            let language: String = beteiligung::db::schema::users::table
                .filter(beteiligung::db::schema::users::email.eq(email))
                .select(beteiligung::db::schema::users::preferred_language)
                .first(&mut ctx.db.connection())
                .unwrap();
            assert_eq!(language, stored);
        }
        let verification = |to: &str| mails_to(&ctx, to).pop().expect("a verification mail").1;
        assert!(verification("en@example.org").contains("please confirm your e-mail address"));
        assert!(verification("tr@example.org").contains("bitte bestätigen Sie Ihre E-Mail-Adresse"));
        assert!(verification("de@example.org").contains("bitte bestätigen Sie Ihre E-Mail-Adresse"));
        // Registering again tells the owner in their language.
        for email in ["en@example.org", "tr@example.org"] {
            call(&app, Method::POST, "/api/v1/auth/register", None, Some(json!({
                "email": email, "password": PASSWORD, "display_name": "Noch mal", "terms_version": "2026-11", "privacy_version": "2026-12",
            }))).await;
        }
        assert!(mails_to(&ctx, "en@example.org").pop().unwrap().1.contains("someone tried to register"));
        assert!(mails_to(&ctx, "tr@example.org").pop().unwrap().1.contains("jemand hat versucht"));

        // Not a tag: refused, naming the field.
        let lena = person(&ctx, "lena@example.org", Role::Participant);
        for bad in ["deutsch", "e", "de_DE", "de-"] {
            let r = call(&app, Method::PATCH, "/api/v1/me", Some(&lena.token), Some(json!({"preferred_language": bad}))).await;
            r.assert_problem(400, "validation_failed");
            assert_eq!(r.body["errors"][0]["field"], "preferred_language", "{}", r.text);
        }
        let r = call(&app, Method::GET, "/api/v1/me", Some(&lena.token), None).await;
        assert_eq!(r.body["preferred_language"], "de", "stored values of before stay: {}", r.text);
    }

    async fn password_mails_follow_the_chosen_language(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let en = speaking(&app, &ctx, "en@example.org", "en").await;
        let tr = speaking(&app, &ctx, "tr@example.org", "tr").await;
        for email in ["en@example.org", "tr@example.org"] {
            let r = call(&app, Method::POST, "/api/v1/auth/password-reset", None, Some(json!({"email": email}))).await;
            assert_eq!(r.status, 202, "{}", r.text);
        }
        assert!(mails_to(&ctx, "en@example.org").pop().unwrap().1.contains("use this link to set a new password"));
        assert!(mails_to(&ctx, "tr@example.org").pop().unwrap().1.contains("mit diesem Link können Sie ein neues Passwort festlegen"));
        for (who, email) in [(&en, "en@example.org"), (&tr, "tr@example.org")] {
            let r = call(&app, Method::POST, "/api/v1/auth/password", Some(&who.token), Some(json!({"current_password": PASSWORD, "new_password": "Sparrenburg bei Nacht"}))).await;
            assert_eq!(r.status, 200, "{}", r.text);
            let _ = email;
        }
        assert!(mails_to(&ctx, "en@example.org").pop().unwrap().1.contains("the password of your account was changed"));
        assert!(mails_to(&ctx, "tr@example.org").pop().unwrap().1.contains("das Passwort Ihres Kontos wurde geändert"));
    }

    async fn invitations_speak_the_language_of_the_account_with_the_address(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let rep = speaking(&app, &ctx, "rep@example.org", "en").await;
        let org = crate::common::fixtures::organisation(&ctx.state, "Verein Brücke", "migrant_organisation", true, rep.id, &[]);
        speaking(&app, &ctx, "en@example.org", "en-US").await;
        speaking(&app, &ctx, "tr@example.org", "tr").await;
        for email in ["en@example.org", "tr@example.org", "nobody@example.org"] {
            let r = call(&app, Method::POST, &format!("/api/v1/organisations/{org}/invitations"), Some(&rep.token), Some(json!({"email": email}))).await;
            assert_eq!(r.status, 201, "{}", r.text);
        }
        assert_eq!(mails_to(&ctx, "en@example.org").pop().unwrap().0, "Invitation: Verein Brücke");
        assert_eq!(mails_to(&ctx, "tr@example.org").pop().unwrap().0, "Einladung: Verein Brücke");
        assert_eq!(mails_to(&ctx, "nobody@example.org").pop().unwrap().0, "Einladung: Verein Brücke");
    }

    async fn moderation_decisions_reach_authors_in_their_language(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let moderator = person(&ctx, "moderation@example.org", Role::Moderator);
        let c = crate::common::fixtures::consultation(&ctx.state, "commenting");
        let measure: i64 = beteiligung::db::schema::measures::table
            .select(beteiligung::db::schema::measures::id)
            .order(beteiligung::db::schema::measures::id)
            .first(&mut ctx.db.connection())
            .unwrap();
        for (email, tag, subject, words) in [
            ("en@example.org", "en", "Moderation decision", "has been hidden"),
            ("tr@example.org", "tr", "Entscheidung der Moderation", "wurde ausgeblendet"),
        ] {
            let author = speaking(&app, &ctx, email, tag).await;
            let r = call(&app, Method::POST, &format!("/api/v1/consultations/{c}/comments"), Some(&author.token), Some(json!({"target_type": "measure", "target_id": measure, "body": "Ein Kommentar."}))).await;
            assert_eq!(r.status, 201, "{}", r.text);
            let id = r.body["id"].as_i64().unwrap();
            let current = call(&app, Method::GET, &format!("/api/v1/moderation/contributions/{id}"), Some(&moderator.token), None).await;
            let r = call_if(&app, Method::POST, &format!("/api/v1/moderation/contributions/{id}/decisions"), &moderator.token, current.header("etag").unwrap(), Some(json!({"decision": "hide", "reason": "insult"}))).await;
            assert_eq!(r.status, 200, "{}", r.text);
            let (got_subject, body) = mails_to(&ctx, email).pop().expect("a decision mail");
            assert!(got_subject.contains(subject) && body.contains(words), "{got_subject}\n{body}");
        }
    }

    async fn statement_receipts_reach_representatives_in_their_language(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let c = crate::common::fixtures::consultation(&ctx.state, "commenting");
        for (tag, name, subject) in [("en", "Verein Brücke", "Receipt ST-"), ("tr", "Bielefelder Treff", "Eingangsbestätigung ST-")] {
            let rep = speaking(&app, &ctx, &format!("rep-{tag}@example.org"), tag).await;
            let org = crate::common::fixtures::organisation(&ctx.state, name, "migrant_organisation", true, rep.id, &[]);
            let r = crate::statements::draft(&app, &rep, org, crate::statements::on_concept(c, "Sprachförderung")).await;
            assert_eq!(r.status, 201, "{}", r.text);
            let r = crate::statements::submit(&app, &rep, r.body["id"].as_i64().unwrap(), "name").await;
            assert_eq!(r.status, 200, "{}", r.text);
            let (got, _) = mails_to(&ctx, &format!("rep-{tag}@example.org")).pop().expect("a receipt");
            assert!(got.starts_with(subject), "{got}");
        }
    }
}
