//! Priority voting: casting, replacing and withdrawing ballots of people and organisations,
//! the rules of a ballot, results per group with the consensus view, and the export they can be
//! recomputed from.

use crate::accounts::{call, Ctx};
use crate::both_backends;
use crate::common::fixtures;
use crate::contributions::{person, with_fixed_clock};
use actix_web::http::Method;
use beteiligung::auth::model::Role;
use beteiligung::db::schema::{consultation_options, consultations, users};
use chrono::Utc;
use diesel::prelude::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

fn ballot_path(c: i64) -> String {
    format!("/api/v1/consultations/{c}/ballot")
}

fn org_ballot_path(c: i64, org: i64) -> String {
    format!("/api/v1/consultations/{c}/organisations/{org}/ballot")
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

fn allocations(pairs: &[(i64, i32)]) -> Value {
    json!({ "allocations": pairs.iter().map(|(o, p)| json!({"option_id": o, "points": p})).collect::<Vec<_>>() })
}

/// When the consultation's voting window closes.
fn closes_at(ctx: &Ctx, c: i64) -> chrono::DateTime<Utc> {
    let mut conn = ctx.db.connection();
    let at: Option<chrono::NaiveDateTime> = consultations::table
        .find(c)
        .select(consultations::vote_closes_at)
        .first(&mut conn)
        .unwrap();
    at.unwrap().and_utc()
}

/// Sums of the export per (group, option): (points, supporters), and ballots per group.
/// (points, supporters) per (group, option).
type Tallies = BTreeMap<(String, i64), (i64, i64)>;

fn recount(csv: &str) -> (Tallies, BTreeMap<String, usize>) {
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("ballot,group,option_id,points"));
    let mut tallies: Tallies = BTreeMap::new();
    let mut ballots: HashMap<String, String> = HashMap::new();
    for line in lines {
        let parts: Vec<&str> = line.split(',').collect();
        assert_eq!(parts.len(), 4, "{line}");
        let entry = tallies
            .entry((parts[1].to_owned(), parts[2].parse().unwrap()))
            .or_default();
        entry.0 += parts[3].parse::<i64>().unwrap();
        entry.1 += 1;
        ballots.insert(parts[0].to_owned(), parts[1].to_owned());
    }
    let mut per_group = BTreeMap::new();
    for group in ballots.values() {
        *per_group.entry(group.clone()).or_default() += 1;
    }
    (tallies, per_group)
}

/// Checks the published results against a recount of the export (and its hash).
fn assert_results_recompute(results: &Value, csv: &str) {
    use sha2::{Digest, Sha256};
    let hash: String = Sha256::digest(csv.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        results["ballot_export_sha256"],
        json!(hash),
        "the results name the export's hash"
    );
    let (tallies, per_group) = recount(csv);
    let mut ballots_with_points = 0;
    for group in results["groups"].as_array().unwrap() {
        let name = group["group"].as_str().unwrap();
        // Ballots without any points do not appear in the export.
        assert!(
            group["ballots"].as_u64().unwrap() as usize
                >= per_group.get(name).copied().unwrap_or(0)
        );
        ballots_with_points += per_group.get(name).copied().unwrap_or(0);
        let total: i64 = tallies
            .iter()
            .filter(|((g, _), _)| g == name)
            .map(|(_, (p, _))| p)
            .sum();
        for option in group["options"].as_array().unwrap() {
            let id = option["option_id"].as_i64().unwrap();
            let (points, supporters) = tallies
                .get(&(name.to_owned(), id))
                .copied()
                .unwrap_or((0, 0));
            assert_eq!(option["points"], json!(points), "{name} {id}");
            assert_eq!(option["supporters"], json!(supporters), "{name} {id}");
            let share = if total > 0 {
                points as f64 / total as f64
            } else {
                0.0
            };
            assert!((option["share"].as_f64().unwrap() - share).abs() < 1e-12);
        }
    }
    assert!(results["ballots"].as_u64().unwrap() as usize >= ballots_with_points);
    for option in results["options"].as_array().unwrap() {
        let id = option["option_id"].as_i64().unwrap();
        let points: i64 = tallies
            .iter()
            .filter(|((_, o), _)| *o == id)
            .map(|(_, (p, _))| p)
            .sum();
        assert_eq!(option["points"], json!(points), "all {id}");
    }
}

