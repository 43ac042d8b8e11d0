//! Assisted participation and the languages of contributions (issue 15, points 4 and 5):
//! facilitators record comments, proposals and ballots on behalf of people without an
//! account; every list filters by the declared language. Each test on both backends.

use crate::accounts::{call, login, Ctx, PASSWORD};
use crate::both_backends;
use crate::common::fixtures;
use crate::contributions::{person, with_fixed_clock, Person};
use actix_web::http::Method;
use actix_web::test;
use beteiligung::auth::model::Role;
use beteiligung::db::schema::{
    ballots, consultation_options, consultations, contributions, measures,
};
use chrono::Duration;
use diesel::prelude::*;
use serde_json::{json, Value};

const CONTACT: &str = "Tel. 0521 5557788";

fn on_behalf_of(name: &str, group: &str) -> Value {
    json!({"name": name, "contact": CONTACT, "group": group, "consent_declared": true})
}

fn first_field(ctx: &Ctx) -> i64 {
    let mut conn = ctx.db.connection();
    measures::table
        .order(measures::id)
        .select(measures::field_id)
        .first(&mut conn)
        .unwrap()
}

fn post_moderated(ctx: &Ctx, consultation: i64) {
    let mut conn = ctx.db.connection();
    diesel::update(consultations::table.find(consultation))
        .set(consultations::moderation.eq("post"))
        .execute(&mut conn)
        .unwrap();
}

fn options(ctx: &Ctx, c: i64) -> Vec<i64> {
    let mut conn = ctx.db.connection();
    consultation_options::table
        .filter(consultation_options::consultation_id.eq(c))
        .order(consultation_options::position)
        .select(consultation_options::item_id)
        .load(&mut conn)
        .unwrap()
}

fn comments(c: i64) -> String {
    format!("/api/v1/consultations/{c}/comments")
}

fn assisted_comment(field: i64, name: &str) -> Value {
    json!({"target_type": "field", "target_id": field, "body": "Mehr Sprachkurse am Abend, bitte.", "language": "tr", "on_behalf_of": on_behalf_of(name, "citizen")})
}

fn group<'a>(results: &'a Value, name: &str) -> &'a Value {
    results["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == name)
        .unwrap()
}

