//! Catalogue administration: export in the import format, import through the API, and the
//! round trip export → import into an empty database → export.

use crate::accounts::{call, login, make_admin, participant, Ctx, PASSWORD};
use crate::both_backends;
use crate::common::{send, TestDb};
use actix_web::http::Method;
use actix_web::test;
use serde_json::{json, Value};

async fn admin_token<S, B>(app: &S, ctx: &Ctx) -> String
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    participant(app, ctx, "admin@example.org").await;
    make_admin(ctx, "admin@example.org");
    login(app, "admin@example.org", PASSWORD).await.body["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn import_request(
    token: &str,
    query: &str,
    content_type: &str,
    body: String,
) -> actix_http::Request {
    test::TestRequest::post()
        .uri(&format!("/api/v1/admin/catalogue/import{query}"))
        .insert_header(("authorization", format!("Bearer {token}")))
        .insert_header(("content-type", content_type))
        .set_payload(body)
        .to_request()
}

both_backends! {
    async fn export_import_export_gives_the_same_document(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let token = admin_token(&app, &ctx).await;
        let first = call(&app, Method::GET, "/api/v1/admin/catalogue/export", Some(&token), None).await;
        assert_eq!(first.status, 200, "{}", first.text);
        assert_eq!(first.body, serde_json::to_value(beteiligung::catalogue::demo()).unwrap(), "the demo exports as it was loaded");

        // Into an empty database (another one), through the API, and out again.
        let other = Ctx::new(if ctx.db.backend() == beteiligung::config::Backend::Sqlite { TestDb::sqlite() } else { TestDb::postgres().unwrap() });
        {
            use beteiligung::db::schema::{concepts, consultations};
            use diesel::prelude::*;
            diesel::delete(consultations::table).execute(&mut other.db.connection()).unwrap();
            diesel::delete(concepts::table).execute(&mut other.db.connection()).unwrap();
        }
        let app2 = test::init_service(beteiligung::build_app(&other.state)).await;
        let token2 = admin_token(&app2, &other).await;
        let r = send(&app2, import_request(&token2, "", "application/json", first.text.clone())).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body, json!({"fields": 6, "measures": 7, "replaced": false}));
        let second = call(&app2, Method::GET, "/api/v1/admin/catalogue/export", Some(&token2), None).await;
        assert_eq!(second.body, first.body);

        // Visible at once on the importing node (its cache is cleared).
        let concept = call(&app2, Method::GET, "/api/v1/concept", None, None).await;
        assert_eq!(concept.body["title"], first.body["concept"]["title"]);
    }

    async fn api_import_is_all_or_nothing_and_on_the_record(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let token = admin_token(&app, &ctx).await;
        let mut file: Value = serde_json::to_value(beteiligung::catalogue::demo()).unwrap();
        file["concept"]["title"] = "Fortgeschriebenes Konzept".into();

        send(&app, import_request(&token, "", "application/json", file.to_string())).await
            .assert_problem(409, "catalogue_loaded");
        send(&app, import_request(&token, "?replace=true", "text/plain", file.to_string())).await
            .assert_problem(415, "unsupported_media_type");
        let r = send(&app, import_request(&token, "?replace=true", "application/json", "{\n  \"format_version\": 1,\n  oops".into())).await;
        r.assert_problem(400, "invalid_catalogue");
        assert!(r.body["detail"].as_str().unwrap().contains("line 3"), "{}", r.text);
        let mut invalid = file.clone();
        invalid["fields"][0]["measures"][1]["implementation_status"] = "planned".into();
        invalid["fields"][0]["measures"][1]["status_date"] = "gestern".into();
        let r = send(&app, import_request(&token, "?replace=true", "application/json", invalid.to_string())).await;
        r.assert_problem(400, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "fields[0].measures[1].status_date");
        let big = format!("{{\"format_version\": 1, \"pad\": \"{}\"}}", "x".repeat(9 << 20));
        send(&app, import_request(&token, "?replace=true", "application/json", big)).await
            .assert_problem(413, "payload_too_large");
        // Nothing of that changed the catalogue.
        let concept = call(&app, Method::GET, "/api/v1/concept", None, None).await;
        assert_eq!(concept.body["title"], "Wir fördern Integration – Integrationskonzept für Bielefeld");

        // The demo consultation refers to the catalogue: it can no longer be replaced whole.
        send(&app, import_request(&token, "?replace=true", "application/json", file.to_string())).await
            .assert_problem(409, "catalogue_in_use");
        {
            use beteiligung::db::schema::consultations;
            use diesel::prelude::*;
            diesel::delete(consultations::table).execute(&mut ctx.db.connection()).unwrap();
        }
        let r = send(&app, import_request(&token, "?replace=true", "application/json", file.to_string())).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["replaced"], true);
        let concept = call(&app, Method::GET, "/api/v1/concept", None, None).await;
        assert_eq!(concept.body["title"], "Fortgeschriebenes Konzept");
        let log = call(&app, Method::GET, "/api/v1/admin/audit-log?object_type=catalogue", Some(&token), None).await;
        assert_eq!(log.body["items"].as_array().unwrap().len(), 1);
        assert_eq!(log.body["items"][0]["action"], "catalogue.imported");
        assert_eq!(log.body["items"][0]["details"]["replaced"], true);
    }
}

