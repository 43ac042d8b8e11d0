//! Rules that depend on time read it from the one clock the application is built with; these
//! tests move that clock across each boundary instead of waiting.

use crate::accounts::{call, login, participant, Ctx, PASSWORD};
use crate::both_backends;
use crate::organisations::{register_org, staff, token, verified_org};
use actix_web::http::Method;
use beteiligung::clock::Clock;
use chrono::{Duration, Utc};
use serde_json::json;
use std::path::Path;

/// A node whose clock stands still at the moment of the call until the test moves it; sessions
/// last a year so moving the clock by weeks does not end them.
fn with_fixed_clock(db: crate::common::TestDb) -> (Ctx, Clock) {
    let mut ctx = Ctx::with(db, &[("SESSION_TTL_DAYS", "365")]);
    let clock = Clock::fixed(Utc::now());
    ctx.state.clock = clock.clone();
    (ctx, clock)
}

both_backends! {
    async fn an_invitation_works_for_fourteen_days(db) {
        let (ctx, clock) = with_fixed_clock(db);
        let t0 = clock.now();
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let moderator = staff(&app, &ctx, "moderation@example.org", "moderator").await;
        let (rep, org) = verified_org(&app, &ctx, &moderator, "vorstand@example.org", "Verein A", "migrant_organisation").await;
        for email in ["early@example.org", "late@example.org"] {
            participant(&app, &ctx, email).await;
            let r = call(&app, Method::POST, &format!("/api/v1/organisations/{org}/invitations"), Some(&rep), Some(json!({"email": email, "role": "member"}))).await;
            assert_eq!(r.status, 201, "{}", r.text);
        }
        ctx.deliver();
        let accept = |email: &'static str| {
            let mail = ctx.sink.to(email).pop().unwrap();
            let app = &app;
            async move {
                let member = token(&login(app, email, PASSWORD).await.body);
                call(app, Method::POST, "/api/v1/organisation-invitations/accept", Some(&member), Some(json!({"token": mail.token()}))).await
            }
        };
        clock.set(t0 + Duration::days(14) - Duration::minutes(1));
        let r = accept("early@example.org").await;
        assert_eq!(r.status, 200, "a minute before the end: {}", r.text);
        clock.set(t0 + Duration::days(14) + Duration::minutes(1));
        accept("late@example.org").await.assert_problem(400, "invalid_or_expired_token");
    }

    async fn a_declined_person_may_ask_again_after_thirty_days(db) {
        let (ctx, clock) = with_fixed_clock(db);
        let t0 = clock.now();
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let moderator = staff(&app, &ctx, "moderation@example.org", "moderator").await;
        let (rep, org) = verified_org(&app, &ctx, &moderator, "vorstand@example.org", "Verein A", "migrant_organisation").await;
        let asker = token(&participant(&app, &ctx, "asker@example.org").await);
        let path = format!("/api/v1/organisations/{org}/join-requests");
        let ask = || call(&app, Method::POST, &path, Some(&asker), Some(json!({})));
        let r = ask().await;
        assert_eq!(r.status, 201, "{}", r.text);
        let request = r.body["id"].as_i64().unwrap();
        let r = call(&app, Method::POST, &format!("/api/v1/organisations/{org}/join-requests/{request}/decline"), Some(&rep), None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        clock.set(t0 + Duration::days(30) - Duration::minutes(1));
        ask().await.assert_problem(409, "recently_declined");
        clock.set(t0 + Duration::days(30) + Duration::minutes(1));
        let r = ask().await;
        assert_eq!(r.status, 201, "thirty days later: {}", r.text);
    }

    async fn the_daily_invitation_limit_renews_after_twenty_four_hours(db) {
        let (ctx, clock) = with_fixed_clock(db);
        let t0 = clock.now();
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        // Before its verification an organisation may send 10 invitations a day.
        let rep = token(&participant(&app, &ctx, "vorstand@example.org").await);
        let org = register_org(&app, &rep, "Verein B", "welfare_provider").await;
        let path = format!("/api/v1/organisations/{org}/invitations");
        let invite = |n: u32| call(&app, Method::POST, &path, Some(&rep), Some(json!({"email": format!("person{n}@example.org"), "role": "member"})));
        for n in 0..10 {
            let r = invite(n).await;
            assert_eq!(r.status, 201, "{}", r.text);
        }
        invite(10).await.assert_problem(409, "too_many_invitations_today");
        clock.set(t0 + Duration::hours(24) - Duration::minutes(1));
        invite(10).await.assert_problem(409, "too_many_invitations_today");
        clock.set(t0 + Duration::hours(24) + Duration::minutes(1));
        let r = invite(10).await;
        assert_eq!(r.status, 201, "a day later: {}", r.text);
    }
}

/// Time is read from the clock module only; everything else gets it passed in.
#[test]
fn nothing_reads_the_time_around_the_clock() {
    fn walk(dir: &Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("src/clock.rs")
            {
                let text = std::fs::read_to_string(&path).unwrap();
                for (n, line) in text.lines().enumerate() {
                    // `Instant::now()` measures durations, not the time of day: allowed.
                    if ["Utc::now()", "SystemTime::now()", "Local::now()"]
                        .iter()
                        .any(|call| line.contains(call))
                    {
                        found.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                    }
                }
            }
        }
    }
    let mut found = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut found,
    );
    assert!(
        found.is_empty(),
        "read the time from crate::clock (a `Now` or the `Clock`) instead:\n{}",
        found.join("\n")
    );
}
