//! Comments, proposals, supports, reports and their moderation, with the public transparency
//! log: the acceptance points of the participation slice, each on both backends.

use crate::accounts::{call, Ctx, PASSWORD};
use crate::both_backends;
use crate::common::fixtures;
use crate::organisations::call_if;
use actix_web::http::Method;
use beteiligung::auth::model::Role;
use beteiligung::clock::Clock;
use beteiligung::db::schema::{consultations, fields, measures, users};
use chrono::{Duration, Utc};
use diesel::prelude::*;
use serde_json::{json, Value};

/// A person built by the fixtures: their token and id.
#[derive(Clone)]
pub(crate) struct Person {
    pub(crate) token: String,
    pub(crate) id: i64,
}

pub(crate) fn person(ctx: &Ctx, email: &str, role: Role) -> Person {
    let pair = fixtures::account(&ctx.state, email, role);
    Person {
        token: pair["access_token"].as_str().unwrap().to_owned(),
        id: pair["user_id"].as_i64().unwrap(),
    }
}

fn first_measure(ctx: &Ctx) -> (i64, i64) {
    let mut conn = ctx.db.connection();
    measures::table
        .order(measures::id)
        .select((measures::id, measures::field_id))
        .first(&mut conn)
        .unwrap()
}

fn path(consultation: i64, what: &str) -> String {
    format!("/api/v1/consultations/{consultation}/{what}")
}

fn comment_on(target_type: &str, target_id: i64, body: &str) -> Value {
    json!({"target_type": target_type, "target_id": target_id, "body": body})
}

/// A node whose clock stands still until the test moves it.
pub(crate) fn with_fixed_clock(db: crate::common::TestDb) -> (Ctx, Clock) {
    let mut ctx = Ctx::with(db, &[("SESSION_TTL_DAYS", "365")]);
    let clock = Clock::fixed(Utc::now());
    ctx.state.clock = clock.clone();
    (ctx, clock)
}

fn set_moderation(ctx: &Ctx, consultation: i64, mode: &str) {
    let mut conn = ctx.db.connection();
    diesel::update(consultations::table.find(consultation))
        .set(consultations::moderation.eq(mode))
        .execute(&mut conn)
        .unwrap();
}

