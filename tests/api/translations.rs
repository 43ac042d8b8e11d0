//! Translations of the catalogue and of consultations (issue 15): reads in the reader's best
//! language with German as fallback, per-text language marks, outdated translations after a
//! change of the original, administrators' management with `If-Match`, the list of what is
//! missing, and the catalogue file carrying translations both ways.

use crate::accounts::{call, Ctx};
use crate::both_backends;
use crate::common::{fixtures, send, Reply, TestDb};
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::Method;
use actix_web::test;
use beteiligung::auth::model::Role;
use serde_json::{json, Value};

async fn read<S, B>(app: &S, uri: &str, accept_language: Option<&str>) -> Reply
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let mut req = test::TestRequest::get().uri(uri);
    if let Some(value) = accept_language {
        req = req.insert_header(("accept-language", value));
    }
    send(app, req.to_request()).await
}

/// A change with `If-Match`.
async fn change<S, B>(
    app: &S,
    method: Method,
    uri: &str,
    token: &str,
    etag: &str,
    body: Option<Value>,
) -> Reply
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let mut req = test::TestRequest::default()
        .method(method)
        .uri(uri)
        .insert_header(("authorization", format!("Bearer {token}")))
        .insert_header(("if-match", etag));
    if let Some(body) = body {
        req = req.set_json(body);
    }
    send(app, req.to_request()).await
}

fn etag(r: &Reply) -> String {
    r.header("etag").expect("an ETag").to_owned()
}

async fn first_measure<S, B>(app: &S) -> i64
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let fields = read(app, "/api/v1/fields", None).await;
    let field = fields.body["items"][0]["id"].as_i64().unwrap();
    let measures = read(app, &format!("/api/v1/fields/{field}/measures"), None).await;
    measures.body["items"][0]["id"].as_i64().unwrap()
}

fn audit_actions(ctx: &Ctx) -> Vec<String> {
    use beteiligung::db::schema::audit_log;
    use diesel::prelude::*;
    audit_log::table
        .filter(audit_log::action.like("translation.%"))
        .order(audit_log::id)
        .select(audit_log::action)
        .load(&mut ctx.db.connection())
        .unwrap()
}

