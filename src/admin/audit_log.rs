//! Administrators read the audit log (the log itself is infrastructure: `crate::audit`).

use crate::audit::{list, AuditEntry};
use crate::auth::extract::Admin;
use crate::db::Db;
use crate::error::{ApiResult, Problem};
use crate::http::pagination::{Page, PageParams};
use actix_web::{get, web};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(audit_log);
}

/// Filters of the audit log.
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    /// Only entries about this kind of object, e.g. `user`.
    #[validate(length(max = 64), custom(function = "crate::text::line"))]
    #[param(
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    #[param(max_length = 64)]
    pub object_type: Option<String>,
    /// Only entries by this user.
    pub actor_id: Option<i64>,
}

/// The audit log, newest first (administrators only).
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    params(AuditFilter, PageParams),
    responses(
        (status = 200, description = "One page of entries", body = Page<AuditEntry>),
        (status = 400, description = "Invalid filter or page parameters", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit-log")]
pub async fn audit_log(
    _admin: Admin,
    db: web::Data<Db>,
    filter: web::Query<AuditFilter>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<AuditEntry>>> {
    let page = page.validate()?;
    filter.validate()?;
    let AuditFilter {
        object_type,
        actor_id,
    } = filter.into_inner();
    Ok(web::Json(
        db.run(move |conn| list(conn, object_type, actor_id, &page))
            .await?,
    ))
}
