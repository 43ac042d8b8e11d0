//! `/api/v1/me`: the signed-in person's own account.

use super::extract::{CurrentUser, Verified};
use super::model::{LanguageTag, Me, ProfileUpdate};
use super::store;
use crate::clock::Now;
use crate::db::{write_transaction, Db};
use crate::error::{ApiResult, Problem};
use crate::http::Body;
use actix_web::{get, patch, web};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_me).service(update_me);
}

/// The own account.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account", body = Me),
    )
)]
#[get("/me")]
pub async fn get_me(user: CurrentUser) -> web::Json<Me> {
    web::Json(user.user.to_me())
}

/// Change the display name or preferred language. Needs a verified e-mail address; any other
/// field (role, verification, ids, timestamps) is rejected.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    request_body = ProfileUpdate,
    responses(
        (status = 200, description = "The updated account", body = Me),
        (status = 400, description = "Invalid or unknown field", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "E-mail address not verified yet (`email_unverified`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/me")]
pub async fn update_me(
    now: Now,
    Verified(user): Verified,
    db: web::Data<Db>,
    body: Body<ProfileUpdate>,
) -> ApiResult<web::Json<Me>> {
    let now = now.naive();
    let body = body.into_inner()?;
    body.validate()?;
    let ProfileUpdate {
        display_name,
        preferred_language,
    } = body;
    let id = user.id();
    let updated = db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                store::update_profile(
                    conn,
                    now,
                    id,
                    display_name.as_deref(),
                    preferred_language.as_ref().map(LanguageTag::as_str),
                )?;
                store::user_by_id(conn, id)
            })
        })
        .await?;
    Ok(web::Json(updated.to_me()))
}