both_backends! {
    async fn a_measure_is_read_in_the_best_language_and_shows_outdated_translations(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let admin = fixtures::account(&ctx.state, "admin@example.org", Role::Admin);
        let admin = admin["access_token"].as_str().unwrap().to_owned();
        let id = first_measure(&app).await;
        let german = read(&app, &format!("/api/v1/measures/{id}"), None).await;
        assert_eq!(german.body["languages"], json!({
            "available": ["de"],
            "texts": {"title": {"language": "de", "translated": false, "outdated": false},
                      "description": {"language": "de", "translated": false, "outdated": false},
                      "responsible_body": {"language": "de", "translated": false, "outdated": false},
                      "status_note": {"language": "de", "translated": false, "outdated": false}}
        }).as_object().map(|o| {
            // Only the texts the measure has are listed.
            let mut o = o.clone();
            let texts = o["texts"].as_object().unwrap().iter()
                .filter(|(k, _)| german.body[k.as_str()].is_string())
                .map(|(k, v)| (k.clone(), v.clone())).collect::<serde_json::Map<_, _>>();
            o.insert("texts".into(), Value::Object(texts));
            Value::Object(o)
        }).unwrap(), "{}", german.text);
        let german_title = german.body["title"].as_str().unwrap().to_owned();

        // The translation resource exists before anything is translated: every text missing.
        let uri = format!("/api/v1/admin/translations/measure/{id}/tr");
        let empty = call(&app, Method::GET, &uri, Some(&admin), None).await;
        assert_eq!(empty.status, 200, "{}", empty.text);
        assert!(empty.body["texts"].as_array().unwrap().iter().all(|t| t["state"] == "missing" && t["translation"].is_null()));
        assert_eq!(empty.body["texts"][0]["original"], german_title.as_str());

        // Changes need the ETag.
        let body = json!({"texts": [{"field": "title", "text": "Dil desteği"}]});
        call(&app, Method::PUT, &uri, Some(&admin), Some(body.clone())).await.assert_problem(428, "precondition_required");
        change(&app, Method::PUT, &uri, &admin, "\"stale\"", Some(body.clone())).await.assert_problem(412, "precondition_failed");
        let written = change(&app, Method::PUT, &uri, &admin, &etag(&empty), Some(body)).await;
        assert_eq!(written.status, 200, "{}", written.text);
        assert_eq!(written.body["texts"][0]["state"], "current");
        let plain = change(&app, Method::PUT, &format!("/api/v1/admin/translations/measure/{id}/de-x-ls"), &admin,
            &etag(&call(&app, Method::GET, &format!("/api/v1/admin/translations/measure/{id}/de-x-ls"), Some(&admin), None).await),
            Some(json!({"texts": [{"field": "title", "text": "Hilfe beim Deutsch-Lernen"}]}))).await;
        assert_eq!(plain.status, 200, "{}", plain.text);

        // Readers: the best match by Accept-Language or ?lang=, German otherwise; the cache
        // keeps one answer per language.
        for (header, query, title, language) in [
            (Some("tr"), "", "Dil desteği", "tr"),
            (Some("tr-TR, en;q=0.5"), "", "Dil desteği", "tr"),
            (Some("fr, tr;q=0.3"), "", "Dil desteği", "tr"),
            (Some("de-x-ls"), "", "Hilfe beim Deutsch-Lernen", "de-x-ls"),
            (Some("fr"), "", german_title.as_str(), "de"),
            (None, "", german_title.as_str(), "de"),
            (Some("de, tr"), "", german_title.as_str(), "de"),
            (Some("en"), "?lang=tr", "Dil desteği", "tr"),
            (Some("tr"), "?lang=de", german_title.as_str(), "de"),
        ] {
            let r = read(&app, &format!("/api/v1/measures/{id}{query}"), header).await;
            assert_eq!(r.status, 200, "{}", r.text);
            assert_eq!(r.body["title"], title, "{header:?} {query}");
            assert_eq!(r.body["languages"]["texts"]["title"]["language"], language, "{header:?} {query}");
            assert_eq!(r.body["languages"]["texts"]["title"]["translated"], language != "de");
            assert_eq!(r.body["languages"]["texts"]["description"]["language"], "de", "an untranslated text stays German");
            assert_eq!(r.body["languages"]["available"], json!(["de", "de-x-ls", "tr"]));
            assert!(r.header("vary").unwrap_or_default().contains("Accept-Language"), "{:?}", r.header("vary"));
        }
        let turkish = read(&app, &format!("/api/v1/measures/{id}"), Some("tr")).await;
        let german_now = read(&app, &format!("/api/v1/measures/{id}"), None).await;
        assert_ne!(etag(&turkish), etag(&german_now), "each language has its own ETag");
        // The field's measure list is translated too.
        let field = german.body["field_id"].as_i64().unwrap();
        let list = read(&app, &format!("/api/v1/fields/{field}/measures?lang=tr"), None).await;
        let item = list.body["items"].as_array().unwrap().iter().find(|m| m["id"] == id).unwrap().clone();
        assert_eq!(item["title"], "Dil desteği");

        // A change of the German original marks the translation outdated until confirmed.
        let patched = change(&app, Method::PATCH, &format!("/api/v1/admin/catalogue/measures/{id}"), &admin, &etag(&german_now),
            Some(json!({"title": "Sprachförderung für alle"}))).await;
        assert_eq!(patched.status, 200, "{}", patched.text);
        let stale = read(&app, &format!("/api/v1/measures/{id}?lang=tr"), None).await;
        assert_eq!(stale.body["title"], "Dil desteği");
        assert_eq!(stale.body["languages"]["texts"]["title"], json!({"language": "tr", "translated": true, "outdated": true}));
        let missing = call(&app, Method::GET, "/api/v1/admin/translations/missing?language=tr&subject=measure&limit=100", Some(&admin), None).await;
        assert_eq!(missing.status, 200, "{}", missing.text);
        let of_it: Vec<(String, String)> = missing.body["items"].as_array().unwrap().iter()
            .filter(|t| t["subject_id"] == id)
            .map(|t| (t["field"].as_str().unwrap().to_owned(), t["state"].as_str().unwrap().to_owned())).collect();
        assert!(of_it.contains(&("title".into(), "outdated".into())), "{of_it:?}");
        assert!(of_it.contains(&("description".into(), "missing".into())), "{of_it:?}");
        let doc = call(&app, Method::GET, &uri, Some(&admin), None).await;
        assert_eq!(doc.body["texts"][0]["state"], "outdated");
        assert_eq!(doc.body["texts"][0]["original"], "Sprachförderung für alle");
        let confirmed = change(&app, Method::POST, &format!("{uri}/confirmation"), &admin, &etag(&doc), None).await;
        assert_eq!(confirmed.status, 200, "{}", confirmed.text);
        assert_eq!(confirmed.body["texts"][0]["state"], "current");
        let current = read(&app, &format!("/api/v1/measures/{id}?lang=tr"), None).await;
        assert_eq!(current.body["languages"]["texts"]["title"]["outdated"], false);

        // Removal brings the German original back.
        let removed = change(&app, Method::DELETE, &uri, &admin, &etag(&confirmed), None).await;
        assert_eq!(removed.status, 204, "{}", removed.text);
        let back = read(&app, &format!("/api/v1/measures/{id}?lang=tr"), None).await;
        assert_eq!(back.body["title"], "Sprachförderung für alle");
        assert_eq!(back.body["languages"]["available"], json!(["de", "de-x-ls"]));
        assert_eq!(audit_actions(&ctx), ["translation.changed", "translation.changed", "translation.confirmed", "translation.removed"]);
    }

    async fn translation_changes_are_refused_when_wrong_or_not_allowed(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let admin = fixtures::account(&ctx.state, "admin@example.org", Role::Admin);
        let admin = admin["access_token"].as_str().unwrap().to_owned();
        let lena = fixtures::account(&ctx.state, "lena@example.org", Role::Participant);
        let id = first_measure(&app).await;
        let uri = format!("/api/v1/admin/translations/measure/{id}/ar");
        let doc = call(&app, Method::GET, &uri, Some(&admin), None).await;
        let tag = etag(&doc);
        call(&app, Method::GET, &uri, None, None).await.assert_problem(401, "unauthorized");
        call(&app, Method::GET, &uri, lena["access_token"].as_str(), None).await.assert_problem(403, "forbidden");
        let bad = |field: &str| json!({"texts": [{"field": field, "text": "نص"}]});
        change(&app, Method::PUT, &uri, &admin, &tag, Some(bad("code"))).await.assert_problem(400, "validation_failed");
        change(&app, Method::PUT, &uri, &admin, &tag, Some(json!({"texts": [{"field": "title", "text": "أ"}, {"field": "title", "text": "ب"}]}))).await
            .assert_problem(400, "validation_failed");
        change(&app, Method::PUT, &uri, &admin, &tag, Some(json!({"texts": [{"field": "title", "text": "  "}]}))).await
            .assert_problem(400, "validation_failed");
        change(&app, Method::PUT, &format!("/api/v1/admin/translations/measure/{id}/de"), &admin, &tag, Some(bad("title"))).await
            .assert_problem(404, "not_found");
        call(&app, Method::GET, &format!("/api/v1/admin/translations/planet/{id}/ar"), Some(&admin), None).await.assert_problem(404, "not_found");
        call(&app, Method::GET, "/api/v1/admin/translations/measure/999999/ar", Some(&admin), None).await.assert_problem(404, "not_found");
        for nothing in ["language=de", "language=ar&subject=planet"] {
            let r = call(&app, Method::GET, &format!("/api/v1/admin/translations/missing?{nothing}"), Some(&admin), None).await;
            assert_eq!((r.status.as_u16(), r.body["items"].as_array().map(Vec::len)), (200, Some(0)), "{nothing}: {}", r.text);
        }
        call(&app, Method::GET, "/api/v1/admin/translations/missing?language=x", Some(&admin), None).await.assert_problem(400, "validation_failed");
        let ok = change(&app, Method::PUT, &uri, &admin, &tag, Some(bad("title"))).await;
        assert_eq!(ok.status, 200, "Arabic text is fine: {}", ok.text);
        assert!(audit_actions(&ctx).len() == 1, "refusals change nothing and leave no entry");
    }

    async fn the_missing_list_pages_through_every_subject_without_gaps(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let admin = fixtures::account(&ctx.state, "admin@example.org", Role::Admin);
        let admin = admin["access_token"].as_str().unwrap().to_owned();
        let mut all = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let uri = match &cursor {
                None => "/api/v1/admin/translations/missing?language=uk&limit=7".to_owned(),
                Some(c) => format!("/api/v1/admin/translations/missing?language=uk&limit=7&cursor={c}"),
            };
            let page = call(&app, Method::GET, &uri, Some(&admin), None).await;
            assert_eq!(page.status, 200, "{}", page.text);
            for t in page.body["items"].as_array().unwrap() {
                all.push((t["subject"].as_str().unwrap().to_owned(), t["subject_id"].as_i64().unwrap(), t["field"].as_str().unwrap().to_owned()));
            }
            match page.body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        let mut unique = all.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), all.len(), "no repeats");
        // Nothing is translated into Ukrainian: every text of every subject is listed.
        let subjects: std::collections::BTreeSet<&str> = all.iter().map(|t| t.0.as_str()).collect();
        assert_eq!(subjects.into_iter().collect::<Vec<_>>(), ["concept", "consultation", "field", "measure", "priority_goal", "vision_statement"]);
        let measures = read(&app, "/api/v1/concept", None).await.body["measure_count"].as_i64().unwrap();
        assert!(all.iter().filter(|t| t.0 == "measure" && t.2 == "title").count() as i64 == measures);
    }

    async fn consultations_and_the_concept_are_read_in_the_reader_s_language(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let admin = fixtures::account(&ctx.state, "admin@example.org", Role::Admin);
        let admin = admin["access_token"].as_str().unwrap().to_owned();
        let consultation = fixtures::consultation(&ctx.state, "commenting");
        let uri = format!("/api/v1/admin/translations/consultation/{consultation}/uk");
        let doc = call(&app, Method::GET, &uri, Some(&admin), None).await;
        let r = change(&app, Method::PUT, &uri, &admin, &etag(&doc), Some(json!({"texts": [{"field": "title", "text": "Оновлення концепції інтеграції"}]}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let one = read(&app, &format!("/api/v1/consultations/{consultation}"), Some("uk")).await;
        assert_eq!(one.body["title"], "Оновлення концепції інтеграції");
        assert_eq!(one.body["languages"]["texts"]["description"]["language"], "de");
        let list = read(&app, "/api/v1/consultations", Some("uk-UA")).await;
        let item = list.body["items"].as_array().unwrap().iter().find(|c| c["id"] == consultation).unwrap().clone();
        assert_eq!(item["title"], "Оновлення концепції інтеграції");
        // An administrator's change still needs the German answer's ETag.
        let german = read(&app, &format!("/api/v1/consultations/{consultation}"), None).await;
        assert_ne!(etag(&german), etag(&one));

        let concept = read(&app, "/api/v1/concept", None).await;
        let goal = concept.body["priority_goals"][0]["id"].as_i64().unwrap();
        let guri = format!("/api/v1/admin/translations/priority_goal/{goal}/en");
        let doc = call(&app, Method::GET, &guri, Some(&admin), None).await;
        change(&app, Method::PUT, &guri, &admin, &etag(&doc), Some(json!({"texts": [{"field": "text", "text": "Equal opportunities in education"}]}))).await;
        let english = read(&app, "/api/v1/concept", Some("en-GB")).await;
        assert_eq!(english.body["priority_goals"][0]["text"], "Equal opportunities in education");
        assert_eq!(english.body["priority_goals"][0]["languages"]["texts"]["text"]["language"], "en");
        assert_eq!(english.body["languages"]["texts"]["title"]["language"], "de", "the concept itself is not translated");
        let again = read(&app, "/api/v1/concept", None).await;
        assert_eq!(again.body["priority_goals"][0]["text"], concept.body["priority_goals"][0]["text"], "German readers still get German");
    }

    async fn the_catalogue_file_carries_translations_both_ways(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let admin = fixtures::account(&ctx.state, "admin@example.org", Role::Admin);
        let admin = admin["access_token"].as_str().unwrap().to_owned();
        let id = first_measure(&app).await;
        let measure = read(&app, &format!("/api/v1/measures/{id}"), None).await;
        let code = measure.body["code"].as_str().unwrap().to_owned();
        let uri = format!("/api/v1/admin/translations/measure/{id}/tr");
        let doc = call(&app, Method::GET, &uri, Some(&admin), None).await;
        change(&app, Method::PUT, &uri, &admin, &etag(&doc), Some(json!({"texts": [{"field": "title", "text": "Dil desteği"}, {"field": "description", "text": "Açıklama"}]}))).await;
        // The description's original changes: its translation is outdated from now on. (The
        // German answer lists the languages too, so adding one changed its ETag.)
        assert_ne!(etag(&read(&app, &format!("/api/v1/measures/{id}"), None).await), etag(&measure));
        let measure = read(&app, &format!("/api/v1/measures/{id}"), None).await;
        let patched = change(&app, Method::PATCH, &format!("/api/v1/admin/catalogue/measures/{id}"), &admin, &etag(&measure),
            Some(json!({"description": "Neue Beschreibung"}))).await;
        assert_eq!(patched.status, 200, "{}", patched.text);

        let exported = call(&app, Method::GET, "/api/v1/admin/catalogue/export", Some(&admin), None).await;
        assert_eq!(exported.status, 200, "{}", exported.text);
        assert_eq!(exported.body["translations"], json!([
            {"subject": "measure", "key": code, "language": "tr", "field": "description", "text": "Açıklama", "outdated": true},
            {"subject": "measure", "key": code, "language": "tr", "field": "title", "text": "Dil desteği", "outdated": false},
        ]));

        // Into an empty database and out again: the same file, outdated marks included.
        let other = Ctx::new(if ctx.db.backend() == beteiligung::config::Backend::Sqlite { TestDb::sqlite() } else { TestDb::postgres().unwrap() });
        {
            use beteiligung::db::schema::{concepts, consultations};
            use diesel::prelude::*;
            diesel::delete(consultations::table).execute(&mut other.db.connection()).unwrap();
            diesel::delete(concepts::table).execute(&mut other.db.connection()).unwrap();
        }
        let app2 = test::init_service(beteiligung::build_app(&other.state)).await;
        let admin2 = fixtures::account(&other.state, "admin@example.org", Role::Admin);
        let admin2 = admin2["access_token"].as_str().unwrap().to_owned();
        let mut broken = exported.body.clone();
        broken["translations"][0]["key"] = "no-such-code".into();
        let refused = call(&app2, Method::POST, "/api/v1/admin/catalogue/import", Some(&admin2), Some(broken)).await;
        refused.assert_problem(400, "validation_failed");
        assert_eq!(refused.body["errors"][0]["field"], "translations[0].field", "{}", refused.text);
        let imported = call(&app2, Method::POST, "/api/v1/admin/catalogue/import", Some(&admin2), Some(exported.body.clone())).await;
        assert_eq!(imported.status, 200, "{}", imported.text);
        let again = call(&app2, Method::GET, "/api/v1/admin/catalogue/export", Some(&admin2), None).await;
        assert_eq!(again.body, exported.body);
        let new_id = read(&app2, "/api/v1/fields", None).await.body["items"][0]["id"].as_i64().unwrap();
        let list = read(&app2, &format!("/api/v1/fields/{new_id}/measures"), Some("tr")).await;
        let item = list.body["items"].as_array().unwrap().iter().find(|m| m["code"] == code.as_str()).unwrap().clone();
        assert_eq!(item["title"], "Dil desteği");
        assert_eq!(item["languages"]["texts"]["description"]["outdated"], true);
    }
}

both_backends! {
    async fn a_translation_is_found_in_its_language_and_leaves_the_index_with_it(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let admin = fixtures::account(&ctx.state, "admin@example.org", Role::Admin);
        let admin = admin["access_token"].as_str().unwrap().to_owned();
        let id = first_measure(&app).await;
        let uri = format!("/api/v1/admin/translations/measure/{id}/tr");
        let doc = call(&app, Method::GET, &uri, Some(&admin), None).await;
        let written = change(&app, Method::PUT, &uri, &admin, &etag(&doc), Some(json!({"texts": [{"field": "title", "text": "Çocuklar için dil kursları"}]}))).await;
        assert_eq!(written.status, 200, "{}", written.text);
        let found = |r: &Reply| r.body["items"].as_array().unwrap().iter()
            .filter(|h| h["kind"] == "measure" && h["id"] == id)
            .map(|h| (h["language"].as_str().unwrap().to_owned(), h["translation"].as_bool().unwrap()))
            .collect::<Vec<_>>();
        let turkish = read(&app, "/api/v1/search?q=cocuklar%20kurs", Some("tr")).await;
        assert_eq!(turkish.status, 200, "{}", turkish.text);
        assert_eq!(found(&turkish), [("tr".to_owned(), true)], "{}", turkish.text);
        let german_reader = read(&app, "/api/v1/search?q=cocuklar%20kurs", None).await;
        assert!(found(&german_reader).is_empty(), "German readers search the German text: {}", german_reader.text);
        // Gone from the index with the translation.
        let removed = change(&app, Method::DELETE, &uri, &admin, &etag(&written), None).await;
        assert_eq!(removed.status, 204);
        let after = read(&app, "/api/v1/search?q=cocuklar%20kurs&lang=tr", None).await;
        assert!(found(&after).is_empty(), "{}", after.text);
    }
}

both_backends! {
    async fn published_responses_and_answers_to_proposals_can_be_read_translated(db) {
        use crate::contributions::person;
        use crate::statements::{answer, draft, on_concept, org, submit};
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        let admin = fixtures::account(&ctx.state, "admin@example.org", Role::Admin);
        let admin = admin["access_token"].as_str().unwrap().to_owned();
        let moderator = person(&ctx, "moderation@example.org", Role::Moderator);
        let lena = person(&ctx, "lena@example.org", Role::Participant);
        let consultation = fixtures::consultation(&ctx.state, "commenting");

        // The city's response to a statement.
        let org = org(&ctx, "Verein A", "migrant_organisation", "a");
        let statement = draft(&app, &org.rep, org.id, on_concept(consultation, "Stellungnahme")).await.body["id"].as_i64().unwrap();
        assert_eq!(submit(&app, &org.rep, statement, "name").await.status, 200);
        answer(&app, &moderator, statement, "Die Stadt greift die Anregung auf.").await;
        let uri = format!("/api/v1/admin/translations/statement_response/{statement}/ar");
        let doc = call(&app, Method::GET, &uri, Some(&admin), None).await;
        assert_eq!(doc.status, 200, "{}", doc.text);
        assert_eq!(doc.body["texts"][0]["original"], "Die Stadt greift die Anregung auf.");
        let r = change(&app, Method::PUT, &uri, &admin, &etag(&doc), Some(json!({"texts": [{"field": "body", "text": "تأخذ المدينة الاقتراح بعين الاعتبار."}]}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let one = read(&app, &format!("/api/v1/statements/{statement}"), Some("ar")).await;
        assert_eq!(one.body["response"]["body"], "تأخذ المدينة الاقتراح بعين الاعتبار.", "{}", one.text);
        assert_eq!(one.body["response"]["languages"]["texts"]["body"]["language"], "ar");
        assert_eq!(one.body["body"], "Wir regen an, die Sprachförderung früher zu beginnen.\nZweite Zeile.", "the organisation's own words stay");
        let list = read(&app, &format!("/api/v1/statements?consultation_id={consultation}&lang=ar"), None).await;
        assert_eq!(list.body["items"][0]["response"]["body"], "تأخذ المدينة الاقتراح بعين الاعتبار.", "{}", list.text);
        let german = read(&app, &format!("/api/v1/statements?consultation_id={consultation}"), None).await;
        assert_eq!(german.body["items"][0]["response"]["body"], "Die Stadt greift die Anregung auf.");
        assert_eq!(german.body["items"][0]["response"]["languages"]["available"], json!(["de", "ar"]));

        // The staff's answer to a proposal.
        let field = read(&app, "/api/v1/fields", None).await.body["items"][0]["id"].as_i64().unwrap();
        let r = call(&app, Method::POST, &format!("/api/v1/consultations/{consultation}/proposals"), Some(&lena.token),
            Some(json!({"field_id": field, "title": "Elterncafé", "body": "Ein offener Treffpunkt.", "rationale": "Eltern erreichen."}))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let proposal = r.body["id"].as_i64().unwrap();
        let r = change(&app, Method::POST, &format!("/api/v1/moderation/proposals/{proposal}/answer"), &moderator.token, "*",
            Some(json!({"status": "rejected", "explanation": "Das gibt es schon."}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let uri = format!("/api/v1/admin/translations/proposal_answer/{proposal}/en");
        let doc = call(&app, Method::GET, &uri, Some(&admin), None).await;
        let r = change(&app, Method::PUT, &uri, &admin, &etag(&doc), Some(json!({"texts": [{"field": "explanation", "text": "This exists already."}]}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let one = read(&app, &format!("/api/v1/contributions/{proposal}"), Some("en")).await;
        assert_eq!(one.body["answer"]["explanation"], "This exists already.", "{}", one.text);
        assert_eq!(one.body["title"], "Elterncafé", "what the participant wrote stays");
        let list = read(&app, &format!("/api/v1/consultations/{consultation}/proposals?lang=en"), None).await;
        let item = list.body["items"].as_array().unwrap().iter().find(|p| p["id"] == proposal).unwrap().clone();
        assert_eq!(item["answer"]["explanation"], "This exists already.", "{}", list.text);
        let missing = call(&app, Method::GET, "/api/v1/admin/translations/missing?language=en&subject=statement_response", Some(&admin), None).await;
        assert_eq!(missing.body["items"][0]["subject_id"], statement, "{}", missing.text);
    }
}

both_backends! {
    async fn a_lang_that_is_no_language_tag_is_refused_everywhere(db) {
        let ctx = Ctx::new(db);
        let app = test::init_service(beteiligung::build_app(&ctx.state)).await;
        for uri in ["/api/v1/concept?lang=00", "/api/v1/fields/1?lang=-Infinity", "/api/v1/measures/1?lang=", "/api/v1/search?q=kita&lang=de-", "/api/v1/consultations?lang"] {
            let r = read(&app, uri, Some("tr")).await;
            r.assert_problem(400, "invalid_query");
            assert_eq!(r.body["errors"][0]["field"], "lang", "{uri}: {}", r.text);
        }
        assert_eq!(read(&app, "/api/v1/concept?lang=TR", None).await.status, 200, "tags are case-insensitive");
    }
}
