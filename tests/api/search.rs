//! The search (issue 15) on both backends: German compounds and umlauts, Turkish and Arabic,
//! ranking, pagination, what the public may not read, the reader's language, hostile queries
//! and the rebuild.

use crate::accounts::{call, Ctx};
use crate::both_backends;
use crate::common::fixtures;
use crate::contributions::{person, Person};
use crate::organisations::call_if;
use actix_web::http::Method;
use beteiligung::auth::model::Role;
use beteiligung::db::schema::{consultations, measures, search_documents, search_status};
use beteiligung::search::{self, Document, Kind, Links};
use diesel::prelude::*;
use serde_json::{json, Value};

/// `s` for a query string.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A consultation in its commenting window whose comments are published at once.
fn open_consultation(ctx: &Ctx) -> i64 {
    let id = fixtures::consultation(&ctx.state, "commenting");
    let mut conn = ctx.db.connection();
    diesel::update(consultations::table.find(id))
        .set(consultations::moderation.eq("post"))
        .execute(&mut conn)
        .unwrap();
    id
}

fn first_measure(ctx: &Ctx) -> (i64, i64, String) {
    let mut conn = ctx.db.connection();
    measures::table
        .filter(measures::retired_at.is_null())
        .order(measures::id)
        .select((measures::id, measures::field_id, measures::title))
        .first(&mut conn)
        .unwrap()
}

async fn comment<S, B>(app: &S, who: &Person, consultation: i64, measure: i64, body: &str) -> i64
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
        &format!("/api/v1/consultations/{consultation}/comments"),
        Some(&who.token),
        Some(json!({"target_type": "measure", "target_id": measure, "body": body})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["id"].as_i64().unwrap()
}

async fn search<S, B>(app: &S, query: &str) -> Value
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
        Method::GET,
        &format!("/api/v1/search?{query}"),
        None,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{query}: {}", r.text);
    r.body
}

