//! Who is asking: the access token checked against the database on every request, and the
//! authorisation rules as extractors, one place per rule.

use super::store::{self, UserRow};
use super::Auth;
use crate::auth::model::Role;
use crate::db::Db;
use crate::error::ApiError;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use std::future::Future;
use std::pin::Pin;

/// A signed-in person with a live session. Rejected with 401 when the token is missing,
/// malformed, badly signed, expired, for another audience or issuer, or when its session has
/// ended (logout, password or role change, blocking, deletion) — checked in the database, so
/// it holds on every node at once.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: UserRow,
    pub session_id: i64,
}

impl CurrentUser {
    pub fn id(&self) -> i64 {
        self.user.id
    }

    pub fn role(&self) -> Role {
        self.user.role()
    }

    /// The account as it is now, its row locked until the end of the write transaction: 401
    /// if the session ended or the account changed its password, was blocked or deleted since
    /// this request was authenticated. Credential changes and deletion call it inside their
    /// transaction, so that of two competing changes exactly one wins, and a reset or a
    /// sign-out everywhere is never undone by a change that started before it.
    pub fn still_current(
        &self,
        conn: &mut crate::db::DbConnection,
        now: chrono::NaiveDateTime,
    ) -> Result<UserRow, ApiError> {
        let current = store::lock_user(conn, self.id())?;
        match current {
            Some(u)
                if u.password_hash == self.user.password_hash
                    && u.blocked_at.is_none()
                    && u.deleted_at.is_none()
                    && store::session_is_live(conn, now, self.session_id)? =>
            {
                Ok(u)
            }
            _ => Err(session_ended()),
        }
    }
}

/// 401 for a token that is no longer (or never was) good.
pub fn session_ended() -> ApiError {
    super::problems::INVALID_TOKEN.problem()
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty())
}

type Extracted<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

impl FromRequest for CurrentUser {
    type Error = ApiError;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        // Already established for this request (by the administrators' scope).
        if let Some(known) = req.extensions().get::<CurrentUser>().cloned() {
            return Box::pin(async move { Ok(known) });
        }
        let session = match (
            bearer(req),
            req.app_data::<web::Data<Auth>>(),
            req.app_data::<web::Data<Db>>().cloned(),
        ) {
            (_, None, _) | (_, _, None) => {
                Err(ApiError::internal("authentication is not configured"))
            }
            (None, _, _) => Err(crate::error::codes::UNAUTHORIZED.problem()),
            (Some(token), Some(auth), Some(db)) => Session::of(auth, &token, req).map(|s| (s, db)),
        };
        Box::pin(async move {
            let (session, db) = session?;
            db.run(move |conn| session.user(conn)).await
        })
    }
}

/// A well-signed access token whose session is yet to be checked: for a handler that checks
/// it in the same trip to the database as its own work ([`Session::user`] first, always).
#[derive(Debug, Clone)]
pub struct Session {
    user_id: i64,
    session_id: i64,
    now: chrono::NaiveDateTime,
    /// For a write: the documents the person must have accepted ([`super::consent`]).
    consent: Option<std::sync::Arc<super::consent::Documents>>,
}

impl Session {
    fn of(auth: &Auth, token: &str, req: &HttpRequest) -> Result<Self, ApiError> {
        let (user_id, session_id) = auth.tokens.verify(token).ok_or_else(session_ended)?;
        Ok(Self {
            user_id,
            session_id,
            now: crate::clock::Now::of(req).naive(),
            consent: super::consent::required_for(req, user_id).then(|| auth.documents.clone()),
        })
    }

    /// The signed-in person, if the session is live and the account neither blocked nor
    /// deleted (401 otherwise): one indexed query.
    pub fn user(&self, conn: &mut crate::db::DbConnection) -> Result<CurrentUser, ApiError> {
        let user = store::session_user(conn, self.now, self.session_id, self.user_id)?
            .ok_or_else(session_ended)?;
        if self.consent.as_ref().is_some_and(|d| d.outdated(&user)) {
            return Err(super::problems::CONSENT_REQUIRED.problem());
        }
        Ok(CurrentUser {
            user,
            session_id: self.session_id,
        })
    }
    /// [`Session::user`], whose e-mail address must be verified, as [`Verified`] checks it.
    pub fn verified(&self, conn: &mut crate::db::DbConnection) -> Result<Verified, ApiError> {
        Verified::of(self.user(conn)?)
    }
}

/// A token that must be there (401 without one): for handlers that check the session in the
/// same trip to the database as their own work, first of all ([`Session::user`] or
/// [`Session::verified`]).
impl FromRequest for Session {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(
            match MaybeSession::from_request(req, payload).into_inner() {
                Ok(MaybeSession(Some(session))) => Ok(session),
                Ok(MaybeSession(None)) => Err(crate::error::codes::UNAUTHORIZED.problem()),
                Err(refused) => Err(refused),
            },
        )
    }
}

