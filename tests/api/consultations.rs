//! Consultations: rules everybody can read, phases derived from the clock, rules frozen once
//! they take effect, validation of nonsense, and the demo consultation.

use crate::accounts::{call, login, make_admin, participant, Ctx, PASSWORD};
use crate::both_backends;
use crate::common::send;
use actix_web::http::Method;
use actix_web::test;
use beteiligung::clock::Clock;
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{json, Value};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 3, 1, 9, 0, 0).unwrap()
}

fn day(n: i64) -> String {
    (t0() + Duration::days(n)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn admin_request(
    method: Method,
    uri: &str,
    token: &str,
    if_match: Option<&str>,
    body: Value,
) -> actix_http::Request {
    let mut req = test::TestRequest::default()
        .method(method)
        .uri(uri)
        .insert_header(("authorization", format!("Bearer {token}")));
    if let Some(tag) = if_match {
        req = req.insert_header(("if-match", tag));
    }
    req.set_json(body).to_request()
}

both_backends! {
    async fn consultations_move_through_their_phases_and_freeze_their_rules(db) {
        let mut ctx = Ctx::with(db, &[("SESSION_TTL_DAYS", "365")]);
        // The whole test happens at t0 and later: sessions, too, live by this clock.
        let clock = Clock::fixed(t0());
        ctx.state.clock = clock.clone();
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        participant(&app, &ctx, "admin@example.org").await;
        make_admin(&ctx, "admin@example.org");
        let token = login(&app, "admin@example.org", PASSWORD).await.body["access_token"].as_str().unwrap().to_owned();



        let fields = call(&app, Method::GET, "/api/v1/fields", None, None).await.body["items"].clone();
        let field = fields[0]["id"].as_i64().unwrap();
        let other_field = fields[5]["id"].as_i64().unwrap();
        let measures = call(&app, Method::GET, &format!("/api/v1/fields/{field}/measures"), None, None).await.body["items"].clone();
        let other_measures = call(&app, Method::GET, &format!("/api/v1/fields/{other_field}/measures"), None, None).await.body["items"].clone();
        let measure_ids: Vec<i64> = measures.as_array().unwrap().iter().map(|m| m["id"].as_i64().unwrap()).collect();

        let draft = json!({
            "title": "Sprache und Bildung",
            "description": "Runde zu Handlungsfeld 1",
            "scope": {"whole_concept": false, "field_ids": [field]},
            "commenting": {"opens_at": day(1), "closes_at": day(10)},
            "voting": {"opens_at": day(8), "closes_at": day(20)},
            "moderation": "pre",
            "voting_rules": {"points_budget": 9, "max_points_per_option": 3, "option_kind": "measures", "options": measure_ids},
            "results_visibility": "after_close"
        });

        // Nonsense is refused with the fields named.
        let mut bad = draft.clone();
        bad["commenting"]["closes_at"] = json!(day(0));
        bad["voting_rules"]["points_budget"] = json!(2);
        bad["voting_rules"]["options"] = json!([other_measures[0]["id"]]);
        let r = send(&app, admin_request(Method::POST, "/api/v1/admin/consultations", &token, None, bad)).await;
        r.assert_problem(400, "validation_failed");
        let named: Vec<_> = r.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
        for field in ["commenting.closes_at", "voting_rules.points_budget", "voting_rules.options"] {
            assert!(named.iter().any(|n| n == field), "{field} not in {named:?}");
        }
        let mut past = draft.clone();
        past["commenting"] = json!({"opens_at": day(-10), "closes_at": day(-1)});
        send(&app, admin_request(Method::POST, "/api/v1/admin/consultations", &token, None, past)).await
            .assert_problem(400, "validation_failed");

        let r = send(&app, admin_request(Method::POST, "/api/v1/admin/consultations", &token, None, draft.clone())).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let id = r.body["id"].as_i64().unwrap();
        assert_eq!(r.header("location"), Some(format!("/api/v1/consultations/{id}").as_str()));
        assert_eq!(r.body["voting_rules"]["options"], json!(measure_ids));

        // The phase follows the clock; the next change is announced.
        let uri = format!("/api/v1/consultations/{id}");
        let admin_uri = format!("/api/v1/admin/consultations/{id}");
        let expect = |phase: &str, next: Option<String>| (phase.to_owned(), next);
        for (at, (phase, next)) in [
            (0, expect("upcoming", Some(day(1)))),
            (1, expect("commenting", Some(day(8)))),
            (9, expect("commenting_and_voting", Some(day(10)))),
            (12, expect("voting", Some(day(20)))),
            (25, expect("closed", None)),
        ] {
            clock.set(t0() + Duration::days(at));
            let c = call(&app, Method::GET, &uri, None, None).await.body;
            assert_eq!(c["phase"], phase, "day {at}");
            let announced = c["next_phase_change_at"].as_str().map(|s| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc));
            assert_eq!(announced, next.map(|n| DateTime::parse_from_rfc3339(&n).unwrap().with_timezone(&Utc)), "day {at}");
        }
        clock.set(t0() + Duration::days(2));
        let list = call(&app, Method::GET, "/api/v1/consultations?phase=commenting", None, None).await;
        assert!(list.body["items"].as_array().unwrap().iter().any(|c| c["id"] == id));
        let list = call(&app, Method::GET, "/api/v1/consultations?phase=voting", None, None).await;
        assert!(!list.body["items"].as_array().unwrap().iter().any(|c| c["id"] == id));
        call(&app, Method::GET, "/api/v1/consultations?phase=later", None, None).await.assert_problem(400, "invalid_query");

        // Before voting opens the rules can change; the voting window may move, not into the past.
        let etag = |r: &crate::common::Reply| r.header("etag").unwrap_or_else(|| panic!("no ETag: {} {:?}", r.status, r.headers)).to_owned();
        let current = call(&app, Method::GET, &uri, None, None).await;
        let r = send(&app, admin_request(Method::PATCH, &admin_uri, &token, Some(&etag(&current)), json!({"voting_rules": {"points_budget": 12, "max_points_per_option": 4, "option_kind": "measures", "options": measure_ids}}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["voting_rules"]["points_budget"], 12);
        send(&app, admin_request(Method::PATCH, &admin_uri, &token, Some(&etag(&current)), json!({"title": "Veraltet"}))).await
            .assert_problem(412, "precondition_failed");
        send(&app, admin_request(Method::PATCH, &admin_uri, &token, Some(&etag(&r)), json!({"voting": {"opens_at": day(1), "closes_at": day(20)}}))).await
            .assert_problem(400, "validation_failed");
        // The open commenting window can be extended, not moved or shortened.
        send(&app, admin_request(Method::PATCH, &admin_uri, &token, Some(&etag(&r)), json!({"commenting": {"opens_at": day(1), "closes_at": day(5)}}))).await
            .assert_problem(409, "rules_frozen");
        let r = send(&app, admin_request(Method::PATCH, &admin_uri, &token, Some(&etag(&r)), json!({"commenting": {"opens_at": day(1), "closes_at": day(14)}}))).await;
        assert_eq!(r.status, 200, "{}", r.text);

        // Once voting opens, its rules and options are frozen; its window can still be extended.
        clock.set(t0() + Duration::days(9));
        let current = call(&app, Method::GET, &uri, None, None).await;
        send(&app, admin_request(Method::PATCH, &admin_uri, &token, Some(&etag(&current)), json!({"voting_rules": {"points_budget": 20, "max_points_per_option": 4, "option_kind": "measures", "options": measure_ids}}))).await
            .assert_problem(409, "rules_frozen");
        send(&app, admin_request(Method::PATCH, &admin_uri, &token, Some(&etag(&current)), json!({"voting": {"opens_at": day(9), "closes_at": day(20)}}))).await
            .assert_problem(409, "rules_frozen");
        let r = send(&app, admin_request(Method::PATCH, &admin_uri, &token, Some(&etag(&current)), json!({"voting": {"opens_at": day(8), "closes_at": day(27)}, "title": "Sprache und Bildung (verlängert)"}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["voting"]["closes_at"].as_str().map(|s| s.starts_with("2027-03-28")), Some(true));

        // A window cannot be removed by sending null.
        let current = call(&app, Method::GET, &uri, None, None).await;
        let r = send(&app, admin_request(Method::PATCH, &admin_uri, &token, Some(&etag(&current)), json!({"voting": null}))).await;
        r.assert_problem(400, "validation_failed");
        assert_eq!(r.body["errors"][0]["code"], "not_removable");

        // Retiring a measure on the ballot breaks nothing that refers to it.
        let m = measure_ids[0];
        let measure = call(&app, Method::GET, &format!("/api/v1/measures/{m}"), None, None).await;
        let r = send(&app, admin_request(Method::POST, &format!("/api/v1/admin/catalogue/measures/{m}/retire"), &token, Some(&etag(&measure)), json!(null))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let current = call(&app, Method::GET, &uri, None, None).await;
        assert_eq!(current.status, 200);
        assert_eq!(current.body["voting_rules"]["options"], json!(measure_ids));
        let r = send(&app, admin_request(Method::PATCH, &admin_uri, &token, Some(&etag(&current)), json!({"description": "Mit zurückgezogener Maßnahme"}))).await;
        assert_eq!(r.status, 200, "{}", r.text);

        // A closed window stays closed.
        clock.set(t0() + Duration::days(30));
        let current = call(&app, Method::GET, &uri, None, None).await;
        assert_eq!(current.body["phase"], "closed");
        send(&app, admin_request(Method::PATCH, &admin_uri, &token, Some(&etag(&current)), json!({"voting": {"opens_at": day(8), "closes_at": day(40)}}))).await
            .assert_problem(409, "rules_frozen");
        send(&app, admin_request(Method::PATCH, &admin_uri, &token, Some(&etag(&current)), json!({"results_visibility": "live"}))).await
            .assert_problem(409, "rules_frozen");

        let log = call(&app, Method::GET, "/api/v1/admin/audit-log?object_type=consultation", Some(&token), None).await;
        let actions: Vec<_> = log.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["consultation.updated", "consultation.updated", "consultation.updated", "consultation.updated", "consultation.created"]);
        assert_eq!(log.body["items"][1]["details"]["after"]["title"], "Sprache und Bildung (verlängert)");
    }

    async fn the_demo_has_a_consultation_over_the_demo_catalogue(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let list = call(&app, Method::GET, "/api/v1/consultations", None, None).await;
        assert_eq!(list.status, 200, "{}", list.text);
        let items = list.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        let demo = &items[0];
        assert_eq!(demo["phase"], "commenting");
        assert_eq!(demo["scope"]["whole_concept"], true);
        assert_eq!(demo["voting_rules"]["option_kind"], "priority_goals");
        assert_eq!(demo["voting_rules"]["options"].as_array().unwrap().len(), 7);
        assert!(demo["next_phase_change_at"].is_string());
        call(&app, Method::GET, "/api/v1/consultations/999999", None, None).await.assert_problem(404, "not_found");
    }
}
