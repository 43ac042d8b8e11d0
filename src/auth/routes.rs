//! `/api/v1/auth/*`: registration, e-mail verification, sign-in, token refresh, sign-out and
//! passwords.

use super::extract::CurrentUser;
use super::model::{
    Accepted, Credentials, EmailSubmission, PasswordChange, PasswordResetConfirmation,
    RefreshRequest, Registration, SignedIn, TokenPair, TokenSubmission,
};
use super::password::check_policy;
use super::store::{self, normalize_email, NewAccount, Purpose, RefreshOutcome};
use super::{Auth, RESET_PASSWORD_TTL, VERIFY_EMAIL_TTL};
use crate::auth::model::Role;
use crate::clock::Now;
use crate::db::{write_transaction, Db};
use crate::error::{ApiError, ApiResult, Problem};
use crate::http::Body;
use crate::mail::{self, templates};
use actix_web::{post, web, HttpRequest, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(register)
        .service(verify_email)
        .service(resend_verification)
        .service(login)
        .service(refresh)
        .service(logout)
        .service(logout_all)
        .service(change_password)
        .service(request_password_reset)
        .service(confirm_password_reset);
}

const ACCEPTED: Accepted = Accepted {
    message: "If the address can be used, an e-mail with the next step is on its way.",
};

fn accepted() -> HttpResponse {
    HttpResponse::Accepted().json(ACCEPTED)
}

/// Answers of requests that must not tell by their duration whether an address has an
/// account (a known one costs a few writes and a durable commit) take at least this long.
const UNIFORM_ANSWER: std::time::Duration = std::time::Duration::from_millis(250);

async fn after(started: std::time::Instant) -> HttpResponse {
    if let Some(rest) = UNIFORM_ANSWER.checked_sub(started.elapsed()) {
        actix_web::rt::time::sleep(rest).await;
    }
    accepted()
}

fn invalid_token() -> ApiError {
    super::problems::INVALID_OR_EXPIRED_TOKEN.problem()
}

impl Auth {
    fn pair(&self, user_id: i64, session_id: i64, refresh_token: String) -> TokenPair {
        TokenPair {
            access_token: self.tokens.issue(user_id, session_id),
            token_type: "Bearer".into(),
            expires_in: self.tokens.ttl_secs(),
            refresh_token,
        }
    }
}

