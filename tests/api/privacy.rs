//! Data rights (issue 14): the export of everything held about a person, erasure with its
//! record against a restored backup, the retention purge with the clock moved across each
//! period, and consent to new versions of the terms and the privacy notice.

use crate::accounts::{call, Ctx};
use crate::both_backends;
use crate::common::fixtures::{self, PASSWORD};
use crate::contributions::{person, Person};
use crate::organisations::call_if;
use actix_web::http::Method;
use beteiligung::auth::model::Role;
use beteiligung::db::schema::{
    ballots, consents, contributions, erasures, measure_status_history, measures, one_time_tokens,
    organisation_invitations, organisation_join_requests, outbox_emails, sessions, users,
};
use beteiligung::privacy::{erasures as records, retention};
use chrono::{Duration, Utc};
use diesel::prelude::*;
use serde_json::{json, Value};

fn first_measure(ctx: &Ctx) -> i64 {
    let mut conn = ctx.db.connection();
    measures::table
        .order(measures::id)
        .select(measures::id)
        .first(&mut conn)
        .unwrap()
}

async fn comment<S, B>(app: &S, who: &Person, c: i64, measure: i64, body: &str) -> i64
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
        &format!("/api/v1/consultations/{c}/comments"),
        Some(&who.token),
        Some(json!({"target_type": "measure", "target_id": measure, "body": body})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["id"].as_i64().unwrap()
}

/// Whether `value` holds anything: a non-empty list somewhere, or a scalar that is set.
fn holds_something(value: &Value) -> bool {
    match value {
        Value::Array(items) => !items.is_empty(),
        Value::Object(members) => members.values().any(holds_something),
        Value::Null => false,
        _ => true,
    }
}

