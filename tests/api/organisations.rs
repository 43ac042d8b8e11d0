//! Organisations: registration and review, the public directory, changes of a verified
//! organisation, membership (invitations, requests to join, roles, the last representative)
//! and acting for an organisation.

use crate::accounts::{call, login, participant, Ctx, PASSWORD};
use crate::both_backends;
use crate::common::{send, Reply};
use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::Method;
use actix_web::test;
use serde_json::{json, Value};

pub fn token(pair: &Value) -> String {
    pair["access_token"].as_str().unwrap().to_owned()
}

/// A request with `If-Match`.
pub async fn call_if<S, B>(
    app: &S,
    method: Method,
    uri: &str,
    token: &str,
    if_match: &str,
    body: Option<Value>,
) -> Reply
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let mut req = test::TestRequest::default()
        .method(method)
        .uri(uri)
        .insert_header(("authorization", format!("Bearer {token}")))
        .insert_header(("if-match", if_match));
    if let Some(body) = body {
        req = req.set_json(body);
    }
    send(app, req.to_request()).await
}

/// Gives an account a staff role directly in the database (as an administrator would).
pub fn set_role(ctx: &Ctx, email: &str, role: &str) {
    use beteiligung::db::schema::users;
    use diesel::prelude::*;
    let mut conn = ctx.db.connection();
    diesel::update(users::table.filter(users::email.eq(email)))
        .set(users::role.eq(role))
        .execute(&mut conn)
        .unwrap();
}

/// A verified participant with the given staff role, signed in.
pub async fn staff<S, B>(app: &S, ctx: &Ctx, email: &str, role: &str) -> String
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let pair = participant(app, ctx, email).await;
    set_role(ctx, email, role);
    token(&pair)
}

pub fn registration(name: &str, kind: &str) -> Value {
    json!({
        "name": name,
        "kind": kind,
        "description": "Beratung und Begegnung für Zugewanderte in Bielefeld.",
        "website": "https://example.org",
        "contact_email": "kontakt@example.org",
        "registry_number": "VR 1234"
    })
}

/// Registers an organisation as `rep`; returns its id.
pub async fn register_org<S, B>(app: &S, rep: &str, name: &str, kind: &str) -> i64
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let r = call(
        app,
        Method::POST,
        "/api/v1/organisations",
        Some(rep),
        Some(registration(name, kind)),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["id"].as_i64().unwrap()
}

/// A verified organisation `name`: a new account `rep_email` registers it and `moderator`
/// verifies it. Answers the representative's access token and the organisation's id.
pub async fn verified_org<S, B>(
    app: &S,
    ctx: &Ctx,
    moderator: &str,
    rep_email: &str,
    name: &str,
    kind: &str,
) -> (String, i64)
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let rep = token(&participant(app, ctx, rep_email).await);
    let org = register_org(app, &rep, name, kind).await;
    let r = decide(app, moderator, org, "verify", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    (rep, org)
}

/// A moderator's decision on organisation `id`, with the ETag of what they saw.
pub async fn decide<S, B>(
    app: &S,
    moderator: &str,
    id: i64,
    verdict: &str,
    reason: Option<&str>,
) -> Reply
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let seen = call(
        app,
        Method::GET,
        &format!("/api/v1/organisations/{id}"),
        Some(moderator),
        None,
    )
    .await;
    assert_eq!(seen.status, 200, "{}", seen.text);
    let body = match reason {
        Some(r) => json!({"reason": r}),
        None => json!({}),
    };
    call_if(
        app,
        Method::POST,
        &format!("/api/v1/moderation/organisations/{id}/{verdict}"),
        moderator,
        seen.header("etag").unwrap(),
        Some(body),
    )
    .await
}

/// Invites `email` to `org` as `rep` and accepts as the (verified) account of that address.
pub async fn invite_and_join<S, B>(
    app: &S,
    ctx: &Ctx,
    rep: &str,
    org: i64,
    email: &str,
    role: &str,
) -> Reply
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let r = call(
        app,
        Method::POST,
        &format!("/api/v1/organisations/{org}/invitations"),
        Some(rep),
        Some(json!({"email": email, "role": role})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    ctx.deliver();
    let invitation = ctx.sink.to(email).pop().expect("an invitation mail");
    let member = token(&login(app, email, PASSWORD).await.body);
    call(
        app,
        Method::POST,
        "/api/v1/organisation-invitations/accept",
        Some(&member),
        Some(json!({"token": invitation.token()})),
    )
    .await
}

/// The id of the account behind an access token.
pub async fn user_id<S, B>(app: &S, token: &str) -> i64
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    call(app, Method::GET, "/api/v1/me", Some(token), None)
        .await
        .body["id"]
        .as_i64()
        .unwrap()
}

/// A new verified account `email` that joins `org` with `role` through an invitation by
/// `rep`; signed in: its access token and id.
pub async fn new_member<S, B>(
    app: &S,
    ctx: &Ctx,
    rep: &str,
    org: i64,
    email: &str,
    role: &str,
) -> (String, i64)
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    participant(app, ctx, email).await;
    let r = invite_and_join(app, ctx, rep, org, email, role).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let token = token(&login(app, email, PASSWORD).await.body);
    let id = user_id(app, &token).await;
    (token, id)
}

fn audit_actions(ctx: &Ctx, object_id: i64) -> Vec<String> {
    use beteiligung::db::schema::audit_log;
    use diesel::prelude::*;
    let mut conn = ctx.db.connection();
    audit_log::table
        .filter(audit_log::object_type.eq("organisation"))
        .filter(audit_log::object_id.eq(object_id))
        .order(audit_log::id)
        .select(audit_log::action)
        .load(&mut conn)
        .unwrap()
}

