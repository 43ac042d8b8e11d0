//! Consent to the terms of participation and the privacy notice.
//!
//! The operator publishes a version of each document (`TERMS_VERSION`, `PRIVACY_VERSION`).
//! Registration must accept the current ones; every acceptance is kept (`consents`, shown in
//! the export) and the account row holds the versions accepted last. Once the operator
//! publishes a new version, a sign-in without the new versions and every write of a session
//! answer `403 consent_required` until the person accepts them — reads, signing out, changing
//! the password, the export and deleting the account stay open, so nobody has to accept
//! something to leave.

use super::extract::CurrentUser;
use super::store::UserRow;
use super::Auth;
use crate::clock::Now;
use crate::db::schema::{consents, users};
use crate::db::{write_transaction, Db, DbConnection};
use crate::error::{ApiError, ApiResult, FieldError, Problem, Text};
use crate::http::Body;
use actix_web::http::Method;
use actix_web::{get, post, web};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(legal_documents)
        .service(own_consents)
        .service(accept);
}

/// The versions of the documents a person must have accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Documents {
    /// Current version of the terms of participation.
    #[schema(example = "2026-11")]
    pub terms_version: String,
    /// Current version of the privacy notice.
    #[schema(example = "2026-12")]
    pub privacy_version: String,
}

impl Documents {
    /// Whether `user` has yet to accept a version published since their last acceptance.
    pub fn outdated(&self, user: &UserRow) -> bool {
        user.terms_version != self.terms_version || user.privacy_version != self.privacy_version
    }

    /// 400 `outdated` for each of the given versions that is not the current one; `None`
    /// counts as not given (`missing`) when `required`.
    pub fn check(
        &self,
        terms: Option<&str>,
        privacy: Option<&str>,
        required: bool,
    ) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for (field, given, current) in [
            ("terms_version", terms, &self.terms_version),
            ("privacy_version", privacy, &self.privacy_version),
        ] {
            match given {
                Some(v) if v == current => {}
                Some(_) => errors.push(FieldError::new(
                    field,
                    "outdated",
                    Text::format(
                        format!("muss die aktuelle Fassung sein, {current}"),
                        format!("must be the current version, {current}"),
                    ),
                )),
                None if required => errors.push(FieldError::new(
                    field,
                    "missing",
                    Text::format(
                        format!("fehlt: die aktuelle Fassung ist {current}"),
                        format!("must be given: the current version is {current}"),
                    ),
                )),
                None => {}
            }
        }
        errors
    }
}

/// Writes that a session may make without having accepted the current documents (method,
/// route pattern): accepting itself, leaving and taking back what one gave (Art. 7(3), 17 —
/// deleting the account or an own contribution, withdrawing a support, a ballot or a request
/// to join), correcting the own data (Art. 16), signing out and securing the account. Leaving
/// an organisation (`DELETE …/members/{user_id}` with one's own id) is allowed too
/// ([`required_for`]); removing somebody else is not. The OpenAPI document says
/// `consent_required` for every other write with a session.
pub const WITHOUT_CONSENT: &[(&str, &str)] = &[
    ("POST", "/api/v1/me/consents"),
    ("DELETE", "/api/v1/me"),
    ("PATCH", "/api/v1/me"),
    ("DELETE", "/api/v1/contributions/{id}"),
    ("DELETE", "/api/v1/contributions/{id}/support"),
    ("DELETE", "/api/v1/consultations/{id}/ballot"),
    (
        "DELETE",
        "/api/v1/organisations/{id}/join-requests/{request_id}",
    ),
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/auth/logout-all"),
    ("POST", "/api/v1/auth/password"),
    ("POST", "/api/v1/auth/verify-email/resend"),
];

/// Leaving an organisation: removing oneself from its members.
const LEAVING: (&str, &str) = ("DELETE", "/api/v1/organisations/{id}/members/{user_id}");

/// Whether a request of `user_id` must come from a person who accepted the current
/// documents: every write except [`WITHOUT_CONSENT`] and leaving an organisation.
pub fn required_for(req: &actix_web::HttpRequest, user_id: i64) -> bool {
    let method = req.method();
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    let pattern = req.match_pattern();
    let is = |(m, p): (&str, &str)| m == method.as_str() && pattern.as_deref() == Some(p);
    if is(LEAVING) {
        return req
            .match_info()
            .get("user_id")
            .and_then(|id| id.parse::<i64>().ok())
            != Some(user_id);
    }
    !WITHOUT_CONSENT.iter().any(|entry| is(*entry))
}

/// Records that `user_id` accepted `documents` at `now` (a row per document whose version
/// changes) and keeps the versions on the account.
pub fn record(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user_id: i64,
    before: Option<&UserRow>,
    documents: &Documents,
) -> QueryResult<()> {
    let mut rows = Vec::new();
    if before.is_none_or(|u| u.terms_version != documents.terms_version) {
        rows.push(("terms", documents.terms_version.as_str()));
    }
    if before.is_none_or(|u| u.privacy_version != documents.privacy_version) {
        rows.push(("privacy", documents.privacy_version.as_str()));
    }
    for (document, version) in rows {
        diesel::insert_into(consents::table)
            .values((
                consents::user_id.eq(user_id),
                consents::document.eq(document),
                consents::version.eq(version),
                consents::accepted_at.eq(now),
            ))
            .execute(conn)?;
    }
    diesel::update(users::table.find(user_id))
        .set((
            users::terms_version.eq(&documents.terms_version),
            users::privacy_version.eq(&documents.privacy_version),
        ))
        .execute(conn)?;
    Ok(())
}