/// Register as a participant. The answer is the same whether or not the address already has
/// an account; its owner gets an e-mail instead, and a new account a verification link.
#[utoipa::path(
    tag = "accounts",
    security(()),
    request_body = Registration,
    responses(
        (status = 202, description = "Accepted; the next step arrives by e-mail", body = Accepted),
        (status = 400, description = "Invalid field (`validation_failed`, e.g. password `too_common`, terms_version or privacy_version `outdated`) or malformed body", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/register")]
pub async fn register(
    now: Now,
    req: HttpRequest,
    auth: web::Data<Auth>,
    db: web::Data<Db>,
    body: crate::http::Json<Registration>,
) -> ApiResult<HttpResponse> {
    let now = now.naive();
    auth.limits.register(&req).await?;
    let mut form = body.into_inner();
    form.email = normalize_email(&form.email);
    form.validate()?;
    let documents = auth.documents.clone();
    let mut errors = documents.check(Some(&form.terms_version), Some(&form.privacy_version), true);
    if let Err(e) = check_policy("password", &form.password, &form.email) {
        errors.push(e);
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    // Hashed in every case, so an existing address answers as slowly as a new one.
    let hash = auth.passwords.hash(form.password.clone()).await?;
    let base = auth.link_base.clone();
    db.run(move |conn| {
        let outcome = write_transaction(conn, |conn| {
            if let Some(existing) = store::user_by_email(conn, &form.email)? {
                let notice =
                    templates::already_registered(&existing.email, existing.language(), &base);
                return mail::enqueue(conn, now, &notice);
            }
            let id = store::insert_user(
                conn,
                now,
                &NewAccount {
                    email: &form.email,
                    password_hash: &hash,
                    display_name: &form.display_name,
                    language: form.preferred_language.as_str(),
                    terms_version: &form.terms_version,
                    privacy_version: &form.privacy_version,
                    role: Role::Participant,
                    verified: false,
                },
            )?;
            super::consent::record(conn, now, id, None, &documents)?;
            let token = store::create_one_time_token(
                conn,
                now,
                id,
                Purpose::VerifyEmail,
                VERIFY_EMAIL_TTL,
            )?;
            mail::enqueue(
                conn,
                now,
                &templates::verification(
                    &form.email,
                    form.preferred_language.mail_language(),
                    &base,
                    &token,
                ),
            )
        });
        match outcome {
            // A concurrent registration of the same address won the race: same answer.
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => Ok(()),
            other => other,
        }
    })
    .await?;
    Ok(accepted())
}

/// Confirm the e-mail address with the token from the verification mail.
#[utoipa::path(
    tag = "accounts",
    security(()),
    request_body = TokenSubmission,
    responses(
        (status = 204, description = "The address is verified"),
        (status = 400, description = "Invalid, expired or used token (`invalid_or_expired_token`) or invalid body", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/verify-email")]
pub async fn verify_email(
    now: Now,
    db: web::Data<Db>,
    body: crate::http::Json<TokenSubmission>,
) -> ApiResult<HttpResponse> {
    let now = now.naive();
    body.validate()?;
    let token = body.into_inner().token;
    let verified = db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let Some(user_id) =
                    store::consume_one_time_token(conn, now, &token, Purpose::VerifyEmail)?
                else {
                    return Ok(false);
                };
                store::mark_verified(conn, now, user_id)?;
                Ok::<_, diesel::result::Error>(true)
            })
        })
        .await?;
    if !verified {
        return Err(invalid_token());
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Send a new verification mail (if the address has an unverified account).
#[utoipa::path(
    tag = "accounts",
    security(()),
    request_body = EmailSubmission,
    responses(
        (status = 202, description = "Accepted", body = Accepted),
        (status = 400, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/verify-email/resend")]
pub async fn resend_verification(
    now: Now,
    req: HttpRequest,
    auth: web::Data<Auth>,
    db: web::Data<Db>,
    body: crate::http::Json<EmailSubmission>,
) -> ApiResult<HttpResponse> {
    let now = now.naive();
    auth.limits.reset(&req).await?;
    body.validate()?;
    let started = std::time::Instant::now();
    let email = normalize_email(&body.email);
    let base = auth.link_base.clone();
    db.run(move |conn| {
        write_transaction(conn, |conn| {
            let Some(user) = store::user_by_email(conn, &email)? else {
                return Ok(());
            };
            if user.email_verified_at.is_some() {
                return Ok(());
            }
            let token = store::create_one_time_token(
                conn,
                now,
                user.id,
                Purpose::VerifyEmail,
                VERIFY_EMAIL_TTL,
            )?;
            mail::enqueue(
                conn,
                now,
                &templates::verification(&user.email, user.language(), &base, &token),
            )
        })
    })
    .await?;
    Ok(after(started).await)
}

/// Sign in: a short-lived access token and a refresh token. An unknown address and a wrong
/// password get the same answer and take the same time.
#[utoipa::path(
    tag = "accounts",
    security(()),
    request_body = Credentials,
    responses(
        (status = 200, description = "Signed in", body = SignedIn),
        (status = 400, description = "Invalid body, or a `terms_version` / `privacy_version` that is not the current one (`validation_failed`, code `outdated`)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Wrong address or password (`invalid_credentials`)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The account is blocked (`account_blocked`), or a new version of the terms or the privacy notice waits for acceptance (`consent_required`): sign in again with both current versions", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login")]
pub async fn login(
    now: Now,
    req: HttpRequest,
    auth: web::Data<Auth>,
    db: web::Data<Db>,
    body: crate::http::Json<Credentials>,
) -> ApiResult<web::Json<SignedIn>> {
    let now = now.naive();
    body.validate()?;
    let Credentials {
        email,
        password,
        device_token,
        terms_version,
        privacy_version,
    } = body.into_inner();
    let email = normalize_email(&email);
    auth.limits.login_client(&req).await?;
    let lookup = email.clone();
    let user = db
        .run(move |conn| store::user_by_email(conn, &lookup))
        .await?;
    let device = device_token
        .zip(user.as_ref())
        .and_then(|(token, user)| auth.tokens.device(&token, &email, &user.password_hash));
    auth.limits.login_account(&email, device.as_deref()).await?;
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let matches = auth.passwords.verify(password, stored).await?;
    let Some(user) = user.filter(|_| matches) else {
        return Err(super::problems::INVALID_CREDENTIALS.problem());
    };
    if user.blocked_at.is_some() {
        return Err(super::problems::ACCOUNT_BLOCKED.problem());
    }
    // A new version of the terms or the privacy notice: the sign-in carries its acceptance,
    // or it is refused with the code the frontend shows the documents for.
    let documents = auth.documents.clone();
    let accepts = documents.outdated(&user);
    if accepts {
        let errors = documents.check(terms_version.as_deref(), privacy_version.as_deref(), false);
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        if terms_version.is_none() || privacy_version.is_none() {
            return Err(super::problems::CONSENT_REQUIRED.problem());
        }
    }
    let (user_id, ttl, checked_hash) = (user.id, auth.session_ttl, user.password_hash.clone());
    let device_token = auth.tokens.issue_device(&email, &checked_hash);
    // The session opens only if the account is as it was when the password was checked: a
    // reset, password change or block that happened meanwhile wins.
    let session = db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let opened = store::open_session(conn, now, user_id, &checked_hash, ttl)?;
                if accepts && opened.is_some() {
                    super::consent::record(conn, now, user_id, Some(&user), &documents)?;
                    crate::audit::record(
                        conn,
                        now,
                        Some(user_id),
                        "user.consented",
                        "user",
                        Some(user_id),
                        serde_json::json!({
                            "terms_version": documents.terms_version,
                            "privacy_version": documents.privacy_version,
                        }),
                    )?;
                }
                Ok::<_, ApiError>(opened)
            })
        })
        .await?;
    let Some((session_id, refresh_token)) = session else {
        return Err(super::problems::INVALID_CREDENTIALS.problem());
    };
    Ok(web::Json(SignedIn {
        tokens: auth.pair(user_id, session_id, refresh_token),
        device_token,
    }))
}

/// Exchange a refresh token for a new pair. Each refresh token works once; presenting one
/// again ends its whole session (someone else may have it).
#[utoipa::path(
    tag = "accounts",
    security(()),
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new pair", body = TokenPair),
        (status = 400, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Unknown or ended (`invalid_refresh_token`) or reused (`refresh_token_reused`, the session is now ended)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    now: Now,
    auth: web::Data<Auth>,
    db: web::Data<Db>,
    body: crate::http::Json<RefreshRequest>,
) -> ApiResult<web::Json<TokenPair>> {
    let now = now.naive();
    body.validate()?;
    let token = body.into_inner().refresh_token;
    let ttl = auth.session_ttl;
    let outcome = db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                store::rotate_refresh_token(conn, now, &token, ttl)
            })
        })
        .await?;
    match outcome {
        RefreshOutcome::Rotated {
            user_id,
            session_id,
            refresh_token,
        } => Ok(web::Json(auth.pair(user_id, session_id, refresh_token))),
        RefreshOutcome::Invalid => Err(super::problems::INVALID_REFRESH_TOKEN.problem()),
        RefreshOutcome::Reused => Err(super::problems::REFRESH_TOKEN_REUSED.problem()),
    }
}