both_backends! {
    async fn the_export_holds_every_slice_s_section_and_nothing_about_others(db) {
        let ctx = Ctx::new(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let lena = person(&ctx, "lena@example.org", Role::Participant);
        let omar = person(&ctx, "omar@example.org", Role::Participant);
        let staff = person(&ctx, "moderation@example.org", Role::Moderator);
        let c = fixtures::consultation(&ctx.state, "commenting_and_voting");
        let measure = first_measure(&ctx);

        // Lena accepts a privacy notice again (her history then has an entry).
        {
            let mut conn = ctx.db.connection();
            diesel::update(users::table.find(lena.id)).set(users::privacy_version.eq("2025-01")).execute(&mut conn).unwrap();
        }
        let r = call(&app, Method::POST, "/api/v1/me/consents", Some(&lena.token), Some(json!({"terms_version": "2026-11", "privacy_version": "2026-12"}))).await;
        assert_eq!(r.status, 200, "{}", r.text);

        // Contributions: her comment, edited once; Omar's reply to it; her support and report
        // of Omar's comment.
        let own = comment(&app, &lena, c, measure, "Abendkurse für Eltern wären gut.").await;
        let etag = call(&app, Method::GET, &format!("/api/v1/contributions/{own}"), Some(&lena.token), None).await.header("etag").unwrap().to_owned();
        let r = call_if(&app, Method::PATCH, &format!("/api/v1/contributions/{own}"), &lena.token, &etag, Some(json!({"body": "Abendkurse für Eltern wären sehr gut."}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let r = call(&app, Method::POST, &format!("/api/v1/contributions/{own}/replies"), Some(&omar.token), Some(json!({"body": "Omars Antwort, nicht Lenas Sache."}))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let theirs = comment(&app, &omar, c, measure, "Omars eigener Beitrag.").await;
        assert_eq!(call(&app, Method::PUT, &format!("/api/v1/contributions/{theirs}/support"), Some(&lena.token), None).await.status, 200);
        let r = call(&app, Method::POST, &format!("/api/v1/contributions/{theirs}/flags"), Some(&lena.token), Some(json!({"reason": "other", "note": "Lenas Notiz"}))).await;
        assert_eq!(r.status, 201, "{}", r.text);

        // A ballot of her own.
        let option = call(&app, Method::GET, &format!("/api/v1/consultations/{c}"), None, None).await.body["voting_rules"]["options"][0].as_i64().unwrap();
        let r = call(&app, Method::PUT, &format!("/api/v1/consultations/{c}/ballot"), Some(&lena.token), Some(json!({"allocations": [{"option_id": option, "points": 2}]}))).await;
        assert_eq!(r.status, 200, "{}", r.text);

        // Her organisation, a statement she submitted for it (its receipt is mailed to her),
        // a join request elsewhere and an invitation to her address.
        let org = fixtures::organisation(&ctx.state, "Verein Lena e. V.", "migrant_organisation", true, lena.id, &[]);
        let draft = crate::statements::draft(&app, &lena, org, crate::statements::on_concept(c, "Stellungnahme von Lena")).await;
        assert_eq!(draft.status, 201, "{}", draft.text);
        let statement = draft.body["id"].as_i64().unwrap();
        assert_eq!(crate::statements::submit(&app, &lena, statement, "name").await.status, 200);
        let other_org = fixtures::organisation(&ctx.state, "Verein Omar e. V.", "welfare_provider", true, omar.id, &[]);
        let r = call(&app, Method::POST, &format!("/api/v1/organisations/{other_org}/join-requests"), Some(&lena.token), Some(json!({"message": "Ich möchte mitmachen."}))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let r = call(&app, Method::POST, &format!("/api/v1/organisations/{other_org}/invitations"), Some(&omar.token), Some(json!({"email": "lena@example.org", "role": "member"}))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        // A status of a measure recorded by her hand (as staff would).
        {
            let mut conn = ctx.db.connection();
            diesel::insert_into(measure_status_history::table)
                .values((
                    measure_status_history::measure_id.eq(measure),
                    measure_status_history::implementation_status.eq("in_progress"),
                    measure_status_history::recorded_by.eq(Some(lena.id)),
                    measure_status_history::recorded_at.eq(Utc::now().naive_utc()),
                ))
                .execute(&mut conn)
                .unwrap();
        }
        let r = call(&app, Method::GET, "/api/v1/me/export", Some(&lena.token), None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r.header("content-type").unwrap().starts_with("application/json"));
        assert!(r.header("content-disposition").unwrap().contains(&format!("beteiligung-export-{}.json", lena.id)));
        let export = &r.body;
        assert_eq!(export["format"], "beteiligung-export/1");
        assert_eq!(export["user_id"], lena.id);
        let sections = export["sections"].as_object().unwrap();
        // One section per registered slice, in the registry's order.
        let names: Vec<&str> = beteiligung::PERSONAL_DATA.iter().map(|s| s.name()).collect();
        assert_eq!(sections.keys().map(String::as_str).collect::<Vec<_>>(), {
            let mut sorted = names.clone();
            sorted.sort_unstable();
            sorted
        });
        // Every slice that holds personal data contributed something about Lena. Three hold
        // none about a living account: consultations (no personal data at all), privacy
        // (a record of an erasure exists only once the account is gone) and search (copies of
        // texts the contributions and statements sections hold).
        for slice in beteiligung::PERSONAL_DATA {
            if ["consultations", "privacy", "search"].contains(&slice.name()) {
                assert_eq!(sections[slice.name()], json!({}), "{}", slice.name());
                continue;
            }
            assert!(holds_something(&sections[slice.name()]), "the {} section is empty: {}", slice.name(), sections[slice.name()]);
        }
        let accounts = &sections["accounts"];
        assert_eq!(accounts["account"]["email"], "lena@example.org");
        assert!(accounts["sessions"][0]["created_at"].is_string());
        assert_eq!(accounts["consents"].as_array().unwrap().len(), 1, "{accounts}");
        assert_eq!(accounts["consents"][0]["document"], "privacy");
        let contributions = &sections["contributions"];
        assert_eq!(contributions["contributions"][0]["body"], "Abendkurse für Eltern wären sehr gut.");
        assert_eq!(contributions["revisions"][0]["body"], "Abendkurse für Eltern wären gut.");
        assert_eq!(contributions["supports"][0]["contribution_id"], theirs);
        assert_eq!(contributions["flags"][0]["note"], "Lenas Notiz");
        assert_eq!(sections["ballots"]["ballots"][0]["allocations"][0]["points"], 2);
        assert_eq!(sections["statements"]["statements"][0]["submitted_by_you"], true);
        assert_eq!(sections["organisations"]["memberships"][0]["organisation_id"], org);
        assert_eq!(sections["organisations"]["join_requests"][0]["message"], "Ich möchte mitmachen.");
        assert_eq!(sections["organisations"]["invitations"][0]["organisation_id"], other_org);
        assert!(sections["mail"]["mails"].as_array().unwrap().len() >= 2, "the receipt and the invitation");
        assert!(sections["audit"]["entries"].as_array().unwrap().iter().any(|e| e["action"] == "contribution.created" || e["by_you"] == true));
        // Nothing about other people, and no secrets.
        assert!(!r.text.contains("Omars Antwort"), "a reply by someone else is not copied");
        assert!(!r.text.contains("Omars eigener Beitrag"));
        assert!(!r.text.contains("omar@example.org"));
        let hash: String = { let mut conn = ctx.db.connection(); users::table.find(lena.id).select(users::password_hash).first(&mut conn).unwrap() };
        assert!(!r.text.contains(&hash), "no password hash");
        let invitation_mail = sections["mail"]["mails"].as_array().unwrap().iter().find(|m| m["body"].as_str().unwrap().contains("token=")).expect("the invitation mail");
        assert!(invitation_mail["body"].as_str().unwrap().contains("token=…"), "links in mails are cut off: {invitation_mail}");

        // Anonymous callers get nothing.
        call(&app, Method::GET, "/api/v1/me/export", None, None).await.assert_problem(401, "unauthorized");

        // Somebody who registers Lena's colleague's address without owning it (never
        // verified) learns nothing found by the address: invitations and mails to it.
        let r = call(&app, Method::POST, &format!("/api/v1/organisations/{other_org}/invitations"), Some(&omar.token), Some(json!({"email": "kollegin@example.org", "role": "member"}))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(crate::accounts::register(&app, "kollegin@example.org").await.status, 202);
        let squatter = crate::accounts::login(&app, "kollegin@example.org", PASSWORD).await.body["access_token"].as_str().unwrap().to_owned();
        let r = call(&app, Method::GET, "/api/v1/me/export", Some(&squatter), None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["sections"]["organisations"]["invitations"], json!([]));
        assert_eq!(r.body["sections"]["mail"]["mails"], json!([]));

        // What staff did to other people is named without its details: an administrator's
        // export does not carry the reason they gave for blocking somebody.
        let admin = person(&ctx, "verwaltung@example.org", Role::Admin);
        let r = call(&app, Method::POST, &format!("/api/v1/admin/users/{}/block", omar.id), Some(&admin.token), Some(json!({"reason": "Beleidigungen gegenüber Omar-Nachbarn"}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let r = call(&app, Method::GET, "/api/v1/me/export", Some(&admin.token), None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let blocked = r.body["sections"]["audit"]["entries"].as_array().unwrap().iter().find(|e| e["action"] == "user.blocked").expect("the block, by the admin");
        assert_eq!(blocked["by_you"], true);
        assert_eq!(blocked["details"], Value::Null);
        assert!(!r.text.contains("Beleidigungen"), "{}", r.text);
        let _ = staff;
    }

    async fn deletion_keeps_threads_and_its_record_undoes_a_restored_backup(db) {
        let ctx = Ctx::new(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let lena = person(&ctx, "lena@example.org", Role::Participant);
        let omar = person(&ctx, "omar@example.org", Role::Participant);
        let c = fixtures::consultation(&ctx.state, "commenting_and_voting");
        let measure = first_measure(&ctx);
        let own = comment(&app, &lena, c, measure, "Lenas Text, der gehen soll.").await;
        // A request to join, accepted: the record of the decision stays, its message goes.
        let org = fixtures::organisation(&ctx.state, "Verein Omar e. V.", "welfare_provider", true, omar.id, &[]);
        let r = call(&app, Method::POST, &format!("/api/v1/organisations/{org}/join-requests"), Some(&lena.token), Some(json!({"message": "Ich heiße Lena und wohne in Brackwede."}))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let request = r.body["id"].as_i64().unwrap();
        let r = call(&app, Method::POST, &format!("/api/v1/organisations/{org}/join-requests/{request}/accept"), Some(&omar.token), None).await;
        assert!(r.status.is_success(), "{}", r.text);
        let reply = call(&app, Method::POST, &format!("/api/v1/contributions/{own}/replies"), Some(&omar.token), Some(json!({"body": "Omars Antwort bleibt."}))).await;
        assert_eq!(reply.status, 201, "{}", reply.text);

        // Lena deletes her account and asks for her texts to go too.
        let r = call(&app, Method::DELETE, "/api/v1/me", Some(&lena.token), Some(json!({"password": PASSWORD, "remove_texts": true}))).await;
        assert_eq!(r.status, 204, "{}", r.text);
        let mut conn = ctx.db.connection();
        let (body, deleted): (String, Option<chrono::NaiveDateTime>) = contributions::table.find(own).select((contributions::body, contributions::deleted_at)).first(&mut conn).unwrap();
        assert_eq!(body, "", "her text is gone");
        assert!(deleted.is_some(), "a placeholder keeps the thread");
        let (status, message): (String, Option<String>) = organisation_join_requests::table.find(request).select((organisation_join_requests::status, organisation_join_requests::message)).first(&mut conn).unwrap();
        assert_eq!((status.as_str(), message), ("accepted", None));
        let thread = call(&app, Method::GET, &format!("/api/v1/contributions/{own}/replies"), None, None).await;
        assert_eq!(thread.status, 200, "{}", thread.text);
        assert!(thread.text.contains("Omars Antwort bleibt."), "the reply by someone else stays: {}", thread.text);
        // The record holds no address, only its keyed hash.
        let kept = records::all(&mut conn).unwrap();
        assert_eq!(kept.len(), 1);
        assert!(kept[0].texts_removed);
        assert_eq!(kept[0].address_hash, ctx.state.privacy.erasure_key.hash("lena@example.org"));
        assert!(!kept[0].address_hash.contains("lena"));

        // A backup from before the deletion is restored (another database with Lena as she
        // was), and someone registered the address again after the deletion in a third one.
        let second = match ctx.db.backend() {
            beteiligung::config::Backend::Sqlite => crate::common::TestDb::sqlite(),
            beteiligung::config::Backend::Postgres => crate::common::TestDb::postgres().unwrap(),
        };
        let restored = Ctx::new(second);
        let lena_again = person(&restored, "lena@example.org", Role::Participant);
        let c2 = fixtures::consultation(&restored.state, "commenting_and_voting");
        let restored_app = actix_web::test::init_service(beteiligung::build_app(&restored.state)).await;
        let old_text = comment(&restored_app, &lena_again, c2, first_measure(&restored), "Lenas Text, der gehen soll.").await;
        {
            // The restored account existed before the erasure.
            let mut conn = restored.db.connection();
            diesel::update(users::table.find(lena_again.id)).set(users::created_at.eq(kept[0].erased_at - Duration::days(30))).execute(&mut conn).unwrap();
        }
        let mut rconn = restored.db.connection();
        let applied = records::apply(&mut rconn, beteiligung::PERSONAL_DATA, std::slice::from_ref(&restored.state.privacy.erasure_key), &kept, Utc::now().naive_utc()).unwrap();
        assert_eq!((applied.erased, applied.added), (1, 1));
        let (email, deleted_at): (String, Option<chrono::NaiveDateTime>) = users::table.find(lena_again.id).select((users::email, users::deleted_at)).first(&mut rconn).unwrap();
        assert!(deleted_at.is_some() && !email.contains("lena"), "the restored account is erased again: {email}");
        let body: String = contributions::table.find(old_text).select(contributions::body).first(&mut rconn).unwrap();
        assert_eq!(body, "", "and her texts, as she asked");
        call(&restored_app, Method::GET, "/api/v1/me", Some(&lena_again.token), None).await.assert_problem(401, "invalid_token");
        // Records of a key the installation does not know are refused; with the old key among
        // the retired ones they apply.
        let stranger = records::Key::new([7; 32]);
        let refused = records::apply(&mut rconn, beteiligung::PERSONAL_DATA, std::slice::from_ref(&stranger), &kept, Utc::now().naive_utc()).unwrap_err();
        assert_eq!(refused.errors[0].field, "key_id");
        // Applying again changes nothing.
        let again = records::apply(&mut rconn, beteiligung::PERSONAL_DATA, std::slice::from_ref(&restored.state.privacy.erasure_key), &kept, Utc::now().naive_utc()).unwrap();
        assert_eq!((again.erased, again.added), (0, 0));

        // An account registered with the address after the deletion is a new person's.
        let newcomer = person(&restored, "lena@example.org.new", Role::Participant);
        {
            let mut conn = restored.db.connection();
            diesel::update(users::table.find(newcomer.id)).set((users::email.eq("lena@example.org"), users::created_at.eq(kept[0].erased_at + Duration::minutes(5)))).execute(&mut conn).unwrap();
        }
        let later = records::apply(&mut rconn, beteiligung::PERSONAL_DATA, std::slice::from_ref(&restored.state.privacy.erasure_key), &kept, Utc::now().naive_utc()).unwrap();
        assert_eq!(later.erased, 0, "registered after the deletion: left alone");
        let count: i64 = erasures::table.count().get_result(&mut rconn).unwrap();
        assert_eq!(count, 1);
    }

    async fn the_purge_removes_each_kind_only_after_its_period(db) {
        let (ctx, clock) = crate::contributions::with_fixed_clock(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let t0 = clock.now();
        // An account that is never verified (registered through the API: a token and a mail).
        assert_eq!(crate::accounts::register(&app, "nie@example.org").await.status, 202);
        // An account whose verification token is used, and whose session ends.
        let lena = person(&ctx, "lena@example.org", Role::Participant);
        let omar = person(&ctx, "omar@example.org", Role::Participant);
        let org = fixtures::organisation(&ctx.state, "Verein Omar e. V.", "welfare_provider", true, omar.id, &[]);
        // A declined join request and a revoked invitation.
        let r = call(&app, Method::POST, &format!("/api/v1/organisations/{org}/join-requests"), Some(&lena.token), Some(json!({"message": "Bitte"}))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let request = r.body["id"].as_i64().unwrap();
        let r = call(&app, Method::POST, &format!("/api/v1/organisations/{org}/join-requests/{request}/decline"), Some(&omar.token), None).await;
        assert!(r.status.is_success(), "{}", r.text);
        let r = call(&app, Method::POST, &format!("/api/v1/organisations/{org}/invitations"), Some(&omar.token), Some(json!({"email": "gast@example.org", "role": "member"}))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let invitation = r.body["id"].as_i64().unwrap();
        let r = call(&app, Method::DELETE, &format!("/api/v1/organisations/{org}/invitations/{invitation}"), Some(&omar.token), None).await;
        assert!(r.status.is_success(), "{}", r.text);
        // Lena signs out: her session ends now.
        let r = call(&app, Method::POST, "/api/v1/auth/logout-all", Some(&lena.token), None).await;
        assert!(r.status.is_success(), "{}", r.text);
        // The mails go out.
        assert!(ctx.deliver() >= 2);

        let mut conn = ctx.db.connection();
        let counts = |conn: &mut beteiligung::db::DbConnection| -> [i64; 6] {
            [
                users::table.filter(users::email.eq("nie@example.org")).count().get_result(conn).unwrap(),
                one_time_tokens::table.count().get_result(conn).unwrap(),
                sessions::table.filter(sessions::user_id.eq(lena.id)).count().get_result(conn).unwrap(),
                outbox_emails::table.filter(outbox_emails::sent_at.is_not_null()).count().get_result(conn).unwrap(),
                organisation_invitations::table.count().get_result(conn).unwrap(),
                organisation_join_requests::table.count().get_result(conn).unwrap(),
            ]
        };
        let start = counts(&mut conn);
        assert!(start.iter().all(|n| *n >= 1), "{start:?}");
        let purge_at = |conn: &mut beteiligung::db::DbConnection, at: chrono::DateTime<Utc>| {
            let outcome = retention::purge(conn, beteiligung::PERSONAL_DATA, at.naive_utc(), None).unwrap();
            assert!(outcome.ran);
            counts(conn)
        };
        let minute = Duration::minutes(1);
        // The verification token expires after 48 hours: gone one day after that.
        let token_gone = t0 + Duration::hours(48) + Duration::days(1);
        assert_eq!(purge_at(&mut conn, token_gone - minute)[1], start[1]);
        assert!(purge_at(&mut conn, token_gone + minute)[1] < start[1]);
        // The never verified account: 14 days after registration it is erased like a
        // deletion, through every slice (its mails and tokens go with it).
        let fortnight = t0 + Duration::days(14);
        assert_eq!(purge_at(&mut conn, fortnight - minute)[0], 1);
        let baseline = purge_at(&mut conn, fortnight + minute);
        assert_eq!(baseline[0], 0);
        let erased: i64 = users::table.filter(users::deleted_at.is_not_null()).filter(users::email_verified_at.is_null()).count().get_result(&mut conn).unwrap();
        assert_eq!(erased, 1);
        assert!(baseline[2..].iter().all(|n| *n >= 1), "{baseline:?}");
        // Sessions that ended, sent mails, closed invitations and declined requests: 30 days.
        let month = t0 + Duration::days(30);
        let before = purge_at(&mut conn, month - minute);
        assert_eq!(before[2..], baseline[2..], "nothing before its period");
        let after = purge_at(&mut conn, month + minute);
        assert_eq!(after[2], 0, "ended sessions");
        assert_eq!(after[3], 0, "sent mails");
        assert_eq!(after[4], 0, "closed invitations");
        assert_eq!(after[5], 0, "declined join requests");
        // Lena's account and the organisation's members stay.
        let lena_row: Option<chrono::NaiveDateTime> = users::table.find(lena.id).select(users::deleted_at).first(&mut conn).unwrap();
        assert!(lena_row.is_none());
        let _ = (ballots::table, consents::table);
    }

    async fn two_nodes_never_purge_the_same_hour_twice(db) {
        let ctx = Ctx::new(db);
        let now = Utc::now().naive_utc();
        let pool = ctx.db.pool();
        let runs: Vec<bool> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    let pool = pool.clone();
                    s.spawn(move || {
                        let mut conn = pool.get().unwrap();
                        retention::purge(&mut conn, beteiligung::PERSONAL_DATA, now, Some(retention::RUN_EVERY)).unwrap().ran
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(runs.iter().filter(|r| **r).count(), 1, "{runs:?}");
        // An hour later the next one runs again.
        let mut conn = ctx.db.connection();
        let later = retention::purge(&mut conn, beteiligung::PERSONAL_DATA, now + Duration::minutes(59), Some(retention::RUN_EVERY)).unwrap();
        assert!(!later.ran);
        let later = retention::purge(&mut conn, beteiligung::PERSONAL_DATA, now + Duration::minutes(61), Some(retention::RUN_EVERY)).unwrap();
        assert!(later.ran);
    }

    async fn a_new_privacy_notice_stops_writes_until_it_is_accepted(db) {
        // Lena accepted the notice of 2026-12; the operator publishes 2027-01.
        let ctx = Ctx::with(db, &[("PRIVACY_VERSION", "2027-01")]);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let lena = person(&ctx, "lena@example.org", Role::Participant);
        {
            let mut conn = ctx.db.connection();
            diesel::update(users::table.find(lena.id)).set(users::privacy_version.eq("2026-12")).execute(&mut conn).unwrap();
        }
        let docs = call(&app, Method::GET, "/api/v1/legal-documents", None, None).await;
        assert_eq!(docs.body, json!({"terms_version": "2026-11", "privacy_version": "2027-01"}));
        let c = fixtures::consultation(&ctx.state, "commenting_and_voting");
        let measure = first_measure(&ctx);
        let write = json!({"target_type": "measure", "target_id": measure, "body": "Noch nicht."});
        let uri = format!("/api/v1/consultations/{c}/comments");
        call(&app, Method::POST, &uri, Some(&lena.token), Some(write.clone())).await.assert_problem(403, "consent_required");
        // Reading, the export and the consent state stay open.
        assert_eq!(call(&app, Method::GET, "/api/v1/me", Some(&lena.token), None).await.status, 200);
        assert_eq!(call(&app, Method::GET, "/api/v1/me/export", Some(&lena.token), None).await.status, 200);
        let state = call(&app, Method::GET, "/api/v1/me/consents", Some(&lena.token), None).await;
        assert_eq!(state.body["required"], true);
        // The next sign-in answers the documented code until it carries the new versions.
        let lena_password = PASSWORD;
        let login = |extra: Value| {
            let mut body = json!({"email": "lena@example.org", "password": lena_password});
            body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            body
        };
        call(&app, Method::POST, "/api/v1/auth/login", None, Some(login(json!({})))).await.assert_problem(403, "consent_required");
        let r = call(&app, Method::POST, "/api/v1/auth/login", None, Some(login(json!({"terms_version": "2026-11", "privacy_version": "2026-12"})))).await;
        r.assert_problem(400, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "privacy_version");
        let r = call(&app, Method::POST, "/api/v1/auth/login", None, Some(login(json!({"terms_version": "2026-11", "privacy_version": "2027-01"})))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let fresh = r.body["access_token"].as_str().unwrap().to_owned();
        // Accepted at sign-in: writes work again, with either session, and the history says so.
        let r = call(&app, Method::POST, &uri, Some(&fresh), Some(write.clone())).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let state = call(&app, Method::GET, "/api/v1/me/consents", Some(&fresh), None).await;
        assert_eq!(state.body["required"], false);
        let history = state.body["history"].as_array().unwrap();
        assert_eq!(history.last().unwrap()["version"], "2027-01");
        assert_eq!(history.last().unwrap()["document"], "privacy");

        // Registration records both documents; an old version is refused.
        let r = call(&app, Method::POST, "/api/v1/auth/register", None, Some(json!({
            "email": "neu@example.org", "password": PASSWORD, "display_name": "Neu", "terms_version": "2026-11", "privacy_version": "2026-12"
        }))).await;
        r.assert_problem(400, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "privacy_version");
        assert_eq!(r.body["errors"][0]["code"], "outdated");
        let r = call(&app, Method::POST, "/api/v1/auth/register", None, Some(json!({
            "email": "neu@example.org", "password": PASSWORD, "display_name": "Neu", "terms_version": "2026-11", "privacy_version": "2027-01"
        }))).await;
        assert_eq!(r.status, 202, "{}", r.text);
        let mut conn = ctx.db.connection();
        let recorded: Vec<(String, String)> = consents::table
            .inner_join(users::table)
            .filter(users::email.eq("neu@example.org"))
            .order(consents::id)
            .select((consents::document, consents::version))
            .load(&mut conn)
            .unwrap();
        assert_eq!(recorded, vec![("terms".to_owned(), "2026-11".to_owned()), ("privacy".to_owned(), "2027-01".to_owned())]);

        // Accepting through the API, as a frontend does for a session that is open.
        let omar = person(&ctx, "omar@example.org", Role::Participant);
        diesel::update(users::table.find(omar.id)).set(users::privacy_version.eq("2026-12")).execute(&mut conn).unwrap();
        call(&app, Method::POST, &uri, Some(&omar.token), Some(write.clone())).await.assert_problem(403, "consent_required");
        let r = call(&app, Method::POST, "/api/v1/me/consents", Some(&omar.token), Some(json!({"terms_version": "2026-11", "privacy_version": "2027-01"}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(call(&app, Method::POST, &uri, Some(&omar.token), Some(write)).await.status, 201);
        // Taking back what one gave never needs consent: deleting an own comment, leaving an
        // organisation, signing out; removing somebody else from an organisation does.
        let mine = call(&app, Method::GET, "/api/v1/me/export", Some(&fresh), None).await.body["sections"]["contributions"]["contributions"][0]["id"].as_i64().unwrap();
        diesel::update(users::table.find(lena.id)).set(users::privacy_version.eq("2026-12")).execute(&mut conn).unwrap();
        call(&app, Method::POST, &uri, Some(&fresh), Some(json!({"target_type": "measure", "target_id": measure, "body": "Wieder nicht."}))).await.assert_problem(403, "consent_required");
        let r = call(&app, Method::DELETE, &format!("/api/v1/contributions/{mine}"), Some(&fresh), None).await;
        assert!(r.status.is_success(), "{}", r.text);
        let org = fixtures::organisation(&ctx.state, "Verein e. V.", "migrant_organisation", true, omar.id, &[lena.id]);
        let third = person(&ctx, "dritte@example.org", Role::Participant);
        // (Not verified yet, so that Lena, its representative, may still leave the platform.)
        let both = fixtures::organisation(&ctx.state, "Zweiter Verein e. V.", "migrant_organisation", false, lena.id, &[third.id]);
        call(&app, Method::DELETE, &format!("/api/v1/organisations/{both}/members/{}", third.id), Some(&fresh), None).await.assert_problem(403, "consent_required");
        let r = call(&app, Method::DELETE, &format!("/api/v1/organisations/{org}/members/{}", lena.id), Some(&fresh), None).await;
        assert!(r.status.is_success(), "{}", r.text);
        // Leaving the platform never needs consent.
        let r = call(&app, Method::DELETE, "/api/v1/me", Some(&fresh), Some(json!({"password": lena_password}))).await;
        assert_eq!(r.status, 204, "{}", r.text);
    }
}

both_backends! {
    async fn a_large_export_is_read_in_pages_without_gaps_or_repeats(db) {
        let ctx = Ctx::new(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let lena = person(&ctx, "lena@example.org", Role::Participant);
        let c = fixtures::consultation(&ctx.state, "commenting_and_voting");
        let measure = first_measure(&ctx);
        // Two and a half pages of comments (a page is 500 rows), written straight to the table.
        let n = 2 * beteiligung::personal_data::EXPORT_PAGE as usize + 234;
        let now = Utc::now().naive_utc();
        {
            let mut conn = ctx.db.connection();
            let rows: Vec<_> = (0..n)
                .map(|i| {
                    (
                        contributions::kind.eq("comment"),
                        contributions::consultation_id.eq(c),
                        contributions::target_type.eq("measure"),
                        contributions::target_id.eq(measure),
                        contributions::depth.eq(0),
                        contributions::author_id.eq(lena.id),
                        contributions::author_group.eq("citizen"),
                        contributions::body.eq(format!("Beitrag {i}")),
                        contributions::state.eq("visible"),
                        contributions::created_at.eq(now),
                        contributions::updated_at.eq(now),
                    )
                })
                .collect();
            for chunk in rows.chunks(200) {
                beteiligung::db_run!(&mut conn, |c| diesel::insert_into(contributions::table).values(chunk).execute(c)).unwrap();
            }
        }
        let r = call(&app, Method::GET, "/api/v1/me/export", Some(&lena.token), None).await;
        assert_eq!(r.status, 200);
        let listed = r.body["sections"]["contributions"]["contributions"].as_array().unwrap();
        assert_eq!(listed.len(), n);
        let ids: Vec<i64> = listed.iter().map(|c| c["id"].as_i64().unwrap()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "in order, none twice");
        let bodies: std::collections::BTreeSet<&str> = listed.iter().map(|c| c["body"].as_str().unwrap()).collect();
        assert_eq!(bodies.len(), n, "none lost at a page boundary");
        assert!(bodies.contains("Beitrag 0") && bodies.contains(format!("Beitrag {}", n - 1).as_str()));
    }
}

both_backends! {
    async fn a_refused_erasure_does_not_stop_the_purge(db) {
        let (ctx, clock) = crate::contributions::with_fixed_clock(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let t0 = clock.now();
        // Two accounts never verified; one of them was made the only administrator.
        for email in ["nie@example.org", "chefin@example.org"] {
            assert_eq!(crate::accounts::register(&app, email).await.status, 202);
        }
        let mut conn = ctx.db.connection();
        diesel::update(users::table.filter(users::email.eq("chefin@example.org"))).set(users::role.eq("admin")).execute(&mut conn).unwrap();
        let outcome = retention::purge(&mut conn, beteiligung::PERSONAL_DATA, (t0 + Duration::days(15)).naive_utc(), None).unwrap();
        assert!(outcome.ran);
        assert_eq!(outcome.accounts_erased, 1, "{outcome:?}");
        assert_eq!(outcome.refused.len(), 1, "{outcome:?}");
        assert_eq!(outcome.refused[0].1, "last_admin");
        let left: Vec<String> = users::table.filter(users::deleted_at.is_null()).select(users::email).load(&mut conn).unwrap();
        assert_eq!(left, vec!["chefin@example.org".to_owned()]);
        // The rows the rules end went all the same (the unverified accounts' tokens).
        let tokens: i64 = one_time_tokens::table.count().get_result(&mut conn).unwrap();
        assert_eq!(tokens, 0);
        // An address verified between the listing and the erasure keeps its account: the
        // rule is checked again on the locked row.
        use beteiligung::personal_data::PersonalData;
        assert_eq!(crate::accounts::register(&app, "spaet@example.org").await.status, 202);
        let at = (t0 + Duration::days(16)).naive_utc();
        let listed = beteiligung::auth::personal_data::Accounts.expired_accounts(&mut conn, at).unwrap();
        let spaet: i64 = users::table.filter(users::email.eq("spaet@example.org")).select(users::id).first(&mut conn).unwrap();
        assert!(listed.contains(&spaet));
        diesel::update(users::table.find(spaet)).set(users::email_verified_at.eq(Some(t0.naive_utc()))).execute(&mut conn).unwrap();
        assert_eq!(beteiligung::auth::personal_data::Accounts.claim_expired(&mut conn, spaet, at).unwrap(), None);
        let later = retention::purge(&mut conn, beteiligung::PERSONAL_DATA, at, None).unwrap();
        assert_eq!(later.accounts_erased, 0, "{later:?}");
    }
}

/// On PostgreSQL a node that finds the purge's row locked by another skips at once instead
/// of waiting (`SKIP LOCKED`).
#[actix_web::test]
async fn a_node_skips_the_purge_another_node_holds() {
    let Some(db) = crate::common::TestDb::postgres() else {
        return;
    };
    let ctx = Ctx::new(db);
    let pool = ctx.db.pool();
    let mut holder = pool.get().unwrap();
    let now = Utc::now().naive_utc();
    holder
        .transaction::<_, diesel::result::Error, _>(|holder| {
            let locked: Option<chrono::NaiveDateTime> = match &mut **holder {
                beteiligung::db::DbConnection::Postgresql(pg) => {
                    beteiligung::db::schema::maintenance_runs::table
                        .find("retention")
                        .select(beteiligung::db::schema::maintenance_runs::last_run_at)
                        .for_update()
                        .first(pg)?
                }
                beteiligung::db::DbConnection::Sqlite(_) => unreachable!(),
            };
            assert!(locked.is_none());
            let (tx, rx) = std::sync::mpsc::channel();
            let other = pool.clone();
            std::thread::spawn(move || {
                let mut conn = other.get().unwrap();
                let _ = tx.send(
                    retention::purge(&mut conn, beteiligung::PERSONAL_DATA, now, None)
                        .map(|o| o.ran),
                );
            });
            let answered = rx.recv_timeout(std::time::Duration::from_secs(10));
            assert!(
                matches!(answered, Ok(Ok(false))),
                "the other node must skip at once, not wait: {answered:?}"
            );
            Ok(())
        })
        .unwrap();
}
