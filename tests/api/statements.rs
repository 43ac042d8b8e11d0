//! Formal statements: drafts with PDF attachments, submission with a signed receipt and numbers
//! without gaps, withdrawal, review and publication, the public list, the receipt check and the
//! Abwägungstabelle; the audit log and account deletion.

use crate::accounts::{call, Ctx};
use crate::both_backends;
use crate::common::{fixtures, send, Reply};
use crate::contributions::{person, Person};
use actix_web::http::Method;
use actix_web::test::TestRequest;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use beteiligung::auth::model::Role;
use beteiligung::db::schema::{audit_log, measures, statements};
use diesel::prelude::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// A small but well-formed PDF document (what the content check looks at: header and trailer).
pub fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% {text}\ntrailer << /Root 1 0 R >>\n%%EOF\n").into_bytes()
}

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An organisation with a representative and a plain member, verified.
pub struct Org {
    pub id: i64,
    pub rep: Person,
    pub member: Person,
}

pub fn org(ctx: &Ctx, name: &str, kind: &str, tag: &str) -> Org {
    let rep = person(ctx, &format!("rep-{tag}@example.org"), Role::Participant);
    let member = person(ctx, &format!("member-{tag}@example.org"), Role::Participant);
    let id = fixtures::organisation(&ctx.state, name, kind, true, rep.id, &[member.id]);
    Org { id, rep, member }
}

fn first_measure(ctx: &Ctx) -> (i64, i64) {
    let mut conn = ctx.db.connection();
    measures::table
        .order(measures::id)
        .select((measures::id, measures::field_id))
        .first(&mut conn)
        .unwrap()
}

pub async fn draft<S, B>(app: &S, who: &Person, org: i64, body: Value) -> Reply
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    call(
        app,
        Method::POST,
        &format!("/api/v1/organisations/{org}/statements"),
        Some(&who.token),
        Some(body),
    )
    .await
}

pub fn on_concept(consultation: i64, title: &str) -> Value {
    json!({"consultation_id": consultation, "target_type": "concept", "title": title, "body": "Wir regen an, die Sprachförderung früher zu beginnen.\nZweite Zeile."})
}

async fn with_if_match<S, B>(
    app: &S,
    method: Method,
    uri: &str,
    token: &str,
    etag: &str,
    body: Option<Value>,
) -> Reply
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let mut req = TestRequest::default()
        .method(method)
        .uri(uri)
        .insert_header(("authorization", format!("Bearer {token}")))
        .insert_header(("if-match", etag.to_owned()));
    if let Some(body) = body {
        req = req.set_json(body);
    }
    send(app, req.to_request()).await
}

async fn upload<S, B>(
    app: &S,
    token: &str,
    id: i64,
    filename: &str,
    content_type: &str,
    content: Vec<u8>,
) -> Reply
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let req = TestRequest::post()
        .uri(&format!(
            "/api/v1/statements/{id}/attachments?filename={filename}"
        ))
        .insert_header(("authorization", format!("Bearer {token}")))
        .insert_header(("content-type", content_type.to_owned()))
        .set_payload(content)
        .to_request();
    send(app, req).await
}

/// Submits statement `id` as `who`, reading its current `ETag` first.
pub async fn submit<S, B>(app: &S, who: &Person, id: i64, publish_as: &str) -> Reply
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let current = call(
        app,
        Method::GET,
        &format!("/api/v1/statements/{id}"),
        Some(&who.token),
        None,
    )
    .await;
    let etag = current.header("etag").unwrap_or("\"none\"").to_owned();
    with_if_match(
        app,
        Method::POST,
        &format!("/api/v1/statements/{id}/submit"),
        &who.token,
        &etag,
        Some(json!({"publish_as": publish_as})),
    )
    .await
}

