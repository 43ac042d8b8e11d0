//! Builders that put people, roles and sessions straight into the database and mint their
//! tokens, so a test about organisations or consultations does not pay for registration,
//! e-mail verification and two password hashes per person. Only the tests of those flows
//! (tests/api/accounts.rs) go through them.

use beteiligung::auth::model::Role;
use beteiligung::auth::store::{self, NewAccount};
use beteiligung::AppState;
use serde_json::{json, Value};
use std::sync::OnceLock;

/// The password of every built account (and of those the account tests register).
pub const PASSWORD: &str = "Teutoburger Wald im Nebel";

/// The argon2 hash of [`PASSWORD`], computed once per test process: built accounts can still
/// sign in with it.
fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| beteiligung::auth::password::hash_now(PASSWORD).expect("hash"))
}

/// A verified account `email` with `role`, signed in: the same token pair a sign-in answers
/// (`access_token`, `refresh_token`, `token_type`) and the account's id as `user_id`.
pub fn account(state: &AppState, email: &str, role: Role) -> Value {
    let mut conn = state.db.pool().get().expect("connection");
    let now = state.clock.now().naive_utc();
    let id = store::insert_user(
        &mut conn,
        now,
        &NewAccount {
            email,
            password_hash: password_hash(),
            display_name: "Lena M.",
            language: "de",
            terms_version: &state.settings.terms_version,
            privacy_version: &state.settings.privacy_version,
            role,
            verified: true,
        },
    )
    .expect("insert account");
    let (session, refresh_token) =
        store::create_session(&mut conn, now, id, state.settings.session_ttl).expect("session");
    json!({
        "access_token": state.auth.tokens.issue(id, session),
        "refresh_token": refresh_token,
        "token_type": "Bearer",
        "user_id": id,
    })
}

/// An organisation `name` of `kind` ("migrant_organisation", "welfare_provider",
/// "other_civil_society") registered by `representative` (an account id), verified by the
/// moderators when `verified`, with `members` (account ids) as plain members. Answers its id.
pub fn organisation(
    state: &AppState,
    name: &str,
    kind: &str,
    verified: bool,
    representative: i64,
    members: &[i64],
) -> i64 {
    use beteiligung::organisations::model::{MemberRole, OrganisationRegistration, Verdict};
    use beteiligung::organisations::store as orgs;
    let mut conn = state.db.pool().get().expect("connection");
    let now = state.clock.now().naive_utc();
    let registration: OrganisationRegistration = serde_json::from_value(json!({
        "name": name,
        "kind": kind,
        "description": "Beratung und Begegnung für Zugewanderte in Bielefeld.",
        "contact_email": "kontakt@example.org",
    }))
    .expect("a registration");
    let id = orgs::insert(&mut conn, now, &registration, representative).expect("insert");
    if verified {
        let row = orgs::lock(&mut conn, id)
            .expect("lock")
            .expect("the organisation");
        assert!(orgs::decide(&mut conn, now, &row, Verdict::Verified, None).expect("decide"));
    }
    for member in members {
        orgs::add_member(&mut conn, now, id, *member, MemberRole::Member).expect("member");
    }
    id
}

/// A consultation over the whole catalogue (the demo's windows and rules, shifted) in the phase
/// `phase` at the state's clock: `"upcoming"`, `"commenting"`, `"commenting_and_voting"`,
/// `"voting"` or `"closed"`. Answers its id.
pub fn consultation(state: &AppState, phase: &str) -> i64 {
    use chrono::Duration;
    let mut conn = state.db.pool().get().expect("connection");
    let now = state.clock.now();
    let mut draft = beteiligung::consultations::demo_draft(&mut conn, now).expect("draft");
    let shift = match phase {
        "upcoming" => Duration::days(1),
        "commenting" => Duration::days(-1),
        "commenting_and_voting" => Duration::days(-30),
        "voting" => Duration::days(-45),
        "closed" => Duration::days(-60),
        other => panic!("no phase {other}"),
    };
    for window in [&mut draft.commenting, &mut draft.voting]
        .into_iter()
        .flatten()
    {
        window.opens_at += shift;
        window.closes_at += shift;
    }
    beteiligung::consultations::store::insert(&mut conn, now.naive_utc(), &draft).expect("insert")
}