/// End the current session.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
    )
)]
#[post("/auth/logout")]
pub async fn logout(now: Now, user: CurrentUser, db: web::Data<Db>) -> ApiResult<HttpResponse> {
    let now = now.naive();
    let session_id = user.session_id;
    db.run(move |conn| store::revoke_session(conn, now, session_id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// End every session of the signed-in person, on every device.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "All sessions ended"),
    )
)]
#[post("/auth/logout-all")]
pub async fn logout_all(now: Now, user: CurrentUser, db: web::Data<Db>) -> ApiResult<HttpResponse> {
    let now = now.naive();
    let user_id = user.id();
    // One transaction with the account locked: a password change that committed a new session
    // meanwhile is either seen and ended here, or waits and sees this sign-out.
    db.run(move |conn| {
        write_transaction(conn, |conn| {
            store::lock_user(conn, user_id)?;
            store::revoke_all_sessions(conn, now, user_id)
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Change the password. Every session ends; the answer is a new one for this device.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 200, description = "Changed; a new session", body = TokenPair),
        (status = 400, description = "Wrong current password or unacceptable new one (`validation_failed`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/password")]
pub async fn change_password(
    now: Now,
    user: CurrentUser,
    auth: web::Data<Auth>,
    db: web::Data<Db>,
    body: Body<PasswordChange>,
) -> ApiResult<web::Json<TokenPair>> {
    let now = now.naive();
    let body = body.into_inner()?;
    body.validate()?;
    let PasswordChange {
        current_password,
        new_password,
    } = body;
    auth.limits.password_check(user.id()).await?;
    check_policy("new_password", &new_password, &user.user.email)
        .map_err(|e| ApiError::validation(vec![e]))?;
    auth.confirm_password(&user, current_password, "current_password")
        .await?;
    let hash = auth.passwords.hash(new_password).await?;
    let ttl = auth.session_ttl;
    let (account, user_id) = (user.clone(), user.id());
    let (session_id, refresh_token) = db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let account = account.still_current(conn, now)?;
                store::set_password(conn, now, account.id, &hash)?;
                store::revoke_all_sessions(conn, now, account.id)?;
                mail::enqueue(
                    conn,
                    now,
                    &templates::password_changed(&account.email, account.language()),
                )?;
                Ok::<_, ApiError>(store::create_session(conn, now, account.id, ttl)?)
            })
        })
        .await?;
    Ok(web::Json(auth.pair(user_id, session_id, refresh_token)))
}

