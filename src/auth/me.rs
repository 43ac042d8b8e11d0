//! `/api/v1/me`: the signed-in person's own account.

use super::extract::{CurrentUser, Verified};
use super::model::{DeletionConfirmation, Me, ProfileUpdate, Role};
use super::{store, Auth};
use crate::audit;
use crate::db::{write_transaction, Db};
use crate::error::{ApiError, ApiResult, Problem};
use crate::http::Body;
use crate::organisations;
use actix_web::{delete, get, patch, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_me).service(update_me).service(delete_me);
}

/// The own account.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account", body = Me),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
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
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "E-mail address not verified yet (`email_unverified`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/me")]
pub async fn update_me(
    Verified(user): Verified,
    db: web::Data<Db>,
    body: Body<ProfileUpdate>,
) -> ApiResult<web::Json<Me>> {
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
                store::update_profile(conn, id, display_name.as_deref(), preferred_language)?;
                store::user_by_id(conn, id)
            })
        })
        .await?;
    Ok(web::Json(updated.to_me()))
}

/// Delete the own account. Sessions end at once; the account keeps no personal data
/// (contributions made later stay, shown as from a deleted account).
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    request_body = DeletionConfirmation,
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Wrong password or invalid body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The last active administrator (`last_admin`) or the only representative of an organisation (`last_representative`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many password checks for this account", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/me")]
pub async fn delete_me(
    user: CurrentUser,
    auth: web::Data<Auth>,
    db: web::Data<Db>,
    body: Body<DeletionConfirmation>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner()?;
    body.validate()?;
    auth.limits.password_check(user.id())?;
    let password = body.password;
    if !auth
        .passwords
        .verify(password, Some(user.user.password_hash.clone()))
        .await?
    {
        return Err(ApiError::invalid_field(
            "password",
            "incorrect",
            "is not the current password",
        ));
    }
    db.run(move |conn| {
            write_transaction(conn, |conn| {
                // Serialises the deletion with whatever this account joins or accepts meanwhile,
                // with a second deletion and with credential changes: the row as it is now
                // decides.
                let account = user.still_current(conn)?;
                if account.role() == Role::Admin && store::active_admins(conn)? <= 1 {
                    return Err(ApiError::conflict(
                        "last_admin",
                        "This is the last active administrator; name another one before deleting this account.",
                    ));
                }
                organisations::members::end_memberships_of_deleted_account(conn, account.id)?;
                store::anonymise_user(conn, &account)?;
                audit::record(
                    conn,
                    Some(account.id),
                    "user.deleted",
                    "user",
                    Some(account.id),
                    serde_json::json!({}),
                )?;
                Ok::<_, ApiError>(())
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