both_backends! {
    async fn people_cast_replace_and_withdraw_their_ballot_by_the_rules(db) {
        let (ctx, clock) = with_fixed_clock(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let c = fixtures::consultation(&ctx.state, "voting");
        let o = options(&ctx, c);
        assert!(o.len() >= 4, "the demo ballot has options");
        let lena = person(&ctx, "lena@example.org", Role::Participant);

        // The rules: options of this ballot, once each, at most 3 per option, 10 in all.
        let r = call(&app, Method::PUT, &ballot_path(c), Some(&lena.token), Some(allocations(&[(o[0], 3), (999_999, 1)]))).await;
        r.assert_problem(422, "option_not_on_ballot");
        assert_eq!(r.body["errors"][0]["field"], "allocations[1]");
        call(&app, Method::PUT, &ballot_path(c), Some(&lena.token), Some(allocations(&[(o[0], 1), (o[0], 1)]))).await.assert_problem(422, "option_listed_twice");
        call(&app, Method::PUT, &ballot_path(c), Some(&lena.token), Some(allocations(&[(o[0], 4)]))).await.assert_problem(422, "too_many_points_for_option");
        call(&app, Method::PUT, &ballot_path(c), Some(&lena.token), Some(allocations(&[(o[0], 3), (o[1], 3), (o[2], 3), (o[3], 2)]))).await.assert_problem(422, "points_budget_exceeded");
        call(&app, Method::PUT, &ballot_path(c), Some(&lena.token), Some(allocations(&[(o[0], 0)]))).await.assert_problem(422, "empty_ballot");
        call(&app, Method::PUT, &ballot_path(c), Some(&lena.token), Some(json!({"allocations": [{"option_id": o[0], "points": -1}]}))).await.assert_problem(400, "validation_failed");
        call(&app, Method::PUT, &ballot_path(c), Some(&lena.token), Some(json!({"allocations": [{"option_id": o[0], "points": 1.5}]}))).await.assert_problem(400, "validation_failed");
        call(&app, Method::GET, &ballot_path(c), Some(&lena.token), None).await.assert_problem(404, "not_found");

        let r = call(&app, Method::PUT, &ballot_path(c), Some(&lena.token), Some(allocations(&[(o[2], 3), (o[0], 3), (o[1], 0)]))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["voter"], "person");
        assert_eq!(r.body["group"], "citizen");
        assert_eq!(r.body["points_used"], 6);
        assert_eq!(r.body["version"], 1);
        // In ballot order, without the option given 0 points.
        assert_eq!(r.body["allocations"], json!([{"option_id": o[0], "points": 3}, {"option_id": o[2], "points": 3}]));
        let r = call(&app, Method::PUT, &ballot_path(c), Some(&lena.token), Some(allocations(&[(o[1], 2)]))).await;
        assert_eq!(r.body["version"], 2);
        let r = call(&app, Method::GET, &ballot_path(c), Some(&lena.token), None).await;
        assert_eq!(r.body["allocations"], json!([{"option_id": o[1], "points": 2}]), "replaced as a whole");

        // Unverified and anonymous callers, and a closed window.
        let unverified = person(&ctx, "neu@example.org", Role::Participant);
        {
            let mut conn = ctx.db.connection();
            diesel::update(users::table.find(unverified.id)).set(users::email_verified_at.eq(None::<chrono::NaiveDateTime>)).execute(&mut conn).unwrap();
        }
        call(&app, Method::PUT, &ballot_path(c), Some(&unverified.token), Some(allocations(&[(o[0], 1)]))).await.assert_problem(403, "email_unverified");
        call(&app, Method::PUT, &ballot_path(c), None, Some(allocations(&[(o[0], 1)]))).await.assert_problem(401, "unauthorized");
        call(&app, Method::PUT, "/api/v1/consultations/999999/ballot", Some(&lena.token), Some(allocations(&[(o[0], 1)]))).await.assert_problem(404, "not_found");
        let upcoming = fixtures::consultation(&ctx.state, "upcoming");
        call(&app, Method::PUT, &ballot_path(upcoming), Some(&lena.token), Some(allocations(&[]))).await.assert_problem(409, "phase_closed");

        // The eligibility says what exists.
        let r = call(&app, Method::GET, &format!("/api/v1/consultations/{c}/voting"), Some(&lena.token), None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["voting_open"], true);
        assert_eq!(r.body["may_vote"], true);
        assert_eq!(r.body["has_ballot"], true);

        let r = call(&app, Method::DELETE, &ballot_path(c), Some(&lena.token), None).await;
        assert_eq!(r.status, 204, "{}", r.text);
        call(&app, Method::DELETE, &ballot_path(c), Some(&lena.token), None).await.assert_problem(404, "not_found");
        call(&app, Method::PUT, &ballot_path(c), Some(&lena.token), Some(allocations(&[(o[3], 1)]))).await;

        // The window extended on another node (here: straight in the database) while this one
        // keeps the round: at the old end the kept round says closed, so it is read again and
        // the cast is taken.
        let old_end = closes_at(&ctx, c);
        {
            let mut conn = ctx.db.connection();
            diesel::update(consultations::table.find(c)).set(consultations::vote_closes_at.eq((old_end + chrono::Duration::hours(1)).naive_utc())).execute(&mut conn).unwrap();
        }
        clock.set(old_end);
        let r = call(&app, Method::PUT, &ballot_path(c), Some(&lena.token), Some(allocations(&[(o[3], 1)]))).await;
        assert_eq!(r.status, 200, "the extended window takes casts: {}", r.text);

        // After close nothing changes.
        clock.set(closes_at(&ctx, c));
        call(&app, Method::PUT, &ballot_path(c), Some(&lena.token), Some(allocations(&[(o[0], 1)]))).await.assert_problem(409, "phase_closed");
        call(&app, Method::DELETE, &ballot_path(c), Some(&lena.token), None).await.assert_problem(409, "phase_closed");
        let r = call(&app, Method::GET, &ballot_path(c), Some(&lena.token), None).await;
        assert_eq!(r.body["allocations"], json!([{"option_id": o[3], "points": 1}]), "one's own ballot stays visible");
    }

    async fn an_organisation_has_one_ballot_cast_by_its_representatives(db) {
        let (ctx, _clock) = with_fixed_clock(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let c = fixtures::consultation(&ctx.state, "voting");
        let o = options(&ctx, c);
        let rep = person(&ctx, "vorstand@example.org", Role::Participant);
        let rep2 = person(&ctx, "kasse@example.org", Role::Participant);
        let member = person(&ctx, "mitglied@example.org", Role::Participant);
        let stranger = person(&ctx, "fremd@example.org", Role::Participant);
        let org = fixtures::organisation(&ctx.state, "Verein A", "welfare_provider", true, rep.id, &[member.id]);
        let other = fixtures::organisation(&ctx.state, "Verein B", "migrant_organisation", true, stranger.id, &[]);
        let unverified = fixtures::organisation(&ctx.state, "Verein C", "migrant_organisation", false, rep.id, &[]);
        {
            use beteiligung::organisations::{model::MemberRole, store as orgs};
            let mut conn = ctx.db.connection();
            orgs::add_member(&mut conn, Utc::now().naive_utc(), org, rep2.id, MemberRole::Representative).unwrap();
        }

        let r = call(&app, Method::PUT, &org_ballot_path(c, org), Some(&rep.token), Some(allocations(&[(o[0], 3)]))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["voter"], "organisation");
        assert_eq!(r.body["organisation_id"], org);
        assert_eq!(r.body["group"], "welfare_provider");
        // The representative's own ballot is another one.
        call(&app, Method::GET, &ballot_path(c), Some(&rep.token), None).await.assert_problem(404, "not_found");
        let r = call(&app, Method::PUT, &ballot_path(c), Some(&rep.token), Some(allocations(&[(o[1], 1)]))).await;
        assert_eq!(r.body["voter"], "person");
        // Another representative replaces the organisation's one ballot.
        let r = call(&app, Method::PUT, &org_ballot_path(c, org), Some(&rep2.token), Some(allocations(&[(o[2], 2)]))).await;
        assert_eq!(r.body["version"], 2);
        let r = call(&app, Method::GET, &org_ballot_path(c, org), Some(&member.token), None).await;
        assert_eq!(r.body["allocations"], json!([{"option_id": o[2], "points": 2}]), "members read it");

        // Who may not.
        call(&app, Method::PUT, &org_ballot_path(c, org), Some(&member.token), Some(allocations(&[(o[0], 1)]))).await.assert_problem(403, "representative_required");
        call(&app, Method::DELETE, &org_ballot_path(c, org), Some(&member.token), None).await.assert_problem(403, "representative_required");
        call(&app, Method::PUT, &org_ballot_path(c, org), Some(&stranger.token), Some(allocations(&[(o[0], 1)]))).await.assert_problem(403, "not_a_member");
        call(&app, Method::GET, &org_ballot_path(c, org), Some(&stranger.token), None).await.assert_problem(403, "not_a_member");
        call(&app, Method::PUT, &org_ballot_path(c, other), Some(&rep.token), Some(allocations(&[(o[0], 1)]))).await.assert_problem(403, "not_a_member");
        call(&app, Method::PUT, &org_ballot_path(c, unverified), Some(&rep.token), Some(allocations(&[(o[0], 1)]))).await.assert_problem(403, "organisation_not_verified");
        call(&app, Method::PUT, &org_ballot_path(c, 999_999), Some(&rep.token), Some(allocations(&[(o[0], 1)]))).await.assert_problem(404, "not_found");

        // The eligibility lists the organisations and who may cast.
        let r = call(&app, Method::GET, &format!("/api/v1/consultations/{c}/voting"), Some(&member.token), None).await;
        assert_eq!(r.body["organisations"], json!([{"organisation_id": org, "name": "Verein A", "group": "welfare_provider", "may_cast": false, "has_ballot": true}]));
        let r = call(&app, Method::GET, &format!("/api/v1/consultations/{c}/voting"), Some(&rep.token), None).await;
        let mine: Vec<(i64, bool)> = r.body["organisations"].as_array().unwrap().iter().map(|o| (o["organisation_id"].as_i64().unwrap(), o["may_cast"].as_bool().unwrap())).collect();
        assert!(mine.contains(&(org, true)) && mine.contains(&(unverified, false)), "{mine:?}");

        // The audit log says who cast for the organisation.
        let mut conn = ctx.db.connection();
        use beteiligung::db::schema::audit_log;
        let actors: Vec<Option<i64>> = audit_log::table.filter(audit_log::action.eq("ballot.cast_for_organisation")).order(audit_log::id).select(audit_log::actor_id).load(&mut conn).unwrap();
        assert_eq!(actors, vec![Some(rep.id), Some(rep2.id)]);
        let own: i64 = audit_log::table.filter(audit_log::action.like("ballot.%")).count().get_result(&mut conn).unwrap();
        assert_eq!(own, 2, "a person's own ballot is not in the audit log");
    }

    async fn concurrent_casts_of_one_voter_leave_exactly_one_of_them(db) {
        let ctx = Ctx::new(db);
        let c = fixtures::consultation(&ctx.state, "voting");
        let o = options(&ctx, c);
        let lena = person(&ctx, "lena@example.org", Role::Participant);
        let app = std::rc::Rc::new(actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await);
        // 200 different ballots, all at once.
        let submitted: Vec<Vec<(i64, i32)>> = (0..200)
            .map(|i: usize| {
                let a = o[i % o.len()];
                let b = o[(i / o.len() + 1 + i) % o.len()];
                if a == b { vec![(a, 1 + (i % 3) as i32)] } else { vec![(a, 1 + (i % 3) as i32), (b, 1 + (i % 2) as i32)] }
            })
            .collect();
        let calls = submitted.iter().map(|pairs| {
            let app = app.clone();
            let token = lena.token.clone();
            let body = allocations(pairs);
            async move { call(&*app, Method::PUT, &ballot_path(c), Some(&token), Some(body)).await }
        });
        let replies = futures_util::future::join_all(calls).await;
        for r in &replies {
            assert_eq!(r.status, 200, "{}", r.text);
        }
        let r = call(&*app, Method::GET, &ballot_path(c), Some(&lena.token), None).await;
        let stored: Vec<(i64, i32)> = r.body["allocations"].as_array().unwrap().iter().map(|a| (a["option_id"].as_i64().unwrap(), a["points"].as_i64().unwrap() as i32)).collect();
        let mut sorted_submissions: Vec<Vec<(i64, i32)>> = submitted.iter().map(|s| { let mut s = s.clone(); s.sort(); s }).collect();
        sorted_submissions.dedup();
        let mut stored_sorted = stored.clone();
        stored_sorted.sort();
        assert!(sorted_submissions.contains(&stored_sorted), "the stored ballot is one of those submitted: {stored:?}");
        assert_eq!(r.body["version"], 200);
        // The tallies equal a recount of the one ballot.
        let mut conn = ctx.db.connection();
        let tallies = beteiligung::ballots::store::tallies(&mut conn, c).unwrap();
        let nonzero: Vec<(i64, i64, i64)> = tallies.iter().filter(|t| t.2 != 0 || t.3 != 0).map(|t| (t.1, t.2, t.3)).collect();
        let mut expected: Vec<(i64, i64, i64)> = stored.iter().map(|&(o, p)| (o, i64::from(p), 1)).collect();
        expected.sort();
        let mut nonzero_sorted = nonzero.clone();
        nonzero_sorted.sort();
        assert_eq!(nonzero_sorted, expected);
        assert_eq!(beteiligung::ballots::store::ballot_counts(&mut conn, c).unwrap(), vec![("citizen".to_owned(), 1)]);
    }

    async fn tallies_equal_a_recount_after_random_casts_replacements_and_withdrawals(db) {
        let (ctx, clock) = with_fixed_clock(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let c = fixtures::consultation(&ctx.state, "voting");
        let o = options(&ctx, c);
        let mut voters = Vec::new();
        for i in 0..24 {
            voters.push(person(&ctx, &format!("p{i}@example.org"), Role::Participant));
        }
        let rep = voters[0].clone();
        let orgs = [
            fixtures::organisation(&ctx.state, "Verein A", "migrant_organisation", true, rep.id, &[]),
            fixtures::organisation(&ctx.state, "Verein B", "welfare_provider", true, rep.id, &[]),
            fixtures::organisation(&ctx.state, "Verein C", "other_civil_society", true, rep.id, &[]),
        ];
        // A small deterministic generator: the sequence is the same on every run.
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move |n: u64| { state ^= state << 13; state ^= state >> 7; state ^= state << 17; state % n };
        for _ in 0..300 {
            let (path, token) = match next(6) {
                0 => { let org = orgs[next(3) as usize]; (org_ballot_path(c, org), rep.token.clone()) }
                _ => (ballot_path(c), voters[next(voters.len() as u64) as usize].token.clone()),
            };
            if next(5) == 0 {
                let r = call(&app, Method::DELETE, &path, Some(&token), None).await;
                assert!(r.status == 204 || r.status == 404, "{}", r.text);
            } else {
                let mut pairs = Vec::new();
                let mut left = 10;
                for &option in &o {
                    let p = next(4) as i32;
                    if p > 0 && p <= left && next(2) == 0 {
                        pairs.push((option, p));
                        left -= p;
                    }
                }
                let r = call(&app, Method::PUT, &path, Some(&token), Some(allocations(&pairs))).await;
                if pairs.is_empty() {
                    r.assert_problem(422, "empty_ballot");
                } else {
                    assert_eq!(r.status, 200, "{}", r.text);
                }
            }
        }
        // Live results are not public under `after_close`, but administrators see them.
        let admin = person(&ctx, "admin@example.org", Role::Admin);
        let results_path = format!("/api/v1/consultations/{c}/results");
        let export_path = format!("/api/v1/consultations/{c}/ballots.csv");
        call(&app, Method::GET, &results_path, None, None).await.assert_problem(403, "results_not_yet_public");
        call(&app, Method::GET, &results_path, Some(&voters[1].token), None).await.assert_problem(403, "results_not_yet_public");
        call(&app, Method::GET, &export_path, Some(&voters[1].token), None).await.assert_problem(403, "results_not_yet_public");
        let live = call(&app, Method::GET, &results_path, Some(&admin.token), None).await;
        assert_eq!(live.status, 200, "{}", live.text);
        assert_eq!(live.body["final"], false);
        let csv = call(&app, Method::GET, &export_path, Some(&admin.token), None).await;
        assert_eq!(csv.status, 200);
        assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
        assert_results_recompute(&live.body, &csv.text);

        // A full recount from the ballots themselves equals the kept tallies.
        {
            use beteiligung::db::schema::{ballot_allocations, ballots};
            let mut conn = ctx.db.connection();
            let rows: Vec<(String, i64, i32)> = ballot_allocations::table.inner_join(ballots::table).filter(ballots::consultation_id.eq(c)).select((ballots::voter_group, ballot_allocations::option_id, ballot_allocations::points)).load(&mut conn).unwrap();
            let mut recount: BTreeMap<(String, i64), (i64, i64)> = BTreeMap::new();
            for (g, o, p) in rows {
                let e = recount.entry((g, o)).or_default();
                e.0 += i64::from(p);
                e.1 += 1;
            }
            let kept: BTreeMap<(String, i64), (i64, i64)> = beteiligung::ballots::store::tallies(&mut conn, c).unwrap().into_iter().filter(|t| t.2 != 0 || t.3 != 0).map(|(g, o, p, s)| ((g, o), (p, s))).collect();
            assert_eq!(kept, recount);
            let stored: i64 = ballots::table.filter(ballots::consultation_id.eq(c)).count().get_result(&mut conn).unwrap();
            let counted: i64 = beteiligung::ballots::store::ballot_counts(&mut conn, c).unwrap().iter().map(|(_, n)| n).sum();
            assert_eq!(counted, stored);
            assert_eq!(live.body["ballots"], json!(stored));
        }

        // After close: public, final, and the same whoever asks.
        clock.set(closes_at(&ctx, c));
        let public = call(&app, Method::GET, &results_path, None, None).await;
        assert_eq!(public.status, 200, "{}", public.text);
        assert_eq!(public.body["final"], true);
        let csv = call(&app, Method::GET, &export_path, None, None).await;
        assert_results_recompute(&public.body, &csv.text);
        assert_eq!(public.body["groups"].as_array().unwrap().len(), 4);
        // The same results as tables: CSV and XLSX, naming the export's hash.
        let table = call(&app, Method::GET, &format!("/api/v1/consultations/{c}/results.csv"), None, None).await;
        assert_eq!(table.status, 200);
        assert_eq!(table.header("x-ballot-export-sha256"), public.body["ballot_export_sha256"].as_str());
        let rows: Vec<&str> = table.text.lines().collect();
        assert_eq!(rows[0], "scope,ballots,option_id,points,supporters,share,rank");
        assert_eq!(rows.len(), 1 + 5 * o.len());
        let first = &public.body["options"][0];
        assert_eq!(rows[1], format!("all,{},{},{},{},{},{}", public.body["ballots"], first["option_id"], first["points"], first["supporters"], first["share"].as_f64().unwrap(), first["rank"]));
        let book = call(&app, Method::GET, &format!("/api/v1/consultations/{c}/results.xlsx"), None, None).await;
        assert_eq!(book.status, 200);
        assert!(book.text.starts_with("PK"), "a zip container");
        assert_eq!(book.header("x-ballot-export-sha256"), public.body["ballot_export_sha256"].as_str());
        call(&app, Method::GET, "/api/v1/consultations/999999/results.xlsx", None, None).await.assert_problem(404, "not_found");
        // Consensus: per option the lowest share among groups with ballots.
        for entry in public.body["consensus"].as_array().unwrap() {
            let id = entry["option_id"].as_i64().unwrap();
            let lowest = public.body["groups"].as_array().unwrap().iter().filter(|g| g["ballots"].as_i64().unwrap() > 0).map(|g| g["options"].as_array().unwrap().iter().find(|x| x["option_id"] == id).unwrap()["share"].as_f64().unwrap()).fold(f64::INFINITY, f64::min);
            assert!((entry["lowest_share"].as_f64().unwrap() - lowest).abs() < 1e-12);
        }
        // Ranks: standard competition ranking over points.
        let options = public.body["options"].as_array().unwrap();
        for a in options {
            let better = options.iter().filter(|b| b["points"].as_i64() > a["points"].as_i64()).count() as i64;
            assert_eq!(a["rank"].as_i64().unwrap(), better + 1);
        }
    }

    async fn deleting_an_account_withdraws_its_ballot_in_an_open_vote_and_unlinks_it_after(db) {
        let (ctx, clock) = with_fixed_clock(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let open = fixtures::consultation(&ctx.state, "voting");
        let closing = fixtures::consultation(&ctx.state, "voting");
        let o = options(&ctx, open);
        let lena = person(&ctx, "lena@example.org", Role::Participant);
        let other = person(&ctx, "other@example.org", Role::Participant);
        for c in [open, closing] {
            let r = call(&app, Method::PUT, &ballot_path(c), Some(&lena.token), Some(allocations(&[(o[0], 3)]))).await;
            assert_eq!(r.status, 200, "{}", r.text);
            let r = call(&app, Method::PUT, &ballot_path(c), Some(&other.token), Some(allocations(&[(o[1], 2)]))).await;
            assert_eq!(r.status, 200, "{}", r.text);
        }
        // One vote closes; the other stays open.
        {
            let mut conn = ctx.db.connection();
            let now = clock.now().naive_utc();
            diesel::update(consultations::table.find(closing)).set(consultations::vote_closes_at.eq(Some(now))).execute(&mut conn).unwrap();
        }
        let r = call(&app, Method::DELETE, "/api/v1/me", Some(&lena.token), Some(json!({"password": crate::accounts::PASSWORD}))).await;
        assert_eq!(r.status, 204, "{}", r.text);
        use beteiligung::db::schema::ballots;
        let mut conn = ctx.db.connection();
        // Open vote: withdrawn, so that the same address cannot register again and vote twice.
        let left: Vec<Option<i64>> = ballots::table.filter(ballots::consultation_id.eq(open)).select(ballots::user_id).load(&mut conn).unwrap();
        assert_eq!(left, vec![Some(other.id)]);
        assert_eq!(beteiligung::ballots::store::ballot_counts(&mut conn, open).unwrap(), vec![("citizen".to_owned(), 1)]);
        let tallies: Vec<(i64, i64)> = beteiligung::ballots::store::tallies(&mut conn, open).unwrap().into_iter().filter(|t| t.2 != 0).map(|t| (t.1, t.2)).collect();
        assert_eq!(tallies, vec![(o[1], 2)]);
        // Closed vote: counted, and nothing names her.
        let rows: Vec<(String, Option<i64>, Option<i64>)> = ballots::table.filter(ballots::consultation_id.eq(closing)).order(ballots::id).select((ballots::voter, ballots::user_id, ballots::cast_by)).load(&mut conn).unwrap();
        assert!(rows[0].0.starts_with("unlinked:"), "{rows:?}");
        assert_eq!((rows[0].1, rows[0].2), (None, None));
        assert_eq!(beteiligung::ballots::store::ballot_counts(&mut conn, closing).unwrap(), vec![("citizen".to_owned(), 2)]);
    }

    async fn a_replaced_ballot_gets_a_new_pseudonym(db) {
        let ctx = Ctx::new(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let c = fixtures::consultation(&ctx.state, "voting");
        let o = options(&ctx, c);
        let lena = person(&ctx, "lena@example.org", Role::Participant);
        use beteiligung::db::schema::ballots;
        let mut names = Vec::new();
        for points in [1, 2] {
            call(&app, Method::PUT, &ballot_path(c), Some(&lena.token), Some(allocations(&[(o[0], points)]))).await;
            let mut conn = ctx.db.connection();
            names.push(ballots::table.filter(ballots::consultation_id.eq(c)).select(ballots::pseudonym).first::<String>(&mut conn).unwrap());
        }
        assert_ne!(names[0], names[1]);
    }
}

/// Without a concurrent cast of the same person, a person's cast on PostgreSQL is the one
/// statement that commits by itself (the transactional way is only its fallback, and the
/// concurrency test above would pass on the fallback alone).
#[actix_web::test]
async fn an_uncontended_cast_on_postgresql_is_one_statement() {
    use beteiligung::ballots::store::{self, CastAlone};
    let Some(db) = crate::common::TestDb::postgres() else {
        return;
    };
    let (ctx, _clock) = with_fixed_clock(db);
    let c = fixtures::consultation(&ctx.state, "voting");
    let o = options(&ctx, c);
    let lena = person(&ctx, "lena@example.org", Role::Participant);
    let mut conn = ctx.db.connection();
    let beteiligung::db::DbConnection::Postgresql(pg) = &mut conn else {
        panic!("a PostgreSQL connection")
    };
    let now = Utc::now().naive_utc();
    for (version, allocations) in [(1, vec![(o[0], 2), (o[1], 1)]), (2, vec![(o[1], 3)])] {
        let cast = CastAlone {
            consultation_id: c,
            user_id: lena.id,
            allocations: &allocations,
        };
        let row = store::cast_alone(pg, now, &cast)
            .unwrap()
            .expect("no concurrent cast: the one statement succeeds");
        assert_eq!(
            (row.version, row.voter.as_str()),
            (version, format!("person:{}", lena.id).as_str())
        );
    }
    let kept: Vec<_> = store::tallies(&mut conn, c)
        .unwrap()
        .into_iter()
        .filter(|t| t.2 != 0 || t.3 != 0)
        .collect();
    assert_eq!(
        kept,
        vec![("citizen".to_owned(), o[1], 3, 1)],
        "the replaced ballot left the tallies"
    );
    let counted: i64 = store::ballot_counts(&mut conn, c)
        .unwrap()
        .iter()
        .map(|(_, n)| n)
        .sum();
    assert_eq!(counted, 1);
}
