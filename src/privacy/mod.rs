//! Duties about personal data that span every slice: deleting an account now, the export of
//! everything held about a person later. This module names no slice: it runs the steps of the
//! personal-data registry ([`crate::personal_data`]) that `lib.rs` hands to the application.

use crate::audit;
use crate::auth::extract::CurrentUser;
use crate::auth::model::DeletionConfirmation;
use crate::auth::Auth;
use crate::clock::Now;
use crate::db::{write_transaction, Db};
use crate::error::{ApiError, ApiResult, Problem};
use crate::http::Body;
use crate::personal_data::{erase_everywhere, Registry, Subject};
use actix_web::{delete, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(delete_me);
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
        (status = 409, description = "The last active administrator (`last_admin`) or the only representative of an organisation (`last_representative`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/me")]
pub async fn delete_me(
    user: CurrentUser,
    auth: web::Data<Auth>,
    db: web::Data<Db>,
    now: Now,
    registry: web::Data<Registry>,
    body: Body<DeletionConfirmation>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner()?;
    body.validate()?;
    auth.limits.password_check(user.id())?;
    auth.confirm_password(&user, body.password, "password")
        .await?;
    let registry = *registry.get_ref();
    let now = now.naive();
    db.run(move |conn| {
        write_transaction(conn, |conn| {
            // Serialises the deletion with whatever this account joins or accepts meanwhile,
            // with a second deletion and with credential changes: the row as it is now
            // decides.
            let account = user.still_current(conn, now)?;
            let subject = Subject {
                user_id: account.id,
                email: account.email.clone(),
                now,
            };
            erase_everywhere(registry, conn, &subject)?;
            audit::record(
                conn,
                now,
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
