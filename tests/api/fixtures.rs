//! The builders of tests/common/fixtures.rs make what the API itself would have made.

use crate::accounts::{call, login, Ctx, PASSWORD};
use crate::both_backends;
use crate::common::fixtures;
use actix_web::http::Method;
use beteiligung::auth::model::Role;

both_backends! {
    async fn builders_make_what_the_api_would(db) {
        let ctx = Ctx::new(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let lena = fixtures::account(&ctx.state, "lena@example.org", Role::Participant);
        let token = lena["access_token"].as_str().unwrap();
        let me = call(&app, Method::GET, "/api/v1/me", Some(token), None).await;
        assert_eq!(me.status, 200, "{}", me.text);
        assert_eq!((me.body["email_verified"].as_bool(), me.body["role"].as_str()), (Some(true), Some("participant")));
        assert_eq!(me.body["id"], lena["user_id"]);
        assert_eq!(login(&app, "lena@example.org", PASSWORD).await.status, 200, "the built password works");
        let moderator = fixtures::account(&ctx.state, "moderation@example.org", Role::Moderator);
        let queue = call(&app, Method::GET, "/api/v1/moderation/organisations", moderator["access_token"].as_str(), None).await;
        assert_eq!(queue.status, 200, "{}", queue.text);

        let rep = fixtures::account(&ctx.state, "vorstand@example.org", Role::Participant);
        let org = fixtures::organisation(&ctx.state, "Verein A", "migrant_organisation", true, rep["user_id"].as_i64().unwrap(), &[lena["user_id"].as_i64().unwrap()]);
        let listed = call(&app, Method::GET, "/api/v1/organisations", None, None).await;
        assert_eq!(listed.body["items"][0]["id"], org, "{}", listed.text);
        let mine = call(&app, Method::GET, "/api/v1/me/organisations", Some(token), None).await;
        assert_eq!(mine.body["items"][0]["role"], "member", "{}", mine.text);
        assert_eq!(mine.body["items"][0]["may_act"], true);

        for phase in ["upcoming", "commenting", "commenting_and_voting", "voting", "closed"] {
            let id = fixtures::consultation(&ctx.state, phase);
            let r = call(&app, Method::GET, &format!("/api/v1/consultations/{id}"), None, None).await;
            assert_eq!(r.body["phase"], phase, "{}", r.text);
        }
    }
}