both_backends! {
    async fn registration_goes_through_review_before_the_directory_shows_it(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let moderator = staff(&app, &ctx, "moderator@example.org", "moderator").await;
        let rep = token(&participant(&app, &ctx, "rep@example.org").await);
        let outsider = token(&participant(&app, &ctx, "outsider@example.org").await);

        let r = call(&app, Method::POST, "/api/v1/organisations", Some(&rep), Some(registration("Verein für Begegnung e. V.", "migrant_organisation"))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let id = r.body["id"].as_i64().unwrap();
        assert_eq!(r.header("location"), Some(format!("/api/v1/organisations/{id}").as_str()));
        assert_eq!(r.body["status"], "pending");
        assert_eq!(r.body["verified_at"], Value::Null);

        // The registrant is its first representative; it cannot act yet.
        let mine = call(&app, Method::GET, "/api/v1/me/organisations", Some(&rep), None).await;
        assert_eq!(mine.body["items"][0]["organisation"]["id"], id);
        assert_eq!(mine.body["items"][0]["role"], "representative");
        assert_eq!(mine.body["items"][0]["may_act"], false);
        assert_eq!(mine.body["items"][0]["may_sign"], false);

        // Pending: hidden from the public and from other participants, not in the directory.
        call(&app, Method::GET, &format!("/api/v1/organisations/{id}"), None, None).await.assert_problem(404, "not_found");
        call(&app, Method::GET, &format!("/api/v1/organisations/{id}"), Some(&outsider), None).await.assert_problem(404, "not_found");
        assert_eq!(call(&app, Method::GET, "/api/v1/organisations", None, None).await.body["items"], json!([]));
        let own = call(&app, Method::GET, &format!("/api/v1/organisations/{id}"), Some(&rep), None).await;
        assert_eq!(own.body["status"], "pending");
        assert_eq!(own.header("cache-control"), Some("private, no-store"));

        // The moderators' queue, oldest first, with the tag a decision needs.
        let queue = call(&app, Method::GET, "/api/v1/moderation/organisations", Some(&moderator), None).await;
        assert_eq!(queue.status, 200, "{}", queue.text);
        let item = &queue.body["items"][0];
        assert_eq!(item["organisation"]["id"], id);
        assert_eq!(item["etag"].as_str(), own.header("etag"));

        // Decisions need the tag of what was reviewed, and a rejection needs a reason.
        let verify = format!("/api/v1/moderation/organisations/{id}/verify");
        let reject = format!("/api/v1/moderation/organisations/{id}/reject");
        call(&app, Method::POST, &verify, Some(&moderator), Some(json!({}))).await.assert_problem(428, "precondition_required");
        call_if(&app, Method::POST, &verify, &moderator, "\"stale\"", Some(json!({}))).await.assert_problem(412, "precondition_failed");
        let tag = item["etag"].as_str().unwrap();
        call_if(&app, Method::POST, &reject, &moderator, tag, Some(json!({"reason": ""}))).await.assert_problem(400, "validation_failed");
        call_if(&app, Method::POST, &reject, &moderator, tag, Some(json!({}))).await.assert_problem(400, "validation_failed");
        let r = call_if(&app, Method::POST, &reject, &moderator, tag, Some(json!({"reason": "Bitte nennen Sie die Registernummer beim Amtsgericht Bielefeld."}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["status"], "rejected");

        // The organisation reads the reason, in its record and by mail.
        let own = call(&app, Method::GET, &format!("/api/v1/organisations/{id}"), Some(&rep), None).await;
        assert_eq!(own.body["last_decision"]["verdict"], "rejected");
        assert_eq!(own.body["last_decision"]["reason"], "Bitte nennen Sie die Registernummer beim Amtsgericht Bielefeld.");
        ctx.deliver();
        let mail = ctx.sink.to("rep@example.org").pop().unwrap();
        assert!(mail.body().contains("Registernummer beim Amtsgericht"), "{}", mail.body());
        // A decided organisation cannot be decided again until it changes.
        call_if(&app, Method::POST, &verify, &moderator, own.header("etag").unwrap(), Some(json!({}))).await.assert_problem(409, "not_pending");
        assert_eq!(call(&app, Method::GET, "/api/v1/moderation/organisations", Some(&moderator), None).await.body["items"], json!([]));
        assert_eq!(call(&app, Method::GET, "/api/v1/moderation/organisations?status=rejected", Some(&moderator), None).await.body["items"][0]["organisation"]["id"], id);

        // The representatives change it: it is submitted again.
        let r = call_if(&app, Method::PATCH, &format!("/api/v1/organisations/{id}"), &rep, own.header("etag").unwrap(), Some(json!({"registry_number": "VR 4711"}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["status"], "pending");
        let r = decide(&app, &moderator, id, "verify", None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["status"], "verified");

        // Now public: the profile without the private record.
        let public = call(&app, Method::GET, &format!("/api/v1/organisations/{id}"), None, None).await;
        assert_eq!(public.status, 200);
        assert_eq!(public.body["name"], "Verein für Begegnung e. V.");
        assert_eq!(public.body["registry_number"], "VR 4711");
        for private in ["status", "last_decision", "proposed_change", "created_at"] {
            assert!(public.body.get(private).is_none(), "{private} in {}", public.body);
        }
        assert_eq!(call(&app, Method::GET, &format!("/api/v1/organisations/{id}"), Some(&outsider), None).await.body, public.body);
        let listed = call(&app, Method::GET, "/api/v1/organisations", None, None).await;
        assert_eq!(listed.body["items"][0]["id"], id);
        let mine = call(&app, Method::GET, "/api/v1/me/organisations", Some(&rep), None).await;
        assert_eq!(mine.body["items"][0]["may_act"], true);
        assert_eq!(mine.body["items"][0]["may_sign"], true);

        // Every decision and change is in the audit log.
        assert_eq!(audit_actions(&ctx, id), ["organisation.registered", "organisation.rejected", "organisation.review_requested", "organisation.verified"]);
    }

    async fn the_directory_is_alphabetical_filterable_by_kind_and_paginated(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let moderator = staff(&app, &ctx, "moderator@example.org", "moderator").await;
        let reps = [
            token(&participant(&app, &ctx, "a@example.org").await),
            token(&participant(&app, &ctx, "b@example.org").await),
        ];
        let names = [
            ("Zukunftswerkstatt Sennestadt", "other_civil_society"),
            ("Ärztinnen für Geflüchtete", "welfare_provider"),
            ("arbeiterwohlfahrt Ortsverein", "welfare_provider"),
            ("Deutsch-Türkischer Elternverein", "migrant_organisation"),
            ("Österreichischer Kulturverein", "migrant_organisation"),
            ("Bürgerinitiative Baumheide", "other_civil_society"),
        ];
        for (i, (name, kind)) in names.iter().enumerate() {
            let id = register_org(&app, &reps[i % 2], name, kind).await;
            assert_eq!(decide(&app, &moderator, id, "verify", None).await.status, 200);
        }
        // One more that stays pending is never listed.
        register_org(&app, &reps[0], "Noch nicht geprüft e. V.", "migrant_organisation").await;

        let mut seen = Vec::new();
        let mut uri = "/api/v1/organisations?limit=4".to_owned();
        loop {
            let page = call(&app, Method::GET, &uri, None, None).await;
            assert_eq!(page.status, 200, "{}", page.text);
            seen.extend(page.body["items"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap().to_owned()));
            match page.body["next_cursor"].as_str() {
                Some(c) => uri = format!("/api/v1/organisations?limit=4&cursor={c}"),
                None => break,
            }
        }
        // Umlauts sort as their base letter, case does not matter.
        assert_eq!(seen, [
            "arbeiterwohlfahrt Ortsverein",
            "Ärztinnen für Geflüchtete",
            "Bürgerinitiative Baumheide",
            "Deutsch-Türkischer Elternverein",
            "Österreichischer Kulturverein",
            "Zukunftswerkstatt Sennestadt",
        ]);
        let migrant = call(&app, Method::GET, "/api/v1/organisations?kind=migrant_organisation", None, None).await;
        let kinds: Vec<&str> = migrant.body["items"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["Deutsch-Türkischer Elternverein", "Österreichischer Kulturverein"]);
        call(&app, Method::GET, "/api/v1/organisations?kind=partei", None, None).await.assert_problem(400, "invalid_query");
        call(&app, Method::GET, "/api/v1/organisations?cursor=bogus", None, None).await.assert_problem(400, "validation_failed");

        // Two verified organisations never share a name.
        let twin = register_org(&app, &reps[1], "ZUKUNFTSWERKSTATT  Sennestadt", "other_civil_society").await;
        decide(&app, &moderator, twin, "verify", None).await.assert_problem(409, "name_taken");
    }

    async fn a_change_of_name_or_kind_is_reviewed_while_the_verified_data_stays(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let moderator = staff(&app, &ctx, "moderator@example.org", "moderator").await;
        let (rep, id) = verified_org(&app, &ctx, &moderator, "rep@example.org", "Internationaler Frauentreff", "migrant_organisation").await;
        let uri = format!("/api/v1/organisations/{id}");

        let own = call(&app, Method::GET, &uri, Some(&rep), None).await;
        let r = call_if(&app, Method::PATCH, &uri, &rep, own.header("etag").unwrap(), Some(json!({"name": "Internationales Frauenzentrum", "description": "Neu beschrieben."}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["status"], "pending");
        assert_eq!(r.body["name"], "Internationaler Frauentreff");
        assert_eq!(r.body["proposed_change"], json!({"name": "Internationales Frauenzentrum", "kind": "migrant_organisation"}));
        // The public keeps seeing the verified name (the description is no identity: at once).
        let public = call(&app, Method::GET, &uri, None, None).await;
        assert_eq!(public.body["name"], "Internationaler Frauentreff");
        assert_eq!(public.body["description"], "Neu beschrieben.");
        assert_eq!(call(&app, Method::GET, "/api/v1/organisations", None, None).await.body["items"][0]["name"], "Internationaler Frauentreff");
        // It still acts, under its verified name.
        let mine = call(&app, Method::GET, "/api/v1/me/organisations", Some(&rep), None).await;
        assert_eq!(mine.body["items"][0]["may_sign"], true);
        // The old tag no longer fits.
        call_if(&app, Method::PATCH, &uri, &rep, own.header("etag").unwrap(), Some(json!({"description": "x"}))).await.assert_problem(412, "precondition_failed");

        let r = decide(&app, &moderator, id, "verify", Some("Namensänderung laut Vereinsregister.")).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["name"], "Internationales Frauenzentrum");
        assert_eq!(r.body["proposed_change"], Value::Null);
        assert_eq!(call(&app, Method::GET, &uri, None, None).await.body["name"], "Internationales Frauenzentrum");

        // A change of kind that is rejected leaves the verified organisation as it was.
        let own = call(&app, Method::GET, &uri, Some(&rep), None).await;
        let r = call_if(&app, Method::PATCH, &uri, &rep, own.header("etag").unwrap(), Some(json!({"kind": "welfare_provider"}))).await;
        assert_eq!(r.body["status"], "pending");
        let r = decide(&app, &moderator, id, "reject", Some("Kein Träger der freien Wohlfahrtspflege.")).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["status"], "verified");
        assert_eq!(r.body["kind"], "migrant_organisation");
        assert_eq!(r.body["last_decision"]["verdict"], "rejected");
        assert_eq!(call(&app, Method::GET, &uri, None, None).await.body["kind"], "migrant_organisation");

        // Proposing the verified identity again withdraws a proposal without review.
        let own = call(&app, Method::GET, &uri, Some(&rep), None).await;
        let r = call_if(&app, Method::PATCH, &uri, &rep, own.header("etag").unwrap(), Some(json!({"name": "Frauenzentrum"}))).await;
        assert_eq!(r.body["status"], "pending");
        let r = call_if(&app, Method::PATCH, &uri, &rep, r.header("etag").unwrap(), Some(json!({"name": "Internationales Frauenzentrum"}))).await;
        assert_eq!(r.body["status"], "verified");
        assert_eq!(r.body["proposed_change"], Value::Null);

        // Clearing optional fields, and bad input.
        let r = call_if(&app, Method::PATCH, &uri, &rep, r.header("etag").unwrap(), Some(json!({"website": null, "registry_number": null}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["website"], Value::Null);
        assert_eq!(r.body["registry_number"], Value::Null);
        let tag = r.header("etag").unwrap().to_owned();
        let r = call_if(&app, Method::PATCH, &uri, &rep, &tag, Some(json!({"website": "javascript:alert(1)", "name": ""}))).await;
        r.assert_problem(400, "validation_failed");
        let fields: Vec<&str> = r.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert!(fields.contains(&"website") && fields.contains(&"name"), "{fields:?}");
        call_if(&app, Method::PATCH, &uri, &rep, &tag, Some(json!({"status": "verified"}))).await.assert_problem(400, "validation_failed");
        call_if(&app, Method::PATCH, &uri, &rep, &tag, Some(json!({"kind": "partei"}))).await.assert_problem(400, "validation_failed");
        // Nothing was changed by the refused requests.
        assert_eq!(call(&app, Method::GET, &uri, Some(&rep), None).await.header("etag"), Some(tag.as_str()));
        assert_eq!(audit_actions(&ctx, id), [
            "organisation.registered", "organisation.verified", "organisation.review_requested", "organisation.verified",
            "organisation.review_requested", "organisation.rejected", "organisation.review_requested", "organisation.updated", "organisation.updated",
        ]);
    }

    async fn registrations_are_validated_and_limited(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        assert_eq!(crate::accounts::register(&app, "unverified@example.org").await.status, 202);
        let unverified = token(&login(&app, "unverified@example.org", PASSWORD).await.body);
        call(&app, Method::POST, "/api/v1/organisations", Some(&unverified), Some(registration("Verein", "migrant_organisation"))).await.assert_problem(403, "email_unverified");
        call(&app, Method::POST, "/api/v1/organisations", None, Some(registration("Verein", "migrant_organisation"))).await.assert_problem(401, "unauthorized");
        let rep = token(&participant(&app, &ctx, "rep@example.org").await);
        let mut bad = registration("V", "migrant_organisation");
        bad["contact_email"] = json!("keine Adresse");
        bad["website"] = json!("ftp://example.org");
        let r = call(&app, Method::POST, "/api/v1/organisations", Some(&rep), Some(bad)).await;
        r.assert_problem(400, "validation_failed");
        let mut fields: Vec<&str> = r.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        fields.sort();
        assert_eq!(fields, ["contact_email", "name", "website"]);
        let mut forged = registration("Verein", "migrant_organisation");
        forged["status"] = json!("verified");
        call(&app, Method::POST, "/api/v1/organisations", Some(&rep), Some(forged)).await.assert_problem(400, "validation_failed");
        // Three registrations may wait at once.
        for i in 0..3 {
            register_org(&app, &rep, &format!("Verein {i}"), "other_civil_society").await;
        }
        call(&app, Method::POST, "/api/v1/organisations", Some(&rep), Some(registration("Verein 4", "other_civil_society"))).await.assert_problem(409, "too_many_pending");
        // Nothing of the refused ones was stored.
        use beteiligung::db::schema::organisations;
        use diesel::prelude::*;
        let count: i64 = organisations::table.count().get_result(&mut ctx.db.connection()).unwrap();
        assert_eq!(count, 3);
    }

    async fn invitations_are_single_use_and_work_for_people_who_register_later(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let rep = token(&participant(&app, &ctx, "rep@example.org").await);
        // A pending organisation may gather its members already.
        let org = register_org(&app, &rep, "Afrikanischer Kulturverein", "migrant_organisation").await;
        let r = call(&app, Method::POST, &format!("/api/v1/organisations/{org}/invitations"), Some(&rep), Some(json!({"email": "Neu@Example.org"}))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["email"], "neu@example.org");
        assert_eq!(r.body["role"], "member");
        let listed = call(&app, Method::GET, &format!("/api/v1/organisations/{org}/invitations"), Some(&rep), None).await;
        assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
        ctx.deliver();
        let mail = ctx.sink.to("neu@example.org").pop().expect("an invitation mail");
        assert!(mail.body().contains("Afrikanischer Kulturverein"));
        let invitation = mail.token();

        // The invited person has no account yet; someone else cannot use the link.
        let other = token(&participant(&app, &ctx, "other@example.org").await);
        call(&app, Method::POST, "/api/v1/organisation-invitations/accept", Some(&other), Some(json!({"token": invitation}))).await
            .assert_problem(403, "invitation_for_another_address");
        // They register afterwards, verify their address, and accept.
        let newcomer = token(&participant(&app, &ctx, "neu@example.org").await);
        let r = call(&app, Method::POST, "/api/v1/organisation-invitations/accept", Some(&newcomer), Some(json!({"token": invitation}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["organisation"]["id"], org);
        assert_eq!(r.body["role"], "member");
        assert_eq!(r.body["may_act"], false, "the organisation is not verified yet");
        // Single use.
        call(&app, Method::POST, "/api/v1/organisation-invitations/accept", Some(&newcomer), Some(json!({"token": invitation}))).await
            .assert_problem(400, "invalid_or_expired_token");
        assert_eq!(call(&app, Method::GET, &format!("/api/v1/organisations/{org}/invitations"), Some(&rep), None).await.body["items"], json!([]));
        // The member sees the pending organisation and its members (no addresses).
        let own = call(&app, Method::GET, &format!("/api/v1/organisations/{org}"), Some(&newcomer), None).await;
        assert_eq!(own.body["status"], "pending");
        let members = call(&app, Method::GET, &format!("/api/v1/organisations/{org}/members"), Some(&newcomer), None).await;
        assert_eq!(members.body["items"].as_array().unwrap().len(), 2);
        assert!(!members.text.contains("@example.org"), "{}", members.text);

        // A revoked invitation and a replaced one stop working.
        let r = call(&app, Method::POST, &format!("/api/v1/organisations/{org}/invitations"), Some(&rep), Some(json!({"email": "other@example.org"}))).await;
        let first = r.body["id"].as_i64().unwrap();
        let r = call(&app, Method::POST, &format!("/api/v1/organisations/{org}/invitations"), Some(&rep), Some(json!({"email": "other@example.org", "role": "representative"}))).await;
        let second = r.body["id"].as_i64().unwrap();
        ctx.deliver();
        let mails = ctx.sink.to("other@example.org");
        let (old, new) = (mails[mails.len() - 2].token(), mails[mails.len() - 1].token());
        call(&app, Method::DELETE, &format!("/api/v1/organisations/{org}/invitations/{first}"), Some(&rep), None).await.assert_problem(404, "not_found");
        call(&app, Method::POST, "/api/v1/organisation-invitations/accept", Some(&other), Some(json!({"token": old}))).await.assert_problem(400, "invalid_or_expired_token");
        assert_eq!(call(&app, Method::DELETE, &format!("/api/v1/organisations/{org}/invitations/{second}"), Some(&rep), None).await.status, 204);
        call(&app, Method::POST, "/api/v1/organisation-invitations/accept", Some(&other), Some(json!({"token": new}))).await.assert_problem(400, "invalid_or_expired_token");
        // A member cannot invite; invalid addresses are refused.
        call(&app, Method::POST, &format!("/api/v1/organisations/{org}/invitations"), Some(&newcomer), Some(json!({"email": "x@example.org"}))).await.assert_problem(403, "representative_required");
        call(&app, Method::POST, &format!("/api/v1/organisations/{org}/invitations"), Some(&rep), Some(json!({"email": "keine"}))).await.assert_problem(400, "validation_failed");
        // Nobody already a member joins twice.
        let r = invite_and_join(&app, &ctx, &rep, org, "neu@example.org", "member").await;
        r.assert_problem(409, "already_member");
    }

    async fn join_requests_roles_and_the_last_representative(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let moderator = staff(&app, &ctx, "moderator@example.org", "moderator").await;
        let rep_pair = participant(&app, &ctx, "rep@example.org").await;
        let rep = token(&rep_pair);
        let org = register_org(&app, &rep, "Caritas-Beispielverband", "welfare_provider").await;
        // Before verification nobody can ask to join.
        let asker = token(&participant(&app, &ctx, "asker@example.org").await);
        call(&app, Method::POST, &format!("/api/v1/organisations/{org}/join-requests"), Some(&asker), Some(json!({}))).await.assert_problem(404, "not_found");
        assert_eq!(decide(&app, &moderator, org, "verify", None).await.status, 200);

        let r = call(&app, Method::POST, &format!("/api/v1/organisations/{org}/join-requests"), Some(&asker), Some(json!({"message": "Ich arbeite in der Beratungsstelle."}))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let request = r.body["id"].as_i64().unwrap();
        call(&app, Method::POST, &format!("/api/v1/organisations/{org}/join-requests"), Some(&asker), Some(json!({}))).await.assert_problem(409, "already_requested");
        call(&app, Method::POST, &format!("/api/v1/organisations/{org}/join-requests"), Some(&rep), Some(json!({}))).await.assert_problem(409, "already_member");
        let declined_one = token(&participant(&app, &ctx, "declined@example.org").await);
        let r = call(&app, Method::POST, &format!("/api/v1/organisations/{org}/join-requests"), Some(&declined_one), Some(json!({}))).await;
        let other_request = r.body["id"].as_i64().unwrap();

        let open = call(&app, Method::GET, &format!("/api/v1/organisations/{org}/join-requests"), Some(&rep), None).await;
        assert_eq!(open.body["items"].as_array().unwrap().len(), 2);
        assert_eq!(open.body["items"][0]["message"], "Ich arbeite in der Beratungsstelle.");
        let r = call(&app, Method::POST, &format!("/api/v1/organisations/{org}/join-requests/{request}/accept"), Some(&rep), None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["role"], "member");
        let asker_id = r.body["user_id"].as_i64().unwrap();
        call(&app, Method::POST, &format!("/api/v1/organisations/{org}/join-requests/{request}/decline"), Some(&rep), None).await.assert_problem(409, "already_decided");
        let r = call(&app, Method::POST, &format!("/api/v1/organisations/{org}/join-requests/{other_request}/decline"), Some(&rep), None).await;
        assert_eq!(r.body["status"], "declined");
        // The declined person sees it, and cannot ask again at once.
        let theirs = call(&app, Method::GET, "/api/v1/me/join-requests", Some(&declined_one), None).await;
        assert_eq!(theirs.body["items"][0]["status"], "declined");
        call(&app, Method::POST, &format!("/api/v1/organisations/{org}/join-requests"), Some(&declined_one), Some(json!({}))).await.assert_problem(409, "recently_declined");
        // Someone else asks and withdraws; nobody but them can withdraw their request.
        let changed_mind = token(&participant(&app, &ctx, "changed@example.org").await);
        let r = call(&app, Method::POST, &format!("/api/v1/organisations/{org}/join-requests"), Some(&changed_mind), Some(json!({}))).await;
        let withdrawn = r.body["id"].as_i64().unwrap();
        call(&app, Method::DELETE, &format!("/api/v1/organisations/{org}/join-requests/{withdrawn}"), Some(&rep), None).await.assert_problem(404, "not_found");
        assert_eq!(call(&app, Method::DELETE, &format!("/api/v1/organisations/{org}/join-requests/{withdrawn}"), Some(&changed_mind), None).await.status, 204);
        call(&app, Method::DELETE, &format!("/api/v1/organisations/{org}/join-requests/{withdrawn}"), Some(&changed_mind), None).await.assert_problem(409, "already_decided");
        call(&app, Method::POST, &format!("/api/v1/organisations/{org}/join-requests/{withdrawn}/accept"), Some(&rep), None).await.assert_problem(409, "already_decided");
        assert_eq!(call(&app, Method::GET, "/api/v1/me/join-requests", Some(&changed_mind), None).await.body["items"][0]["status"], "withdrawn");
        assert_eq!(call(&app, Method::GET, &format!("/api/v1/organisations/{org}/join-requests"), Some(&rep), None).await.body["items"], json!([]));
        assert_eq!(call(&app, Method::GET, "/api/v1/me/organisations", Some(&declined_one), None).await.body["items"], json!([]));
        let mine = call(&app, Method::GET, "/api/v1/me/organisations", Some(&asker), None).await;
        assert_eq!(mine.body["items"][0]["role"], "member");
        assert_eq!(mine.body["items"][0]["may_act"], true);
        assert_eq!(mine.body["items"][0]["may_sign"], false);

        // The only representative can neither step down, leave, be removed nor delete the account.
        let me = user_id(&app, &rep).await;
        call(&app, Method::PUT, &format!("/api/v1/organisations/{org}/members/{me}/role"), Some(&rep), Some(json!({"role": "member"}))).await.assert_problem(409, "last_representative");
        call(&app, Method::DELETE, &format!("/api/v1/organisations/{org}/members/{me}"), Some(&rep), None).await.assert_problem(409, "last_representative");
        call(&app, Method::DELETE, "/api/v1/me", Some(&rep), Some(json!({"password": PASSWORD}))).await.assert_problem(409, "last_representative");
        // A registration can also be withdrawn on its own; a verified organisation cannot.
        let trial = register_org(&app, &rep, "Verein zum Zurückziehen", "other_civil_society").await;
        assert_eq!(call(&app, Method::DELETE, &format!("/api/v1/organisations/{trial}"), Some(&rep), None).await.status, 204);
        call(&app, Method::GET, &format!("/api/v1/organisations/{trial}"), Some(&rep), None).await.assert_problem(404, "not_found");
        call(&app, Method::DELETE, &format!("/api/v1/organisations/{org}"), Some(&rep), None).await.assert_problem(409, "organisation_verified");
        assert_eq!(call(&app, Method::GET, &format!("/api/v1/organisations/{org}"), None, None).await.status, 200);
        // A member cannot change roles or remove others.
        call(&app, Method::PUT, &format!("/api/v1/organisations/{org}/members/{asker_id}/role"), Some(&asker), Some(json!({"role": "representative"}))).await.assert_problem(403, "representative_required");
        call(&app, Method::DELETE, &format!("/api/v1/organisations/{org}/members/{me}"), Some(&asker), None).await.assert_problem(403, "representative_required");

        // With a second representative the first may step down, and the member may leave.
        let r = call(&app, Method::PUT, &format!("/api/v1/organisations/{org}/members/{asker_id}/role"), Some(&rep), Some(json!({"role": "representative"}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["role"], "representative");
        let r = call(&app, Method::PUT, &format!("/api/v1/organisations/{org}/members/{me}/role"), Some(&rep), Some(json!({"role": "member"}))).await;
        assert_eq!(r.body["role"], "member");
        // Now a member, the first cannot manage any more; the new representative removes them.
        call(&app, Method::GET, &format!("/api/v1/organisations/{org}/join-requests"), Some(&rep), None).await.assert_problem(403, "representative_required");
        assert_eq!(call(&app, Method::DELETE, &format!("/api/v1/organisations/{org}/members/{me}"), Some(&asker), None).await.status, 204);
        assert_eq!(call(&app, Method::GET, "/api/v1/me/organisations", Some(&rep), None).await.body["items"], json!([]));
        call(&app, Method::DELETE, &format!("/api/v1/organisations/{org}/members/{me}"), Some(&asker), None).await.assert_problem(404, "not_found");
        call(&app, Method::PUT, &format!("/api/v1/organisations/{org}/members/{asker_id}/role"), Some(&asker), Some(json!({"role": "chef"}))).await.assert_problem(400, "validation_failed");

        // A member who leaves on their own; a deleted account leaves everywhere.
        let r = invite_and_join(&app, &ctx, &asker, org, "declined@example.org", "member").await;
        assert_eq!(r.status, 200, "{}", r.text);
        let leaver = user_id(&app, &declined_one).await;
        assert_eq!(call(&app, Method::DELETE, &format!("/api/v1/organisations/{org}/members/{leaver}"), Some(&declined_one), None).await.status, 204);
        let r = invite_and_join(&app, &ctx, &asker, org, "declined@example.org", "member").await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(call(&app, Method::DELETE, "/api/v1/me", Some(&declined_one), Some(json!({"password": PASSWORD}))).await.status, 204);
        let members = call(&app, Method::GET, &format!("/api/v1/organisations/{org}/members"), Some(&asker), None).await;
        let ids: Vec<i64> = members.body["items"].as_array().unwrap().iter().map(|m| m["user_id"].as_i64().unwrap()).collect();
        assert_eq!(ids, [asker_id]);
        // Two role changes, a removal, two invitations, a departure and the deleted account's.
        assert_eq!(audit_actions(&ctx, org).iter().filter(|a| a.starts_with("organisation.member")).count(), 7);
    }

    async fn concurrent_demotions_never_leave_an_organisation_without_a_representative(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let first = token(&participant(&app, &ctx, "first@example.org").await);
        let org = register_org(&app, &first, "Verein der Zwei", "other_civil_society").await;
        participant(&app, &ctx, "second@example.org").await;
        assert_eq!(invite_and_join(&app, &ctx, &first, org, "second@example.org", "representative").await.status, 200);
        let second = token(&login(&app, "second@example.org", PASSWORD).await.body);
        let (first_id, second_id) = (user_id(&app, &first).await, user_id(&app, &second).await);
        // Each steps down at the same time; each sees two representatives before it writes.
        let a = format!("/api/v1/organisations/{org}/members/{first_id}/role");
        let b = format!("/api/v1/organisations/{org}/members/{second_id}/role");
        let (ra, rb) = futures_util::future::join(
            call(&app, Method::PUT, &a, Some(&first), Some(json!({"role": "member"}))),
            call(&app, Method::PUT, &b, Some(&second), Some(json!({"role": "member"}))),
        ).await;
        let mut statuses = [ra.status.as_u16(), rb.status.as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "{} / {}", ra.text, rb.text);
        let members = call(&app, Method::GET, &format!("/api/v1/organisations/{org}/members"), Some(&first), None).await;
        let reps = members.body["items"].as_array().unwrap().iter().filter(|m| m["role"] == "representative").count();
        assert_eq!(reps, 1);
        // Leaving at the same time: one stays.
        let leave_a = format!("/api/v1/organisations/{org}/members/{first_id}");
        let (still, demoted) = if ra.status == 200 { (&second, &a) } else { (&first, &b) };
        let promote = call(&app, Method::PUT, demoted, Some(still), Some(json!({"role": "representative"}))).await;
        assert_eq!(promote.status, 200, "{}", promote.text);
        let leave_b = format!("/api/v1/organisations/{org}/members/{second_id}");
        let (la, lb) = futures_util::future::join(
            call(&app, Method::DELETE, &leave_a, Some(&first), None),
            call(&app, Method::DELETE, &leave_b, Some(&second), None),
        ).await;
        let mut statuses = [la.status.as_u16(), lb.status.as_u16()];
        statuses.sort();
        assert_eq!(statuses, [204, 409], "{} / {}", la.text, lb.text);
    }

    async fn acting_for_an_organisation_follows_one_rule(db) {
        use beteiligung::organisations::acting::{authorize, Author, Capability};
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let moderator = staff(&app, &ctx, "moderator@example.org", "moderator").await;
        let (rep, verified) = verified_org(&app, &ctx, &moderator, "rep@example.org", "Griechische Gemeinde", "migrant_organisation").await;
        participant(&app, &ctx, "member@example.org").await;
        assert_eq!(invite_and_join(&app, &ctx, &rep, verified, "member@example.org", "member").await.status, 200);
        let pending_rep = token(&participant(&app, &ctx, "pending@example.org").await);
        let pending = register_org(&app, &pending_rep, "Neuer Verein", "other_civil_society").await;
        let outsider = token(&participant(&app, &ctx, "outsider@example.org").await);
        let member = token(&login(&app, "member@example.org", PASSWORD).await.body);
        let (rep_id, member_id, pending_id, outsider_id, moderator_id) = (user_id(&app, &rep).await, user_id(&app, &member).await, user_id(&app, &pending_rep).await, user_id(&app, &outsider).await, user_id(&app, &moderator).await);

        let mut conn = ctx.db.connection();
        fn code<T>(r: Result<T, beteiligung::error::ApiError>) -> String {
            match r {
                Ok(_) => "allowed".to_owned(),
                Err(e) => format!("{} {}", e.status.as_u16(), e.code),
            }
        }
        let cases = [
            (rep_id, verified, Capability::Act, "allowed"),
            (rep_id, verified, Capability::Sign, "allowed"),
            (member_id, verified, Capability::Act, "allowed"),
            (member_id, verified, Capability::Sign, "403 representative_required"),
            (outsider_id, verified, Capability::Act, "403 not_a_member"),
            (moderator_id, verified, Capability::Sign, "403 not_a_member"),
            (pending_id, pending, Capability::Act, "403 organisation_not_verified"),
            (pending_id, pending, Capability::Sign, "403 organisation_not_verified"),
            (outsider_id, pending, Capability::Act, "404 not_found"),
            (rep_id, pending, Capability::Act, "404 not_found"),
            (rep_id, 999_999, Capability::Act, "404 not_found"),
        ];
        for (user, org, capability, expected) in cases {
            assert_eq!(code(authorize(&mut conn, user, org, capability)), expected, "user {user} org {org} {capability:?}");
        }
        let acting = authorize(&mut conn, member_id, verified, Capability::Act).unwrap();
        assert_eq!(acting.name, "Griechische Gemeinde");
        assert_eq!(acting.member_id, member_id);

        // `Author::resolve` gives the person unless an organisation is named.
        let user = beteiligung::auth::extract::Verified(beteiligung::auth::extract::CurrentUser {
            user: beteiligung::auth::store::user_by_id(&mut conn, member_id).unwrap(),
            session_id: 0,
        });
        assert_eq!(Author::resolve(&mut conn, &user, None, Capability::Sign).unwrap(), Author::Person { user_id: member_id });
        assert!(matches!(Author::resolve(&mut conn, &user, Some(verified), Capability::Act).unwrap(), Author::Organisation(o) if o.organisation_id == verified));
        assert_eq!(code(Author::check(&ctx.state.db, &user, Some(verified), Capability::Sign).await), "403 representative_required");

        // A member removed from the organisation can no longer act for it.
        drop(conn);
        assert_eq!(call(&app, Method::DELETE, &format!("/api/v1/organisations/{verified}/members/{member_id}"), Some(&rep), None).await.status, 204);
        let mut conn = ctx.db.connection();
        assert_eq!(code(authorize(&mut conn, member_id, verified, Capability::Act)), "403 not_a_member");
    }
}

/// Opens a write transaction by hand on its own connection, as an endpoint's would be.
fn begin_write(conn: &mut beteiligung::db::DbConnection) {
    use diesel::connection::SimpleConnection;
    let begin = match conn {
        beteiligung::db::DbConnection::Sqlite(_) => "BEGIN IMMEDIATE",
        beteiligung::db::DbConnection::Postgresql(_) => "BEGIN",
    };
    conn.batch_execute(begin).unwrap();
}

/// Runs `request` while a transaction holds its locks; commits it after 300 ms. Returns the
/// answer and whether it came only after the commit (that is, the request waited).
async fn while_locked(
    mut conn: beteiligung::db::DbConnection,
    finish: impl FnOnce(&mut beteiligung::db::DbConnection),
    request: impl std::future::Future<Output = Reply>,
) -> (Reply, bool) {
    use diesel::connection::SimpleConnection;
    let committer = async move {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
        finish(&mut conn);
        conn.batch_execute("COMMIT").unwrap();
        std::time::Instant::now()
    };
    let request = async move {
        let r = request.await;
        (r, std::time::Instant::now())
    };
    let ((reply, answered), committed) = futures_util::future::join(request, committer).await;
    (reply, answered >= committed)
}

both_backends! {
    async fn acting_holds_the_membership_until_the_action_is_written(db) {
        use beteiligung::organisations::acting::{authorize, Capability};
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let moderator = staff(&app, &ctx, "moderator@example.org", "moderator").await;
        let (rep, org) = verified_org(&app, &ctx, &moderator, "rep@example.org", "Verein mit Mitgliedern", "migrant_organisation").await;
        let (_, member_id) = new_member(&app, &ctx, &rep, org, "member@example.org", "member").await;
        // A contribution's transaction has authorised the member and not written yet: their
        // removal waits until it has.
        let mut conn = ctx.db.connection();
        begin_write(&mut conn);
        authorize(&mut conn, member_id, org, Capability::Act).unwrap();
        let uri = format!("/api/v1/organisations/{org}/members/{member_id}");
        let removal = call(&app, Method::DELETE, &uri, Some(&rep), None);
        let (r, waited) = while_locked(conn, |_| {}, removal).await;
        assert_eq!(r.status, 204, "{}", r.text);
        assert!(waited, "the removal did not wait for the acting transaction");
    }

    async fn an_account_deletion_and_membership_changes_happen_one_after_the_other(db) {
        use beteiligung::organisations::{membership, store};
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let moderator = staff(&app, &ctx, "moderator@example.org", "moderator").await;
        let (rep, org) = verified_org(&app, &ctx, &moderator, "rep@example.org", "Verein im Wandel", "welfare_provider").await;
        let (_, leaving_id) = new_member(&app, &ctx, &rep, org, "leaving@example.org", "member").await;
        // The deletion's transaction has locked the account's organisations; the
        // representative promotes the member meanwhile and must wait for the deletion.
        let mut conn = ctx.db.connection();
        begin_write(&mut conn);
        beteiligung::auth::store::lock_user(&mut conn, leaving_id).unwrap();
        assert_eq!(store::lock_memberships_of(&mut conn, leaving_id).unwrap().len(), 1);
        let uri = format!("/api/v1/organisations/{org}/members/{leaving_id}/role");
        let promotion = call(&app, Method::PUT, &uri, Some(&rep), Some(json!({"role": "representative"})));
        let finish = move |conn: &mut beteiligung::db::DbConnection| membership::end_memberships_of_deleted_account(conn, chrono::Utc::now().naive_utc(), leaving_id).unwrap();
        let (r, waited) = while_locked(conn, finish, promotion).await;
        assert!(waited, "the promotion did not wait for the deletion");
        r.assert_problem(404, "not_found");
        assert_eq!(store::representatives(&mut ctx.db.connection(), org).unwrap(), 1);
    }

    async fn hostile_input_is_refused_with_a_problem_not_stored(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let moderator = staff(&app, &ctx, "moderator@example.org", "moderator").await;
        let rep = token(&participant(&app, &ctx, "rep@example.org").await);
        // NUL and escape characters (PostgreSQL refuses NUL in text: that must be a 400).
        for (field, value) in [("description", "a\u{0}b"), ("website", "https://example.org/a\u{0}b"), ("description", "\u{1b}[2J")] {
            let mut body = registration("Verein", "migrant_organisation");
            body[field] = json!(value);
            let r = call(&app, Method::POST, "/api/v1/organisations", Some(&rep), Some(body)).await;
            r.assert_problem(400, "validation_failed");
            assert_eq!(r.body["errors"][0]["field"], field);
        }
        let org = register_org(&app, &rep, "Türkischer Elternverein", "migrant_organisation").await;
        assert_eq!(decide(&app, &moderator, org, "verify", None).await.status, 200);
        let asker = token(&participant(&app, &ctx, "asker@example.org").await);
        call(&app, Method::POST, &format!("/api/v1/organisations/{org}/join-requests"), Some(&asker), Some(json!({"message": "hallo\u{0}"}))).await.assert_problem(400, "validation_failed");
        use base64::Engine;
        let cursor = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("t1:1:a\u{0}b");
        call(&app, Method::GET, &format!("/api/v1/organisations?cursor={cursor}"), None, None).await.assert_problem(400, "validation_failed");
        // The same name written with a combining diaeresis is the same name.
        let twin = register_org(&app, &asker, "Tu\u{308}rkischer  Elternverein", "migrant_organisation").await;
        decide(&app, &moderator, twin, "verify", None).await.assert_problem(409, "name_taken");

        // Before its verification an organisation sends at most ten invitations a day, and
        // replacing or revoking them does not reset the count.
        let pending = register_org(&app, &rep, "Noch zu prüfen", "other_civil_society").await;
        for i in 0..10 {
            let r = call(&app, Method::POST, &format!("/api/v1/organisations/{pending}/invitations"), Some(&rep), Some(json!({"email": format!("ziel{}@example.org", i % 2)}))).await;
            assert_eq!(r.status, 201, "{}", r.text);
        }
        call(&app, Method::POST, &format!("/api/v1/organisations/{pending}/invitations"), Some(&rep), Some(json!({"email": "ziel9@example.org"}))).await
            .assert_problem(409, "too_many_invitations_today");
        ctx.deliver();
        let mail = ctx.sink.to("ziel0@example.org").pop().unwrap();
        assert!(mail.body().contains("noch nicht geprüft"), "{}", mail.body());
    }

    async fn representatives_who_cannot_act_do_not_count_and_deletion_withdraws_lone_registrations(db) {
        use beteiligung::db::schema::organisations;
        use diesel::prelude::*;
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let moderator = staff(&app, &ctx, "moderator@example.org", "moderator").await;
        let admin = staff(&app, &ctx, "admin@example.org", "admin").await;
        let (rep, org) = verified_org(&app, &ctx, &moderator, "rep@example.org", "Verein mit Vorstand", "welfare_provider").await;
        let (_, second_id) = new_member(&app, &ctx, &rep, org, "second@example.org", "representative").await;
        let rep_id = user_id(&app, &rep).await;
        // The second representative is blocked: the first is now the only one who can act.
        assert_eq!(call(&app, Method::POST, &format!("/api/v1/admin/users/{second_id}/block"), Some(&admin), Some(json!({}))).await.status, 200);
        call(&app, Method::DELETE, &format!("/api/v1/organisations/{org}/members/{rep_id}"), Some(&rep), None).await.assert_problem(409, "last_representative");

        // The only representative of registrations never verified can delete their account:
        // the registrations are withdrawn with it. Of a verified one they cannot.
        let lone = token(&participant(&app, &ctx, "lone@example.org").await);
        let pending = register_org(&app, &lone, "Verein auf Probe", "other_civil_society").await;
        assert_eq!(call(&app, Method::DELETE, "/api/v1/me", Some(&lone), Some(json!({"password": PASSWORD}))).await.status, 204);
        let left: i64 = organisations::table.filter(organisations::id.eq(pending)).count().get_result(&mut ctx.db.connection()).unwrap();
        assert_eq!(left, 0);
        call(&app, Method::GET, &format!("/api/v1/organisations/{pending}"), Some(&moderator), None).await.assert_problem(404, "not_found");
        assert!(audit_actions(&ctx, pending).contains(&"organisation.withdrawn".to_owned()));
        call(&app, Method::DELETE, "/api/v1/me", Some(&rep), Some(json!({"password": PASSWORD}))).await.assert_problem(409, "last_representative");
        // A registration can also be withdrawn on its own; a verified organisation cannot.
        let trial = register_org(&app, &rep, "Verein zum Zurückziehen", "other_civil_society").await;
        assert_eq!(call(&app, Method::DELETE, &format!("/api/v1/organisations/{trial}"), Some(&rep), None).await.status, 204);
        call(&app, Method::GET, &format!("/api/v1/organisations/{trial}"), Some(&rep), None).await.assert_problem(404, "not_found");
        call(&app, Method::DELETE, &format!("/api/v1/organisations/{org}"), Some(&rep), None).await.assert_problem(409, "organisation_verified");
        assert_eq!(call(&app, Method::GET, &format!("/api/v1/organisations/{org}"), None, None).await.status, 200);

        // Resubmitting a rejected registration counts against the registrant's three.
        let busy = token(&participant(&app, &ctx, "busy@example.org").await);
        let rejected = register_org(&app, &busy, "Verein Null", "other_civil_society").await;
        assert_eq!(decide(&app, &moderator, rejected, "reject", Some("Unvollständig.")).await.status, 200);
        for i in 1..=3 {
            register_org(&app, &busy, &format!("Verein {i}"), "other_civil_society").await;
        }
        let own = call(&app, Method::GET, &format!("/api/v1/organisations/{rejected}"), Some(&busy), None).await;
        call_if(&app, Method::PATCH, &format!("/api/v1/organisations/{rejected}"), &busy, own.header("etag").unwrap(), Some(json!({"description": "Vollständig."}))).await
            .assert_problem(409, "too_many_pending");
    }
}

both_backends! {
    async fn a_demotion_waits_for_another_change_of_the_same_organisation(db) {
        use beteiligung::organisations::model::MemberRole;
        use beteiligung::organisations::store;
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let first = token(&participant(&app, &ctx, "first@example.org").await);
        let org = register_org(&app, &first, "Verein der Zwei", "other_civil_society").await;
        participant(&app, &ctx, "second@example.org").await;
        assert_eq!(invite_and_join(&app, &ctx, &first, org, "second@example.org", "representative").await.status, 200);
        let second = token(&login(&app, "second@example.org", PASSWORD).await.body);
        let first_id = user_id(&app, &first).await;
        let second_id = user_id(&app, &second).await;
        // The second steps down in a transaction that has not committed yet (as the endpoint
        // does it: lock, count, change); the first steps down meanwhile and must see it.
        let mut conn = ctx.db.connection();
        begin_write(&mut conn);
        store::lock(&mut conn, org).unwrap();
        assert_eq!(store::representatives(&mut conn, org).unwrap(), 2);
        store::set_role(&mut conn, org, second_id, MemberRole::Member).unwrap();
        let uri = format!("/api/v1/organisations/{org}/members/{first_id}/role");
        let demotion = call(&app, Method::PUT, &uri, Some(&first), Some(json!({"role": "member"})));
        let (r, waited) = while_locked(conn, |_| {}, demotion).await;
        assert!(waited, "the demotion did not wait");
        r.assert_problem(409, "last_representative");
        assert_eq!(store::representatives(&mut ctx.db.connection(), org).unwrap(), 1);
    }
}

both_backends! {
    async fn the_demo_invents_no_organisations(db) {
        use beteiligung::db::schema::{organisation_members, organisations};
        use diesel::prelude::*;
        // The test state is seeded with the demo, as `serve` seeds an empty database.
        let state = db.state();
        let app = test::init_service(beteiligung::build_app(&state)).await;
        assert!(call(&app, Method::GET, "/api/v1/consultations", None, None).await.body["items"].as_array().unwrap().len() == 1);
        let mut conn = db.connection();
        let count: i64 = organisations::table.count().get_result(&mut conn).unwrap();
        let members: i64 = organisation_members::table.count().get_result(&mut conn).unwrap();
        assert_eq!((count, members), (0, 0));
        assert_eq!(call(&app, Method::GET, "/api/v1/organisations", None, None).await.body["items"], json!([]));
    }
}

both_backends! {
    async fn a_join_accepted_while_the_account_is_deleted_leaves_no_membership(db) {
        use beteiligung::organisations::membership;
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let moderator = staff(&app, &ctx, "moderator@example.org", "moderator").await;
        let (rep, org) = verified_org(&app, &ctx, &moderator, "rep@example.org", "Verein im Aufbruch", "migrant_organisation").await;
        let asker = token(&participant(&app, &ctx, "asker@example.org").await);
        let asker_id = user_id(&app, &asker).await;
        let r = call(&app, Method::POST, &format!("/api/v1/organisations/{org}/join-requests"), Some(&asker), Some(json!({}))).await;
        let request = r.body["id"].as_i64().unwrap();
        // The account's deletion has locked it; the representative accepts the request
        // meanwhile. Neither may deadlock the other, and no deleted account stays a member.
        let mut conn = ctx.db.connection();
        begin_write(&mut conn);
        beteiligung::auth::store::lock_user(&mut conn, asker_id).unwrap();
        let uri = format!("/api/v1/organisations/{org}/join-requests/{request}/accept");
        let acceptance = call(&app, Method::POST, &uri, Some(&rep), None);
        let finish = move |conn: &mut beteiligung::db::DbConnection| membership::end_memberships_of_deleted_account(conn, chrono::Utc::now().naive_utc(), asker_id).unwrap();
        let (r, _) = while_locked(conn, finish, acceptance).await;
        assert!(matches!(r.status.as_u16(), 200 | 409), "{} {}", r.status, r.text);
        let members = call(&app, Method::GET, &format!("/api/v1/organisations/{org}/members"), Some(&rep), None).await;
        let ids: Vec<i64> = members.body["items"].as_array().unwrap().iter().map(|m| m["user_id"].as_i64().unwrap()).collect();
        assert!(!ids.contains(&asker_id), "{ids:?}");
    }

    async fn limits_and_blocked_representatives_cannot_be_worked_around(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let moderator = staff(&app, &ctx, "moderator@example.org", "moderator").await;
        let admin = staff(&app, &ctx, "admin@example.org", "admin").await;
        // Withdrawing organisations does not reset what one person may send.
        let sender = token(&participant(&app, &ctx, "sender@example.org").await);
        let mut sent = 0;
        'rounds: for round in 0..6 {
            let org = register_org(&app, &sender, &format!("Runde {round}"), "other_civil_society").await;
            for i in 0..10 {
                let r = call(&app, Method::POST, &format!("/api/v1/organisations/{org}/invitations"), Some(&sender), Some(json!({"email": format!("ziel{i}@example.org")}))).await;
                if r.status == 409 {
                    r.assert_problem(409, "too_many_invitations_today");
                    break 'rounds;
                }
                assert_eq!(r.status, 201, "{}", r.text);
                sent += 1;
            }
            assert_eq!(call(&app, Method::DELETE, &format!("/api/v1/organisations/{org}"), Some(&sender), None).await.status, 204);
        }
        assert_eq!(sent, 50);

        // An invitation of a withdrawn organisation is refused as such.
        let org = register_org(&app, &moderator, "Kurzlebig", "other_civil_society").await;
        let r = call(&app, Method::POST, &format!("/api/v1/organisations/{org}/invitations"), Some(&moderator), Some(json!({"email": "gast@example.org"}))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        ctx.deliver();
        let invitation = ctx.sink.to("gast@example.org").pop().unwrap().token();
        assert_eq!(call(&app, Method::DELETE, &format!("/api/v1/organisations/{org}"), Some(&moderator), None).await.status, 204);
        let guest = token(&participant(&app, &ctx, "gast@example.org").await);
        call(&app, Method::POST, "/api/v1/organisation-invitations/accept", Some(&guest), Some(json!({"token": invitation}))).await.assert_problem(400, "invalid_or_expired_token");

        // A blocked representative can be removed while a working one remains.
        let (rep, org) = verified_org(&app, &ctx, &moderator, "rep@example.org", "Verein mit Sperre", "welfare_provider").await;
        let (_, blocked_id) = new_member(&app, &ctx, &rep, org, "blocked@example.org", "representative").await;
        assert_eq!(call(&app, Method::POST, &format!("/api/v1/admin/users/{blocked_id}/block"), Some(&admin), Some(json!({}))).await.status, 200);
        let r = call(&app, Method::PUT, &format!("/api/v1/organisations/{org}/members/{blocked_id}/role"), Some(&rep), Some(json!({"role": "member"}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(call(&app, Method::DELETE, &format!("/api/v1/organisations/{org}/members/{blocked_id}"), Some(&rep), None).await.status, 204);
    }
}