both_backends! {
    async fn comments_follow_the_window_the_scope_and_the_acting_rule(db) {
        let ctx = Ctx::new(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let lena = person(&ctx, "lena@example.org", Role::Participant);
        let rep = person(&ctx, "vorstand@example.org", Role::Participant);
        let org = fixtures::organisation(&ctx.state, "Verein Brücke", "migrant_organisation", true, rep.id, &[lena.id]);
        let outsider = person(&ctx, "outsider@example.org", Role::Participant);
        let open = fixtures::consultation(&ctx.state, "commenting");
        let upcoming = fixtures::consultation(&ctx.state, "upcoming");
        let (measure, field) = first_measure(&ctx);

        // As oneself: shown with display name and group, never an address; text as written.
        let text = "<script>alert(1)</script> & *nicht fett*\nzweite Zeile\tmit Tab";
        let r = call(&app, Method::POST, &path(open, "comments"), Some(&lena.token), Some(comment_on("measure", measure, text))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["body"], text, "stored and returned exactly as written");
        assert_eq!(r.body["author"]["display_name"], "Lena M.");
        assert_eq!(r.body["author_group"], "citizen");
        assert_eq!(r.body["status"], "visible", "post-moderation publishes at once");
        assert!(!r.text.contains("@example.org"), "no e-mail address: {}", r.text);
        assert!(r.header("location").unwrap().ends_with(&format!("/contributions/{}", r.body["id"])));

        // In the name of a verified organisation: its name and kind, written by the member.
        let mut body = comment_on("field", field, "Für unseren Verein.");
        body["as_organisation"] = json!(org);
        let r = call(&app, Method::POST, &path(open, "comments"), Some(&lena.token), Some(body.clone())).await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["author_group"], "migrant_organisation");
        assert_eq!(r.body["author"]["organisation"]["name"], "Verein Brücke");
        assert_eq!(r.body["author"]["display_name"], "Lena M.", "written by");
        call(&app, Method::POST, &path(open, "comments"), Some(&outsider.token), Some(body)).await
            .assert_problem(403, "not_a_member");

        // Outside the window, outside the scope, unknown items, bad text, unverified address.
        call(&app, Method::POST, &path(upcoming, "comments"), Some(&lena.token), Some(comment_on("measure", measure, "Zu früh."))).await
            .assert_problem(409, "phase_closed");
        call(&app, Method::POST, &path(open, "comments"), Some(&lena.token), Some(comment_on("measure", 999_999, "Gibt es nicht."))).await
            .assert_problem(404, "not_found");
        call(&app, Method::POST, &path(999_999, "comments"), Some(&lena.token), Some(comment_on("measure", measure, "Keine Runde."))).await
            .assert_problem(404, "not_found");
        let r = call(&app, Method::POST, &path(open, "comments"), Some(&lena.token), Some(comment_on("measure", measure, "Steuerzeichen \u{1b}[31m"))).await;
        r.assert_problem(400, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "body", "{}", r.text);
        {
            let mut conn = ctx.db.connection();
            let other_field: i64 = fields::table.filter(fields::id.ne(field)).select(fields::id).first(&mut conn).unwrap();
            diesel::update(consultations::table.find(open)).set(consultations::whole_concept.eq(false)).execute(&mut conn).unwrap();
            diesel::insert_into(beteiligung::db::schema::consultation_fields::table)
                .values((beteiligung::db::schema::consultation_fields::consultation_id.eq(open), beteiligung::db::schema::consultation_fields::field_id.eq(field)))
                .execute(&mut conn).unwrap();
            let r = call(&app, Method::POST, &path(open, "comments"), Some(&lena.token), Some(comment_on("field", other_field, "Nicht dabei."))).await;
            r.assert_problem(404, "not_in_scope");
            assert_eq!(r.body["errors"][0]["field"], "target_id");
            let r = call(&app, Method::POST, &path(open, "comments"), Some(&lena.token), Some(comment_on("measure", measure, "Die Maßnahme gehört zum Feld."))).await;
            assert_eq!(r.status, 201, "a measure of a field in scope: {}", r.text);
            diesel::update(users::table.find(outsider.id)).set(users::email_verified_at.eq(None::<chrono::NaiveDateTime>)).execute(&mut conn).unwrap();
        }
        call(&app, Method::POST, &path(open, "comments"), Some(&outsider.token), Some(comment_on("measure", measure, "Unbestätigt."))).await
            .assert_problem(403, "email_unverified");
        call(&app, Method::POST, &path(open, "comments"), None, Some(comment_on("measure", measure, "Anonym."))).await
            .assert_problem(401, "unauthorized");
    }

    async fn threads_nest_to_a_fixed_depth_and_lists_page_sort_filter_and_count(db) {
        let ctx = Ctx::new(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let lena = person(&ctx, "lena@example.org", Role::Participant);
        let rep = person(&ctx, "vorstand@example.org", Role::Participant);
        let org = fixtures::organisation(&ctx.state, "Caritas Bielefeld", "welfare_provider", true, rep.id, &[]);
        let c = fixtures::consultation(&ctx.state, "commenting");
        let (measure, _) = first_measure(&ctx);
        let mut ids = Vec::new();
        for n in 0..5 {
            let mut body = comment_on("measure", measure, &format!("Kommentar {n}"));
            if n == 4 {
                body["as_organisation"] = json!(org);
            }
            let who = if n == 4 { &rep.token } else { &lena.token };
            let r = call(&app, Method::POST, &path(c, "comments"), Some(who), Some(body)).await;
            assert_eq!(r.status, 201, "{}", r.text);
            ids.push(r.body["id"].as_i64().unwrap());
        }
        // Replies four levels deep, no deeper.
        let mut parent = ids[0];
        for depth in 1..=3 {
            let r = call(&app, Method::POST, &format!("/api/v1/contributions/{parent}/replies"), Some(&rep.token), Some(json!({"body": format!("Antwort {depth}")}))).await;
            assert_eq!(r.status, 201, "{}", r.text);
            assert_eq!(r.body["depth"], depth);
            parent = r.body["id"].as_i64().unwrap();
        }
        call(&app, Method::POST, &format!("/api/v1/contributions/{parent}/replies"), Some(&rep.token), Some(json!({"body": "Zu tief"}))).await
            .assert_problem(409, "thread_too_deep");
        let r = call(&app, Method::POST, &format!("/api/v1/contributions/{}/replies", ids[0]), Some(&lena.token), Some(json!({"body": "Noch eine Antwort"}))).await;
        assert_eq!(r.status, 201);
        let first = call(&app, Method::GET, &format!("/api/v1/contributions/{}", ids[0]), None, None).await;
        assert_eq!(first.body["reply_count"], 2, "{}", first.text);
        let replies = call(&app, Method::GET, &format!("/api/v1/contributions/{}/replies", ids[0]), None, None).await;
        let texts: Vec<&str> = replies.body["items"].as_array().unwrap().iter().map(|i| i["body"].as_str().unwrap()).collect();
        assert_eq!(texts, ["Antwort 1", "Noch eine Antwort"], "oldest first by default");

        // Top level only, in each order, over pages of two.
        let collect = |sort: &'static str| {
            let app = &app;
            async move {
                let mut seen = Vec::new();
                let mut cursor: Option<String> = None;
                loop {
                    let mut uri = format!("{}?target_type=measure&target_id={measure}&sort={sort}&limit=2", path(c, "comments"));
                    if let Some(cur) = &cursor {
                        uri.push_str(&format!("&cursor={cur}"));
                    }
                    let r = call(app, Method::GET, &uri, None, None).await;
                    assert_eq!(r.status, 200, "{}", r.text);
                    seen.extend(r.body["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()));
                    match r.body["next_cursor"].as_str() {
                        Some(next) => cursor = Some(next.to_owned()),
                        None => break seen,
                    }
                }
            }
        };
        let mut newest = ids.clone();
        newest.reverse();
        assert_eq!(collect("newest").await, newest);
        assert_eq!(collect("oldest").await, ids);
        // Supports decide the order; the cursor keeps it stable while they change.
        let supporters: Vec<Person> = (0..3).map(|n| person(&ctx, &format!("fan{n}@example.org"), Role::Participant)).collect();
        for (n, fan) in supporters.iter().enumerate() {
            for id in &ids[..=n] {
                let r = call(&app, Method::PUT, &format!("/api/v1/contributions/{id}/support"), Some(&fan.token), None).await;
                assert_eq!(r.status, 200, "{}", r.text);
            }
        }
        // Counts now: ids[0] 3, ids[1] 2, ids[2] 1, ids[3] 0, ids[4] 0.
        let expected = vec![ids[0], ids[1], ids[2], ids[4], ids[3]];
        assert_eq!(collect("most_supported").await, expected);
        let uri = format!("{}?target_type=measure&target_id={measure}&sort=most_supported&limit=2", path(c, "comments"));
        let page1 = call(&app, Method::GET, &uri, None, None).await;
        let cursor = page1.body["next_cursor"].as_str().unwrap().to_owned();
        // Between pages, the last item gets many supports and the first loses its own.
        for fan in &supporters {
            call(&app, Method::PUT, &format!("/api/v1/contributions/{}/support", ids[3]), Some(&fan.token), None).await;
            call(&app, Method::DELETE, &format!("/api/v1/contributions/{}/support", ids[0]), Some(&fan.token), None).await;
        }
        let mut rest = Vec::new();
        let mut next = Some(cursor);
        while let Some(cur) = next {
            let r = call(&app, Method::GET, &format!("{uri}&cursor={cur}"), None, None).await;
            assert_eq!(r.status, 200, "{}", r.text);
            rest.extend(r.body["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()));
            next = r.body["next_cursor"].as_str().map(str::to_owned);
        }
        assert_eq!(rest, expected[2..].to_vec(), "no item repeated or skipped while supports changed");
        let r = call(&app, Method::GET, &format!("{}?sort=oldest&cursor={}", path(c, "comments"), page1.body["next_cursor"].as_str().unwrap()), None, None).await;
        r.assert_problem(400, "validation_failed");

        // Filter by author group, and counts without paging.
        let r = call(&app, Method::GET, &format!("{}?author_group=welfare_provider", path(c, "comments")), None, None).await;
        assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{}", r.text);
        assert_eq!(r.body["items"][0]["id"], ids[4]);
        let r = call(&app, Method::GET, &format!("{}?target_type=measure&target_id={measure}", path(c, "comment-counts")), None, None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body[0]["comments"], 9, "5 top-level and 4 replies: {}", r.text);
        assert_eq!(r.body[0]["welfare_provider"], 1);
        assert_eq!(r.body[0]["citizen"], 8);
    }

    async fn authors_edit_within_the_window_and_delete_leaving_a_placeholder(db) {
        let (ctx, clock) = with_fixed_clock(db);
        let t0 = clock.now();
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let lena = person(&ctx, "lena@example.org", Role::Participant);
        let other = person(&ctx, "other@example.org", Role::Participant);
        let moderator = person(&ctx, "moderation@example.org", Role::Moderator);
        let c = fixtures::consultation(&ctx.state, "commenting");
        let (measure, _) = first_measure(&ctx);
        let r = call(&app, Method::POST, &path(c, "comments"), Some(&lena.token), Some(comment_on("measure", measure, "Erste Fassung"))).await;
        let id = r.body["id"].as_i64().unwrap();
        let etag = r.header("etag").unwrap().to_owned();
        let uri = format!("/api/v1/contributions/{id}");
        call(&app, Method::PATCH, &uri, Some(&lena.token), Some(json!({"body": "Ohne If-Match"}))).await
            .assert_problem(428, "precondition_required");
        call_if(&app, Method::PATCH, &uri, &other.token, &etag, Some(json!({"body": "Fremd"}))).await
            .assert_problem(403, "not_the_author");
        call_if(&app, Method::PATCH, &uri, &lena.token, &etag, Some(json!({"title": "Nur für Vorschläge"}))).await
            .assert_problem(400, "validation_failed");
        clock.set(t0 + Duration::minutes(59));
        let r = call_if(&app, Method::PATCH, &uri, &lena.token, &etag, Some(json!({"body": "Zweite Fassung"}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["body"], "Zweite Fassung");
        assert!(r.body["edited_at"].is_string(), "the change shows: {}", r.text);
        call_if(&app, Method::PATCH, &uri, &lena.token, &etag, Some(json!({"body": "Veraltet"}))).await
            .assert_problem(412, "precondition_failed");
        let etag = r.header("etag").unwrap().to_owned();
        clock.set(t0 + Duration::minutes(61));
        call_if(&app, Method::PATCH, &uri, &lena.token, &etag, Some(json!({"body": "Zu spät"}))).await
            .assert_problem(409, "edit_window_closed");
        // Moderators read the earlier text; participants may not.
        let revisions = format!("/api/v1/moderation/contributions/{id}/revisions");
        let r = call(&app, Method::GET, &revisions, Some(&moderator.token), None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body[0]["body"], "Erste Fassung");
        call(&app, Method::GET, &revisions, Some(&lena.token), None).await.assert_problem(403, "forbidden");

        // Deleting: the text is gone, the reply stays, the thread keeps a placeholder.
        let r = call(&app, Method::POST, &format!("{uri}/replies"), Some(&other.token), Some(json!({"body": "Eine Antwort"}))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        call(&app, Method::DELETE, &uri, Some(&other.token), None).await.assert_problem(403, "not_the_author");
        let r = call(&app, Method::DELETE, &uri, Some(&lena.token), None).await;
        assert_eq!(r.status, 204, "{}", r.text);
        call(&app, Method::GET, &uri, None, None).await.assert_problem(410, "contribution_gone");
        call(&app, Method::GET, &uri, Some(&lena.token), None).await.assert_problem(410, "contribution_gone");
        let list = call(&app, Method::GET, &path(c, "comments"), None, None).await;
        let r = list.body["items"].as_array().unwrap().iter().find(|i| i["id"] == id).expect("the placeholder stays listed").clone();
        assert_eq!((r["status"].as_str(), r["body"].is_null(), r["author"].is_null()), (Some("deleted"), true, true), "{}", list.text);
        assert_eq!(r["reply_count"], 1);
        let replies = call(&app, Method::GET, &format!("{uri}/replies"), None, None).await;
        assert_eq!(replies.body["items"][0]["body"], "Eine Antwort");
        let r = call(&app, Method::GET, &revisions, Some(&moderator.token), None).await;
        assert_eq!(r.body.as_array().unwrap().len(), 0, "earlier texts go with the text");
        assert!(!call(&app, Method::GET, &path(c, "comments"), None, None).await.text.contains("Fassung"));
    }

    async fn supports_are_idempotent_and_reports_hide_after_three_people(db) {
        let ctx = Ctx::new(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let lena = person(&ctx, "lena@example.org", Role::Participant);
        let moderator = person(&ctx, "moderation@example.org", Role::Moderator);
        let c = fixtures::consultation(&ctx.state, "commenting");
        let (measure, _) = first_measure(&ctx);
        let r = call(&app, Method::POST, &path(c, "comments"), Some(&lena.token), Some(comment_on("measure", measure, "Bitte mehr Sprachkurse."))).await;
        let id = r.body["id"].as_i64().unwrap();
        let support = format!("/api/v1/contributions/{id}/support");
        let fans: Vec<Person> = (0..4).map(|n| person(&ctx, &format!("p{n}@example.org"), Role::Participant)).collect();
        for _ in 0..2 {
            let r = call(&app, Method::PUT, &support, Some(&fans[0].token), None).await;
            assert_eq!((r.status.as_u16(), r.body["support_count"].as_i64()), (200, Some(1)), "{}", r.text);
        }
        let list = call(&app, Method::GET, &path(c, "comments"), Some(&fans[0].token), None).await;
        assert_eq!(list.body["items"][0]["supported"], true, "{}", list.text);
        let list = call(&app, Method::GET, &path(c, "comments"), Some(&fans[1].token), None).await;
        assert_eq!(list.body["items"][0]["supported"], false);
        assert!(call(&app, Method::GET, &path(c, "comments"), None, None).await.body["items"][0]["supported"].is_null());
        for _ in 0..2 {
            let r = call(&app, Method::DELETE, &support, Some(&fans[0].token), None).await;
            assert_eq!((r.status.as_u16(), r.body["support_count"].as_i64()), (200, Some(0)), "{}", r.text);
        }

        let flags = format!("/api/v1/contributions/{id}/flags");
        call(&app, Method::POST, &flags, Some(&fans[0].token), Some(json!({"reason": "other"}))).await
            .assert_problem(400, "validation_failed");
        // Invalid notes are refused whatever the reason (schemathesis does not check this one).
        for note in [json!(""), json!("x".repeat(1001)), json!("Spam\u{7}"), json!("   "), json!(7)] {
            let r = call(&app, Method::POST, &flags, Some(&fans[0].token), Some(json!({"reason": "spam", "note": note}))).await;
            assert_eq!(r.status, 400, "{note}: {}", r.text);
        }
        call(&app, Method::POST, &flags, Some(&fans[0].token), Some(json!({"reason": "gossip"}))).await
            .assert_problem(400, "validation_failed");
        let r = call(&app, Method::POST, &flags, Some(&fans[0].token), Some(json!({"reason": "discrimination_or_racism"}))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        call(&app, Method::POST, &flags, Some(&fans[0].token), Some(json!({"reason": "spam"}))).await
            .assert_problem(409, "already_flagged");
        call(&app, Method::POST, &flags, Some(&fans[1].token), Some(json!({"reason": "insult"}))).await;
        let r = call(&app, Method::GET, &format!("/api/v1/contributions/{id}"), None, None).await;
        assert_eq!(r.body["status"], "visible", "two reports do not hide it");
        call(&app, Method::POST, &flags, Some(&fans[2].token), Some(json!({"reason": "other", "note": "Hetze"}))).await;
        let r = call(&app, Method::GET, &format!("/api/v1/contributions/{id}"), None, None).await;
        assert_eq!((r.body["status"].as_str(), r.body["body"].is_null()), (Some("hidden_pending_review"), true), "{}", r.text);
        call(&app, Method::PUT, &support, Some(&fans[3].token), None).await.assert_problem(409, "not_open_for_reactions");
        call(&app, Method::POST, &flags, Some(&fans[3].token), Some(json!({"reason": "spam"}))).await
            .assert_problem(409, "not_open_for_reactions");

        // The queue shows it with its reports; a moderator restores it (approve dismisses them).
        let q = call(&app, Method::GET, "/api/v1/moderation/contributions?kind=flagged", Some(&moderator.token), None).await;
        assert_eq!(q.status, 200, "{}", q.text);
        let item = &q.body["items"][0];
        assert_eq!((item["contribution"]["id"].as_i64(), item["body"].as_str()), (Some(id), Some("Bitte mehr Sprachkurse.")));
        assert_eq!(item["flags"].as_array().unwrap().len(), 3);
        call(&app, Method::GET, "/api/v1/moderation/contributions", Some(&lena.token), None).await.assert_problem(403, "forbidden");
        let decide = format!("/api/v1/moderation/contributions/{id}/decisions");
        call_if(&app, Method::POST, &decide, &lena.token, item["etag"].as_str().unwrap(), Some(json!({"decision": "approve", "reason": "other"}))).await
            .assert_problem(403, "forbidden");
        let r = call_if(&app, Method::POST, &decide, &moderator.token, item["etag"].as_str().unwrap(), Some(json!({"decision": "approve", "reason": "other", "note": "Sachlich, keine Hetze."}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["contribution"]["status"], "visible");
        let counts = call(&app, Method::GET, "/api/v1/moderation/contributions/counts", Some(&moderator.token), None).await;
        assert_eq!(counts.body["flagged"], 0, "{}", counts.text);
        ctx.deliver();
        let mail = ctx.sink.to("lena@example.org").pop().expect("the author is told");
        assert!(mail.body().contains("Sachlich, keine Hetze."), "{}", mail.body());

        // The public log: what, why, when — nobody.
        let log = call(&app, Method::GET, "/api/v1/transparency/moderation-decisions", None, None).await;
        assert_eq!(log.status, 200, "{}", log.text);
        let entry = &log.body["items"][0];
        assert_eq!((entry["decision"].as_str(), entry["reason"].as_str(), entry["after_automatic_hiding"].as_bool(), entry["item_kind"].as_str()), (Some("approve"), Some("other"), Some(true), Some("comment")));
        for secret in ["Sachlich", "Sprachkurse", "Lena", "example.org", "Hetze"] {
            assert!(!log.text.contains(secret), "{secret} in {}", log.text);
        }
        assert!(entry.get("contribution_id").is_none() && entry.get("moderator_id").is_none() && entry.get("note").is_none());
        let stats = call(&app, Method::GET, "/api/v1/transparency/moderation-statistics", None, None).await;
        assert_eq!(stats.body["total"], 1, "{}", stats.text);
        assert_eq!(stats.body["by_decision"][0]["key"], "approve");
        assert_eq!((stats.body["by_reason"][0]["key"].as_str(), stats.body["by_reason"][0]["count"].as_i64()), (Some("other"), Some(1)));
        assert_eq!(stats.body["by_month"][0]["key"], Utc::now().format("%Y-%m").to_string(), "{}", stats.text);
        // Read by id once decided, it is in no queue.
        let r = call(&app, Method::GET, &format!("/api/v1/moderation/contributions/{id}"), Some(&moderator.token), None).await;
        assert!(r.body["queue"].is_null(), "{}", r.text);
    }

    async fn pre_moderation_keeps_new_items_private_until_one_moderator_decides(db) {
        let ctx = Ctx::new(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let lena = person(&ctx, "lena@example.org", Role::Participant);
        let other = person(&ctx, "other@example.org", Role::Participant);
        let moderator = person(&ctx, "moderation@example.org", Role::Moderator);
        let second = person(&ctx, "moderation2@example.org", Role::Admin);
        let c = fixtures::consultation(&ctx.state, "commenting");
        set_moderation(&ctx, c, "pre");
        let (measure, _) = first_measure(&ctx);
        let r = call(&app, Method::POST, &path(c, "comments"), Some(&lena.token), Some(comment_on("measure", measure, "Warte auf Freigabe."))).await;
        assert_eq!((r.status.as_u16(), r.body["status"].as_str()), (201, Some("pending")), "{}", r.text);
        let id = r.body["id"].as_i64().unwrap();
        let one = format!("/api/v1/contributions/{id}");
        assert_eq!(call(&app, Method::GET, &path(c, "comments"), None, None).await.body["items"].as_array().unwrap().len(), 0);
        assert_eq!(call(&app, Method::GET, &path(c, "comments"), Some(&other.token), None).await.body["items"].as_array().unwrap().len(), 0);
        assert_eq!(call(&app, Method::GET, &path(c, "comments"), Some(&lena.token), None).await.body["items"][0]["status"], "pending");
        call(&app, Method::GET, &one, Some(&other.token), None).await.assert_problem(404, "not_found");
        call(&app, Method::GET, &one, None, None).await.assert_problem(404, "not_found");
        call(&app, Method::POST, &format!("{one}/flags"), Some(&other.token), Some(json!({"reason": "spam"}))).await.assert_problem(404, "not_found");

        let q = call(&app, Method::GET, &format!("/api/v1/moderation/contributions?kind=pending&consultation_id={c}"), Some(&moderator.token), None).await;
        assert_eq!(q.body["items"][0]["queue"], "pending", "{}", q.text);
        let counts = call(&app, Method::GET, &format!("/api/v1/moderation/contributions/counts?consultation_id={c}"), Some(&moderator.token), None).await;
        assert_eq!((counts.body["pending"].as_i64(), counts.body["flagged"].as_i64(), counts.body["unanswered"].as_i64()), (Some(1), Some(0), Some(0)), "{}", counts.text);
        let etag = q.body["items"][0]["etag"].as_str().unwrap().to_owned();
        let decide = format!("/api/v1/moderation/contributions/{id}/decisions");
        call_if(&app, Method::POST, &decide, &moderator.token, &etag, Some(json!({"decision": "reject"}))).await
            .assert_problem(400, "validation_failed");
        call(&app, Method::POST, &decide, Some(&moderator.token), Some(json!({"decision": "approve", "reason": "off_topic"}))).await
            .assert_problem(428, "precondition_required");
        // Two moderators at once: one wins, the other is told the item changed.
        let (a, b) = futures_util::join!(
            call_if(&app, Method::POST, &decide, &moderator.token, &etag, Some(json!({"decision": "approve", "reason": "off_topic"}))),
            call_if(&app, Method::POST, &decide, &second.token, &etag, Some(json!({"decision": "reject", "reason": "spam"}))),
        );
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(statuses, [200, 412], "{} / {}", a.text, b.text);
        let r = call(&app, Method::GET, &one, None, None).await;
        let published = a.status == 200;
        assert_eq!(r.status == 200, published, "{}", r.text);
        call_if(&app, Method::POST, &decide, &moderator.token, &etag, Some(json!({"decision": "approve", "reason": "off_topic"}))).await
            .assert_problem(412, "precondition_failed");
        let current = call(&app, Method::GET, &format!("/api/v1/moderation/contributions/{id}"), Some(&moderator.token), None).await;
        let again = if published { json!({"decision": "approve", "reason": "off_topic"}) } else { json!({"decision": "reject", "reason": "spam"}) };
        call_if(&app, Method::POST, &decide, &moderator.token, current.header("etag").unwrap(), Some(again)).await
            .assert_problem(409, "decision_not_applicable");
        let log = call(&app, Method::GET, &format!("/api/v1/transparency/moderation-decisions?consultation_id={c}"), None, None).await;
        assert_eq!(log.body["items"].as_array().unwrap().len(), 1, "one decision: {}", log.text);
    }

    async fn proposals_are_discussed_and_answered_publicly(db) {
        let ctx = Ctx::new(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let lena = person(&ctx, "lena@example.org", Role::Participant);
        let moderator = person(&ctx, "moderation@example.org", Role::Moderator);
        let c = fixtures::consultation(&ctx.state, "commenting");
        let (measure, field) = first_measure(&ctx);
        let r = call(&app, Method::POST, &path(c, "proposals"), Some(&lena.token), Some(json!({"field_id": field, "title": "Elterncafé in jedem Stadtteil", "body": "Ein offener Treffpunkt.", "rationale": "Eltern erreichen."}))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!((r.body["kind"].as_str(), r.body["title"].as_str()), (Some("proposal"), Some("Elterncafé in jedem Stadtteil")));
        let id = r.body["id"].as_i64().unwrap();
        let r = call(&app, Method::POST, &path(c, "comments"), Some(&lena.token), Some(comment_on("proposal", id, "Gute Idee!"))).await;
        assert_eq!(r.status, 201, "comments on a proposal: {}", r.text);
        let comment = r.body["id"].as_i64().unwrap();
        // Proposals are supported and changed by their authors like comments.
        let other = person(&ctx, "other@example.org", Role::Participant);
        let r = call(&app, Method::PUT, &format!("/api/v1/contributions/{id}/support"), Some(&other.token), None).await;
        assert_eq!(r.body["support_count"], 1, "{}", r.text);
        let one = call(&app, Method::GET, &format!("/api/v1/contributions/{id}"), None, None).await;
        let r = call_if(&app, Method::PATCH, &format!("/api/v1/contributions/{id}"), &lena.token, one.header("etag").unwrap(), Some(json!({"title": "Elterncafé in allen Stadtteilen", "rationale": "Mehr Eltern erreichen."}))).await;
        assert_eq!((r.body["title"].as_str(), r.body["rationale"].as_str(), r.body["body"].as_str()), (Some("Elterncafé in allen Stadtteilen"), Some("Mehr Eltern erreichen."), Some("Ein offener Treffpunkt.")), "{}", r.text);
        let list = call(&app, Method::GET, &format!("{}?field_id={field}", path(c, "proposals")), None, None).await;
        assert_eq!(list.body["items"][0]["id"], id, "{}", list.text);

        let q = call(&app, Method::GET, "/api/v1/moderation/contributions?kind=unanswered", Some(&moderator.token), None).await;
        let counts = call(&app, Method::GET, "/api/v1/moderation/contributions/counts?item_kind=proposal", Some(&moderator.token), None).await;
        assert_eq!(counts.body["unanswered"], 1, "{}", counts.text);
        let etag = q.body["items"][0]["etag"].as_str().unwrap().to_owned();
        let answer = format!("/api/v1/moderation/proposals/{id}/answer");
        call_if(&app, Method::POST, &answer, &moderator.token, &etag, Some(json!({"status": "rejected", "explanation": "Nein.", "measure_id": measure}))).await
            .assert_problem(400, "validation_failed");
        let r = call_if(&app, Method::POST, &answer, &moderator.token, &etag, Some(json!({"status": "accepted", "explanation": "Wird als Maßnahme aufgenommen.", "measure_id": measure}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let public = call(&app, Method::GET, &format!("/api/v1/contributions/{id}"), None, None).await;
        assert_eq!((public.body["answer"]["status"].as_str(), public.body["answer"]["measure_id"].as_i64()), (Some("accepted"), Some(measure)), "{}", public.text);
        call_if(&app, Method::POST, &format!("/api/v1/moderation/proposals/{comment}/answer"), &moderator.token, "*", Some(json!({"status": "rejected", "explanation": "Nein."}))).await
            .assert_problem(409, "not_a_proposal");
        ctx.deliver();
        let mail = ctx.sink.to("lena@example.org").pop().expect("the author is told");
        assert!(mail.body().contains("Wird als Maßnahme aufgenommen."), "{}", mail.body());
        let admin = person(&ctx, "admin@example.org", Role::Admin);
        let audit = call(&app, Method::GET, "/api/v1/admin/audit-log?action=proposal.answered", Some(&admin.token), None).await;
        assert!(audit.text.contains("proposal.answered"), "{}", audit.text);
    }

    async fn a_deleted_account_leaves_its_contributions_as_deleted_participant(db) {
        let ctx = Ctx::new(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let lena = person(&ctx, "lena@example.org", Role::Participant);
        let other = person(&ctx, "other@example.org", Role::Participant);
        let c = fixtures::consultation(&ctx.state, "commenting");
        let (measure, _) = first_measure(&ctx);
        let r = call(&app, Method::POST, &path(c, "comments"), Some(&lena.token), Some(comment_on("measure", measure, "Mein Beitrag bleibt."))).await;
        let mine = r.body["id"].as_i64().unwrap();
        let r = call(&app, Method::POST, &path(c, "comments"), Some(&other.token), Some(comment_on("measure", measure, "Ein anderer Beitrag."))).await;
        let theirs = r.body["id"].as_i64().unwrap();
        call(&app, Method::PUT, &format!("/api/v1/contributions/{theirs}/support"), Some(&lena.token), None).await;
        call(&app, Method::POST, &format!("/api/v1/contributions/{theirs}/flags"), Some(&lena.token), Some(json!({"reason": "other", "note": "Meine Notiz"}))).await;
        let r = call(&app, Method::DELETE, "/api/v1/me", Some(&lena.token), Some(json!({"password": PASSWORD}))).await;
        assert_eq!(r.status, 204, "{}", r.text);
        let r = call(&app, Method::GET, &format!("/api/v1/contributions/{mine}"), None, None).await;
        assert_eq!((r.body["body"].as_str(), r.body["author"]["deleted"].as_bool(), r.body["author"]["display_name"].is_null()), (Some("Mein Beitrag bleibt."), Some(true), true), "{}", r.text);
        let r = call(&app, Method::GET, &format!("/api/v1/contributions/{theirs}"), None, None).await;
        assert_eq!(r.body["support_count"], 0, "the support is withdrawn: {}", r.text);
        let mut conn = ctx.db.connection();
        use beteiligung::db::schema::contribution_flags;
        let flags: Vec<(Option<i64>, Option<String>)> = contribution_flags::table.select((contribution_flags::user_id, contribution_flags::note)).load(&mut conn).unwrap();
        assert_eq!(flags, vec![(None, None)], "the report stays counted, unlinked");
    }

    async fn contribution_writes_are_rate_limited_per_account(db) {
        let ctx = Ctx::with(db, &[("RATE_LIMIT_WRITES_PER_ACCOUNT", "2")]);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let lena = person(&ctx, "lena@example.org", Role::Participant);
        let other = person(&ctx, "other@example.org", Role::Participant);
        let c = fixtures::consultation(&ctx.state, "commenting");
        let (measure, _) = first_measure(&ctx);
        for n in 0..2 {
            let r = call(&app, Method::POST, &path(c, "comments"), Some(&lena.token), Some(comment_on("measure", measure, &format!("Nummer {n}")))).await;
            assert_eq!(r.status, 201, "{}", r.text);
        }
        let r = call(&app, Method::POST, &path(c, "comments"), Some(&lena.token), Some(comment_on("measure", measure, "Eine zu viel"))).await;
        r.assert_problem(429, "rate_limited");
        assert!(r.header("retry-after").is_some());
        let r = call(&app, Method::POST, &path(c, "comments"), Some(&other.token), Some(comment_on("measure", measure, "Jemand anderes"))).await;
        assert_eq!(r.status, 201, "per account: {}", r.text);
    }

    async fn a_comment_page_costs_the_same_statements_for_five_and_for_fifty(db) {
        let ctx = Ctx::new(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let c = fixtures::consultation(&ctx.state, "commenting");
        let (measure, _) = first_measure(&ctx);
        let rep = person(&ctx, "vorstand@example.org", Role::Participant);
        let org = fixtures::organisation(&ctx.state, "Verein A", "migrant_organisation", true, rep.id, &[]);
        for n in 0..60 {
            let author = person(&ctx, &format!("p{n}@example.org"), Role::Participant);
            let mut body = comment_on("measure", measure, &format!("Beitrag {n}"));
            let token = if n % 10 == 0 {
                body["as_organisation"] = json!(org);
                &rep.token
            } else {
                &author.token
            };
            let r = call(&app, Method::POST, &path(c, "comments"), Some(token), Some(body)).await;
            assert_eq!(r.status, 201, "{}", r.text);
            if n % 3 == 0 {
                call(&app, Method::PUT, &format!("/api/v1/contributions/{}/support", r.body["id"]), Some(&rep.token), None).await;
            }
        }
        // Two of the representative's comments wait for approval: only they (and staff) see them.
        {
            use beteiligung::db::schema::contributions;
            use diesel::connection::SimpleConnection;
            let mut conn = ctx.state.db.pool().get().unwrap();
            let theirs: Vec<i64> = contributions::table.filter(contributions::author_id.eq(rep.id)).select(contributions::id).order(contributions::id).load(&mut conn).unwrap();
            conn.batch_execute(&format!("UPDATE contributions SET state = 'pending' WHERE id IN ({}, {})", theirs[1], theirs[3])).unwrap();
        }
        use beteiligung::contributions::{domain, model, store};
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        let now = Utc::now().naive_utc();
        let anonymous = store::Viewer { user: None, staff: false };
        let reader = store::Viewer { user: Some(rep.id), staff: false };
        for sort in [model::Sort::Newest, model::Sort::MostSupported] {
            let listing = store::Listing { consultation_id: Some(c), kind: model::ContributionKind::Comment, parent_id: None, target_type: Some(model::TargetType::Measure), target_id: Some(measure), author_group: None, language: None, sort };
            for signed_in in [false, true] {
                let mut counts = Vec::new();
                for limit in [5, 50] {
                    let mut conn = ctx.state.db.pool().get().unwrap();
                    let statements = Arc::new(AtomicUsize::new(0));
                    let seen = statements.clone();
                    conn.set_instrumentation(move |event: diesel::connection::InstrumentationEvent<'_>| {
                        if matches!(event, diesel::connection::InstrumentationEvent::StartQuery { .. }) {
                            seen.fetch_add(1, Ordering::SeqCst);
                        }
                    });
                    let page = beteiligung::http::pagination::PageRequest { limit, after: None };
                    // A participant's page is the public's page and their own share of it.
                    let public = domain::list(&mut conn, now, anonymous, &listing, &page, &Default::default()).unwrap();
                    let found = if signed_in {
                        let own = domain::own_share(&mut conn, reader, &listing, &page, &public).unwrap();
                        domain::merged(&public, &own, rep.id, limit)
                    } else {
                        public.page()
                    };
                    assert_eq!(found.items.len(), limit as usize);
                    counts.push(statements.load(Ordering::SeqCst));
                }
                assert_eq!(counts[0], counts[1], "{sort:?} signed in {signed_in}: statements for 5 and for 50 comments");
                // The consultation, the page, authors and organisations; for the reader also their
                // unpublished comments with their authors and organisations, and their supports.
                assert!(counts[0] <= if signed_in { 8 } else { 4 }, "{counts:?}");
            }
        }
    }

    async fn a_participants_page_from_the_public_page_is_their_page_from_the_database(db) {
        let ctx = Ctx::new(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let c = fixtures::consultation(&ctx.state, "commenting");
        let (measure, _) = first_measure(&ctx);
        let reader = person(&ctx, "leserin@example.org", Role::Participant);
        let mut ids = Vec::new();
        for n in 0..23 {
            let author = if n % 4 == 0 { reader.clone() } else { person(&ctx, &format!("p{n}@example.org"), Role::Participant) };
            let r = call(&app, Method::POST, &path(c, "comments"), Some(&author.token), Some(comment_on("measure", measure, &format!("Beitrag {n}")))).await;
            assert_eq!(r.status, 201, "{}", r.text);
            let id = r.body["id"].as_i64().unwrap();
            ids.push(id);
            // Supports from the reader and from others, so that the order by support mixes.
            for k in 0..(n % 5) {
                let supporter = if k == 0 { reader.clone() } else { person(&ctx, &format!("s{n}-{k}@example.org"), Role::Participant) };
                let r = call(&app, Method::PUT, &format!("/api/v1/contributions/{id}/support"), Some(&supporter.token), None).await;
                assert_eq!(r.status, 200, "{}", r.text);
            }
        }
        // Three of the reader's comments and one of somebody else's wait for approval.
        {
            use diesel::connection::SimpleConnection;
            let mut conn = ctx.state.db.pool().get().unwrap();
            let pending = format!("{}, {}, {}, {}", ids[4], ids[12], ids[20], ids[5]);
            conn.batch_execute(&format!("DELETE FROM contribution_supports WHERE contribution_id IN ({pending}); UPDATE contributions SET state = 'pending', support_count = 0 WHERE id IN ({pending})")).unwrap();
        }
        use beteiligung::contributions::{domain, model, store};
        use beteiligung::http::pagination::{PageCursor, PageRequest};
        let now = Utc::now().naive_utc();
        let anonymous = store::Viewer { user: None, staff: false };
        let viewer = store::Viewer { user: Some(reader.id), staff: false };
        for sort in [model::Sort::Newest, model::Sort::Oldest, model::Sort::MostSupported] {
            let listing = store::Listing { consultation_id: Some(c), kind: model::ContributionKind::Comment, parent_id: None, target_type: Some(model::TargetType::Measure), target_id: Some(measure), author_group: None, language: None, sort };
            let mut conn = ctx.state.db.pool().get().unwrap();
            let (mut after, mut pages, mut seen) = (None, 0, 0);
            loop {
                let page = PageRequest { limit: 4, after };
                let direct = domain::list(&mut conn, now, viewer, &listing, &page, &Default::default()).unwrap().page();
                let public = domain::list(&mut conn, now, anonymous, &listing, &page, &Default::default()).unwrap();
                let own = domain::own_share(&mut conn, viewer, &listing, &page, &public).unwrap();
                let built = domain::merged(&public, &own, reader.id, 4);
                assert_eq!(serde_json::to_value(&built).unwrap(), serde_json::to_value(&direct).unwrap(), "{sort:?}, page {pages}");
                seen += built.items.len();
                pages += 1;
                match built.next_cursor {
                    Some(next) => after = Some(store::SortCursor::decode(&next).unwrap()),
                    None => break,
                }
            }
            // 23 comments, one of them pending and somebody else's.
            assert_eq!(seen, 22, "{sort:?}");
            assert_eq!(pages, 6, "{sort:?}");
        }
        // Through the API the signed-in page shows the reader's pending comments and supports.
        let r = call(&app, Method::GET, &format!("{}?target_type=measure&target_id={measure}&limit=30", path(c, "comments")), Some(&reader.token), None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let items = r.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 22);
        assert_eq!(items.iter().filter(|i| i["status"] == "pending").count(), 3);
        assert!(items.iter().filter(|i| i["mine"] == true).count() == 6);
        assert!(items.iter().any(|i| i["supported"] == true));
        let r = call(&app, Method::GET, &format!("{}?target_type=measure&target_id={measure}&limit=30", path(c, "comments")), None, None).await;
        assert_eq!(r.body["items"].as_array().unwrap().len(), 19);
        // The reader's own support shows on their next page at once (this node's cache is
        // cleared by it).
        let unsupported = items.iter().find(|i| i["supported"] == false && i["status"] == "visible").unwrap()["id"].as_i64().unwrap();
        let r = call(&app, Method::PUT, &format!("/api/v1/contributions/{unsupported}/support"), Some(&reader.token), None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let r = call(&app, Method::GET, &format!("{}?target_type=measure&target_id={measure}&limit=30", path(c, "comments")), Some(&reader.token), None).await;
        let again = r.body["items"].as_array().unwrap().iter().find(|i| i["id"] == unsupported).unwrap().clone();
        assert_eq!(again["supported"], true);
    }

    async fn anonymous_pages_are_cached_per_node_and_a_decision_clears_its_node_at_once(db) {
        let ctx = Ctx::new(db);
        let node_a = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        // A second node: its own cache (one second), the same database and key.
        let other = ctx.db.state_with(&[("COMMENT_CACHE_TTL_SECS", "1")]);
        let node_b = actix_web::test::init_service(beteiligung::build_app(&other)).await;
        let lena = person(&ctx, "lena@example.org", Role::Participant);
        let moderator = person(&ctx, "moderation@example.org", Role::Moderator);
        let c = fixtures::consultation(&ctx.state, "commenting");
        let (measure, _) = first_measure(&ctx);
        let r = call(&node_a, Method::POST, &path(c, "comments"), Some(&lena.token), Some(comment_on("measure", measure, "Sichtbar"))).await;
        let id = r.body["id"].as_i64().unwrap();
        let page = format!("{}?target_type=measure&target_id={measure}", path(c, "comments"));
        let status = |r: &crate::common::Reply| r.body["items"][0]["status"].as_str().unwrap_or_default().to_owned();
        for node in [&node_a, &node_b] {
            let r = call(node, Method::GET, &page, None, None).await;
            assert_eq!(status(&r), "visible", "{}", r.text);
            let etag = r.header("etag").expect("anonymous pages carry an ETag").to_owned();
            let again = actix_web::test::TestRequest::get().uri(&page).insert_header(("if-none-match", etag)).to_request();
            assert_eq!(crate::common::send(node, again).await.status, 304);
        }
        let item = call(&node_a, Method::GET, &format!("/api/v1/moderation/contributions/{id}"), Some(&moderator.token), None).await;
        let r = call_if(&node_a, Method::POST, &format!("/api/v1/moderation/contributions/{id}/decisions"), &moderator.token, item.header("etag").unwrap(), Some(json!({"decision": "hide", "reason": "insult"}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        // The deciding node never serves the hidden text once the decision has answered.
        let r = call(&node_a, Method::GET, &page, None, None).await;
        assert_eq!((status(&r).as_str(), r.body["items"][0]["body"].is_null()), ("hidden", true), "{}", r.text);
        // The other node may serve its copy until it expires (here one second), not longer.
        let r = call(&node_b, Method::GET, &page, None, None).await;
        assert_eq!(status(&r), "visible", "node b answers from its cache: {}", r.text);
        std::thread::sleep(std::time::Duration::from_millis(1200));
        let r = call(&node_b, Method::GET, &page, None, None).await;
        assert_eq!(status(&r), "hidden", "after the documented staleness: {}", r.text);
        // Signed-in callers always read the database.
        let r = call(&node_a, Method::POST, &path(c, "comments"), Some(&lena.token), Some(comment_on("measure", measure, "Neu"))).await;
        assert_eq!(r.status, 201);
        let r = call(&node_b, Method::GET, &page, Some(&moderator.token), None).await;
        assert_eq!(r.body["items"][0]["body"], "Neu", "{}", r.text);
        assert!(r.header("etag").is_none());
    }
}