/// One acceptance of a document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Acceptance {
    #[serde(skip)]
    #[schema(ignore)]
    pub id: i64,
    /// `terms` (of participation) or `privacy` (notice).
    #[schema(example = "privacy")]
    pub document: String,
    pub version: String,
    pub accepted_at: chrono::DateTime<chrono::Utc>,
}

const ACCEPTANCE: (
    consents::id,
    consents::document,
    consents::version,
    consents::accepted_at,
) = (
    consents::id,
    consents::document,
    consents::version,
    consents::accepted_at,
);

impl From<(i64, String, String, NaiveDateTime)> for Acceptance {
    fn from((id, document, version, at): (i64, String, String, NaiveDateTime)) -> Self {
        Acceptance {
            id,
            document,
            version,
            accepted_at: at.and_utc(),
        }
    }
}

/// `user_id`'s acceptances in order, `limit` after the one with id `after`.
pub fn history(
    conn: &mut DbConnection,
    user_id: i64,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Acceptance>> {
    Ok(consents::table
        .filter(consents::user_id.eq(user_id))
        .filter(consents::id.gt(after.unwrap_or(0)))
        .order(consents::id)
        .limit(limit)
        .select(ACCEPTANCE)
        .load::<(i64, String, String, NaiveDateTime)>(conn)?
        .into_iter()
        .map(Acceptance::from)
        .collect())
}

/// The current versions of the terms of participation and the privacy notice, which a
/// registration must accept.
#[utoipa::path(
    tag = "accounts",
    security(()),
    responses((status = 200, description = "The current versions", body = Documents))
)]
#[get("/legal-documents")]
pub async fn legal_documents(auth: web::Data<Auth>) -> web::Json<Documents> {
    web::Json(auth.documents.as_ref().clone())
}

/// What the signed-in person accepted, and whether a newer version waits for them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentState {
    /// The versions in force.
    pub current: Documents,
    /// The versions the person accepted last.
    pub accepted: Documents,
    /// Whether writes answer `consent_required` until the current versions are accepted.
    pub required: bool,
    /// Every acceptance, oldest first (at most the latest 100; the export has them all).
    pub history: Vec<Acceptance>,
}

fn state(
    conn: &mut DbConnection,
    current: &Documents,
    user: &UserRow,
) -> QueryResult<ConsentState> {
    let mut history: Vec<Acceptance> = consents::table
        .filter(consents::user_id.eq(user.id))
        .order(consents::id.desc())
        .limit(100)
        .select(ACCEPTANCE)
        .load::<(i64, String, String, NaiveDateTime)>(conn)?
        .into_iter()
        .map(Acceptance::from)
        .collect();
    history.reverse();
    Ok(ConsentState {
        current: current.clone(),
        accepted: Documents {
            terms_version: user.terms_version.clone(),
            privacy_version: user.privacy_version.clone(),
        },
        required: current.outdated(user),
        history,
    })
}

/// The own consents: the versions accepted, whether a newer one waits, and the history.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    responses((status = 200, description = "The own consents", body = ConsentState))
)]
#[get("/me/consents")]
pub async fn own_consents(
    user: CurrentUser,
    auth: web::Data<Auth>,
    db: web::Data<Db>,
) -> ApiResult<web::Json<ConsentState>> {
    let current = auth.documents.clone();
    let state = db
        .run(move |conn| state(conn, &current, &user.user))
        .await?;
    Ok(web::Json(state))
}

/// Acceptance of the current documents.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Accept {
    /// Must be the current version (`GET /api/v1/legal-documents`).
    #[validate(length(min = 1, max = 32))]
    #[schema(min_length = 1, max_length = 32, example = "2026-11")]
    pub terms_version: String,
    /// Must be the current version (`GET /api/v1/legal-documents`).
    #[validate(length(min = 1, max = 32))]
    #[schema(min_length = 1, max_length = 32, example = "2026-12")]
    pub privacy_version: String,
}

/// Accept the current terms of participation and privacy notice. Accepting versions already
/// accepted changes nothing.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    request_body = Accept,
    responses(
        (status = 200, description = "The own consents after accepting", body = ConsentState),
        (status = 400, description = "A version that is not the current one (`validation_failed`, code `outdated`), or an invalid body", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/consents")]
pub async fn accept(
    now: Now,
    user: CurrentUser,
    auth: web::Data<Auth>,
    db: web::Data<Db>,
    body: Body<Accept>,
) -> ApiResult<web::Json<ConsentState>> {
    let body = body.into_inner()?;
    body.validate()?;
    let current = auth.documents.clone();
    let errors = current.check(Some(&body.terms_version), Some(&body.privacy_version), true);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let now = now.naive();
    let state = db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let account = user.still_current(conn, now)?;
                if current.outdated(&account) {
                    record(conn, now, account.id, Some(&account), &current)?;
                    crate::audit::record(
                        conn,
                        now,
                        Some(account.id),
                        "user.consented",
                        "user",
                        Some(account.id),
                        serde_json::json!({
                            "terms_version": current.terms_version,
                            "privacy_version": current.privacy_version,
                        }),
                    )?;
                }
                let account = super::store::user_by_id(conn, account.id)?;
                Ok::<_, ApiError>(state(conn, &current, &account)?)
            })
        })
        .await?;
    Ok(web::Json(state))
}