both_backends! {
    async fn administrators_grant_the_facilitator_role_and_the_audit_log_says_so(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let admin = person(&ctx, "admin@example.org", Role::Admin);
        let helper = person(&ctx, "helper@example.org", Role::Participant);
        let c = fixtures::consultation(&ctx.state, "commenting");
        let field = first_field(&ctx);
        call(&app, Method::POST, &comments(c), Some(&helper.token), Some(assisted_comment(field, "Ayşe K."))).await
            .assert_problem(403, "not_a_facilitator");

        let r = call(&app, Method::PUT, &format!("/api/v1/admin/users/{}/role", helper.id), Some(&admin.token), Some(json!({"role": "facilitator"}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["role"], "facilitator");
        let log = call(&app, Method::GET, "/api/v1/admin/audit-log?object_type=user", Some(&admin.token), None).await;
        let change = &log.body["items"][0];
        assert_eq!(change["action"], "user.role_changed");
        assert_eq!(change["actor_id"], admin.id);
        assert_eq!(change["object_id"], helper.id);
        assert_eq!(change["details"]["after"]["role"], "facilitator");

        // The role change ended the sessions; signed in again, the facilitator records for
        // others and still takes part as themselves.
        let token = login(&app, "helper@example.org", PASSWORD).await.body["access_token"].as_str().unwrap().to_owned();
        let r = call(&app, Method::POST, &comments(c), Some(&token), Some(assisted_comment(field, "Ayşe K."))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let own = json!({"target_type": "field", "target_id": field, "body": "Meine eigene Meinung."});
        let r = call(&app, Method::POST, &comments(c), Some(&token), Some(own)).await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["assisted"], false);
        assert_eq!(r.body["author"]["display_name"], "Lena M.");
    }

    async fn a_facilitator_records_comments_and_proposals_shown_as_assisted_without_the_contact(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let facilitator = person(&ctx, "helper@example.org", Role::Facilitator);
        let participant = person(&ctx, "lena@example.org", Role::Participant);
        let moderator = person(&ctx, "moderator@example.org", Role::Moderator);
        let admin = person(&ctx, "admin@example.org", Role::Admin);
        let c = fixtures::consultation(&ctx.state, "commenting");
        post_moderated(&ctx, c);
        let field = first_field(&ctx);

        // The declaration of consent is required, and must be `true`.
        let mut missing = assisted_comment(field, "Ayşe K.");
        missing["on_behalf_of"].as_object_mut().unwrap().remove("consent_declared");
        let r = call(&app, Method::POST, &comments(c), Some(&facilitator.token), Some(missing)).await;
        r.assert_problem(400, "validation_failed");
        assert!(r.text.contains("consent_declared"), "{}", r.text);
        let mut refused = assisted_comment(field, "Ayşe K.");
        refused["on_behalf_of"]["consent_declared"] = json!(false);
        let r = call(&app, Method::POST, &comments(c), Some(&facilitator.token), Some(refused)).await;
        r.assert_problem(400, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "on_behalf_of.consent_declared", "{}", r.text);
        assert_eq!(r.body["errors"][0]["code"], "consent_required");
        // Participants, moderators and administrators do not record for others.
        for token in [&participant.token, &moderator.token, &admin.token] {
            call(&app, Method::POST, &comments(c), Some(token), Some(assisted_comment(field, "Ayşe K."))).await
                .assert_problem(403, "not_a_facilitator");
        }

        let r = call(&app, Method::POST, &comments(c), Some(&facilitator.token), Some(assisted_comment(field, "Ayşe K."))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let comment = r.body["id"].as_i64().unwrap();
        assert_eq!(r.body["assisted"], true);
        assert_eq!(r.body["author"]["display_name"], "Ayşe K.");
        assert_eq!(r.body["language"], "tr");
        assert!(!r.text.contains(CONTACT));
        let proposal = json!({"field_id": field, "title": "Elterncafé auf Türkisch", "body": "Ein Treffpunkt für Eltern.", "on_behalf_of": on_behalf_of("Mehmet", "citizen")});
        let r = call(&app, Method::POST, &format!("/api/v1/consultations/{c}/proposals"), Some(&facilitator.token), Some(proposal)).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let proposal = r.body["id"].as_i64().unwrap();
        assert_eq!(r.body["language"], "und");

        // Public: marked as assisted, under the person's name, never with the contact.
        let list = call(&app, Method::GET, &comments(c), None, None).await;
        assert_eq!(list.body["items"][0]["id"], comment);
        assert_eq!(list.body["items"][0]["assisted"], true);
        assert_eq!(list.body["items"][0]["author"]["display_name"], "Ayşe K.");
        assert!(!list.text.contains(CONTACT));
        let one = call(&app, Method::GET, &format!("/api/v1/contributions/{comment}"), Some(&participant.token), None).await;
        assert_eq!(one.body["assisted"], true);
        assert!(!one.text.contains(CONTACT));
        let proposals = call(&app, Method::GET, &format!("/api/v1/consultations/{c}/proposals"), None, None).await;
        assert_eq!(proposals.body["items"][0]["assisted"], true);
        assert_eq!(proposals.body["items"][0]["author"]["display_name"], "Mehmet");
        assert!(!proposals.text.contains(CONTACT));

        // Moderators: the facilitator and the contact, with the other assisted entries.
        let queue = call(&app, Method::GET, &format!("/api/v1/moderation/contributions?assisted=true&facilitator_id={}", facilitator.id), Some(&moderator.token), None).await;
        assert_eq!(queue.status, 200, "{}", queue.text);
        let items = queue.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["assisted_by"]["facilitator_id"], facilitator.id);
        assert_eq!(items[0]["assisted_by"]["contact"], CONTACT);
        let others = call(&app, Method::GET, "/api/v1/moderation/contributions?assisted=false", Some(&moderator.token), None).await;
        assert!(others.body["items"].as_array().unwrap().iter().all(|i| i["contribution"]["assisted"] == false));

        // The audit log names the facilitator, not the person or the contact.
        let log = call(&app, Method::GET, &format!("/api/v1/admin/audit-log?actor_id={}", facilitator.id), Some(&admin.token), None).await;
        let actions: Vec<_> = log.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["proposal.created", "comment.created"]);
        assert_eq!(log.body["items"][1]["details"]["assisted"], true);
        assert!(!log.text.contains("Ayşe") && !log.text.contains(CONTACT), "{}", log.text);

        // A moderator hides an assisted comment like any other.
        let item = call(&app, Method::GET, &format!("/api/v1/moderation/contributions/{comment}"), Some(&moderator.token), None).await;
        let etag = item.header("etag").unwrap().to_owned();
        let r = crate::common::send(&app, test::TestRequest::post()
            .uri(&format!("/api/v1/moderation/contributions/{comment}/decisions"))
            .insert_header(("authorization", format!("Bearer {}", moderator.token)))
            .insert_header(("if-match", etag))
            .set_json(json!({"decision": "hide", "reason": "off_topic"}))
            .to_request()).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let list = call(&app, Method::GET, &comments(c), None, None).await;
        assert_eq!(list.body["items"][0]["status"], "hidden");
        assert!(!list.text.contains("Ayşe"));

        // Per-facilitator counts for moderators.
        let counts = call(&app, Method::GET, "/api/v1/moderation/facilitators", Some(&moderator.token), None).await;
        assert_eq!(counts.status, 200, "{}", counts.text);
        let mine = counts.body["items"].as_array().unwrap().iter().find(|f| f["user_id"] == facilitator.id).unwrap().clone();
        assert_eq!(mine["facilitator"], true);
        assert_eq!(mine["comments"], json!({"total": 1, "last_24h": 1, "hidden": 1}));
        assert_eq!(mine["proposals"], json!({"total": 1, "last_24h": 1, "hidden": 0}));
        assert_eq!(mine["ballots"], json!({"total": 0, "last_24h": 0, "hidden": 0}));

        // The facilitator corrects what they recorded within the edit window, or deletes it.
        let r = crate::common::send(&app, test::TestRequest::patch()
            .uri(&format!("/api/v1/contributions/{proposal}"))
            .insert_header(("authorization", format!("Bearer {}", facilitator.token)))
            .insert_header(("if-match", call(&app, Method::GET, &format!("/api/v1/contributions/{proposal}"), None, None).await.header("etag").unwrap().to_owned()))
            .set_json(json!({"language": "TR"}))
            .to_request()).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["language"], "tr");
        assert_eq!(r.body["author"]["display_name"], "Mehmet");
        let r = call(&app, Method::DELETE, &format!("/api/v1/contributions/{proposal}"), Some(&participant.token), None).await;
        r.assert_problem(403, "not_the_author");

        // The facilitator's export: what they recorded, marked, without the person's data.
        let export = call(&app, Method::GET, "/api/v1/me/export", Some(&facilitator.token), None).await;
        assert_eq!(export.status, 200, "{}", export.text);
        let recorded = export.body["sections"]["contributions"]["contributions"].as_array().unwrap();
        assert_eq!(recorded.len(), 2);
        assert!(recorded.iter().all(|c| c["assisted"] == true));
        assert!(!export.text.contains(CONTACT) && !export.text.contains("Mehmet"), "{}", export.text);
    }

    async fn assisted_ballots_count_inside_their_group_and_apart(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let facilitator = person(&ctx, "helper@example.org", Role::Facilitator);
        let participant = person(&ctx, "lena@example.org", Role::Participant);
        let moderator = person(&ctx, "moderator@example.org", Role::Moderator);
        let admin = person(&ctx, "admin@example.org", Role::Admin);
        let c = fixtures::consultation(&ctx.state, "voting");
        let o = options(&ctx, c);
        let assisted = format!("/api/v1/consultations/{c}/assisted-ballots");
        let ballot = |name: &str, option: i64, points: i32| json!({"on_behalf_of": on_behalf_of(name, "citizen"), "allocations": [{"option_id": option, "points": points}]});

        let r = call(&app, Method::PUT, &format!("/api/v1/consultations/{c}/ballot"), Some(&participant.token), Some(json!({"allocations": [{"option_id": o[0], "points": 3}]}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        call(&app, Method::POST, &assisted, Some(&participant.token), Some(ballot("Ayşe K.", o[0], 2))).await
            .assert_problem(403, "not_a_facilitator");
        let mut refused = ballot("Ayşe K.", o[0], 2);
        refused["on_behalf_of"]["consent_declared"] = json!(false);
        call(&app, Method::POST, &assisted, Some(&facilitator.token), Some(refused)).await
            .assert_problem(400, "validation_failed");
        let first = call(&app, Method::POST, &assisted, Some(&facilitator.token), Some(ballot("Ayşe K.", o[0], 2))).await;
        assert_eq!(first.status, 201, "{}", first.text);
        assert_eq!(first.body["assisted"], true);
        assert!(!first.text.contains(CONTACT));
        let second = call(&app, Method::POST, &assisted, Some(&facilitator.token), Some(ballot("Mehmet", o[1], 1))).await;
        assert_eq!(second.status, 201, "{}", second.text);
        // The facilitator's own ballot is a thing apart.
        let own = call(&app, Method::PUT, &format!("/api/v1/consultations/{c}/ballot"), Some(&facilitator.token), Some(json!({"allocations": [{"option_id": o[1], "points": 3}]}))).await;
        assert_eq!(own.status, 200, "{}", own.text);

        let results = call(&app, Method::GET, &format!("/api/v1/consultations/{c}/results"), Some(&admin.token), None).await;
        assert_eq!(results.status, 200, "{}", results.text);
        assert_eq!(results.body["ballots"], 4);
        assert_eq!(results.body["assisted_ballots"], 2);
        let citizen = group(&results.body, "citizen");
        assert_eq!(citizen["ballots"], 4);
        assert_eq!(citizen["assisted_ballots"], 2);
        assert_eq!(citizen["assisted_points"], 3);
        let first_option = citizen["options"].as_array().unwrap().iter().find(|x| x["option_id"] == o[0]).unwrap();
        assert_eq!(first_option["points"], 5);
        assert_eq!(group(&results.body, "welfare_provider")["assisted_ballots"], 0);

        // Audited with the facilitator; withdrawn by them only.
        let log = call(&app, Method::GET, &format!("/api/v1/admin/audit-log?actor_id={}", facilitator.id), Some(&admin.token), None).await;
        let actions: Vec<_> = log.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["ballot.assisted_cast", "ballot.assisted_cast"]);
        assert!(!log.text.contains("Ayşe") && !log.text.contains(CONTACT));
        let id = first.body["id"].as_i64().unwrap();
        let other = person(&ctx, "other-helper@example.org", Role::Facilitator);
        call(&app, Method::DELETE, &format!("{assisted}/{id}"), Some(&other.token), None).await.assert_problem(404, "not_found");
        assert_eq!(call(&app, Method::DELETE, &format!("{assisted}/{id}"), Some(&facilitator.token), None).await.status, 204);
        let results = call(&app, Method::GET, &format!("/api/v1/consultations/{c}/results"), Some(&admin.token), None).await;
        let citizen = group(&results.body, "citizen");
        assert_eq!((citizen["ballots"].as_i64(), citizen["assisted_ballots"].as_i64(), citizen["assisted_points"].as_i64()), (Some(3), Some(1), Some(1)));

        let counts = call(&app, Method::GET, "/api/v1/moderation/facilitators", Some(&moderator.token), None).await;
        let mine = counts.body["items"].as_array().unwrap().iter().find(|f| f["user_id"] == facilitator.id).unwrap().clone();
        assert_eq!(mine["ballots"], json!({"total": 1, "last_24h": 1, "hidden": 0}));
    }

    async fn assisted_entries_are_rate_limited_per_facilitator(db) {
        let ctx = Ctx::with(db, &[("ASSISTED_PER_HOUR", "2")]);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let facilitator = person(&ctx, "helper@example.org", Role::Facilitator);
        let c = fixtures::consultation(&ctx.state, "commenting_and_voting");
        let field = first_field(&ctx);
        for name in ["Ayşe K.", "Mehmet"] {
            let r = call(&app, Method::POST, &comments(c), Some(&facilitator.token), Some(assisted_comment(field, name))).await;
            assert_eq!(r.status, 201, "{}", r.text);
        }
        let r = call(&app, Method::POST, &comments(c), Some(&facilitator.token), Some(assisted_comment(field, "Olga"))).await;
        r.assert_problem(429, "rate_limited");
        assert!(r.header("retry-after").is_some());
        let o = options(&ctx, c);
        let ballot = json!({"on_behalf_of": on_behalf_of("Olga", "citizen"), "allocations": [{"option_id": o[0], "points": 1}]});
        call(&app, Method::POST, &format!("/api/v1/consultations/{c}/assisted-ballots"), Some(&facilitator.token), Some(ballot)).await
            .assert_problem(429, "rate_limited");
        // Their own contributions are not assisted entries.
        let own = json!({"target_type": "field", "target_id": field, "body": "Meine eigene Meinung."});
        assert_eq!(call(&app, Method::POST, &comments(c), Some(&facilitator.token), Some(own)).await.status, 201);
    }

    async fn the_contacts_of_assisted_people_are_erased_90_days_after_the_consultation(db) {
        let (ctx, clock) = with_fixed_clock(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let facilitator = person(&ctx, "helper@example.org", Role::Facilitator);
        let c = fixtures::consultation(&ctx.state, "commenting_and_voting");
        let field = first_field(&ctx);
        let r = call(&app, Method::POST, &comments(c), Some(&facilitator.token), Some(assisted_comment(field, "Ayşe K."))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let o = options(&ctx, c);
        let ballot = json!({"on_behalf_of": on_behalf_of("Mehmet", "citizen"), "allocations": [{"option_id": o[0], "points": 1}]});
        let r = call(&app, Method::POST, &format!("/api/v1/consultations/{c}/assisted-ballots"), Some(&facilitator.token), Some(ballot)).await;
        assert_eq!(r.status, 201, "{}", r.text);

        let mut conn = ctx.db.connection();
        let (comment_close, vote_close): (Option<chrono::NaiveDateTime>, Option<chrono::NaiveDateTime>) = consultations::table
            .find(c)
            .select((consultations::comment_closes_at, consultations::vote_closes_at))
            .first(&mut conn)
            .unwrap();
        let (comment_close, vote_close) = (comment_close.unwrap().and_utc(), vote_close.unwrap().and_utc());
        let minute = Duration::minutes(1);
        let purge_at = |conn: &mut beteiligung::db::DbConnection, at: chrono::DateTime<chrono::Utc>| {
            clock.set(at);
            beteiligung::privacy::retention::purge(conn, beteiligung::PERSONAL_DATA, at.naive_utc(), None).unwrap();
        };
        let contact = |conn: &mut beteiligung::db::DbConnection| -> (Option<String>, Option<String>) {
            contributions::table.select((contributions::assisted_name, contributions::assisted_contact)).first(conn).unwrap()
        };
        let voter = |conn: &mut beteiligung::db::DbConnection| -> (Option<String>, Option<String>) {
            ballots::table.filter(ballots::assisted_by.is_not_null()).select((ballots::assisted_name, ballots::assisted_contact)).first(conn).unwrap()
        };
        purge_at(&mut conn, comment_close + Duration::days(90) - minute);
        assert_eq!(contact(&mut conn), (Some("Ayşe K.".into()), Some(CONTACT.into())));
        purge_at(&mut conn, comment_close + Duration::days(90) + minute);
        // The name stays with the public text; the contact is gone.
        assert_eq!(contact(&mut conn), (Some("Ayşe K.".into()), None));
        purge_at(&mut conn, vote_close + Duration::days(90) - minute);
        assert_eq!(voter(&mut conn), (Some("Mehmet".into()), Some(CONTACT.into())));
        purge_at(&mut conn, vote_close + Duration::days(90) + minute);
        assert_eq!(voter(&mut conn), (None, None));
        // Still counted.
        let results = call(&app, Method::GET, &format!("/api/v1/consultations/{c}/results"), None, None).await;
        assert_eq!(results.body["assisted_ballots"], 1, "{}", results.text);
    }

    async fn comments_and_proposals_are_found_by_their_declared_language(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let writer = person(&ctx, "lena@example.org", Role::Participant);
        let moderator = person(&ctx, "moderator@example.org", Role::Moderator);
        let c = fixtures::consultation(&ctx.state, "commenting");
        {
            let mut conn = ctx.db.connection();
            diesel::update(consultations::table.find(c)).set(consultations::moderation.eq("pre")).execute(&mut conn).unwrap();
        }
        let field = first_field(&ctx);
        let turkish = json!({"target_type": "field", "target_id": field, "body": "Akşam dil kursları lazım.", "language": "tr"});
        let r = call(&app, Method::POST, &comments(c), Some(&writer.token), Some(turkish)).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let tr = r.body["id"].as_i64().unwrap();
        assert_eq!(r.body["language"], "tr");
        let plain = json!({"target_type": "field", "target_id": field, "body": "Ohne Angabe."});
        let r = call(&app, Method::POST, &comments(c), Some(&writer.token), Some(plain)).await;
        let und = r.body["id"].as_i64().unwrap();
        assert_eq!(r.body["language"], "und");
        let bad = json!({"target_type": "field", "target_id": field, "body": "x", "language": "türkisch"});
        let r = call(&app, Method::POST, &comments(c), Some(&writer.token), Some(bad)).await;
        r.assert_problem(400, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "language");

        // Pre-moderation: the moderator works through the Turkish ones.
        let queue = call(&app, Method::GET, "/api/v1/moderation/contributions?language=tr", Some(&moderator.token), None).await;
        let ids: Vec<_> = queue.body["items"].as_array().unwrap().iter().map(|i| i["contribution"]["id"].as_i64().unwrap()).collect();
        assert_eq!(ids, [tr]);
        let queue = call(&app, Method::GET, "/api/v1/moderation/contributions?language=de", Some(&moderator.token), None).await;
        assert_eq!(queue.body["items"], json!([]));
        {
            // Approved, as the moderator would.
            let mut conn = ctx.db.connection();
            diesel::update(contributions::table).set(contributions::state.eq("visible")).execute(&mut conn).unwrap();
        }
        let listed = |language: &str| {
            let uri = format!("{}?language={language}", comments(c));
            let app = &app;
            async move {
                let r = call(app, Method::GET, &uri, None, None).await;
                assert_eq!(r.status, 200, "{}", r.text);
                r.body["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect::<Vec<_>>()
            }
        };
        assert_eq!(listed("tr").await, [tr]);
        assert_eq!(listed("TR").await, [tr]);
        assert_eq!(listed("de").await, Vec::<i64>::new());
        assert_eq!(listed("und").await, [und]);
        call(&app, Method::GET, &format!("{}?language=t", comments(c)), None, None).await
            .assert_problem(400, "validation_failed");
        let proposal = json!({"field_id": field, "title": "Elterncafé", "body": "Ein Treffpunkt.", "language": "de-x-ls"});
        let r = call(&app, Method::POST, &format!("/api/v1/consultations/{c}/proposals"), Some(&writer.token), Some(proposal)).await;
        assert_eq!(r.body["language"], "de-x-ls");
        {
            let mut conn = ctx.db.connection();
            diesel::update(contributions::table).set(contributions::state.eq("visible")).execute(&mut conn).unwrap();
        }
        let found = call(&app, Method::GET, &format!("/api/v1/consultations/{c}/proposals?language=de-x-ls"), None, None).await;
        assert_eq!(found.body["items"].as_array().unwrap().len(), 1);
        let none = call(&app, Method::GET, &format!("/api/v1/consultations/{c}/proposals?language=tr"), None, None).await;
        assert_eq!(none.body["items"], json!([]));
    }
}

/// The people of the assisted matrix: anonymous, participant, facilitator, moderator, admin.
fn callers(ctx: &Ctx) -> [Option<Person>; 5] {
    [
        None,
        Some(person(ctx, "participant@example.org", Role::Participant)),
        Some(person(ctx, "facilitator@example.org", Role::Facilitator)),
        Some(person(ctx, "moderator@example.org", Role::Moderator)),
        Some(person(ctx, "admin@example.org", Role::Admin)),
    ]
}

pub(crate) async fn assisted_matrix(ctx: &Ctx) -> Vec<String> {
    let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
    let people = callers(ctx);
    let target = person(ctx, "target@example.org", Role::Participant);
    let c = fixtures::consultation(&ctx.state, "commenting_and_voting");
    let field = first_field(ctx);
    let o = options(ctx, c);
    let names = [
        "anonymous",
        "participant",
        "facilitator",
        "moderator",
        "admin",
    ];
    let rows: Vec<(Method, String, Option<Value>, [u16; 5])> = vec![
        (
            Method::POST,
            comments(c),
            Some(assisted_comment(field, "Ayşe K.")),
            [401, 403, 201, 403, 403],
        ),
        (
            Method::POST,
            format!("/api/v1/consultations/{c}/proposals"),
            Some(
                json!({"field_id": field, "title": "Elterncafé", "body": "Ein Treffpunkt.", "on_behalf_of": on_behalf_of("Mehmet", "citizen")}),
            ),
            [401, 403, 201, 403, 403],
        ),
        (
            Method::POST,
            format!("/api/v1/consultations/{c}/assisted-ballots"),
            Some(
                json!({"on_behalf_of": on_behalf_of("Olga", "citizen"), "allocations": [{"option_id": o[0], "points": 1}]}),
            ),
            [401, 403, 201, 403, 403],
        ),
        (
            Method::DELETE,
            format!("/api/v1/consultations/{c}/assisted-ballots/999999"),
            None,
            [401, 403, 404, 403, 403],
        ),
        (
            Method::GET,
            "/api/v1/moderation/facilitators".into(),
            None,
            [401, 403, 403, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/moderation/contributions?assisted=true&language=tr".into(),
            None,
            [401, 403, 403, 200, 200],
        ),
        (
            Method::GET,
            format!("{}?language=tr", comments(c)),
            None,
            [200; 5],
        ),
        (
            Method::PUT,
            format!("/api/v1/admin/users/{}/role", target.id),
            Some(json!({"role": "facilitator"})),
            [401, 403, 403, 403, 200],
        ),
    ];
    let mut mismatches = Vec::new();
    for (method, path, body, expected) in &rows {
        for (i, caller) in people.iter().enumerate() {
            let token = caller.as_ref().map(|p| p.token.as_str());
            let r = call(&app, method.clone(), path, token, body.clone()).await;
            if r.status.as_u16() != expected[i] {
                mismatches.push(format!(
                    "{method} {path} as {}: expected {}, got {} {}",
                    names[i], expected[i], r.status, r.text
                ));
            }
        }
    }
    mismatches
}
