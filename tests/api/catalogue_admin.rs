//! Catalogue administration: export in the import format, import through the API, and the
//! round trip export → import into an empty database → export.

use crate::accounts::{call, login, make_admin, verified_user, Ctx, PASSWORD};
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
    verified_user(app, ctx, "admin@example.org").await;
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
            use beteiligung::db::schema::concepts;
            use diesel::prelude::*;
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