fn with_if_match(
    method: Method,
    uri: &str,
    token: &str,
    etag: Option<&str>,
    body: Option<Value>,
) -> actix_http::Request {
    let mut req = test::TestRequest::default()
        .method(method)
        .uri(uri)
        .insert_header(("authorization", format!("Bearer {token}")));
    if let Some(etag) = etag {
        req = req.insert_header(("if-match", etag));
    }
    if let Some(body) = body {
        req = req.set_json(body);
    }
    req.to_request()
}

both_backends! {
    async fn administrators_edit_the_catalogue_under_optimistic_concurrency(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let token = admin_token(&app, &ctx).await;
        let fields = call(&app, Method::GET, "/api/v1/fields", None, None).await.body["items"].clone();
        let (first, second) = (fields[0]["id"].as_i64().unwrap(), fields[1]["id"].as_i64().unwrap());

        // Update with the ETag of what was read; the stale ETag then fails; none at all too.
        let field = call(&app, Method::GET, &format!("/api/v1/fields/{first}"), None, None).await;
        let etag = field.header("etag").unwrap().to_owned();
        let uri = format!("/api/v1/admin/catalogue/fields/{first}");
        let r = send(&app, with_if_match(Method::PATCH, &uri, &token, Some(&etag), Some(json!({"title": "Bildung von Anfang an"})))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["title"], "Bildung von Anfang an");
        assert_eq!(r.body["version"], 2);
        let new_etag = r.header("etag").unwrap().to_owned();
        assert_ne!(new_etag, etag);
        send(&app, with_if_match(Method::PATCH, &uri, &token, Some(&etag), Some(json!({"title": "Überschrieben"})))).await
            .assert_problem(412, "precondition_failed");
        send(&app, with_if_match(Method::PATCH, &uri, &token, None, Some(json!({"title": "Überschrieben"})))).await
            .assert_problem(428, "precondition_required");
        let public = call(&app, Method::GET, &format!("/api/v1/fields/{first}"), None, None).await;
        assert_eq!(public.body["title"], "Bildung von Anfang an", "this node's cache was cleared");
        assert_eq!(public.header("etag"), Some(new_etag.as_str()), "GET and the change answer the same ETag");

        // A new measure goes to the end of its field and starts its status history.
        let r = send(&app, with_if_match(Method::POST, "/api/v1/admin/catalogue/measures", &token, None, Some(json!({
            "field_id": first, "code": "1.4", "title": "Elterncafés", "implementation_status": "planned"
        })))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let measure = r.body["id"].as_i64().unwrap();
        assert_eq!(r.header("location"), Some(format!("/api/v1/measures/{measure}").as_str()));
        let list = call(&app, Method::GET, &format!("/api/v1/fields/{first}/measures"), None, None).await;
        assert_eq!(list.body["items"].as_array().unwrap().last().unwrap()["code"], "1.4");
        send(&app, with_if_match(Method::POST, "/api/v1/admin/catalogue/measures", &token, None, Some(json!({
            "field_id": first, "code": "1.4", "title": "Doppelt", "implementation_status": "planned"
        })))).await.assert_problem(409, "already_exists");
        send(&app, with_if_match(Method::POST, "/api/v1/admin/catalogue/measures", &token, None, Some(json!({
            "field_id": 999999, "code": "9.9", "title": "Nirgends", "implementation_status": "planned"
        })))).await.assert_problem(400, "validation_failed");

        // Its status changes; the timeline records each status and who recorded it.
        let etag = r.header("etag").unwrap().to_owned();
        let status_uri = format!("/api/v1/admin/catalogue/measures/{measure}/status");
        let r = send(&app, with_if_match(Method::POST, &status_uri, &token, Some(&etag), Some(json!({
            "implementation_status": "in_progress", "status_note": "Erste Cafés laufen", "status_date": "2026-11-01"
        })))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["implementation_status"], "in_progress");
        let admin_id = call(&app, Method::GET, "/api/v1/me", Some(&token), None).await.body["id"].clone();
        let history = call(&app, Method::GET, &format!("/api/v1/measures/{measure}/status-history"), None, None).await;
        assert_eq!(history.status, 200, "{}", history.text);
        let entries = history.body["items"].as_array().unwrap();
        let statuses: Vec<_> = entries.iter().map(|e| e["implementation_status"].as_str().unwrap()).collect();
        assert_eq!(statuses, ["planned", "in_progress"]);
        assert_eq!(entries[1]["status_note"], "Erste Cafés laufen");
        assert_eq!(entries[1]["status_date"], "2026-11-01");
        assert_eq!(entries[1]["recorded_by"], admin_id);
        send(&app, with_if_match(Method::POST, &status_uri, &token, Some(r.header("etag").unwrap()), Some(json!({
            "implementation_status": "done"
        })))).await.assert_problem(400, "validation_failed");

        // Moved to another field of action.
        let etag = r.header("etag").unwrap().to_owned();
        let r = send(&app, with_if_match(Method::PATCH, &format!("/api/v1/admin/catalogue/measures/{measure}"), &token, Some(&etag), Some(json!({"field_id": second})))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["field_id"], second);
        let moved = call(&app, Method::GET, &format!("/api/v1/fields/{second}/measures"), None, None).await;
        assert!(moved.body["items"].as_array().unwrap().iter().any(|m| m["id"] == measure));

        // Retired: readable and marked, gone from the current lists, history intact.
        let etag = r.header("etag").unwrap().to_owned();
        let retire_uri = format!("/api/v1/admin/catalogue/measures/{measure}/retire");
        let r = send(&app, with_if_match(Method::POST, &retire_uri, &token, Some(&etag), None)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r.body["retired_at"].is_string());
        send(&app, with_if_match(Method::POST, &retire_uri, &token, Some(r.header("etag").unwrap()), None)).await
            .assert_problem(409, "already_retired");
        let one = call(&app, Method::GET, &format!("/api/v1/measures/{measure}"), None, None).await;
        assert_eq!(one.status, 200);
        assert!(one.body["retired_at"].is_string());
        let current = call(&app, Method::GET, &format!("/api/v1/fields/{second}/measures"), None, None).await;
        assert!(!current.body["items"].as_array().unwrap().iter().any(|m| m["id"] == measure));
        let all = call(&app, Method::GET, &format!("/api/v1/fields/{second}/measures?include_retired=true"), None, None).await;
        assert!(all.body["items"].as_array().unwrap().iter().any(|m| m["id"] == measure));
        assert_eq!(call(&app, Method::GET, &format!("/api/v1/measures/{measure}/status-history"), None, None).await.body["items"].as_array().unwrap().len(), 2);

        // Leitbild statements and priority goals.
        let r = send(&app, with_if_match(Method::POST, "/api/v1/admin/catalogue/vision-statements", &token, None, Some(json!({"kind": "commitment", "text": "Beteiligung aller gesellschaftlichen Gruppen"})))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["position"], 4);
        let statement = r.body["id"].as_i64().unwrap();
        let r = send(&app, with_if_match(Method::PATCH, &format!("/api/v1/admin/catalogue/vision-statements/{statement}"), &token, Some(r.header("etag").unwrap()), Some(json!({"text": "Dialog aller gesellschaftlichen Gruppen"})))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let concept = call(&app, Method::GET, "/api/v1/concept", None, None).await;
        assert!(concept.body["vision"].as_array().unwrap().iter().any(|v| v["text"] == "Dialog aller gesellschaftlichen Gruppen"));
        let r = send(&app, with_if_match(Method::POST, &format!("/api/v1/admin/catalogue/vision-statements/{statement}/retire"), &token, Some(r.header("etag").unwrap()), None)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let concept = call(&app, Method::GET, "/api/v1/concept", None, None).await;
        assert_eq!(concept.body["vision"].as_array().unwrap().len(), 6);
        let r = send(&app, with_if_match(Method::POST, "/api/v1/admin/catalogue/priority-goals", &token, None, Some(json!({"text": "Bekämpfung rassistischen Denkens und Handelns"})))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        // An imported goal is changed with the ETag of its own GET.
        let goal = call(&app, Method::GET, "/api/v1/concept", None, None).await.body["priority_goals"][0]["id"].as_i64().unwrap();
        let got = call(&app, Method::GET, &format!("/api/v1/priority-goals/{goal}"), None, None).await;
        assert_eq!(got.status, 200);
        let r = send(&app, with_if_match(Method::PATCH, &format!("/api/v1/admin/catalogue/priority-goals/{goal}"), &token, Some(got.header("etag").unwrap()), Some(json!({"text": "Optimierung der Sprachkompetenz"})))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let statement = call(&app, Method::GET, "/api/v1/concept", None, None).await.body["vision"][0]["id"].as_i64().unwrap();
        let got = call(&app, Method::GET, &format!("/api/v1/vision-statements/{statement}"), None, None).await;
        assert_eq!(got.status, 200);
        assert!(got.header("etag").is_some());
        assert_eq!(call(&app, Method::GET, "/api/v1/concept", None, None).await.body["priority_goals"].as_array().unwrap().len(), 8);

        // Every change is on the record, with before and after.
        let log = call(&app, Method::GET, "/api/v1/admin/audit-log?object_type=measure&limit=100", Some(&token), None).await;
        let actions: Vec<_> = log.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["measure.retired", "measure.updated", "measure.status_changed", "measure.created"]);
        let moved = &log.body["items"][1]["details"];
        assert_eq!(moved["before"]["field_id"], first);
        assert_eq!(moved["after"]["field_id"], second);
        assert_eq!(log.body["items"][3]["details"]["before"], Value::Null);
        let fields_log = call(&app, Method::GET, "/api/v1/admin/audit-log?object_type=field", Some(&token), None).await;
        assert_eq!(fields_log.body["items"][0]["details"]["after"]["title"], "Bildung von Anfang an");
    }

    async fn priority_goals_created_at_once_each_get_a_position(db) {
        let ctx = Ctx::new(db);
        let app = std::rc::Rc::new(test::init_service(beteiligung::build_app(&ctx.state)).await);
        let token = admin_token(&*app, &ctx).await;
        let before = call(&*app, Method::GET, "/api/v1/concept", None, None).await.body["priority_goals"].as_array().unwrap().len();
        let creations = (0..8).map(|n| {
            let (app, token) = (app.clone(), token.clone());
            async move {
                send(&*app, with_if_match(Method::POST, "/api/v1/admin/catalogue/priority-goals", &token, None,
                    Some(json!({"text": format!("Gleichzeitig angelegtes Ziel {n}")})))).await
            }
        });
        for r in futures_util::future::join_all(creations).await {
            assert_eq!(r.status, 201, "{}", r.text);
        }
        let goals = call(&*app, Method::GET, "/api/v1/concept", None, None).await.body["priority_goals"].clone();
        let positions: Vec<i64> = goals.as_array().unwrap().iter().map(|g| g["position"].as_i64().unwrap()).collect();
        assert_eq!(positions, (1..=(before as i64 + 8)).collect::<Vec<_>>(), "one after the other, none twice");
    }

    async fn imported_measures_start_their_history(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let fields = call(&app, Method::GET, "/api/v1/fields", None, None).await.body["items"].clone();
        let list = call(&app, Method::GET, &format!("/api/v1/fields/{}/measures", fields[0]["id"]), None, None).await;
        let measure = &list.body["items"][0];
        let history = call(&app, Method::GET, &format!("/api/v1/measures/{}/status-history", measure["id"]), None, None).await;
        let entries = history.body["items"].as_array().unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0]["implementation_status"], measure["implementation_status"]);
        assert_eq!(entries[0]["recorded_by"], Value::Null);
        call(&app, Method::GET, "/api/v1/measures/999999/status-history", None, None).await.assert_problem(404, "not_found");
    }
}

both_backends! {
    async fn if_match_follows_rfc_9110(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let token = admin_token(&app, &ctx).await;
        let id = call(&app, Method::GET, "/api/v1/fields", None, None).await.body["items"][0]["id"].as_i64().unwrap();
        let uri = format!("/api/v1/admin/catalogue/fields/{id}");
        let current = || async { call(&app, Method::GET, &format!("/api/v1/fields/{id}"), None, None).await.header("etag").unwrap().to_owned() };
        let change = |if_match: String, title: &'static str| send(&app, with_if_match(Method::PATCH, &uri, &token, Some(&if_match), Some(json!({"title": title}))));

        // `*` matches any current representation.
        let r = change("*".into(), "Eins").await;
        assert_eq!(r.status, 200, "{}", r.text);
        // A list matches when one of its tags is the current one.
        let etag = current().await;
        let r = change(format!("\"stale-1\", {etag}, \"stale-2\""), "Zwei").await;
        assert_eq!(r.status, 200, "{}", r.text);
        // Strong comparison: the weak form of the current tag does not match.
        let etag = current().await;
        change(format!("W/{etag}"), "Drei").await.assert_problem(412, "precondition_failed");
        // Something that is no entity tag is a malformed header.
        change("not-a-tag".into(), "Vier").await.assert_problem(400, "bad_request");
        let r = call(&app, Method::GET, &format!("/api/v1/fields/{id}"), None, None).await;
        assert_eq!(r.body["title"], "Zwei");
    }
}