/// A token, or nobody: [`MaybeUser`] for handlers that check the session themselves. Without
/// an `Authorization` header the caller is anonymous; a header that does not hold a
/// well-signed, unexpired token is refused (401).
#[derive(Debug, Clone)]
pub struct MaybeSession(pub Option<Session>);

impl FromRequest for MaybeSession {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready((|| {
            if !req.headers().contains_key(header::AUTHORIZATION) {
                return Ok(MaybeSession(None));
            }
            let token = bearer(req).ok_or_else(|| crate::error::codes::UNAUTHORIZED.problem())?;
            let auth = req
                .app_data::<web::Data<Auth>>()
                .ok_or_else(|| ApiError::internal("authentication is not configured"))?;
            Session::of(auth, &token, req).map(|s| MaybeSession(Some(s)))
        })())
    }
}

/// A signed-in person whose e-mail address is verified: what every contribution endpoint
/// requires (403 `email_unverified` otherwise).
#[derive(Debug, Clone)]
pub struct Verified(pub CurrentUser);

impl Verified {
    /// `user`, if their address is verified (403 `email_unverified` otherwise).
    fn of(user: CurrentUser) -> Result<Self, ApiError> {
        if user.user.email_verified_at.is_none() {
            return Err(super::problems::EMAIL_UNVERIFIED.problem());
        }
        Ok(Verified(user))
    }
}

impl FromRequest for Verified {
    type Error = ApiError;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let user = CurrentUser::from_request(req, payload);
        Box::pin(async move { Verified::of(user.await?) })
    }
}

/// A rule a whole scope is guarded by (administrators, staff).
pub trait Gate: FromRequest<Error = ApiError> {
    fn user(self) -> CurrentUser;
}

/// Guards a scope (`from_fn(require::<Admin>)`): every request is authenticated and
/// authorised before its body is even read, so a participant gets 403 (not a validation
/// error) whatever they send. The established user is kept for the handler's own extractor.
pub async fn require<G: Gate>(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    // Refusals become responses here, so the outer middleware sees them like any other.
    let user = match G::extract(req.request()).await {
        Ok(gate) => gate.user(),
        Err(refusal) => return Ok(req.error_response(refusal).map_into_right_body()),
    };
    req.extensions_mut().insert(user);
    next.call(req)
        .await
        .map(actix_web::dev::ServiceResponse::map_into_left_body)
}

/// A signed-in person, or nobody: for reads that show more to some callers. Without an
/// `Authorization` header the caller is anonymous; a header that does not hold a valid token
/// is refused (401), never silently ignored.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<CurrentUser>);

impl FromRequest for MaybeUser {
    type Error = ApiError;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        if !req.headers().contains_key(header::AUTHORIZATION) {
            return Box::pin(async { Ok(MaybeUser(None)) });
        }
        let user = CurrentUser::from_request(req, payload);
        Box::pin(async move { Ok(MaybeUser(Some(user.await?))) })
    }
}

/// Moderation staff: a moderator or an administrator (403 `forbidden` for everyone else who
/// is signed in).
#[derive(Debug, Clone)]
pub struct Staff(pub CurrentUser);

impl FromRequest for Staff {
    type Error = ApiError;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let user = with_role(
            req,
            payload,
            |role| matches!(role, Role::Moderator | Role::Admin),
            crate::error::Text::new(
                "Das dürfen nur Moderation und Administration.",
                "Only moderators and administrators may do this.",
            ),
        );
        Box::pin(async move { user.await.map(Staff) })
    }
}

/// The signed-in person, if their role is `allowed` (403 `forbidden` with `detail` if not).
fn with_role(
    req: &HttpRequest,
    payload: &mut actix_web::dev::Payload,
    allowed: fn(Role) -> bool,
    detail: crate::error::Text,
) -> Extracted<CurrentUser> {
    let user = CurrentUser::from_request(req, payload);
    Box::pin(async move {
        let user = user.await?;
        if !allowed(user.role()) {
            return Err(crate::error::codes::FORBIDDEN.with_detail(detail));
        }
        Ok(user)
    })
}

impl Gate for Staff {
    fn user(self) -> CurrentUser {
        self.0
    }
}

impl Gate for Admin {
    fn user(self) -> CurrentUser {
        self.0
    }
}

/// An administrator (403 `forbidden` for everyone else who is signed in).
#[derive(Debug, Clone)]
pub struct Admin(pub CurrentUser);

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let user = with_role(
            req,
            payload,
            |role| role == Role::Admin,
            crate::error::Text::new(
                "Das darf nur die Administration.",
                "Only administrators may do this.",
            ),
        );
        Box::pin(async move { user.await.map(Admin) })
    }
}