/// Ask for a password-reset link by e-mail. The answer does not say whether the address has
/// an account.
#[utoipa::path(
    tag = "accounts",
    security(()),
    request_body = EmailSubmission,
    responses(
        (status = 202, description = "Accepted", body = Accepted),
        (status = 400, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/password-reset")]
pub async fn request_password_reset(
    now: Now,
    req: HttpRequest,
    auth: web::Data<Auth>,
    db: web::Data<Db>,
    body: crate::http::Json<EmailSubmission>,
) -> ApiResult<HttpResponse> {
    let now = now.naive();
    auth.limits.reset(&req).await?;
    body.validate()?;
    let started = std::time::Instant::now();
    let email = normalize_email(&body.email);
    let base = auth.link_base.clone();
    db.run(move |conn| {
        write_transaction(conn, |conn| {
            let Some(user) = store::user_by_email(conn, &email)? else {
                return Ok(());
            };
            let token = store::create_one_time_token(
                conn,
                now,
                user.id,
                Purpose::ResetPassword,
                RESET_PASSWORD_TTL,
            )?;
            mail::enqueue(
                conn,
                now,
                &templates::password_reset(&user.email, user.language(), &base, &token),
            )
        })
    })
    .await?;
    Ok(after(started).await)
}

/// Set a new password with the token from the reset mail (single use, one hour). Every
/// session ends; the address counts as verified.
#[utoipa::path(
    tag = "accounts",
    security(()),
    request_body = PasswordResetConfirmation,
    responses(
        (status = 204, description = "The password is set"),
        (status = 400, description = "Invalid, expired or used token (`invalid_or_expired_token`), or unacceptable password", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/password-reset/confirm")]
pub async fn confirm_password_reset(
    now: Now,
    req: HttpRequest,
    auth: web::Data<Auth>,
    db: web::Data<Db>,
    body: crate::http::Json<PasswordResetConfirmation>,
) -> ApiResult<HttpResponse> {
    let now = now.naive();
    auth.limits.reset(&req).await?;
    body.validate()?;
    let PasswordResetConfirmation {
        token,
        new_password,
    } = body.into_inner();
    check_policy("new_password", &new_password, "").map_err(|e| ApiError::validation(vec![e]))?;
    // A made-up token costs a lookup, not a password hash.
    let probe = token.clone();
    if !db
        .run(move |conn| store::one_time_token_is_valid(conn, now, &probe, Purpose::ResetPassword))
        .await?
    {
        return Err(invalid_token());
    }
    let hash = auth.passwords.hash(new_password).await?;
    let done = db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let Some(user_id) =
                    store::consume_one_time_token(conn, now, &token, Purpose::ResetPassword)?
                else {
                    return Ok(false);
                };
                let user = store::user_by_id(conn, user_id)?;
                store::set_password(conn, now, user_id, &hash)?;
                store::mark_verified(conn, now, user_id)?;
                store::revoke_all_sessions(conn, now, user_id)?;
                mail::enqueue(
                    conn,
                    now,
                    &templates::password_changed(&user.email, user.language()),
                )?;
                Ok::<_, diesel::result::Error>(true)
            })
        })
        .await?;
    if !done {
        return Err(invalid_token());
    }
    Ok(HttpResponse::NoContent().finish())
}