/// The (kind, id) of every result of `q` (with more query parameters in `extra`).
async fn found<S, B>(app: &S, q: &str, extra: &str) -> Vec<(String, i64)>
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let body = search(app, &format!("q={}&limit=100{extra}", enc(q))).await;
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap().to_owned(),
                i["id"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn has(results: &[(String, i64)], kind: &str, id: i64) -> bool {
    results.iter().any(|(k, i)| k == kind && *i == id)
}

async fn moderate<S, B>(app: &S, moderator: &Person, id: i64, decision: &str)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let item = call(
        app,
        Method::GET,
        &format!("/api/v1/moderation/contributions/{id}"),
        Some(&moderator.token),
        None,
    )
    .await;
    assert_eq!(item.status, 200, "{}", item.text);
    let r = call_if(
        app,
        Method::POST,
        &format!("/api/v1/moderation/contributions/{id}/decisions"),
        &moderator.token,
        item.body["etag"].as_str().unwrap(),
        Some(json!({"decision": decision, "reason": "other", "note": "Test"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

both_backends! {
    async fn german_compounds_umlauts_turkish_and_arabic_are_found(db) {
        let ctx = Ctx::new(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let lena = person(&ctx, "lena@example.org", Role::Participant);
        let consultation = open_consultation(&ctx);
        let (measure, field, title) = first_measure(&ctx);
        let german = comment(&app, &lena, consultation, measure, "Mehr Sprachförderung für Kinder im Stadtteil, bitte.").await;
        let turkish = comment(&app, &lena, consultation, measure, "Türkçe dil kursları akşamları da olmalı.").await;
        let arabic = comment(&app, &lena, consultation, measure, "نحتاج إلى دروس اللغة العربية للأطفال في الحي").await;

        for q in ["Sprachforderung", "sprachförderung", "sprach", "SPRACHFÖRDERUNG", "Sprachförderung Kinder"] {
            let r = found(&app, q, "&kind=comment").await;
            assert!(has(&r, "comment", german), "{q}: {r:?}");
            assert!(!has(&r, "comment", turkish), "{q}: {r:?}");
        }
        for q in ["turkce", "Türkçe", "kurs", "KURSLARI", "kursları dil"] {
            assert!(has(&found(&app, q, "").await, "comment", turkish), "{q}");
        }
        for q in ["العربية", "اللغة", "دروس", "الى"] {
            let r = found(&app, q, "").await;
            assert!(has(&r, "comment", arabic), "{q}: {r:?}");
            assert!(!has(&r, "comment", german), "{q}");
        }
        assert!(found(&app, "Sprachförderung Erwachsene", "&kind=comment").await.is_empty(), "all words must occur");

        // The catalogue, by a word of a measure's title; the result links where it belongs.
        let word = title.split(|c: char| !c.is_alphanumeric()).find(|w| w.chars().count() >= 4).unwrap().to_owned();
        let body = search(&app, &format!("q={}&kind=measure&limit=100", enc(&word))).await;
        let hit = body["items"].as_array().unwrap().iter().find(|i| i["id"] == measure).unwrap_or_else(|| panic!("{word}: {body}"));
        assert_eq!((hit["title"].as_str(), hit["field_id"].as_i64(), hit["measure_id"].as_i64()), (Some(title.as_str()), Some(field), Some(measure)));
        assert_eq!((hit["language"].as_str(), hit["translation"].as_bool()), (Some("de"), Some(false)));
        // A comment links its consultation and measure, with an excerpt around the match.
        let body = search(&app, &format!("q=sprach&kind=comment&consultation_id={consultation}")).await;
        let item = &body["items"][0];
        assert_eq!((item["consultation_id"].as_i64(), item["measure_id"].as_i64(), item["language"].as_str()), (Some(consultation), Some(measure), Some("und")));
        assert!(item["title"].is_null() && item["excerpt"].as_str().unwrap().contains("Sprachförderung"), "{item}");
        assert!(found(&app, "sprach", &format!("&kind=comment&consultation_id={}", consultation + 1000)).await.is_empty());
    }

    async fn titles_rank_first_and_pages_neither_skip_nor_repeat(db) {
        let ctx = Ctx::new(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let lena = person(&ctx, "lena@example.org", Role::Participant);
        let consultation = open_consultation(&ctx);
        let (measure, field, _) = first_measure(&ctx);
        let mention = comment(&app, &lena, consultation, measure, "Ich wünsche mir einen Nachbarschaftsgarten und viele andere Dinge in unserem schönen Viertel.").await;
        let r = call(&app, Method::POST, &format!("/api/v1/consultations/{consultation}/proposals"), Some(&lena.token),
            Some(json!({"field_id": field, "title": "Nachbarschaftsgarten", "body": "Ein Ort für alle.", "rationale": "Begegnung."}))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let proposal = r.body["id"].as_i64().unwrap();
        let r = found(&app, "nachbarschaftsgarten", "").await;
        assert_eq!(r.iter().map(|(k, i)| (k.as_str(), *i)).collect::<Vec<_>>(), [("proposal", proposal), ("comment", mention)], "the title hit first");

        // Eleven texts with one word, paged by three: every one exactly once, in order.
        {
            let mut conn = ctx.db.connection();
            for n in 0..11 {
                let body = format!("Quartierstreff Nummer {n} {}", "und noch ".repeat(n));
                search::put(&mut conn, &Document { kind: Kind::Comment, subject_id: 10_000 + n as i64, language: "und", translation: false,
                    links: Links { consultation_id: Some(consultation), ..Links::default() }, title: "", body: &body }).unwrap();
            }
        }
        let (mut seen, mut cursor, mut pages) = (Vec::new(), None::<String>, 0);
        loop {
            let extra = cursor.as_ref().map(|c| format!("&cursor={c}")).unwrap_or_default();
            let body = search(&app, &format!("q=quartierstreff&limit=3{extra}")).await;
            seen.extend(body["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()));
            pages += 1;
            match body["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        assert_eq!(pages, 4);
        let mut sorted = seen.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, (10_000..10_011).collect::<Vec<i64>>(), "{seen:?}");
        assert_eq!(seen[0], 10_000, "the shortest text ranks first: {seen:?}");
        let r = call(&app, Method::GET, "/api/v1/search?q=quartierstreff&cursor=bm90LWEtY3Vyc29y", None, None).await;
        r.assert_problem(400, "validation_failed");
    }

    async fn participants_texts_are_ranked_among_the_newest_window_the_catalogue_always(db) {
        let ctx = Ctx::new(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let consultation = open_consultation(&ctx);
        let window = search::RANKED_WINDOW;
        {
            let mut conn = ctx.db.connection();
            let put = |conn: &mut beteiligung::db::DbConnection, kind: Kind, id: i64, title: &str, body: &str| {
                search::put(conn, &Document { kind, subject_id: id, language: "und", translation: false,
                    links: Links { consultation_id: Some(consultation), ..Links::default() }, title, body }).unwrap();
            };
            // The oldest comment is the best match of all (the word alone); then a measure;
            // then as many comments as the window holds, each with the word among others.
            put(&mut conn, Kind::Comment, 20_000, "", "Zaunkönig");
            put(&mut conn, Kind::Measure, 20_001, "Zaunkönigpfad am Obersee", "Ein Lehrpfad.");
            conn.transaction::<_, diesel::result::Error, _>(|conn| {
                for n in 0..window {
                    put(conn, Kind::Comment, 30_000 + n, "", &format!("Der Zaunkönig singt im Garten hinter dem Haus Nummer {n}."));
                }
                Ok(())
            }).unwrap();
        }
        let top = found(&app, "zaunkönig", "").await;
        assert_eq!(top[0], ("measure".to_owned(), 20_001), "the catalogue takes part whatever the comments: {top:?}");
        assert!(top[1..].iter().all(|(k, i)| k == "comment" && (30_000..30_000 + window).contains(i)), "{top:?}");
        assert!(!has(&found(&app, "zaunkönig", "&kind=comment").await, "comment", 20_000),
            "the best comment is older than the newest {window} matches, so it is not ranked");
        // One comment fewer in the window, and the oldest is ranked again, first of the comments.
        search::remove(&mut ctx.db.connection(), Kind::Comment, 30_000 + window - 1, None).unwrap();
        let top = found(&app, "zaunkönig", "&kind=comment").await;
        assert_eq!(top[0], ("comment".to_owned(), 20_000), "{top:?}");
        // A word of the measure alone.
        assert_eq!(found(&app, "zaunkonigpfad", "").await, [("measure".to_owned(), 20_001)]);
    }

    async fn hidden_deleted_and_unpublished_texts_are_not_found(db) {
        let ctx = Ctx::new(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let lena = person(&ctx, "lena@example.org", Role::Participant);
        let moderator = person(&ctx, "moderation@example.org", Role::Moderator);
        let consultation = open_consultation(&ctx);
        let (measure, _, _) = first_measure(&ctx);
        let id = comment(&app, &lena, consultation, measure, "Das Begegnungscafé braucht längere Öffnungszeiten.").await;
        assert!(has(&found(&app, "begegnungscafe", "").await, "comment", id));

        moderate(&app, &moderator, id, "hide").await;
        assert!(found(&app, "begegnungscafe", "").await.is_empty(), "a hidden comment is not found");
        moderate(&app, &moderator, id, "restore").await;
        assert!(has(&found(&app, "begegnungscafe", "").await, "comment", id), "found again after restore");

        // Hidden by reports of three people, found again when a moderator approves it.
        for n in 0..3 {
            let reader = person(&ctx, &format!("reader{n}@example.org"), Role::Participant);
            let r = call(&app, Method::POST, &format!("/api/v1/contributions/{id}/flags"), Some(&reader.token), Some(json!({"reason": "spam"}))).await;
            assert_eq!(r.status, 201, "{}", r.text);
        }
        assert!(found(&app, "begegnungscafe", "").await.is_empty(), "hidden pending review");
        moderate(&app, &moderator, id, "approve").await;
        assert!(has(&found(&app, "begegnungscafe", "").await, "comment", id));

        // An edit changes what is found.
        let current = call(&app, Method::GET, &format!("/api/v1/contributions/{id}"), Some(&lena.token), None).await;
        let r = call_if(&app, Method::PATCH, &format!("/api/v1/contributions/{id}"), &lena.token, current.header("etag").unwrap(),
            Some(json!({"body": "Die Stadtteilbibliothek braucht längere Öffnungszeiten."}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(found(&app, "begegnungscafe", "").await.is_empty());
        assert!(has(&found(&app, "stadtteilbibliothek", "").await, "comment", id));

        // Deleted by its author: gone.
        let r = call(&app, Method::DELETE, &format!("/api/v1/contributions/{id}"), Some(&lena.token), None).await;
        assert_eq!(r.status, 204, "{}", r.text);
        assert!(found(&app, "stadtteilbibliothek", "").await.is_empty());

        // Pre-moderation: pending is not found, approved is.
        diesel::update(consultations::table.find(consultation)).set(consultations::moderation.eq("pre")).execute(&mut ctx.db.connection()).unwrap();
        let pending = comment(&app, &lena, consultation, measure, "Ein Hausaufgabenhilfeprojekt wäre schön.").await;
        assert!(found(&app, "hausaufgabenhilfe", "").await.is_empty(), "a pending comment is not found");
        moderate(&app, &moderator, pending, "approve").await;
        assert!(has(&found(&app, "hausaufgabenhilfe", "").await, "comment", pending));

        // Erasure of the account with its texts takes them out of the index.
        let r = call(&app, Method::DELETE, "/api/v1/me", Some(&lena.token), Some(json!({"password": crate::accounts::PASSWORD, "remove_texts": true}))).await;
        assert_eq!(r.status, 204, "{}", r.text);
        assert!(found(&app, "hausaufgabenhilfe", "").await.is_empty(), "erased with the account");

        // A statement is found once it is published, not as a draft nor submitted.
        let staff = person(&ctx, "staff@example.org", Role::Moderator);
        let o = crate::statements::org(&ctx, "Verein Brücke", "migrant_organisation", "s");
        let mut body = crate::statements::on_concept(consultation, "Stellungnahme zur Elternbeteiligung");
        body["body"] = json!("Die Elternbeteiligung in Kitas muss mehrsprachig werden.");
        let r = crate::statements::draft(&app, &o.rep, o.id, body).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let statement = r.body["id"].as_i64().unwrap();
        assert!(found(&app, "elternbeteiligung", "").await.is_empty(), "a draft is not found");
        let r = crate::statements::submit(&app, &o.rep, statement, "name").await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(found(&app, "elternbeteiligung", "").await.is_empty(), "a submitted statement is not found");
        let r = crate::statements::answer(&app, &staff, statement, "Wir prüfen das.").await;
        assert_eq!(r.status, 200, "{}", r.text);
        let r = found(&app, "elternbeteiligung mehrsprachig", "").await;
        assert_eq!(r, [("statement".to_owned(), statement)], "published");
    }

    async fn the_reader_language_picks_a_translation_or_the_german_text(db) {
        let ctx = Ctx::new(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let (measure, field, title) = first_measure(&ctx);
        {
            let mut conn = ctx.db.connection();
            search::put(&mut conn, &Document { kind: Kind::Measure, subject_id: measure, language: "tr", translation: true,
                links: Links { field_id: Some(field), measure_id: Some(measure), ..Links::default() },
                title: "Çocuklar için dil gelişimi", body: "Anaokullarında Türkçe ve Almanca dil desteği." }).unwrap();
        }
        let word = title.split(|c: char| !c.is_alphanumeric()).find(|w| w.chars().count() >= 4).unwrap().to_owned();
        // Turkish readers are matched against the translation…
        for extra in ["&lang=tr", "&lang=tr-TR"] {
            let body = search(&app, &format!("q=gelisimi&kind=measure{extra}")).await;
            assert_eq!(body["items"][0]["id"].as_i64(), Some(measure), "{extra}: {body}");
            assert_eq!((body["items"][0]["language"].as_str(), body["items"][0]["translation"].as_bool()), (Some("tr"), Some(true)));
            assert!(!has(&found(&app, &word, &format!("&kind=measure{extra}")).await, "measure", measure), "not the German text as well");
        }
        let r = call(&app, Method::GET, "/api/v1/search?q=gelisimi", None, None).await;
        assert!(r.body["items"].as_array().unwrap().is_empty(), "{}", r.text);
        let r = actix_web::test::call_service(&app, actix_web::test::TestRequest::get().uri("/api/v1/search?q=gelisimi")
            .insert_header(("Accept-Language", "tr-TR, en;q=0.5")).to_request()).await;
        let body: Value = actix_web::test::read_body_json(r).await;
        assert_eq!(body["items"][0]["id"].as_i64(), Some(measure), "Accept-Language: {body}");
        // …everybody else against the German original.
        for extra in ["", "&lang=en", "&lang=ar", "&lang=de"] {
            assert!(has(&found(&app, &word, &format!("&kind=measure{extra}")).await, "measure", measure), "{extra}");
            assert!(found(&app, "gelisimi", extra).await.is_empty(), "{extra}");
        }
        call(&app, Method::GET, "/api/v1/search?q=wort&lang=%3Cx", None, None).await.assert_problem(400, "invalid_query");
        // Removing the translation leaves the original for everybody.
        search::remove(&mut ctx.db.connection(), Kind::Measure, measure, Some("TR")).unwrap();
        assert!(has(&found(&app, &word, "&kind=measure&lang=tr").await, "measure", measure));
    }

    async fn hostile_queries_get_results_or_a_clear_refusal(db) {
        let ctx = Ctx::new(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let long = "sprach ".repeat(40);
        let many = "a b c d e f g h i j";
        let hostile = [
            "\"", "\"\"", "sprach\"", "*", "sprach*", "**x", "NEAR(a b)", "NEAR(", "x:*", "a:*b", "&|!", "a & b | !c",
            "' OR 1=1 --", "'; DROP TABLE search_documents; --", "\\", "a\\'b", "%", "_%", "(a OR b) AND NOT c",
            "^x", "-x", "+x", "{x y}", "col:val", "title_terms:x", "body_terms : x", "<->", "a <-> b", "a <2> b",
            "\u{0}x", "x\u{0}", "\u{202E}abc", "😀😀", "ﷺ", "İI", long.as_str(), many, "a", "",
        ];
        for q in hostile {
            let r = call(&app, Method::GET, &format!("/api/v1/search?q={}", enc(q)), None, None).await;
            match r.status.as_u16() {
                200 => assert!(r.body["items"].is_array(), "{q:?}: {}", r.text),
                400 => assert!(["validation_failed", "invalid_query"].contains(&r.body["code"].as_str().unwrap()), "{q:?}: {}", r.text),
                other => panic!("{q:?} answered {other}: {}", r.text),
            }
        }
        call(&app, Method::GET, "/api/v1/search", None, None).await.assert_problem(400, "invalid_query");
        call(&app, Method::GET, &format!("/api/v1/search?q={}", enc(&long)), None, None).await.assert_problem(400, "validation_failed");
        call(&app, Method::GET, &format!("/api/v1/search?q={}", enc(many)), None, None).await.assert_problem(400, "validation_failed");
        call(&app, Method::GET, "/api/v1/search?q=%22%2A", None, None).await.assert_problem(400, "validation_failed");
        call(&app, Method::GET, "/api/v1/search?q=wort&kind=user", None, None).await.assert_problem(400, "invalid_query");
        call(&app, Method::GET, "/api/v1/search?q=wort&limit=0", None, None).await.assert_problem(400, "validation_failed");
        call(&app, Method::GET, "/api/v1/search?q=wort&consultation_id=0", None, None).await.assert_problem(400, "validation_failed");
    }

    async fn a_rebuild_fills_the_index_from_every_slice(db) {
        let ctx = Ctx::new(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let lena = person(&ctx, "lena@example.org", Role::Participant);
        let consultation = open_consultation(&ctx);
        let (measure, _, title) = first_measure(&ctx);
        let id = comment(&app, &lena, consultation, measure, "Interkulturelle Gärten verbinden.").await;
        let word = title.split(|c: char| !c.is_alphanumeric()).find(|w| w.chars().count() >= 4).unwrap().to_owned();
        let mut conn = ctx.db.connection();
        // As after the migration: texts exist, the index is empty and stale.
        diesel::delete(search_documents::table).execute(&mut conn).unwrap();
        diesel::update(search_status::table).set(search_status::folding_version.eq(0)).execute(&mut conn).unwrap();
        assert!(found(&app, "interkulturelle", "").await.is_empty());
        assert!(search::is_stale(&mut conn).unwrap());
        let put = search::rebuild_if_stale(&mut conn, beteiligung::SEARCHABLE, chrono::Utc::now().naive_utc()).unwrap().expect("stale");
        assert_eq!(put.iter().map(|(s, _)| *s).collect::<Vec<_>>(), ["catalogue", "contributions", "statements"]);
        assert_eq!(put[1].1, 1);
        assert!(put[0].1 > 10, "{put:?}");
        assert!(!search::is_stale(&mut conn).unwrap());
        assert!(search::rebuild_if_stale(&mut conn, beteiligung::SEARCHABLE, chrono::Utc::now().naive_utc()).unwrap().is_none(), "fresh");
        assert!(has(&found(&app, "interkulturelle garten", "").await, "comment", id));
        assert!(has(&found(&app, &word, "&kind=measure").await, "measure", measure));
        // A full rebuild gives the same index.
        let again = search::rebuild(&mut conn, beteiligung::SEARCHABLE, chrono::Utc::now().naive_utc()).unwrap();
        assert_eq!(again, put);
    }
}

both_backends! {
    async fn catalogue_changes_reach_the_index_in_their_transaction(db) {
        let ctx = Ctx::new(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let admin = person(&ctx, "admin@example.org", Role::Admin);
        let (_, first, _) = first_measure(&ctx);
        let r = call(&app, Method::POST, "/api/v1/admin/catalogue/measures", Some(&admin.token), Some(json!({
            "field_id": first, "code": "9.1", "title": "Elterncafés im Stadtteil", "description": "Treffpunkte für Mütter und Väter.", "implementation_status": "planned"
        }))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let measure = r.body["id"].as_i64().unwrap();
        let body = search(&app, "q=elterncafe&kind=measure").await;
        assert_eq!((body["items"][0]["id"].as_i64(), body["items"][0]["field_id"].as_i64()), (Some(measure), Some(first)), "{body}");
        assert!(has(&found(&app, "vater treffpunkte", "").await, "measure", measure), "the description");

        // A status note is searchable; a move to another field changes the link.
        let r = call_if(&app, Method::POST, &format!("/api/v1/admin/catalogue/measures/{measure}/status"), &admin.token, r.header("etag").unwrap(),
            Some(json!({"implementation_status": "in_progress", "status_note": "Erste Cafés laufen", "status_date": "2026-11-01"}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(has(&found(&app, "cafes laufen", "").await, "measure", measure));
        let second: i64 = {
            use beteiligung::db::schema::fields;
            fields::table.filter(fields::id.ne(first)).order(fields::id).select(fields::id).first(&mut ctx.db.connection()).unwrap()
        };
        let r = call_if(&app, Method::PATCH, &format!("/api/v1/admin/catalogue/measures/{measure}"), &admin.token, r.header("etag").unwrap(),
            Some(json!({"field_id": second, "title": "Familiencafés im Stadtteil"}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(found(&app, "elterncafe", "").await.is_empty(), "the old title is gone");
        let body = search(&app, "q=familiencafes").await;
        assert_eq!((body["items"][0]["id"].as_i64(), body["items"][0]["field_id"].as_i64()), (Some(measure), Some(second)), "{body}");

        // Retired: not found any more.
        let r = call_if(&app, Method::POST, &format!("/api/v1/admin/catalogue/measures/{measure}/retire"), &admin.token, r.header("etag").unwrap(), None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(found(&app, "familiencafes", "").await.is_empty(), "a retired measure is not found");
    }
}