/// Writes a response and publishes the statement, as `staff`.
pub async fn answer<S, B>(app: &S, staff: &Person, id: i64, text: &str) -> Reply
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let r = call(
        app,
        Method::POST,
        &format!("/api/v1/moderation/statements/{id}/responses"),
        Some(&staff.token),
        Some(json!({"body": text})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let current = call(
        app,
        Method::GET,
        &format!("/api/v1/statements/{id}"),
        Some(&staff.token),
        None,
    )
    .await;
    let etag = current.header("etag").unwrap().to_owned();
    with_if_match(
        app,
        Method::POST,
        &format!("/api/v1/moderation/statements/{id}/publish"),
        &staff.token,
        &etag,
        None,
    )
    .await
}

both_backends! {
    async fn drafts_belong_to_the_organisations_members_and_change_with_if_match(db) {
        let ctx = Ctx::new(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let a = org(&ctx, "Verein Brücke", "migrant_organisation", "a");
        let b = org(&ctx, "Diakonie Nord", "welfare_provider", "b");
        let outsider = person(&ctx, "outsider@example.org", Role::Participant);
        let moderator = person(&ctx, "moderator@example.org", Role::Moderator);
        let c = fixtures::consultation(&ctx.state, "commenting");
        let (measure, field) = first_measure(&ctx);

        // Targets: the concept without an id, a field or measure with one.
        draft(&app, &a.member, a.id, json!({"consultation_id": c, "target_type": "concept", "target_id": field, "title": "x", "body": "y"})).await.assert_problem(400, "validation_failed");
        draft(&app, &a.member, a.id, json!({"consultation_id": c, "target_type": "field", "title": "x", "body": "y"})).await.assert_problem(400, "validation_failed");
        draft(&app, &a.member, a.id, json!({"consultation_id": c, "target_type": "measure", "target_id": 999_999, "title": "x", "body": "y"})).await.assert_problem(404, "not_found");
        draft(&app, &a.member, a.id, json!({"consultation_id": c, "target_type": "concept", "title": " ", "body": "y"})).await.assert_problem(400, "validation_failed");
        draft(&app, &a.member, a.id, json!({"consultation_id": c, "target_type": "concept", "title": "x", "body": "y".repeat(50_001)})).await.assert_problem(400, "validation_failed");
        // Only members act for the organisation.
        draft(&app, &b.rep, a.id, on_concept(c, "Fremd")).await.assert_problem(403, "not_a_member");

        let made = draft(&app, &a.member, a.id, json!({"consultation_id": c, "target_type": "measure", "target_id": measure, "title": "Zur Maßnahme", "body": "Text"})).await;
        assert_eq!(made.status, 201, "{}", made.text);
        let id = made.body["id"].as_i64().unwrap();
        assert_eq!(made.header("location"), Some(format!("/api/v1/statements/{id}").as_str()));
        assert_eq!(made.body["state"], "draft");
        assert_eq!(made.body["target"], json!({"type": "measure", "id": measure, "field_id": field}));
        assert_eq!(made.body["organisation"]["name"], "Verein Brücke");
        assert!(made.body["receipt"].is_null());
        let etag = made.header("etag").unwrap().to_owned();

        // Nobody outside the organisation learns that the draft exists.
        let uri = format!("/api/v1/statements/{id}");
        for token in [None, Some(outsider.token.as_str()), Some(b.rep.token.as_str()), Some(moderator.token.as_str())] {
            call(&app, Method::GET, &uri, token, None).await.assert_problem(404, "not_found");
        }
        assert_eq!(call(&app, Method::GET, &uri, Some(&a.rep.token), None).await.status, 200);
        call(&app, Method::PATCH, &uri, Some(&b.rep.token), Some(json!({"title": "Übernommen"}))).await.assert_problem(404, "not_found");
        call(&app, Method::DELETE, &uri, Some(&outsider.token), None).await.assert_problem(404, "not_found");

        // Changes name the version they were made on.
        call(&app, Method::PATCH, &uri, Some(&a.rep.token), Some(json!({"title": "Neu"}))).await.assert_problem(428, "precondition_required");
        with_if_match(&app, Method::PATCH, &uri, &a.rep.token, "\"veraltet\"", Some(json!({"title": "Neu"}))).await.assert_problem(412, "precondition_failed");
        let changed = with_if_match(&app, Method::PATCH, &uri, &a.rep.token, &etag, Some(json!({"title": "Neuer Titel"}))).await;
        assert_eq!(changed.status, 200, "{}", changed.text);
        assert_eq!(changed.body["title"], "Neuer Titel");
        assert_eq!(changed.body["body"], "Text");
        assert_ne!(changed.header("etag"), Some(etag.as_str()));
        // The first member's view is stale now.
        with_if_match(&app, Method::PATCH, &uri, &a.member.token, &etag, Some(json!({"body": "Überschrieben"}))).await.assert_problem(412, "precondition_failed");

        // The organisation's list, for members only.
        let listed = call(&app, Method::GET, &format!("/api/v1/organisations/{}/statements", a.id), Some(&a.member.token), None).await;
        assert_eq!(listed.status, 200, "{}", listed.text);
        assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
        call(&app, Method::GET, &format!("/api/v1/organisations/{}/statements", a.id), Some(&b.rep.token), None).await.assert_problem(403, "not_a_member");
        // Nothing is public.
        let public = call(&app, Method::GET, "/api/v1/statements", None, None).await;
        assert_eq!(public.body["items"], json!([]));

        // A member deletes the draft.
        let last_etag = call(&app, Method::GET, &uri, Some(&a.member.token), None).await.header("etag").unwrap().to_owned();
        assert_eq!(call(&app, Method::DELETE, &uri, Some(&a.member.token), None).await.status, 204);
        call(&app, Method::GET, &uri, Some(&a.member.token), None).await.assert_problem(404, "not_found");
        // The next draft gets a new id: a stale tab's tag of the deleted one fits nothing.
        let next = draft(&app, &a.member, a.id, on_concept(c, "Neu")).await;
        assert_ne!(next.body["id"].as_i64(), Some(id));
        assert_ne!(next.header("etag"), Some(last_etag.as_str()));
    }

    async fn attachments_are_pdfs_by_content_at_most_five_and_visible_only_with_the_statement(db) {
        let ctx = Ctx::new(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let a = org(&ctx, "Verein Brücke", "migrant_organisation", "a");
        let b = org(&ctx, "Diakonie Nord", "welfare_provider", "b");
        let c = fixtures::consultation(&ctx.state, "commenting");
        let id = draft(&app, &a.member, a.id, on_concept(c, "Mit Anlagen")).await.body["id"].as_i64().unwrap();
        let before = call(&app, Method::GET, &format!("/api/v1/statements/{id}"), Some(&a.member.token), None).await;

        // Checked by content, not by name or header.
        upload(&app, &a.member.token, id, "brief.pdf", "application/pdf", b"<html>kein PDF</html>".to_vec()).await.assert_problem(415, "not_a_pdf");
        upload(&app, &a.member.token, id, "brief.pdf", "application/pdf", b"%PDF-1.4 ohne Ende".to_vec()).await.assert_problem(415, "not_a_pdf");
        upload(&app, &a.member.token, id, "brief.pdf", "application/octet-stream", pdf("ok")).await.assert_problem(415, "not_a_pdf");
        upload(&app, &a.member.token, id, "", "application/pdf", pdf("ok")).await.assert_problem(400, "validation_failed");
        // Too large: refused while it arrives.
        let mut big = pdf("groß");
        big.resize(10 * 1024 * 1024 + 1, b' ');
        upload(&app, &a.member.token, id, "gross.pdf", "application/pdf", big).await.assert_problem(413, "payload_too_large");
        // Another organisation cannot attach.
        upload(&app, &b.rep.token, id, "fremd.pdf", "application/pdf", pdf("fremd")).await.assert_problem(404, "not_found");

        let content = pdf("Anlage 1");
        let added = upload(&app, &a.member.token, id, "Anlage%201.pdf", "application/pdf", content.clone()).await;
        assert_eq!(added.status, 201, "{}", added.text);
        assert_eq!(added.body["filename"], "Anlage 1.pdf");
        assert_eq!(added.body["size"], content.len());
        assert_eq!(added.body["sha256"], hex(&content));
        let attachment = added.body["id"].as_i64().unwrap();
        // The draft has a new version.
        let after = call(&app, Method::GET, &format!("/api/v1/statements/{id}"), Some(&a.member.token), None).await;
        assert_ne!(before.header("etag"), after.header("etag"));
        assert_eq!(after.body["attachments"][0]["id"], attachment);

        let file = format!("/api/v1/statements/{id}/attachments/{attachment}");
        let got = actix_web::test::call_service(&app, TestRequest::get().uri(&file).insert_header(("authorization", format!("Bearer {}", a.rep.token))).to_request()).await;
        assert_eq!(got.status(), 200);
        assert_eq!(got.headers().get("content-type").unwrap(), "application/pdf");
        assert_eq!(actix_web::test::read_body(got).await.to_vec(), content);
        for token in [None, Some(b.rep.token.as_str())] {
            call(&app, Method::GET, &file, token, None).await.assert_problem(404, "not_found");
        }

        for n in 2..=5 {
            assert_eq!(upload(&app, &a.member.token, id, &format!("a{n}.pdf"), "application/pdf", pdf(&n.to_string())).await.status, 201);
        }
        upload(&app, &a.member.token, id, "a6.pdf", "application/pdf", pdf("6")).await.assert_problem(409, "too_many_attachments");
        assert_eq!(call(&app, Method::DELETE, &file, Some(&a.member.token), None).await.status, 204);
        call(&app, Method::GET, &file, Some(&a.member.token), None).await.assert_problem(404, "not_found");
        assert_eq!(upload(&app, &a.member.token, id, "a6.pdf", "application/pdf", pdf("6")).await.status, 201);
    }

    async fn submission_freezes_numbers_and_signs_the_statement_and_mails_the_receipt(db) {
        let ctx = Ctx::new(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let a = org(&ctx, "Verein Brücke", "migrant_organisation", "a");
        let c = fixtures::consultation(&ctx.state, "commenting");
        let id = draft(&app, &a.member, a.id, on_concept(c, "Sprachförderung")).await.body["id"].as_i64().unwrap();
        assert_eq!(upload(&app, &a.member.token, id, "anlage.pdf", "application/pdf", pdf("Anlage")).await.status, 201);
        let uri = format!("/api/v1/statements/{id}");

        // Only a representative signs, and only the version they read.
        submit(&app, &a.member, id, "name").await.assert_problem(403, "representative_required");
        call(&app, Method::POST, &format!("{uri}/submit"), Some(&a.rep.token), Some(json!({"publish_as": "name"}))).await.assert_problem(428, "precondition_required");
        with_if_match(&app, Method::POST, &format!("{uri}/submit"), &a.rep.token, "\"alt\"", Some(json!({"publish_as": "name"}))).await.assert_problem(412, "precondition_failed");
        submit(&app, &a.rep, id, "everybody").await.assert_problem(400, "validation_failed");

        let submitted = submit(&app, &a.rep, id, "kind").await;
        assert_eq!(submitted.status, 200, "{}", submitted.text);
        assert_eq!(submitted.body["state"], "submitted");
        assert_eq!(submitted.body["publish_as"], "kind");
        let receipt = submitted.body["receipt"].clone();
        let year = chrono::Datelike::year(&ctx.state.clock.now());
        assert_eq!(receipt["number"], format!("ST-{year}-0001"));
        // The hash is the SHA-256 of the canonical form the API serves.
        let canonical = actix_web::test::call_service(&app, TestRequest::get().uri(&format!("{uri}/canonical")).insert_header(("authorization", format!("Bearer {}", a.member.token))).to_request()).await;
        let canonical = actix_web::test::read_body(canonical).await.to_vec();
        assert_eq!(receipt["sha256"], hex(&canonical));
        let form: Value = serde_json::from_slice(&canonical).unwrap();
        assert_eq!(form["title"], "Sprachförderung");
        assert_eq!(form["attachments"][0]["sha256"], hex(&pdf("Anlage")));
        // The signature verifies with the published key over the message it names.
        let message = receipt["signed_message"].as_str().unwrap();
        assert!(message.contains(&format!("number: ST-{year}-0001\n")) && message.contains(&format!("sha256: {}\n", receipt["sha256"].as_str().unwrap())));
        let key = call(&app, Method::GET, "/api/v1/statement-receipts/key", None, None).await.body;
        assert_eq!(key["key_id"], receipt["key_id"]);
        let public: [u8; 32] = STANDARD.decode(key["public_key"].as_str().unwrap()).unwrap().try_into().unwrap();
        let public = ed25519_dalek::VerifyingKey::from_bytes(&public).unwrap();
        let signature = ed25519_dalek::Signature::from_slice(&STANDARD.decode(receipt["signature"].as_str().unwrap()).unwrap()).unwrap();
        use ed25519_dalek::Verifier;
        assert!(public.verify(message.as_bytes(), &signature).is_ok());
        assert!(public.verify(message.replace("0001", "0002").as_bytes(), &signature).is_err());
        // Offline, with openssl, as the README shows.
        verify_with_openssl(key["public_key_pem"].as_str().unwrap(), message, receipt["signature"].as_str().unwrap());

        // After the installation's key is replaced, the receipt still names (and verifies with)
        // the key that signed it, and the new key signs the next ones.
        // The operator publishes the old key as retired (RECEIPT_RETIRED_KEYS), so it stays
        // where organisations look for it.
        let old_key = key["public_key"].as_str().unwrap().to_owned();
        let rotated = ctx.db.state_with(&[("RECEIPT_SIGNING_KEY", "cm90YXRlZC1yZWNlaXB0LWtleS0wMTIzNDU2Nzg5YWI="), ("RECEIPT_RETIRED_KEYS", &old_key)]);
        let later = actix_web::test::init_service(beteiligung::build_app(&rotated)).await;
        let again = call(&later, Method::GET, &uri, Some(&a.rep.token), None).await;
        assert_eq!(again.body["receipt"], receipt);
        let current = call(&later, Method::GET, "/api/v1/statement-receipts/key", None, None).await.body;
        assert_ne!(current["key_id"], receipt["key_id"]);
        let keys = call(&later, Method::GET, "/api/v1/statement-receipts/keys", None, None).await.body["keys"].clone();
        assert_eq!(keys[0]["key_id"], current["key_id"]);
        assert_eq!((keys[1]["key_id"].clone(), keys[1]["current"].clone()), (receipt["key_id"].clone(), json!(false)));
        verify_with_openssl(keys[1]["public_key_pem"].as_str().unwrap(), message, receipt["signature"].as_str().unwrap());

        // Frozen: text and attachments no longer change.
        let etag = submitted.header("etag").unwrap().to_owned();
        with_if_match(&app, Method::PATCH, &uri, &a.rep.token, &etag, Some(json!({"title": "Nachträglich"}))).await.assert_problem(409, "statement_not_a_draft");
        upload(&app, &a.member.token, id, "spaet.pdf", "application/pdf", pdf("spät")).await.assert_problem(409, "statement_not_a_draft");
        call(&app, Method::DELETE, &uri, Some(&a.rep.token), None).await.assert_problem(409, "statement_not_a_draft");
        submit(&app, &a.rep, id, "name").await.assert_problem(409, "statement_not_a_draft");

        // The public check answers for number and hash, and says nothing else.
        let check = |number: &str, sha: &str| format!("/api/v1/consultations/{c}/statement-receipts/{number}?sha256={sha}");
        let number = receipt["number"].as_str().unwrap();
        let sha = receipt["sha256"].as_str().unwrap();
        let ok = call(&app, Method::GET, &check(number, sha), None, None).await;
        assert_eq!(ok.status, 200, "{}", ok.text);
        assert_eq!(ok.body["matches"], true);
        assert_eq!(ok.body["withdrawn"], false);
        assert!(!ok.text.contains("Sprachförderung"));
        let other_hash = "0".repeat(64);
        assert_eq!(call(&app, Method::GET, &check(number, &other_hash), None, None).await.body["matches"], false);
        assert_eq!(call(&app, Method::GET, &check(&format!("ST-{year}-0002"), sha), None, None).await.body["matches"], false);
        call(&app, Method::GET, &check("42", sha), None, None).await.assert_problem(400, "validation_failed");
        call(&app, Method::GET, &check(number, "XYZ"), None, None).await.assert_problem(400, "validation_failed");

        // The representative gets the receipt by mail; the plain member does not.
        ctx.deliver();
        let mails = ctx.sink.to("rep-a@example.org");
        assert_eq!(mails.len(), 1);
        assert!(mails[0].body().contains(number), "{}", mails[0].body());
        assert!(mails[0].body().contains(receipt["signature"].as_str().unwrap()));
        assert!(mails[0].body().contains("https://beteiligung.test/api/v1/statement-receipts/keys"), "{}", mails[0].body());
        assert!(ctx.sink.to("member-a@example.org").is_empty());

        // The next submission of the consultation takes the next number.
        let second = draft(&app, &a.member, a.id, on_concept(c, "Zweite")).await.body["id"].as_i64().unwrap();
        assert_eq!(submit(&app, &a.rep, second, "name").await.body["receipt"]["number"], format!("ST-{year}-0002"));

        // Outside the commenting window nothing is submitted.
        let closed = fixtures::consultation(&ctx.state, "voting");
        let late = draft(&app, &a.member, a.id, on_concept(closed, "Zu spät")).await.body["id"].as_i64().unwrap();
        submit(&app, &a.rep, late, "name").await.assert_problem(409, "phase_closed");

        // Everything is in the audit log.
        let mut conn = ctx.db.connection();
        let actions: Vec<String> = audit_log::table
            .filter(audit_log::object_type.eq("statement"))
            .filter(audit_log::object_id.eq(id))
            .order(audit_log::id)
            .select(audit_log::action)
            .load(&mut conn)
            .unwrap();
        assert_eq!(actions, ["statement.drafted", "statement.attachment_added", "statement.submitted"]);
    }

    async fn concurrent_submissions_take_numbers_without_gaps(db) {
        let ctx = Ctx::new(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let orgs: Vec<Org> = (0..4).map(|i| org(&ctx, &format!("Verein {i}"), "migrant_organisation", &i.to_string())).collect();
        let c = fixtures::consultation(&ctx.state, "commenting");
        let mut drafts = Vec::new();
        for o in &orgs {
            for n in 0..5 {
                let id = draft(&app, &o.member, o.id, on_concept(c, &format!("Stellungnahme {n}"))).await.body["id"].as_i64().unwrap();
                let etag = call(&app, Method::GET, &format!("/api/v1/statements/{id}"), Some(&o.rep.token), None).await.header("etag").unwrap().to_owned();
                drafts.push((o, format!("/api/v1/statements/{id}/submit"), etag));
            }
        }
        let submissions = drafts.iter().map(|(o, uri, etag)| {
            with_if_match(&app, Method::POST, uri, &o.rep.token, etag, Some(json!({"publish_as": "name"})))
        });
        let answers = futures_util::future::join_all(submissions).await;
        let year = chrono::Datelike::year(&ctx.state.clock.now());
        let mut numbers: Vec<String> = answers.iter().map(|r| {
            assert_eq!(r.status, 200, "{}", r.text);
            r.body["receipt"]["number"].as_str().unwrap().to_owned()
        }).collect();
        numbers.sort();
        let expected: Vec<String> = (1..=20).map(|n| format!("ST-{year}-{n:04}")).collect();
        assert_eq!(numbers, expected);
    }

    async fn review_assigns_answers_in_versions_and_publishes_with_the_organisations_choice(db) {
        // Public pages are kept for a minute here: only the publishing node's clearing can show
        // a publication at once.
        let ctx = Ctx::with(db, &[("COMMENT_CACHE_TTL_SECS", "60")]);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let a = org(&ctx, "Verein Brücke", "migrant_organisation", "a");
        let b = org(&ctx, "Diakonie Nord", "welfare_provider", "b");
        let moderator = person(&ctx, "moderator@example.org", Role::Moderator);
        let admin = person(&ctx, "admin@example.org", Role::Admin);
        let participant = person(&ctx, "participant@example.org", Role::Participant);
        let c = fixtures::consultation(&ctx.state, "commenting");
        let (measure, field) = first_measure(&ctx);
        let named = draft(&app, &a.member, a.id, json!({"consultation_id": c, "target_type": "measure", "target_id": measure, "title": "Mit Namen", "body": "Text A"})).await.body["id"].as_i64().unwrap();
        let by_kind = draft(&app, &b.member, b.id, json!({"consultation_id": c, "target_type": "field", "target_id": field, "title": "Nur Art", "body": "Text B"})).await.body["id"].as_i64().unwrap();
        assert_eq!(submit(&app, &a.rep, named, "name").await.status, 200);
        assert_eq!(submit(&app, &b.rep, by_kind, "kind").await.status, 200);

        // The queue is the staff's.
        let queue = call(&app, Method::GET, "/api/v1/moderation/statements", Some(&moderator.token), None).await;
        assert_eq!(queue.status, 200, "{}", queue.text);
        assert_eq!(queue.body["items"].as_array().unwrap().len(), 2);
        call(&app, Method::GET, "/api/v1/moderation/statements", Some(&participant.token), None).await.assert_problem(403, "forbidden");
        call(&app, Method::POST, &format!("/api/v1/moderation/statements/{named}/responses"), Some(&a.rep.token), Some(json!({"body": "Selbst beantwortet"}))).await.assert_problem(403, "forbidden");
        // Submitted statements are the staff's to read, not the public's.
        assert_eq!(call(&app, Method::GET, &format!("/api/v1/statements/{named}"), Some(&moderator.token), None).await.status, 200);
        call(&app, Method::GET, &format!("/api/v1/statements/{named}"), Some(&participant.token), None).await.assert_problem(404, "not_found");

        // Assignment to staff only; then it is in review.
        call(&app, Method::PUT, &format!("/api/v1/moderation/statements/{named}/reviewer"), Some(&moderator.token), Some(json!({"reviewer_id": participant.id}))).await.assert_problem(400, "not_a_reviewer");
        let assigned = call(&app, Method::PUT, &format!("/api/v1/moderation/statements/{named}/reviewer"), Some(&moderator.token), Some(json!({"reviewer_id": admin.id}))).await;
        assert_eq!(assigned.status, 200, "{}", assigned.text);
        assert_eq!(assigned.body["state"], "in_review");
        assert_eq!(assigned.body["reviewer_id"], admin.id);
        let mine = call(&app, Method::GET, &format!("/api/v1/moderation/statements?reviewer_id={}", admin.id), Some(&admin.token), None).await;
        assert_eq!(mine.body["items"].as_array().unwrap().len(), 1);

        // Publishing needs a response; versions are kept.
        let etag = assigned.header("etag").unwrap().to_owned();
        with_if_match(&app, Method::POST, &format!("/api/v1/moderation/statements/{named}/publish"), &admin.token, &etag, None).await.assert_problem(409, "statement_response_missing");
        for text in ["Entwurf der Antwort", "Die Verwaltung greift die Anregung auf."] {
            assert_eq!(call(&app, Method::POST, &format!("/api/v1/moderation/statements/{named}/responses"), Some(&admin.token), Some(json!({"body": text}))).await.status, 201);
        }
        let versions = call(&app, Method::GET, &format!("/api/v1/moderation/statements/{named}/responses"), Some(&moderator.token), None).await;
        assert_eq!(versions.body.as_array().unwrap().iter().map(|v| v["version"].as_i64().unwrap()).collect::<Vec<_>>(), [2, 1]);
        // Unpublished responses are nobody else's business.
        let seen_by_member = call(&app, Method::GET, &format!("/api/v1/statements/{named}"), Some(&a.member.token), None).await;
        assert!(seen_by_member.body["response"].is_null());
        assert!(seen_by_member.body["reviewer_id"].is_null(), "the staff's reviewer is the staff's");
        assert!(!seen_by_member.text.contains("greift die Anregung"));

        let before = call(&app, Method::GET, &format!("/api/v1/statements?consultation_id={c}"), None, None).await;
        assert_eq!(before.body["items"], json!([]));
        // The versions were written after the assignment: the tag read then is stale, so nobody
        // publishes a response text they did not read.
        with_if_match(&app, Method::POST, &format!("/api/v1/moderation/statements/{named}/publish"), &admin.token, &etag, None).await.assert_problem(412, "precondition_failed");
        let etag = call(&app, Method::GET, &format!("/api/v1/statements/{named}"), Some(&admin.token), None).await.header("etag").unwrap().to_owned();
        let published = with_if_match(&app, Method::POST, &format!("/api/v1/moderation/statements/{named}/publish"), &admin.token, &etag, None).await;
        assert_eq!(published.status, 200, "{}", published.text);
        assert_eq!(published.body["state"], "answered");
        assert_eq!(published.body["response"]["version"], 2);
        assert_eq!(answer(&app, &moderator, by_kind, "Wird geprüft.").await.status, 200);
        // After the answer: no more versions, no withdrawal.
        call(&app, Method::POST, &format!("/api/v1/moderation/statements/{named}/responses"), Some(&admin.token), Some(json!({"body": "Später"}))).await.assert_problem(409, "statement_not_in_review_queue");
        call(&app, Method::POST, &format!("/api/v1/statements/{named}/withdraw"), Some(&a.rep.token), None).await.assert_problem(409, "statement_not_withdrawable");

        // The public sees both, with the responses, named only where the organisation chose so.
        let public = call(&app, Method::GET, &format!("/api/v1/statements/{named}"), None, None).await;
        assert_eq!(public.status, 200, "{}", public.text);
        assert_eq!(public.body["organisation"], json!({"kind": "migrant_organisation", "name": "Verein Brücke"}));
        assert_eq!(public.body["response"]["body"], "Die Verwaltung greift die Anregung auf.");
        assert!(public.body.get("reviewer_id").is_none() && public.body.get("state").is_none());
        let anonymous = call(&app, Method::GET, &format!("/api/v1/statements/{by_kind}"), None, None).await;
        assert_eq!(anonymous.body["organisation"], json!({"kind": "welfare_provider", "name": null}));
        assert!(!anonymous.text.contains("Diakonie"));
        let list = |query: String| { let app = &app; async move { call(app, Method::GET, &format!("/api/v1/statements?{query}"), None, None).await.body["items"].as_array().unwrap().iter().map(|s| s["id"].as_i64().unwrap()).collect::<Vec<_>>() } };
        assert_eq!(list(format!("consultation_id={c}")).await, [named, by_kind]);
        // Revalidation costs a 304.
        let page = call(&app, Method::GET, &format!("/api/v1/statements?consultation_id={c}"), None, None).await;
        let tag = page.header("etag").unwrap().to_owned();
        let again = send(&app, TestRequest::get().uri(&format!("/api/v1/statements?consultation_id={c}")).insert_header(("if-none-match", tag)).to_request()).await;
        assert_eq!(again.status, 304);
        assert_eq!(list("organisation_kind=welfare_provider".into()).await, [by_kind]);
        assert_eq!(list(format!("measure_id={measure}")).await, [named]);
        assert_eq!(list(format!("field_id={field}")).await, [named, by_kind]);
        assert_eq!(list(format!("consultation_id={}", c + 1000)).await, Vec::<i64>::new());
        let first = call(&app, Method::GET, "/api/v1/statements?limit=1", None, None).await.body;
        let cursor = first["next_cursor"].as_str().unwrap();
        let second = call(&app, Method::GET, &format!("/api/v1/statements?limit=1&cursor={cursor}"), None, None).await.body;
        assert_eq!((first["items"][0]["id"].as_i64(), second["items"][0]["id"].as_i64()), (Some(named), Some(by_kind)));
        assert!(second["next_cursor"].is_null());

        // The representatives are told.
        ctx.deliver();
        assert_eq!(ctx.sink.to("rep-a@example.org").len(), 2);
    }

    async fn a_representative_withdraws_until_it_is_answered_and_it_stays_on_record(db) {
        let ctx = Ctx::new(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let a = org(&ctx, "Verein Brücke", "migrant_organisation", "a");
        let b = org(&ctx, "Diakonie Nord", "welfare_provider", "b");
        let moderator = person(&ctx, "moderator@example.org", Role::Moderator);
        let c = fixtures::consultation(&ctx.state, "commenting");
        let id = draft(&app, &a.member, a.id, on_concept(c, "Zurückgezogen")).await.body["id"].as_i64().unwrap();
        let withdraw = format!("/api/v1/statements/{id}/withdraw");
        call(&app, Method::POST, &withdraw, Some(&a.rep.token), None).await.assert_problem(409, "statement_not_withdrawable");
        let receipt = submit(&app, &a.rep, id, "name").await.body["receipt"].clone();
        call(&app, Method::POST, &withdraw, Some(&a.member.token), None).await.assert_problem(403, "representative_required");
        call(&app, Method::POST, &withdraw, Some(&b.rep.token), None).await.assert_problem(404, "not_found");
        let withdrawn = call(&app, Method::POST, &withdraw, Some(&a.rep.token), None).await;
        assert_eq!(withdrawn.status, 200, "{}", withdrawn.text);
        assert_eq!(withdrawn.body["state"], "withdrawn");
        assert!(withdrawn.body["withdrawn_at"].is_string());
        call(&app, Method::POST, &withdraw, Some(&a.rep.token), None).await.assert_problem(409, "statement_not_withdrawable");
        // On record: the staff still see it, the receipt still checks, and says so.
        let queue = call(&app, Method::GET, "/api/v1/moderation/statements?state=withdrawn", Some(&moderator.token), None).await;
        assert_eq!(queue.body["items"][0]["id"], id);
        call(&app, Method::PUT, &format!("/api/v1/moderation/statements/{id}/reviewer"), Some(&moderator.token), Some(json!({"reviewer_id": moderator.id}))).await.assert_problem(409, "statement_not_in_review_queue");
        let check = call(&app, Method::GET, &format!("/api/v1/consultations/{c}/statement-receipts/{}?sha256={}", receipt["number"].as_str().unwrap(), receipt["sha256"].as_str().unwrap()), None, None).await;
        assert_eq!((check.body["matches"].clone(), check.body["withdrawn"].clone()), (json!(true), json!(true)));
    }

    async fn the_abwaegungstabelle_streams_as_csv_and_xlsx_in_a_named_and_an_anonymised_variant(db) {
        let ctx = Ctx::new(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let a = org(&ctx, "Verein Brücke", "migrant_organisation", "a");
        let b = org(&ctx, "Diakonie Nord", "welfare_provider", "b");
        let moderator = person(&ctx, "moderator@example.org", Role::Moderator);
        let c = fixtures::consultation(&ctx.state, "commenting");
        let named = draft(&app, &a.member, a.id, on_concept(c, "=HYPERLINK(\"x\")")).await.body["id"].as_i64().unwrap();
        let by_kind = draft(&app, &b.member, b.id, on_concept(c, "Nur Art")).await.body["id"].as_i64().unwrap();
        let open = draft(&app, &b.member, b.id, on_concept(c, "Noch offen")).await.body["id"].as_i64().unwrap();
        // Submitted in another order than drafted: the table follows the receipt numbers.
        for (rep, id, how) in [(&b.rep, by_kind, "kind"), (&a.rep, named, "name"), (&b.rep, open, "name")] {
            assert_eq!(submit(&app, rep, id, how).await.status, 200);
        }
        for id in [named, by_kind] {
            assert_eq!(answer(&app, &moderator, id, "Antwort der Verwaltung \"mit\" Zeichen").await.status, 200);
        }
        let fetch = |uri: String| { let app = &app; async move {
            let res = actix_web::test::call_service(app, TestRequest::get().uri(&uri).to_request()).await;
            assert_eq!(res.status(), 200, "{uri}");
            let ct = res.headers().get("content-type").unwrap().to_str().unwrap().to_owned();
            (ct, actix_web::test::read_body(res).await.to_vec())
        } };
        let (ct, csv) = fetch(format!("/api/v1/consultations/{c}/statements.csv")).await;
        assert!(ct.starts_with("text/csv"));
        let csv = String::from_utf8(csv).unwrap();
        let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(lines.len(), 3, "{csv}");
        assert!(lines[0].starts_with("\"number\",\"submitted_at\",\"organisation\""));
        assert!(lines[1].starts_with("\"ST-") && lines[1].contains("-0001\""), "{}", lines[1]);
        assert!(lines[1].contains("\"welfare_provider\",\"welfare_provider\"") && !csv.contains("Diakonie"), "{}", lines[1]);
        assert!(lines[2].contains("\"Verein Brücke\"") && lines[2].contains("\"'=HYPERLINK(\"\"x\"\")\""), "{}", lines[2]);
        assert!(!csv.contains("Noch offen"));
        let (_, anonymised) = fetch(format!("/api/v1/consultations/{c}/statements.csv?variant=anonymised")).await;
        let anonymised = String::from_utf8(anonymised).unwrap();
        assert!(!anonymised.contains("Verein Brücke") && anonymised.contains("\"migrant_organisation\",\"migrant_organisation\""));

        let (ct, xlsx) = fetch(format!("/api/v1/consultations/{c}/statements.xlsx")).await;
        assert_eq!(ct, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        let sheet = sheet_xml(&xlsx);
        assert!(sheet.contains("Verein Brücke") && sheet.contains("Nur Art") && !sheet.contains("Noch offen") && !sheet.contains("Diakonie"), "{sheet}");
        let (_, xlsx) = fetch(format!("/api/v1/consultations/{c}/statements.xlsx?variant=anonymised")).await;
        let sheet = sheet_xml(&xlsx);
        assert!(!sheet.contains("Verein Brücke") && sheet.contains("Nur Art"));
        call(&app, Method::GET, "/api/v1/consultations/999999/statements.csv", None, None).await.assert_problem(404, "not_found");
        call(&app, Method::GET, &format!("/api/v1/consultations/{c}/statements.csv?variant=all"), None, None).await.assert_problem(400, "invalid_query");
    }

    async fn a_statement_stays_with_the_organisation_when_its_writer_deletes_their_account(db) {
        let ctx = Ctx::new(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let a = org(&ctx, "Verein Brücke", "migrant_organisation", "a");
        let c = fixtures::consultation(&ctx.state, "commenting");
        let id = draft(&app, &a.member, a.id, on_concept(c, "Bleibt")).await.body["id"].as_i64().unwrap();
        let unsent = draft(&app, &a.member, a.id, on_concept(c, "Entwurf bleibt")).await.body["id"].as_i64().unwrap();
        assert_eq!(submit(&app, &a.rep, id, "name").await.status, 200);
        let deleted = call(&app, Method::DELETE, "/api/v1/me", Some(&a.member.token), Some(json!({"password": fixtures::PASSWORD}))).await;
        assert_eq!(deleted.status, 204, "{}", deleted.text);
        let mut conn = ctx.db.connection();
        let drafted: Vec<Option<i64>> = statements::table.order(statements::id).select(statements::drafted_by).load(&mut conn).unwrap();
        assert_eq!(drafted, [None, None]);
        let submitted_by: Option<i64> = statements::table.find(id).select(statements::submitted_by).first(&mut conn).unwrap();
        assert_eq!(submitted_by, Some(a.rep.id));
        for s in [id, unsent] {
            let seen = call(&app, Method::GET, &format!("/api/v1/statements/{s}"), Some(&a.rep.token), None).await;
            assert_eq!(seen.status, 200);
            assert_eq!(seen.body["organisation"]["name"], "Verein Brücke");
        }
    }
}

/// Verifies a receipt exactly as README, "Statements", tells an organisation to: the message,
/// the signature and the public key in files, and `openssl pkeyutl -verify`.
fn verify_with_openssl(pem: &str, message: &str, signature: &str) {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.path().join(name), bytes).unwrap();
    write("key.pem", pem.as_bytes());
    write("message.txt", message.as_bytes());
    write("signature.bin", &STANDARD.decode(signature).unwrap());
    let run = |message: &str| {
        std::process::Command::new("openssl")
            .args([
                "pkeyutl",
                "-verify",
                "-pubin",
                "-inkey",
                "key.pem",
                "-rawin",
                "-in",
                message,
                "-sigfile",
                "signature.bin",
            ])
            .current_dir(dir.path())
            .output()
    };
    let Ok(out) = run("message.txt") else {
        eprintln!("openssl is not installed: the offline check of the README was skipped");
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Signature Verified Successfully"));
    write(
        "forged.txt",
        message.replace("sha256: ", "sha256: 0").as_bytes(),
    );
    assert!(!run("forged.txt").unwrap().status.success());
}

/// The worksheet of an XLSX file (a ZIP archive), read with Python's zipfile.
fn sheet_xml(xlsx: &[u8]) -> String {
    assert!(xlsx.starts_with(b"PK"), "not a ZIP archive");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("table.xlsx");
    std::fs::write(&path, xlsx).unwrap();
    let out = std::process::Command::new("python3")
        .args(["-c", "import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read('xl/worksheets/sheet1.xml').decode())"])
        .arg(&path)
        .output()
        .expect("python3 reads the workbook");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
