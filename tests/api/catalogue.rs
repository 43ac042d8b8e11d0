//! The public catalogue endpoints, on the demo catalogue and on imported ones.

use crate::both_backends;
use crate::common::{get, send};
use actix_web::test;
use beteiligung::catalogue::file::CatalogueFile;
use beteiligung::catalogue::store::{self, ImportMode};
use serde_json::{json, Value};

/// A catalogue with one field of `n` measures, statuses cycling through all four.
fn catalogue_with(n: usize) -> CatalogueFile {
    let statuses = ["planned", "in_progress", "implemented", "discontinued"];
    let measures: Vec<Value> = (1..=n)
        .map(|i| {
            json!({
                "code": format!("9.{i}"),
                "title": format!("Maßnahme {i}"),
                "implementation_status": statuses[i % 4],
            })
        })
        .collect();
    let v = json!({
        "format_version": 1,
        "concept": { "title": "Testkonzept", "summary": "" },
        "fields": [
            { "number": 9, "title": "Feld neun", "measures": measures },
            { "number": 2, "title": "Feld zwei" }
        ]
    });
    CatalogueFile::parse(&v.to_string()).unwrap()
}

both_backends! {
    async fn concept_shows_vision_goals_and_counts(db) {
        let app = test::init_service(beteiligung::build_app(&db.state())).await;
        let r = get(&app, "/api/v1/concept").await;
        assert_eq!(r.status, 200, "{}", r.text);
        let c = &r.body;
        assert_eq!(c["title"], "Wir fördern Integration – Integrationskonzept für Bielefeld");
        assert_eq!(c["vision_title"], "Bielefeld – Zusammenleben in Vielfalt");
        assert_eq!(c["decided_on"], "2010-09-23");
        assert_eq!(c["decision_reference"], "Drucksache 0832/2009-2014");
        let vision = c["vision"].as_array().unwrap();
        let kinds: Vec<_> = vision.iter().map(|v| v["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["principle", "principle", "principle", "commitment", "commitment", "commitment"]);
        assert!(vision[0]["text"].as_str().unwrap().starts_with("Alle Menschen in dieser Stadt"));
        assert!(vision[3]["text"].as_str().unwrap().starts_with("Selbstverpflichtung der Stadt Bielefeld"));
        let goals = c["priority_goals"].as_array().unwrap();
        assert_eq!(goals.len(), 7);
        assert_eq!(goals[0]["position"], 1);
        assert!(goals[6]["text"].as_str().unwrap().starts_with("Spezifische Beratungsangebote"));
        assert_eq!(c["field_count"], 6);
        assert_eq!(c["measure_count"], 7);
    }

    async fn demo_fields_are_the_six_areas_of_2016(db) {
        let app = test::init_service(beteiligung::build_app(&db.state())).await;
        let r = get(&app, "/api/v1/fields").await;
        assert_eq!(r.status, 200);
        let titles: Vec<_> = r.body["items"].as_array().unwrap().iter().map(|f| f["title"].as_str().unwrap().to_owned()).collect();
        assert_eq!(titles, [
            "Betreuung, Erziehung, Bildung",
            "Ausbildung, Qualifizierung, Beruf/ Arbeitsmarkt",
            "Kultur, Freizeit, Sport, Erwachsenenbildung",
            "Gesundheit, besondere Lebenslagen",
            "Soziales Umfeld, Wohnen, Stadtentwicklung",
            "Willkommenskultur, Interkulturelle Orientierung öffentlicher Institutionen/des öffentlichen Bereichs",
        ]);
        let counts: Vec<_> = r.body["items"].as_array().unwrap().iter().map(|f| f["measure_count"].as_i64().unwrap()).collect();
        assert_eq!(counts, [3, 1, 0, 0, 0, 3]);
        assert_eq!(r.body["next_cursor"], Value::Null);
    }

    async fn fields_paginate_in_number_order(db) {
        let app = test::init_service(beteiligung::build_app(&db.state())).await;
        let mut numbers = Vec::new();
        let mut uri = "/api/v1/fields?limit=4".to_owned();
        let mut pages = 0;
        loop {
            let r = get(&app, &uri).await;
            assert_eq!(r.status, 200, "{}", r.text);
            pages += 1;
            numbers.extend(r.body["items"].as_array().unwrap().iter().map(|f| f["number"].as_i64().unwrap()));
            match r.body["next_cursor"].as_str() {
                Some(c) => uri = format!("/api/v1/fields?limit=4&cursor={c}"),
                None => break,
            }
        }
        assert_eq!(pages, 2);
        assert_eq!(numbers, [1, 2, 3, 4, 5, 6]);
    }

    async fn one_field_and_unknown_ids(db) {
        let app = test::init_service(beteiligung::build_app(&db.state())).await;
        let list = get(&app, "/api/v1/fields").await;
        let first = &list.body["items"][0];
        let r = get(&app, &format!("/api/v1/fields/{}", first["id"])).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.body, *first);
        get(&app, "/api/v1/fields/999999").await.assert_problem(404, "not_found");
        get(&app, "/api/v1/fields/-1").await.assert_problem(404, "not_found");
        get(&app, "/api/v1/fields/abc").await.assert_problem(404, "not_found");
        get(&app, "/api/v1/fields/999999/measures").await.assert_problem(404, "not_found");
        get(&app, "/api/v1/measures/999999").await.assert_problem(404, "not_found");
    }

    async fn demo_measures_come_from_the_seeds(db) {
        let app = test::init_service(beteiligung::build_app(&db.state())).await;
        let fields = get(&app, "/api/v1/fields").await;
        let mut titles = Vec::new();
        for f in fields.body["items"].as_array().unwrap() {
            let r = get(&app, &format!("/api/v1/fields/{}/measures", f["id"])).await;
            assert_eq!(r.status, 200);
            for m in r.body["items"].as_array().unwrap() {
                assert_eq!(m["field_id"], f["id"]);
                titles.push(m["title"].as_str().unwrap().to_owned());
            }
        }
        assert_eq!(titles, [
            "Sprachförderung „Miteinander leben. Miteinander reden“",
            "Sprachkurse in Schulen",
            "Angebote für Eltern",
            "Hilfe bei der Berufswahl",
            "Internetplattform für Zugewanderte",
            "Bielefelder Integrationspreis",
            "Amt für Integration",
        ]);
    }

    async fn measures_filter_and_paginate(db) {
        let pool = db.pool();
        store::import(&mut pool.get().unwrap(), chrono::Utc::now().naive_utc(), &catalogue_with(45), ImportMode::IntoEmpty).unwrap();
        let state = db.state();
        let app = test::init_service(beteiligung::build_app(&state)).await;
        let fields = get(&app, "/api/v1/fields").await;
        // Ordered by number, not by file order.
        assert_eq!(fields.body["items"][0]["number"], 2);
        let field = &fields.body["items"][1];
        assert_eq!(field["measure_count"], 45);

        let mut codes = Vec::new();
        let mut uri = format!("/api/v1/fields/{}/measures", field["id"]);
        loop {
            let r = get(&app, &uri).await;
            assert_eq!(r.status, 200, "{}", r.text);
            assert!(r.body["items"].as_array().unwrap().len() <= 20);
            codes.extend(r.body["items"].as_array().unwrap().iter().map(|m| m["code"].as_str().unwrap().to_owned()));
            match r.body["next_cursor"].as_str() {
                Some(c) => uri = format!("/api/v1/fields/{}/measures?cursor={c}", field["id"]),
                None => break,
            }
        }
        let expected: Vec<_> = (1..=45).map(|i| format!("9.{i}")).collect();
        assert_eq!(codes, expected);

        let r = get(&app, &format!("/api/v1/fields/{}/measures?status=implemented&limit=100", field["id"])).await;
        let items = r.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 11);
        assert!(items.iter().all(|m| m["implementation_status"] == "implemented"));

        let r = get(&app, &format!("/api/v1/fields/{}/measures?status=implemented&limit=5", field["id"])).await;
        let cursor = r.body["next_cursor"].as_str().unwrap().to_owned();
        let r2 = get(&app, &format!("/api/v1/fields/{}/measures?status=implemented&limit=5&cursor={cursor}", field["id"])).await;
        assert_eq!(r2.body["items"].as_array().unwrap().len(), 5);
        assert_ne!(r.body["items"][0]["id"], r2.body["items"][0]["id"]);

        // An empty field exists: empty list, not 404.
        let empty = &fields.body["items"][0];
        let r = get(&app, &format!("/api/v1/fields/{}/measures", empty["id"])).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.body["items"], json!([]));

        let m = &items[0];
        let one = get(&app, &format!("/api/v1/measures/{}", m["id"])).await;
        assert_eq!(one.status, 200);
        assert_eq!(one.body, *m);
    }

    async fn bad_list_parameters_are_rejected(db) {
        let app = test::init_service(beteiligung::build_app(&db.state())).await;
        let r = get(&app, "/api/v1/fields?limit=0").await;
        r.assert_problem(400, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "limit");
        get(&app, "/api/v1/fields?limit=101").await.assert_problem(400, "validation_failed");
        get(&app, "/api/v1/fields?limit=ten").await.assert_problem(400, "invalid_query");
        let r = get(&app, "/api/v1/fields?cursor=not-a-cursor").await;
        r.assert_problem(400, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "cursor");
        let r = get(&app, "/api/v1/fields/1/measures?status=done").await;
        r.assert_problem(400, "invalid_query");
        assert!(r.text.contains("in_progress"), "names the accepted values: {}", r.text);
    }

    async fn answers_carry_etags_and_revalidate(db) {
        let app = test::init_service(beteiligung::build_app(&db.state())).await;
        let first = get(&app, "/api/v1/fields").await;
        assert_eq!(first.status, 200);
        let etag = first.header("etag").expect("an ETag").to_owned();
        assert_eq!(first.header("cache-control"), Some("no-cache"));
        let again = send(&app, test::TestRequest::get().uri("/api/v1/fields").insert_header(("if-none-match", etag.as_str())).to_request()).await;
        assert_eq!(again.status, 304);
        assert!(again.text.is_empty());
        assert_eq!(again.header("etag"), Some(etag.as_str()));
        let other = send(&app, test::TestRequest::get().uri("/api/v1/fields").insert_header(("if-none-match", "\"stale\"")).to_request()).await;
        assert_eq!(other.status, 200);
        assert_eq!(other.body, first.body);
        let page = get(&app, "/api/v1/fields?limit=2").await;
        assert_ne!(page.header("etag"), Some(etag.as_str()), "each address has its own tag");
    }

    async fn cache_is_bounded_in_time_and_cleared_by_its_node(db) {
        let state = db.state_with(&[("CATALOGUE_CACHE_TTL_SECS", "1")]);
        let app = test::init_service(beteiligung::build_app(&state)).await;
        let before = get(&app, "/api/v1/concept").await;
        // Another node (here: a direct write) changes the catalogue.
        {
            use beteiligung::db::schema::concepts;
            use diesel::prelude::*;
            diesel::update(concepts::table)
                .set(concepts::title.eq("Geänderter Titel"))
                .execute(&mut db.connection())
                .unwrap();
        }
        assert_eq!(get(&app, "/api/v1/concept").await.body, before.body, "served from the cache");
        std::thread::sleep(std::time::Duration::from_millis(1100));
        assert_eq!(get(&app, "/api/v1/concept").await.body["title"], "Geänderter Titel", "fresh after the TTL");

        {
            use beteiligung::db::schema::concepts;
            use diesel::prelude::*;
            diesel::update(concepts::table)
                .set(concepts::title.eq("Noch einmal geändert"))
                .execute(&mut db.connection())
                .unwrap();
        }
        state.catalogue_cache.clear();
        assert_eq!(get(&app, "/api/v1/concept").await.body["title"], "Noch einmal geändert", "fresh after clear()");
    }

    async fn cache_can_be_turned_off(db) {
        let state = db.state_with(&[("CATALOGUE_CACHE_TTL_SECS", "0")]);
        let app = test::init_service(beteiligung::build_app(&state)).await;
        get(&app, "/api/v1/concept").await;
        {
            use beteiligung::db::schema::concepts;
            use diesel::prelude::*;
            diesel::update(concepts::table)
                .set(concepts::title.eq("Sofort sichtbar"))
                .execute(&mut db.connection())
                .unwrap();
        }
        let r = get(&app, "/api/v1/concept").await;
        assert_eq!(r.body["title"], "Sofort sichtbar");
        assert!(r.header("etag").is_some());
    }
}
